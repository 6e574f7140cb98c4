#!/usr/bin/env python3
"""Exported by `optlab export-torch` from a training spec (2 run(s), 75 training and 75 test rows of 2 features, 3 classes, seed 1).

PyTorch in float64, no optlab: prints the JSON of `optlab train --format json` for the same spec, which
optlab's own numbers match to about 1e-9. Run: python3 this_file.py
"""

import json
import math

import torch
from torch import nn
from torch.optim import lr_scheduler

torch.set_default_dtype(torch.float64)


# ----------------------------------------------------------------------------------------------------------
# Reference code for what torch.optim does not have (the same float64 code that pins optlab to PyTorch in
# its golden tests, tests/golden/gen_fixtures.py and gen_train_fixtures.py). Every class works on a list of
# parameter tensors; the wrappers step through `stepper.step(closure)`, where `closure()` recomputes the
# gradient of this step's batch at the current parameters.


class AdamNoBiasCorrection(torch.optim.Optimizer):
    """torch's single-tensor Adam/AdamW (`_single_tensor_adam`) with both bias corrections set to 1."""

    def __init__(self, params, lr, betas, eps, weight_decay, amsgrad, decoupled):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      decoupled=decoupled))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
            for p in group["params"]:
                grad = p.grad
                st = self.state[p]
                if not st:
                    st["exp_avg"] = torch.zeros_like(p)
                    st["exp_avg_sq"] = torch.zeros_like(p)
                    st["max_exp_avg_sq"] = torch.zeros_like(p)
                if wd != 0:
                    if group["decoupled"]:
                        p.mul_(1 - lr * wd)
                    else:
                        grad = grad.add(p, alpha=wd)
                st["exp_avg"].lerp_(grad, 1 - beta1)
                st["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                if group["amsgrad"]:
                    torch.maximum(st["max_exp_avg_sq"], st["exp_avg_sq"], out=st["max_exp_avg_sq"])
                    denom = st["max_exp_avg_sq"].sqrt().add_(eps)
                else:
                    denom = st["exp_avg_sq"].sqrt().add_(eps)
                p.addcdiv_(st["exp_avg"], denom, value=-lr)


class Lion(torch.optim.Optimizer):
    """lucidrains/lion-pytorch `update_fn` (the authors' code), float64: p ← p(1 − lr·wd);
    update = sign(β₁·m + (1−β₁)·g); p ← p − lr·update; m ← β₂·m + (1−β₂)·g."""

    def __init__(self, params, lr, betas, weight_decay):
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            lr, wd, (beta1, beta2) = group["lr"], group["weight_decay"], group["betas"]
            for p in group["params"]:
                grad = p.grad
                st = self.state[p]
                if not st:
                    st["exp_avg"] = torch.zeros_like(p)
                exp_avg = st["exp_avg"]
                p.mul_(1.0 - lr * wd)
                update = exp_avg.clone().mul_(beta1).add(grad, alpha=1.0 - beta1).sign_()
                p.add_(update, alpha=-lr)
                exp_avg.mul_(beta2).add_(grad, alpha=1.0 - beta2)


NS_COEFFS = {
    "keller_quintic": (3.4445, -4.7750, 2.0315),
    "lecture_quintic": (15 / 8, -5 / 4, 3 / 8),
    "cubic": (1.5, -0.5, 0.0),
}


def zeropower(g, ns, steps, eps):
    """Keller Jordan's `zeropower_via_newtonschulz5` in float64 with a choice of coefficients, or the exact
    polar factor U Vᵀ by SVD (ns = "svd")."""
    if ns == "svd":
        u, _, vh = torch.linalg.svd(g, full_matrices=False)
        return u @ vh
    a, b, c = NS_COEFFS[ns]
    x = g
    if g.size(-2) > g.size(-1):
        x = x.mT
    x = x / (x.norm(dim=(-2, -1), keepdim=True) + eps)
    for _ in range(steps):
        A = x @ x.mT
        B = b * A + c * A @ A
        x = a * x + B @ x
    if g.size(-2) > g.size(-1):
        x = x.mT
    return x


class Muon(torch.optim.Optimizer):
    """Keller Jordan's `Muon` / `muon_update` (github.com/KellerJordan/Muon, muon.py) in float64 for 2-D
    parameters, with optlab's variants: momentum_form "ema" (the reference: M ← lerp(M, G, 1−β), Nesterov
    U = lerp(G, M, β)) or "sum" (M ← βM + G, Nesterov U = G + βM); ns = a coefficient set of NS_COEFFS or
    "svd"; scale "none" | "shape" (√max(1, rows/cols)) | "match_rms_adamw" (0.2·√max(rows, cols));
    decoupled weight decay p ← p(1 − lr·wd)."""

    def __init__(self, params, lr, momentum, nesterov, ns_steps, ns, momentum_form, scale, weight_decay, eps):
        super().__init__(params, dict(lr=lr, momentum=momentum, nesterov=nesterov, ns_steps=ns_steps, ns=ns,
                                      momentum_form=momentum_form, scale=scale, weight_decay=weight_decay, eps=eps))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta, lr, wd = group["momentum"], group["lr"], group["weight_decay"]
            for p in group["params"]:
                grad = p.grad.clone()
                st = self.state[p]
                if not st:
                    st["momentum_buffer"] = torch.zeros_like(p)
                buf = st["momentum_buffer"]
                if group["momentum_form"] == "ema":
                    buf.lerp_(grad, 1 - beta)
                    update = grad.lerp_(buf, beta) if group["nesterov"] else buf
                else:
                    buf.mul_(beta).add_(grad)
                    update = grad.add(buf, alpha=beta) if group["nesterov"] else buf
                o = zeropower(update, group["ns"], group["ns_steps"], group["eps"])
                rows, cols = p.shape
                if group["scale"] == "shape":
                    o = o * max(1, rows / cols) ** 0.5
                elif group["scale"] == "match_rms_adamw":
                    o = o * (0.2 * math.sqrt(max(rows, cols)))
                p.mul_(1 - lr * wd)
                p.add_(o, alpha=-lr)


class Newton(torch.optim.Optimizer):
    """x ← x − lr·(H + τI)⁻¹∇f with H the autograd Hessian of `self.loss_of_flat` (a function of all
    parameters flattened and concatenated, set by the training loop) and τ = max(0, damping − λ_min(H))
    (τ = 0 without damping); the solve by `torch.linalg.solve`."""

    def __init__(self, params, lr, damping):
        super().__init__(params, dict(lr=lr, damping=damping))
        self.loss_of_flat = None

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            params = group["params"]
            theta = torch.cat([p.detach().reshape(-1) for p in params])
            with torch.enable_grad():
                h = torch.autograd.functional.hessian(self.loss_of_flat, theta)
            g = torch.cat([p.grad.reshape(-1) for p in params])
            tau = 0.0
            if group["damping"] > 0:
                tau = max(0.0, group["damping"] - float(torch.linalg.eigvalsh(h)[0]))
            d = torch.linalg.solve(h + tau * torch.eye(len(theta)), g)
            for p, piece in zip(params, torch.split(d, [p.numel() for p in params])):
                p.sub_(group["lr"] * piece.reshape(p.shape))


class Plain:
    """Steps the torch optimizers (one, or Muon's and AdamW's param groups) once."""

    def __init__(self, optimizers):
        self.optimizers = optimizers

    def step(self, closure):
        for o in self.optimizers:
            o.step()


def flat(tensors):
    return torch.cat([t.reshape(-1) for t in tensors])


class Sam:
    """davda54/sam `first_step` / `second_step` over all parameters: ε̂ = ρ·g/(‖g‖₂ + 1e-12) (p = 2);
    p = "inf": ρ·sign(g); other p the dual-norm ascent ρ·sign(g)|g|^(q−1)/((Σ|g|^q)^(1/p) + 1e-12);
    adaptive (ASAM): ε̂ = |w|·ascent(|w|·g). The inner optimizer steps from the old weights with the
    gradient at w + ε̂ on the same batch."""

    def __init__(self, inner, params, rho, p, adaptive):
        self.inner, self.params, self.rho, self.p, self.adaptive = inner, params, rho, p, adaptive

    def ascent(self, g):
        rho, pn = self.rho, self.p
        if pn == 2:
            return g * (rho / (g.norm(p=2) + 1e-12))
        if pn == "inf":
            return rho * torch.sign(g)
        q = pn / (pn - 1)
        denom = (g.abs() ** q).sum() ** (1 / pn) + 1e-12
        return rho * torch.sign(g) * g.abs() ** (q - 1) / denom

    def step(self, closure):
        with torch.no_grad():
            g = flat([p.grad for p in self.params])
            if self.adaptive:
                t = flat(self.params).abs()
                e = t * self.ascent(t * g)
            else:
                e = self.ascent(g)
            old = [p.detach().clone() for p in self.params]
            for p, piece in zip(self.params, torch.split(e, [p.numel() for p in self.params])):
                p.add_(piece.reshape(p.shape))
        closure()  # the gradient at w + ε̂, same batch
        with torch.no_grad():
            for p, o in zip(self.params, old):
                p.copy_(o)
        self.inner.step(closure)


class Lookahead:
    """michaelrzhang/lookahead `lookahead_pytorch.py` (pullback_momentum="none"): slow weights cached at the
    start; after every k inner steps w ← α·w + (1−α)·slow, slow ← w."""

    def __init__(self, inner, params, k, alpha):
        self.inner, self.params, self.k, self.alpha = inner, params, k, alpha
        self.count = 0
        self.slow = [p.detach().clone() for p in params]

    def step(self, closure):
        self.inner.step(closure)
        self.count += 1
        if self.count >= self.k:
            self.count = 0
            with torch.no_grad():
                for p, s in zip(self.params, self.slow):
                    p.mul_(self.alpha).add_(s, alpha=1.0 - self.alpha)
                    s.copy_(p)

from torch.utils.data import DataLoader, TensorDataset  # noqa: E402


# ----------------------------------------------------------------------------------------------------------
# The data, split into training and test rows as optlab split it (after its input and label noise)

X_TRAIN = torch.tensor([
    [0.06745951248283676, -1.0500562701530451],
    [0.12059904700022038, -0.8225013812020665],
    [0.7084650074743837, 0.8740721823891516],
    [0.6193360717764915, 0.5070419578977506],
    [-0.2935295556852465, 0.4172390484081819],
    [0.2707366100712509, -0.9560791106874353],
    [0.19529363161335314, -0.5635408109627315],
    [-0.6732284894278784, 0.4335358611354104],
    [0.24355547964818589, -0.7840131019285179],
    [0.8099539587795743, 0.038942865439034226],
    [-1.1415737253739147, 0.08506899685605557],
    [0.3166225865406634, -0.8044829744453489],
    [0.4491512300463295, 1.2766024761657877],
    [-0.6047436284609349, 0.25008046251713073],
    [0.7177064742728624, 0.7463849667030079],
    [-1.0050640178584735, 0.2516904315487185],
    [1.0791308955646033, 0.6311573979137092],
    [-0.6819401955019714, 0.4069167378933833],
    [0.3266476956108514, 0.7215170081174829],
    [-0.9648096295885381, 0.3381491199441363],
    [-0.8832385829613764, 0.5805459232883879],
    [0.3244815541709506, -0.5199421985633028],
    [0.3010676628160371, 0.3469286528581765],
    [-0.037895362950914696, -0.6936445761422566],
    [-0.6613865867358558, 0.3029976988428172],
    [-1.0238880109103714, -0.6289705699490415],
    [0.675050428034371, 0.593131396824549],
    [0.6552844383347294, 0.6471967425183072],
    [-0.5659353799159177, 0.0935958858143677],
    [-0.6675803369190847, 0.06425181478301026],
    [0.924773087644468, 0.4557277954306165],
    [0.5388698210388465, -1.0245138510904037],
    [0.8705012896320841, 0.41740637292307375],
    [0.20138070717103737, 0.36537696798432023],
    [-0.49936133689693163, 0.4241241523543158],
    [0.29480004705919516, -0.5868406379118171],
    [0.35075535878166136, 0.6376901018010563],
    [-0.6853689594239587, 0.015547987647997849],
    [-0.9640490405069314, -0.25930602277537873],
    [0.25737576843381893, -0.9497571229354407],
    [0.2857932805659459, 0.4985086112429775],
    [-0.9800815874759408, 0.19877795979497473],
    [0.12249217827694386, -0.9154162327556448],
    [0.16498508114338498, -0.9503957886169023],
    [0.10436950448320406, -0.6029175725735497],
    [-0.6122381038926498, 0.18138608343183427],
    [0.028908411510577714, -0.3725072876153904],
    [0.35878327572121105, 0.3467153066017557],
    [0.4806550027736176, 0.41152282778775573],
    [-0.7687435668347493, -0.14433042675271301],
    [-0.0663032363131758, -0.9829101847042582],
    [-0.034295987635366086, -0.8875466588266976],
    [0.6747495017488535, 0.4728642864591222],
    [-0.9086842534255639, 0.19952298813641006],
    [0.43865341946684605, 0.8140239606336502],
    [-0.7185102968401447, 0.36830853352596704],
    [0.6224922979007382, 0.8761657911769368],
    [-0.9657507292363378, -0.07837155883405261],
    [0.030259052369538117, -0.5778650881383505],
    [0.1860945950005451, -0.6874374371539519],
    [0.452884362006017, 0.5567443108483898],
    [0.4366074693418504, 0.7908990334706186],
    [0.607020808037979, 0.31698393274995235],
    [-1.0516976236865998, 0.3715874934485289],
    [0.19867223741910517, -0.6180026178050994],
    [-0.7653213735820605, 0.6935851290927634],
    [0.19544045052614123, -0.7071281129193294],
    [0.43683194811995824, -0.21472304060241074],
    [-1.2266364973077026, -0.021899575400111962],
    [-0.7513820310152304, -0.1799615657851306],
    [0.2481668822679271, -0.7812017614077162],
    [-0.013272061412706385, -0.8173863312341917],
    [-0.0994158361161655, -0.4645224358631752],
    [-0.979844217990358, 0.21345587846923292],
    [0.07287876980830521, -0.8939434568419404],
]).reshape(-1, 2)
Y_TRAIN = torch.tensor([2, 2, 0, 0, 1, 2, 2, 0, 2, 0, 1, 2, 0, 1, 0, 1, 0, 1, 0, 1, 1, 2, 0, 2, 1, 1, 0, 0, 1, 1, 0, 2, 0, 0, 1, 2, 0, 1, 1, 2,
    0, 1, 2, 2, 2, 1, 2, 0, 2, 1, 2, 2, 0, 1, 0, 1, 0, 1, 2, 2, 0, 0, 0, 1, 2, 1, 2, 2, 1, 1, 2, 2, 0, 2, 2], dtype=torch.long)
X_TEST = torch.tensor([
    [-0.8532132933942478, 0.45933923529893544],
    [-0.7839134701561815, 0.3430582554166756],
    [0.7182907357356102, 0.715134628545038],
    [-0.1521402147500273, -0.7129727820406334],
    [0.3982332654433535, 0.4905412583787098],
    [0.33587527842081905, -0.9440924630423904],
    [0.3651883664897603, -0.7516992136145553],
    [0.5495327480081178, 0.4945389719036296],
    [0.07957995051807765, -0.8737080107784865],
    [0.44408701342175516, 0.7846197659723807],
    [0.24099494350645645, 0.5698085959641269],
    [0.6440468990339948, 0.6413873267187526],
    [0.6931367792730097, 0.3180031606462113],
    [0.38944093873073254, 0.7807237101068825],
    [1.1546062285562446, 0.4399233931496861],
    [0.16089414205124228, -0.7614354265872998],
    [0.6614769349750869, 0.605441882853896],
    [-0.7388983332889179, -0.000999663405033685],
    [1.2759965132702955, 0.263830926165308],
    [-0.970225302312385, 0.0806004735920641],
    [0.18949615777649773, -0.6769884268730687],
    [0.01966563041782321, -0.9813918139462146],
    [0.16150363966732711, -0.8981045963443284],
    [-0.5016708679484462, 0.06763878512284828],
    [0.17214701549762124, -0.3097924020749129],
    [-0.9083023635395273, 0.17827172378669928],
    [-1.046509094433731, 0.48048160634810133],
    [-1.469063470428246, 0.5564757917024119],
    [-0.6376252507553163, -0.07702148786571648],
    [0.40841783821363087, -0.4182260471678513],
    [0.19468377103102263, -0.9918400613663649],
    [0.9404577805675112, 0.6113408601592047],
    [0.503411016730148, 0.7523112778980912],
    [-0.08483107502179403, -0.698812963578989],
    [-0.11015404207921256, 0.7262502780192506],
    [0.845486564547549, 0.7905826831701915],
    [-0.8911578494886998, 0.8965910559528388],
    [0.9231560564997985, 0.6934855321582272],
    [0.09782873827617022, -0.8801882735392546],
    [0.05652631292016688, -1.0649653355469253],
    [-0.42579633497197544, 0.24997071577289692],
    [0.31051596064459497, -0.7270005298981933],
    [0.07776794545428703, -1.0433510188718325],
    [-0.6881226136151491, 0.5758670503656108],
    [0.22666619036730373, 0.5180341697639343],
    [0.2540948575625084, -1.033391923896904],
    [-0.03489892572356422, -0.6290354001156035],
    [0.8868657327163365, 0.6405320181050037],
    [-0.7430011955850876, 0.44029354731290005],
    [-0.9053500663995254, 0.024254429548305353],
    [0.22838748322519065, -0.9137519613991035],
    [0.3431673980318931, -0.5457165874099101],
    [0.7163608948621338, 0.4657108758785618],
    [0.031605206380280484, -0.9197760352514167],
    [0.5011192098282954, 0.799056477982488],
    [-0.0034495639319033315, -0.4195111191949839],
    [0.14280495739707155, -1.0330954910262826],
    [0.685888000626225, 0.7754115916325122],
    [0.7914134034275971, 0.5423759198189331],
    [-0.15074819488829322, -1.0556054066840448],
    [-0.9103450473603435, 0.060526539414883035],
    [-1.2677254349771294, 0.20150167914815106],
    [-0.773768039180314, 0.12321554237538587],
    [0.2624144810048858, 0.4671894857910527],
    [-0.6591728916369068, 0.3544362157011218],
    [-0.8771157373142986, 0.35783231601157117],
    [0.5169110010179496, 0.46901059233237696],
    [0.5316908301851186, 0.33652121909108207],
    [-0.6888303889979183, 0.20903748271277645],
    [0.47666133328285254, 0.4486755842224476],
    [-0.7129351156192424, 0.719061194836491],
    [-0.7438103314279124, 0.4808385729172148],
    [-0.9465476733396824, 0.5891413910107135],
    [0.6488432077496245, 0.2338358005256681],
    [0.6309530111567296, 0.4019756058496563],
]).reshape(-1, 2)
Y_TEST = torch.tensor([1, 1, 0, 2, 0, 2, 2, 0, 2, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 1, 2, 2, 2, 1, 2, 1, 1, 1, 1, 2, 2, 0, 0, 2, 1, 0, 1, 0, 2, 2,
    1, 2, 2, 1, 0, 2, 2, 0, 1, 1, 2, 2, 0, 2, 0, 2, 2, 0, 0, 2, 1, 1, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0], dtype=torch.long)
BATCH_SIZE = 10
# optlab's shuffled order of the training rows in each epoch (seed 1), cut into batches in turn
ORDERS = [
    [34, 21, 35, 56, 40, 74, 66, 33, 3, 71, 62, 60, 54, 1, 6, 9, 44, 53, 58, 49, 13, 55, 14, 39, 45, 46, 0, 29, 16, 72, 5,
     28, 12, 20, 18, 65, 2, 50, 52, 19, 27, 10, 70, 23, 24, 61, 30, 48, 47, 22, 15, 57, 59, 41, 32, 38, 64, 36, 4, 43,
     8, 7, 17, 26, 63, 69, 25, 51, 11, 31, 73, 67, 37, 68, 42],
    [51, 30, 59, 4, 57, 25, 16, 9, 44, 15, 13, 47, 41, 20, 1, 21, 26, 23, 43, 17, 54, 63, 55, 52, 70, 11, 31, 74, 67, 12,
     65, 0, 39, 68, 53, 14, 35, 36, 6, 40, 50, 28, 60, 45, 49, 5, 38, 22, 34, 10, 58, 42, 61, 24, 66, 48, 29, 3, 2, 37,
     8, 19, 32, 18, 72, 64, 73, 69, 62, 27, 7, 33, 71, 56, 46],
    [6, 16, 8, 66, 18, 22, 28, 59, 51, 55, 70, 29, 73, 43, 31, 40, 36, 68, 46, 10, 52, 60, 26, 32, 64, 0, 44, 61, 45, 54,
     69, 17, 27, 30, 67, 24, 11, 34, 37, 21, 72, 19, 14, 48, 38, 63, 33, 25, 41, 13, 49, 62, 5, 20, 71, 47, 1, 57, 74,
     42, 4, 53, 56, 7, 9, 23, 35, 58, 12, 2, 39, 50, 15, 3, 65],
    [13, 23, 63, 69, 38, 22, 21, 53, 9, 5, 72, 71, 19, 43, 60, 52, 31, 40, 73, 49, 10, 8, 59, 47, 34, 20, 48, 17, 56, 45,
     46, 4, 54, 36, 44, 41, 15, 3, 37, 74, 58, 25, 57, 16, 35, 14, 6, 70, 26, 18, 39, 42, 27, 64, 66, 61, 62, 1, 28, 2,
     11, 51, 29, 7, 68, 67, 65, 0, 55, 30, 33, 12, 24, 32, 50],
    [6, 39, 11, 54, 15, 16, 60, 28, 4, 40, 38, 27, 57, 66, 0, 5, 53, 17, 25, 56, 1, 61, 44, 3, 73, 69, 59, 49, 24, 63, 29,
     67, 26, 46, 12, 52, 42, 9, 58, 64, 72, 41, 47, 18, 23, 21, 33, 74, 51, 35, 31, 14, 45, 55, 2, 48, 50, 32, 22, 70,
     7, 68, 20, 13, 30, 8, 65, 36, 71, 43, 37, 34, 62, 19, 10],
    [56, 23, 19, 6, 10, 39, 69, 68, 9, 40, 11, 13, 34, 5, 17, 24, 25, 48, 62, 12, 41, 1, 36, 33, 28, 58, 50, 59, 53, 8, 74,
     35, 4, 26, 2, 65, 67, 61, 52, 60, 14, 42, 18, 57, 30, 47, 32, 43, 55, 38, 73, 20, 70, 45, 72, 66, 51, 15, 21, 44,
     49, 27, 7, 0, 22, 63, 46, 3, 71, 16, 31, 54, 64, 37, 29],
    [39, 56, 36, 49, 6, 35, 74, 42, 0, 72, 7, 59, 1, 23, 26, 8, 22, 31, 37, 57, 70, 33, 62, 19, 47, 53, 28, 11, 30, 34, 2,
     24, 65, 61, 60, 41, 63, 40, 29, 73, 71, 58, 20, 9, 45, 64, 52, 4, 68, 46, 3, 43, 21, 38, 14, 13, 10, 5, 27, 67, 48,
     15, 54, 25, 69, 12, 55, 66, 17, 51, 32, 16, 44, 18, 50],
    [22, 11, 18, 54, 57, 34, 59, 8, 53, 36, 64, 74, 17, 35, 58, 60, 40, 45, 65, 44, 33, 56, 52, 3, 71, 55, 27, 32, 28, 50,
     26, 63, 24, 31, 47, 15, 19, 21, 2, 43, 6, 10, 5, 1, 51, 69, 70, 23, 62, 0, 7, 61, 38, 39, 29, 30, 72, 20, 41, 46,
     4, 48, 42, 9, 66, 12, 68, 25, 49, 37, 14, 73, 16, 67, 13],
    [29, 28, 71, 41, 9, 68, 53, 74, 18, 56, 42, 20, 12, 63, 4, 44, 11, 0, 45, 51, 30, 59, 24, 7, 3, 33, 69, 57, 70, 27, 31,
     17, 34, 60, 72, 36, 61, 6, 13, 26, 47, 64, 23, 46, 1, 40, 19, 49, 38, 14, 52, 50, 2, 66, 54, 25, 22, 55, 10, 16,
     67, 73, 62, 48, 5, 37, 32, 15, 39, 65, 21, 58, 35, 8, 43],
    [44, 57, 45, 69, 30, 0, 66, 26, 7, 22, 47, 64, 71, 68, 46, 23, 14, 54, 42, 70, 72, 58, 34, 25, 65, 48, 36, 16, 62, 39,
     31, 12, 5, 41, 10, 17, 50, 40, 4, 27, 63, 38, 53, 60, 74, 37, 35, 1, 3, 55, 2, 61, 6, 51, 21, 56, 33, 29, 43, 52,
     9, 20, 19, 8, 49, 24, 73, 11, 32, 15, 13, 28, 59, 67, 18],
    [54, 73, 52, 33, 23, 46, 8, 50, 7, 12, 64, 59, 25, 72, 30, 61, 56, 28, 71, 40, 29, 10, 26, 48, 14, 63, 74, 51, 27, 21,
     68, 44, 66, 41, 67, 16, 17, 55, 47, 53, 31, 37, 6, 39, 57, 0, 60, 20, 4, 24, 62, 19, 38, 1, 45, 70, 13, 11, 5, 22,
     65, 32, 3, 36, 2, 18, 35, 49, 34, 15, 9, 69, 43, 58, 42],
    [69, 54, 19, 6, 56, 67, 74, 3, 59, 68, 23, 31, 1, 25, 64, 29, 46, 27, 18, 63, 9, 10, 30, 70, 22, 16, 57, 45, 44, 53, 73,
     60, 43, 17, 14, 24, 71, 51, 0, 20, 42, 62, 7, 40, 37, 72, 38, 33, 41, 36, 39, 47, 34, 52, 28, 32, 55, 66, 15, 8, 2,
     21, 11, 5, 48, 12, 35, 13, 26, 58, 50, 61, 65, 49, 4],
    [17, 2, 12, 31, 21, 24, 30, 54, 64, 27, 57, 13, 66, 60, 43, 70, 0, 34, 61, 62, 73, 15, 28, 26, 16, 6, 1, 50, 40, 42, 9,
     55, 41, 71, 67, 25, 32, 39, 63, 5],
]


# ----------------------------------------------------------------------------------------------------------
# The network: nn.Sequential(Linear, act, …, Linear); INIT is torch.cat([p.flatten() for p in model.parameters()])

LAYERS = [nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3)]
MASKS = None  # no dropout
INIT = [0.18295212076001782, 0.3764653683095441, -1.0597421308545911, -0.32468813897464494, -0.5003845002105765,
    -1.5192012419784502, 0.9127289633505308, -0.43490784649092956, -1.0663345648933418, -0.2600464432671105,
    1.5403272858932437, 0.2014349920940068, -0.35937054678408786, 0.1870205809190813, 0.30665207650562487,
    1.361862077651543, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.7571942744589262, -0.5312058935241509,
    -0.20709552712331847, 0.6508141812566731, -0.5540057162661978, -0.5048171600310466, -0.4731898842816982,
    0.4132197478459678, 0.002124661910690096, 0.42131198570761974, 0.25942355966592234, -0.4847255224138564,
    -0.5667615799133779, 0.52066488758939, 0.7115594325680268, -0.4575238626164079, -0.5159674688843856,
    0.7637514352039683, -0.0529790558213762, -0.6835690723799793, -0.21738526218410142, -0.6427817129053808,
    -0.7900409808483451, 0.7380742724045247, 0.04999052774976417, -0.9895840588160993, -0.6640645383741218,
    0.901155761202037, -0.6101072702843899, -0.042208880491241586, -0.40690201859979636, 0.01015357686173275,
    -0.3859075279551343, -0.7142892761466895, -0.29863032526277233, 0.26568884111039115, -0.6425346138323395,
    -0.776462508943221, 0.5260945178773847, 0.2483083129700722, 0.5657843493036838, 0.03841642295528746,
    -0.9324059009596132, 0.025096724343796496, 0.23745839224784224, -0.7506247840717581, 0.06088710044279214,
    -0.00394412924851865, 0.43311950617560047, 0.21533918550167438, 0.20585141219979, 0.3305308966928116,
    0.25456850387329943, -0.04070580497478979, 0.03789349217507974, -0.8075751326039209, 0.16175333959817348,
    0.8618711603922954, -0.42354206465686983, -0.5809146336129407, 0.2247047248668497, -0.33992271625629084,
    -0.8685403358127627, 0.32647533122234457, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.20958644265129928,
    -0.2891819243145777, -0.5973673782350939, 0.4955245011343915, -0.13928553219741743, 0.18421422242629631,
    -0.18089918545185027, 0.36692157852679913, 0.23812258482536441, -0.29125357743875, -0.3272906341524199,
    0.09605301300722521, -0.3246005745416625, -0.1627459375274055, 0.18419655954850866, -0.4837993171218356,
    0.03937581654677118, 0.22391042060500765, 0.44978741533373956, 0.4107996660487923, 0.16357303073768623,
    -0.17249441027779594, 0.5856921594066093, -0.877613219734501, 0.0, 0.0, 0.0]
criterion = nn.CrossEntropyLoss()


# ----------------------------------------------------------------------------------------------------------
# The runs: each `build` makes the optimizer (and its schedulers, stepped once after every step)


def build_0(model, params):
    """Run 0: muon."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    hidden_ids = {id(m.weight) for m in linears[1:-1]}
    hidden = [p for p in params if id(p) in hidden_ids]
    rest = [p for p in params if id(p) not in hidden_ids]
    # Keller Jordan's split: Muon for the hidden-to-hidden weight matrices, AdamW for the rest
    optimizer = Muon(hidden, lr=0.05, momentum=0.95, nesterov=True, ns_steps=5, ns="keller_quintic", momentum_form="ema", scale="shape", weight_decay=0.0, eps=1e-7)
    adamw = torch.optim.AdamW(rest, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, amsgrad=False)
    stepper = Plain([optimizer, adamw])
    return stepper, [optimizer, adamw], []


def build_1(model, params):
    """Run 1: adamw."""
    optimizer = torch.optim.AdamW(params, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, amsgrad=False)
    stepper = Plain([optimizer])
    return stepper, [optimizer], []


RUNS = [
    ("muon", build_0, 100, 5),
    ("adamw", build_1, 100, 5),
]


def make_model():
    """The network at INIT; every run starts from the same weights and fresh running statistics (LAYERS' modules are
    shared by the runs)."""
    model = nn.Sequential(*LAYERS)
    torch.nn.utils.vector_to_parameters(torch.tensor(INIT), model.parameters())
    for m in model:
        if isinstance(m, nn.BatchNorm1d):
            m.reset_running_stats()
    return model


def train(label, build, steps, eval_every):
    """optlab's training loop (src/train/trainer.rs): at every step the batch loss before the update, one
    optimizer step (a wrapper may ask for more gradients of the same batch), the schedulers stepped; the
    metrics over the whole training and test splits at step 0, every `eval_every` steps and at the end."""
    model = make_model()
    params = list(model.parameters())
    stepper, optimizers, schedulers = build(model, params)
    history = []
    state = {"step": 0, "epoch": 0, "samples": 0, "lr": None, "batch_loss": None}

    def evaluate(x, y):
        model.eval()
        with torch.no_grad():
            z = model(x)
        model.train()
        return float(criterion(z, y)), float((z.argmax(1) == y).double().mean())

    def record():
        if history and history[-1]["step"] == state["step"]:
            return
        train_loss, train_accuracy = evaluate(X_TRAIN, Y_TRAIN)
        test_loss, test_accuracy = evaluate(X_TEST, Y_TEST) if len(Y_TEST) else (None, None)
        history.append({**state, "train_loss": train_loss, "train_accuracy": train_accuracy, "test_loss": test_loss,
                        "test_accuracy": test_accuracy})

    record()
    diverged = None
    epoch_index = 0
    dataset = TensorDataset(X_TRAIN, Y_TRAIN)
    while state["step"] < steps and diverged is None:
        if ORDERS is None:
            loader = DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=False, drop_last=False)
        else:
            loader = DataLoader(dataset, batch_size=BATCH_SIZE, sampler=ORDERS[epoch_index], drop_last=False)
        epoch_index += 1
        seen = 0
        for xb, yb in loader:
            if state["step"] == steps:
                break

            def batch_loss_of(xb=xb, yb=yb):
                model.zero_grad()
                loss = criterion(model(xb), yb)
                loss.backward()
                return loss

            for o in optimizers:
                if isinstance(o, Newton):
                    o.loss_of_flat = newton_loss(model, xb, yb)
            set_dropout(model, state["step"], len(yb))
            lr = float(optimizers[0].param_groups[0]["lr"])
            loss = float(batch_loss_of().detach())
            hold_running_stats(model, True)
            stepper.step(batch_loss_of)
            hold_running_stats(model, False)
            set_dropout(model, None, 0)
            for s in schedulers:
                s.step()
            seen += len(yb)
            state.update(step=state["step"] + 1, samples=state["samples"] + len(yb), lr=lr, batch_loss=loss)
            if seen == len(Y_TRAIN):
                state["epoch"] += 1
            bad = not math.isfinite(loss) or abs(loss) > 1e100 or not all(torch.isfinite(p).all() for p in params)
            if bad:
                diverged = {"step": state["step"], "reason": f"the batch loss reached {loss} at step {state['step']} (lr = {lr})"}
                break
            if state["step"] % eval_every == 0:
                record()
    record()
    return {"label": label, "history": history, "diverged": diverged}


def set_dropout(model, step, rows):
    """Sets the dropout noise of training step `step` (counted from 0; its batch has `rows` rows) on the model's
    MaskedDropout layers, `MASKS[step]` scaled by 1/(1 − p) as torch's dropout scales it, or clears it (`step` None);
    nothing without dropout. One mask per step: every gradient of the step (SAM's second) uses it."""
    if MASKS is None:
        return
    drops = [m for m in model if isinstance(m, MaskedDropout)]
    if step is None:
        for m in drops:
            m.noise = None
        return
    units = sum(m.width for m in drops)
    h = MASKS[step]
    bits = bin(int(h, 16))[2:].zfill(4 * len(h))[: rows * units]
    mask = torch.tensor([float(b) for b in bits]).reshape(rows, units)
    start = 0
    for m in drops:
        m.noise = mask[:, start:start + m.width].div(1.0 - DROPOUT)
        start += m.width


def hold_running_stats(model, hold):
    """Batch normalisation's running statistics move with a step's first gradient only, as in optlab: while the
    optimizer steps (SAM's second gradient) every BatchNorm1d's momentum is 0, so they stay (davda54/sam's
    disable_running_stats). Nothing without batch normalisation."""
    for m in model:
        if isinstance(m, nn.BatchNorm1d):
            m.momentum = 0.0 if hold else 0.1


def newton_loss(model, xb, yb):
    """The batch loss as a function of all parameters flattened (for Newton's autograd Hessian)."""
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    sizes = [p.numel() for p in model.parameters()]

    def loss_of_flat(theta):
        pieces = {n: t.reshape(s) for n, t, s in zip(names, torch.split(theta, sizes), shapes)}
        return criterion(torch.func.functional_call(model, pieces, (xb,)), yb)

    return loss_of_flat


print(json.dumps({"runs": [train(*r) for r in RUNS]}))
