#!/usr/bin/env python3
"""Exported by `optlab export-torch` from a training spec (2 run(s), 100 training and 100 test rows of 2 features, 2 classes, seed 7).

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
    [0.47252269169341005, 0.08964464981060992],
    [0.8917635566009887, -0.8786167126866873],
    [-0.6410778352480037, 0.0034797992061661037],
    [0.5589632322376554, -0.827735607059138],
    [-1.3527490006605163, 0.4455080620322154],
    [-0.17018668103845677, 0.6945812295914602],
    [-0.5918348625708256, 0.8095490707077426],
    [-1.112146496329522, 0.4950906183804903],
    [0.21858617216734702, 0.5643754207933933],
    [-1.5655020879544357, 0.3238100662477379],
    [-1.01049048344897, 0.6765085452557084],
    [1.3873067100522338, -0.31440303834270666],
    [-0.41486577302200645, 0.5329866326339134],
    [1.2803589373267403, -0.10604731173097298],
    [-0.05704767042277942, -0.6446687471095585],
    [0.7777268293035497, -0.5148774875090387],
    [1.279461106440443, 0.24988968260936062],
    [-1.516300342405604, -0.11978589179318701],
    [-0.8868845180570609, 0.5079125975793809],
    [-0.34449067900474883, -0.2816682535251187],
    [0.3725008122904411, 0.28920938992747935],
    [-0.15539392365062366, 0.7546693428391755],
    [-0.4195106127655934, 0.06533998578809305],
    [-0.8648024086728581, 0.5575459301923691],
    [-0.4212019902607665, -0.6243259893817363],
    [0.3947455540291616, -1.0650305617270794],
    [-0.22143657628286556, 0.6042052851115818],
    [1.7132049978814192, -0.27839929819802106],
    [-0.5481214546732153, -0.2936170669759528],
    [-0.3485940534882229, -0.3618672866008674],
    [-0.15295055426331955, -0.7070029845051347],
    [0.6539578513063418, -0.521895849445013],
    [0.8462083298233519, -0.6676384102966748],
    [-1.396840315572173, 0.43932635397752506],
    [-0.48492415957512175, 0.2005556552693146],
    [-0.4795817312072262, -0.26395644430116855],
    [0.5801645914776786, 0.10251450929562005],
    [0.13064310025223566, 0.7054647378995444],
    [1.3200602751255086, -0.18782766937947845],
    [0.8956124616121075, -0.5552863696506529],
    [0.10665913605237629, 0.5229669906777665],
    [1.7071138646010395, 0.16347168125270736],
    [0.8944398869070928, -0.4965220581714178],
    [1.2981294825282141, 0.4440236784857591],
    [0.26199679205343696, 0.3632595189043407],
    [0.48822256396818653, 0.10496130257853768],
    [-0.5132295818148908, -0.13709925990717245],
    [-1.1104584646181577, 0.489508072467593],
    [-1.6613871237117843, 0.13896522479744527],
    [1.4423309108532265, -0.4227947341194518],
    [0.8953552150941648, -0.9295427257477622],
    [-0.4479553416215419, 0.4652047848356076],
    [0.0956401790450919, 0.465618910174172],
    [0.8076598960124051, -0.45754752521928],
    [-0.25799776620374837, 0.18447432580506065],
    [1.328683090231297, -0.045414683863495],
    [0.3015838247791578, 0.28028800976713425],
    [-0.9167315049092888, 0.5876219153444469],
    [-0.5235481587213836, 0.19927001621742876],
    [1.469134507066688, -0.13901560179723585],
    [0.740817744686587, -0.7845572466958979],
    [-0.10980070591349382, -0.27222232789195444],
    [-0.2521876199270135, 0.6529735171084718],
    [0.8643722882876758, -0.786624882732732],
    [-0.17007547978473248, -0.4483420399103751],
    [-1.3822413000649743, 0.5253856156878152],
    [-0.2326283689486456, 0.75527259701148],
    [0.39614699643767043, -0.8070223849632],
    [-0.1966473303964944, 0.562658582533589],
    [-0.39892948591613575, 0.857012963950534],
    [-1.5452334056285646, -0.183142023360479],
    [-0.21791766296704396, -0.8785705722436576],
    [0.1210501741169073, -0.6701353091755237],
    [-1.7539098064913325, 0.08276261319993258],
    [0.3930888350775567, -0.61724223961152],
    [1.2624647972980574, -0.40009651537817315],
    [-1.3060470012034087, 0.6073437621936056],
    [-0.5341718224826154, -0.06852894188910068],
    [-0.2012081411715317, 0.04894178566315033],
    [0.7616436690655528, -0.7698535857757144],
    [-1.180467456032875, 0.3902803301867722],
    [-0.2988297290954557, -0.8346758320966551],
    [0.30231356878542587, 0.4545551055975366],
    [0.22592168821577277, 0.651814050282933],
    [0.5036830022769109, -0.08329649253608558],
    [-0.433354337465243, 0.631033252979722],
    [0.3941352526598109, 0.03182620821290677],
    [1.3153019224851172, 0.14102459318651267],
    [0.5315701934220367, 0.1166886329715085],
    [0.35074839987823153, -0.20122075052848276],
    [0.4968699595909742, -0.5694122854833744],
    [0.8228068177943498, -0.5218666020885999],
    [0.47005209898570927, 0.06137322384628156],
    [0.7951375373802874, -0.8274804306317696],
    [-0.3304334860587425, -0.12980863940354398],
    [0.346936450033367, -0.16071846775029827],
    [1.3662877391046009, -0.384703884405895],
    [1.0672680416484646, -0.7524047452654434],
    [0.5479856637269038, 0.22755281374398686],
    [0.4754385678983187, 0.05023059363803031],
]).reshape(-1, 2)
Y_TRAIN = torch.tensor([0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1,
    0, 1, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1,
    1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0], dtype=torch.long)
X_TEST = torch.tensor([
    [-0.02007538751803163, -0.8071316206552932],
    [0.10836218404644972, 0.5867217429610095],
    [0.9641379879343621, -0.6578178571880148],
    [-1.503849918762958, 0.10497655509355627],
    [-1.253292383778046, 0.6602009636050754],
    [-0.5694366624700675, -0.006003036446797075],
    [-0.20517746459589525, 0.666513896392503],
    [-1.1459744973799957, 0.26410061619764447],
    [0.026198625162734662, -0.7650518810438586],
    [-1.5460359077011747, -0.04798809005121962],
    [0.7436714895269803, 0.3511347719610935],
    [0.21416708599087364, -0.8357763308566966],
    [-0.5564513141618497, 0.06735754106920425],
    [1.5341187691955191, -0.24956755939199768],
    [-0.007000907117567769, 0.8527285934238495],
    [-1.3937546276920518, -0.029981261270795864],
    [-0.1712484395693228, 0.566321205751014],
    [-0.29820175021492484, -0.06795408222718563],
    [-1.2771837874769973, 0.6551983626679191],
    [-0.4783895534780197, -0.07066617756522889],
    [1.3000155273853298, -0.5699234858865604],
    [-0.7606354244324293, 0.7311347050190576],
    [1.3170039141103251, -0.27180245328480573],
    [-0.7064625834059687, 0.6333611716909165],
    [-1.5809490957780483, -0.2382204350686875],
    [-0.571850963801977, 0.08038927225598826],
    [-1.4498826740309714, -0.14109100217429907],
    [-0.8809609846529178, 0.7063083858362524],
    [0.24277261900414193, -0.6244821122932657],
    [-1.2972495737892602, -0.28597611572403286],
    [0.5430496275747597, -0.8230497135411451],
    [-1.259441367502878, 0.765947711823681],
    [-0.5203711628959786, -0.03245953596168267],
    [-0.7317306381244083, -0.08524847140829193],
    [-1.5349462266624976, -0.06079304653524917],
    [1.3506184858083556, -0.4453315157259808],
    [-1.589697486328154, 0.007679647091208275],
    [0.11028187764727299, -0.7631029423859438],
    [-0.1485784290777144, 0.662342757955947],
    [0.40932644442906807, -0.5579548113417305],
    [0.7790652196501912, -0.8695603698038245],
    [1.3627469605609637, -0.18849466726243863],
    [1.6341959189656967, -0.23204125330786887],
    [1.4720559523857726, -0.06631626362109576],
    [-0.7299216075651435, 0.9341935062090141],
    [0.33051596866943933, 0.5928248199411164],
    [0.16211917434572565, 0.3432048576452997],
    [-1.3578503357267806, 0.06221354491101833],
    [0.985226062102295, -0.7380743369368971],
    [0.170859904633217, 0.4803928224570423],
    [0.5840255733324952, -0.04546054568133841],
    [0.35225443721810523, -0.5721846299147932],
    [0.08275516259536163, -0.8286643435977311],
    [0.3208178158189371, -0.04736668842446981],
    [-0.9135445986590914, 0.8943016862908673],
    [-1.4560496142734545, 0.39836811628307434],
    [-1.2144248209224253, 0.37555468402927383],
    [-0.2906760216963484, -0.3203965018189825],
    [0.13574239435149296, -0.7790727077538162],
    [-0.8090290770704258, 0.7516093318939677],
    [0.40139575081853335, -0.03629026413642844],
    [-0.5977232934204479, 0.6848936135661957],
    [0.23885985638688004, -0.8852783131050252],
    [1.313282559177394, -0.3572623027002325],
    [-0.48128313998617306, 0.6061006915251409],
    [1.363738337565891, -0.20692817127414787],
    [-0.7630761979090084, 0.5275248214031756],
    [-0.3950873017200076, 0.5602467968430416],
    [0.47366788886270683, 0.32050757204920843],
    [-0.24711805863330144, 0.9243963731892495],
    [-0.11106121198433325, -0.6572282768034567],
    [-0.11386646706602926, -0.5215618666232098],
    [1.4027275125220624, -0.060788251809808166],
    [-0.5658857130998911, 0.9623005333257789],
    [-0.2720920306285223, 0.6275102454385305],
    [1.0946702670759032, -0.38773890529593225],
    [1.6287073045836613, 0.20277322445146384],
    [1.140358810535588, -0.38021148885009404],
    [0.04597031836011645, 0.7452631439750648],
    [-0.21615901471788543, 0.8873292408379071],
    [-1.4341703361183626, 0.14108459668039497],
    [1.1408699629622197, -0.4178251005831275],
    [-1.3000462698778181, 0.2992773633473159],
    [0.6238255707282554, -0.20373188273691994],
    [-0.5082086966587294, -0.4672102019616722],
    [0.07101126833053753, -0.572270780202412],
    [1.5566565409832136, 0.1592421701524831],
    [-1.254948838902641, 0.1513177950814136],
    [0.6109012180758236, -0.5768249318156912],
    [0.2751278478241152, 0.2385432256873538],
    [1.5327311453410892, 0.10934607934531204],
    [-0.2158104765757783, -0.7535407923136056],
    [-0.15873809700445643, 0.6290025947085026],
    [-1.5618386564951063, 0.350120266402441],
    [-0.29634100286323956, -0.34583822721958635],
    [0.6762429143103352, -0.46024183284610515],
    [1.2565065445681571, 0.19525146708993268],
    [-1.4845297028801203, 0.1938819626117399],
    [1.072942322832807, -0.2912716254070598],
    [1.0246704898125705, -0.7223547021278659],
]).reshape(-1, 2)
Y_TEST = torch.tensor([1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1,
    1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0,
    0, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1], dtype=torch.long)
BATCH_SIZE = 16
# optlab's shuffled order of the training rows in each epoch (seed 7), cut into batches in turn
ORDERS = [
    [91, 94, 1, 63, 19, 5, 40, 11, 31, 34, 49, 2, 28, 27, 70, 7, 22, 92, 60, 48, 56, 21, 57, 53, 71, 62, 37, 69, 90, 14, 32,
     42, 72, 86, 51, 89, 26, 75, 47, 17, 80, 68, 45, 18, 8, 3, 85, 79, 76, 84, 13, 66, 4, 44, 59, 24, 82, 35, 41, 96,
     30, 67, 95, 77, 25, 16, 0, 6, 83, 46, 73, 55, 99, 87, 39, 74, 78, 15, 52, 9, 65, 54, 61, 50, 33, 20, 10, 38, 88,
     12, 81, 93, 64, 97, 23, 43, 36, 98, 29, 58],
    [24, 90, 23, 74, 89, 39, 95, 64, 22, 52, 50, 43, 6, 53, 70, 36, 78, 3, 2, 40, 80, 71, 97, 30, 82, 12, 99, 72, 13, 26,
     11, 19, 77, 88, 79, 67, 55, 47, 38, 25, 54, 76, 1, 0, 57, 81, 91, 16, 45, 29, 33, 87, 48, 35, 58, 4, 84, 96, 63,
     49, 85, 68, 20, 73, 69, 28, 10, 83, 34, 56, 41, 9, 37, 86, 66, 17, 65, 42, 60, 92, 21, 44, 5, 32, 27, 31, 7, 59,
     93, 94, 14, 46, 15, 61, 18, 75, 62, 98, 51, 8],
    [24, 37, 11, 86, 6, 84, 99, 82, 39, 85, 14, 46, 15, 92, 12, 55, 32, 0, 26, 4, 2, 95, 49, 93, 53, 47, 40, 60, 79, 16, 66,
     65, 68, 51, 22, 5, 7, 87, 62, 25, 21, 50, 44, 94, 36, 3, 35, 59, 91, 90, 78, 45, 1, 57, 38, 64, 56, 17, 10, 58, 43,
     61, 83, 54, 30, 80, 73, 63, 72, 13, 42, 52, 88, 28, 98, 9, 96, 76, 71, 8, 19, 77, 89, 81, 48, 33, 18, 27, 70, 29,
     41, 31, 34, 97, 67, 23, 20, 75, 74, 69],
    [92, 50, 71, 23, 13, 51, 2, 3, 34, 74, 47, 28, 60, 58, 24, 33, 72, 40, 62, 35, 88, 39, 7, 15, 46, 21, 17, 96, 42, 4, 8,
     25, 79, 54, 26, 89, 63, 67, 61, 1, 64, 99, 56, 5, 70, 41, 76, 43, 14, 68, 84, 48, 36, 11, 9, 31, 66, 87, 91, 57,
     10, 78, 97, 0, 80, 93, 65, 94, 6, 37, 52, 29, 49, 59, 86, 77, 38, 16, 12, 81, 22, 20, 90, 73, 69, 95, 45, 30, 27,
     32, 98, 55, 83, 19, 82, 44, 75, 18, 53, 85],
    [72, 3, 17, 62, 99, 63, 70, 48, 26, 85, 71, 56, 65, 58, 27, 39, 84, 83, 51, 12, 94, 73, 68, 31, 43, 45, 16, 97, 41, 19,
     44, 1, 50, 96, 35, 98, 64, 18, 52, 25, 36, 80, 42, 82, 10, 61, 8, 14, 66, 90, 76, 11, 9, 29, 69, 91, 55, 47, 24, 6,
     20, 22, 33, 57, 75, 34, 5, 86, 92, 81, 54, 23, 0, 21, 4, 49, 87, 30, 67, 88, 28, 89, 13, 40, 60, 74, 15, 53, 78,
     59, 95, 37, 32, 93, 7, 46, 38, 79, 2, 77],
    [25, 67, 40, 69, 29, 7, 47, 84, 9, 43, 61, 77, 80, 18, 23, 32, 59, 14, 81, 48, 13, 63, 3, 19, 68, 51, 58, 54, 79, 96,
     73, 49, 95, 60, 93, 45, 70, 15, 46, 89, 88, 94, 98, 34, 36, 10, 76, 66, 56, 38, 5, 28, 8, 20, 91, 22, 87, 6, 78,
     72, 33, 35, 52, 1, 16, 44, 74, 42, 99, 0, 2, 82, 53, 65, 92, 97, 85, 50, 41, 90, 75, 21, 30, 24, 64, 37, 27, 57,
     12, 39, 11, 83, 17, 55, 71, 62, 31, 4, 26, 86],
    [9, 1, 16, 19, 95, 39, 76, 34, 6, 0, 23, 57, 3, 48, 5, 51, 72, 25, 73, 29, 58, 10, 17, 92, 62, 78, 13, 40, 66, 43, 90,
     87, 59, 50, 80, 89, 18, 60, 15, 64, 11, 56, 49, 94, 79, 46, 30, 8, 31, 71, 36, 22, 70, 81, 97, 91, 21, 69, 82, 42,
     85, 96, 47, 26, 88, 38, 41, 32, 99, 35, 68, 83, 55, 28, 74, 37, 93, 54, 98, 77, 45, 44, 2, 33, 67, 27, 4, 12, 65,
     61, 14, 63, 53, 7, 86, 20, 24, 84, 52, 75],
    [83, 31, 81, 7, 27, 22, 24, 77, 15, 46, 97, 42, 75, 44, 19, 11, 86, 72, 26, 93, 69, 13, 76, 94, 39, 92, 58, 9, 8, 50,
     63, 30, 68, 67, 29, 45, 79, 73, 33, 51, 71, 62, 34, 25, 60, 54, 53, 3, 84, 16, 47, 90, 55, 98, 74, 89, 80, 2, 88,
     65, 37, 52, 95, 61, 4, 66, 64, 87, 14, 85, 78, 23, 28, 48, 91, 36, 10, 12, 56, 32, 17, 96, 38, 18, 99, 70, 40, 0,
     57, 49, 5, 1, 59, 6, 21, 43, 82, 20, 41, 35],
    [8, 33, 13, 10, 15, 60, 88, 68, 84, 35, 2, 80, 97, 28, 95, 3, 12, 81, 39, 37, 50, 31, 82, 62, 34, 11, 67, 18, 73, 66,
     61, 48, 9, 45, 52, 1, 44, 58, 25, 56, 74, 98, 85, 70, 14, 38, 0, 43, 5, 79, 26, 19, 21, 4, 89, 42, 87, 29, 30, 7,
     41, 16, 93, 32, 77, 63, 22, 20, 53, 54, 72, 55, 23, 92, 27, 24, 76, 91, 90, 51, 36, 96, 65, 64, 47, 49, 59, 75, 46,
     6, 94, 78, 17, 71, 40, 69, 83, 99, 57, 86],
    [18, 21, 26, 30, 22, 39, 74, 56, 25, 95, 90, 20, 32, 88, 57, 92, 8, 54, 99, 37, 47, 83, 3, 6, 89, 58, 12, 52, 71, 46,
     36, 4, 27, 13, 7, 28, 85, 59, 49, 75, 78, 63, 86, 38, 76, 23, 91, 31, 80, 84, 61, 82, 35, 64, 66, 11, 1, 72, 53,
     43, 77, 67, 87, 17, 5, 94, 81, 62, 73, 60, 50, 29, 40, 45, 97, 65, 44, 33, 15, 14, 10, 98, 79, 34, 70, 96, 51, 9,
     41, 48, 68, 16, 2, 55, 42, 93, 19, 24, 69, 0],
    [57, 65, 8, 9, 16, 93, 54, 17, 10, 14, 1, 15, 32, 38, 5, 68, 42, 70, 69, 51, 21, 46, 56, 2, 97, 58, 39, 95, 19, 28, 72,
     79, 90, 47, 94, 59, 27, 81, 82, 13, 45, 98, 41, 33, 85, 66, 83, 43, 76, 4, 55, 34, 67, 11, 31, 3, 36, 53, 86, 52,
     48, 30, 84, 88, 80, 77, 40, 64, 23, 29, 20, 24, 96, 60, 89, 0, 6, 50, 73, 61, 75, 12, 25, 87, 26, 62, 7, 44, 74,
     63, 37, 92, 49, 22, 78, 99, 35, 91, 18, 71],
    [27, 33, 38, 26, 90, 10, 95, 36, 65, 44, 99, 68, 43, 62, 18, 24, 54, 34, 35, 98, 84, 11, 41, 79, 15, 76, 53, 52, 86, 31,
     87, 51, 81, 61, 80, 37, 42, 89, 96, 3, 55, 67, 82, 40, 94, 50, 59, 83, 66, 78, 7, 2, 71, 74, 29, 73, 47, 48, 60,
     72, 85, 93, 30, 39, 75, 20, 77, 4, 32, 19, 69, 92, 0, 8, 12, 57, 5, 22, 9, 16, 91, 1, 46, 6, 97, 25, 49, 21, 17,
     56, 28, 70, 63, 13, 58, 14, 23, 45, 64, 88],
    [43, 47, 94, 6, 30, 59, 89, 93, 80, 15, 72, 22, 10, 92, 65, 21, 17, 40, 53, 98, 8, 48, 79, 78, 56, 13, 23, 28, 32, 60,
     24, 95, 49, 57, 42, 62, 55, 67, 58, 77, 46, 64, 19, 91, 38, 86, 16, 69, 51, 85, 12, 11, 2, 81, 4, 71, 88, 74, 82,
     9, 29, 18, 36, 3, 87, 75, 14, 31, 7, 26, 5, 20, 45, 39, 37, 96, 99, 50, 63, 54, 83, 25, 33, 0, 68, 41, 84, 61, 70,
     35, 97, 1, 44, 52, 76, 34, 90, 27, 73, 66],
    [11, 98, 41, 45, 46, 63, 42, 96, 94, 15, 22, 21, 82, 50, 58, 20, 5, 83, 77, 64, 73, 99, 25, 76, 48, 32, 69, 78, 85, 67,
     23, 4, 86, 29, 0, 89, 90, 54, 55, 1, 10, 7, 37, 53, 81, 36, 70, 24, 30, 91, 2, 92, 71, 97, 27, 9, 8, 26, 49, 88,
     19, 13, 87, 43, 74, 17, 40, 62, 57, 47, 52, 75, 34, 56, 14, 31, 61, 33, 59, 3, 51, 39, 66, 95, 65, 84, 93, 38, 16,
     18, 28, 12, 44, 80, 60, 35, 79, 68, 6, 72],
    [53, 34, 71, 64, 47, 78, 16, 56, 15, 25, 93, 51, 18, 68, 84, 4, 66, 0, 76, 46, 90, 58, 3, 92, 61, 37, 62, 54, 95, 20,
     38, 96, 60, 10, 79, 19, 6, 36, 29, 14, 97, 12, 73, 83, 11, 57, 41, 1, 94, 27, 72, 43, 77, 98, 23, 82, 35, 26, 17,
     74, 13, 99, 69, 65, 49, 5, 8, 50, 45, 75, 2, 48, 31, 55, 28, 40, 7, 81, 39, 21, 9, 42, 88, 22, 67, 33, 63, 52, 24,
     59, 44, 32, 85, 80, 87, 70, 89, 91, 86, 30],
    [62, 49, 68, 64, 46, 82, 43, 34, 48, 60, 93, 25, 75, 28, 16, 37, 12, 7, 66, 6, 65, 9, 5, 31, 94, 35, 69, 84, 41, 81, 39,
     3, 2, 91, 15, 92, 18, 17, 26, 87, 71, 14, 61, 58, 52, 24, 56, 11, 54, 1, 76, 97, 21, 44, 85, 32, 96, 79, 13, 30,
     67, 99, 89, 88, 19, 22, 73, 72, 63, 29, 50, 4, 55, 40, 20, 23, 0, 86, 98, 36, 70, 53, 59, 95, 38, 8, 74, 78, 45,
     47, 27, 90, 77, 42, 83, 10, 80, 57, 51, 33],
    [92, 61, 54, 47, 95, 32, 5, 30, 67, 10, 46, 18, 83, 20, 0, 69, 40, 93, 99, 15, 88, 19, 59, 14, 4, 74, 17, 45, 50, 37,
     71, 12, 27, 60, 73, 38, 24, 26, 43, 64, 48, 70, 28, 96, 41, 6, 84, 97, 44, 51, 1, 63, 7, 85, 16, 21, 22, 90, 29,
     91, 58, 36, 9, 2, 66, 65, 3, 57, 77, 23, 87, 86, 79, 80, 98, 8, 25, 76, 89, 56, 13, 78, 53, 49, 75, 39, 55, 68, 42,
     81, 62, 72, 33, 34, 11, 31, 52, 35, 82, 94],
    [99, 88, 48, 3, 10, 77, 14, 44, 36, 91, 17, 50, 70, 63, 52, 38],
]


# ----------------------------------------------------------------------------------------------------------
# The network: nn.Sequential(Linear(bias=False), BatchNorm1d, act, …, Linear); INIT is torch.cat([p.flatten() for p in model.parameters()])



class MaskedDropout(nn.Module):
    """nn.Dropout(p) after a hidden activation with optlab's mask of the step: `input * noise` while `noise` is set
    (a training step: set_dropout in the loop below), the identity otherwise (evaluation, as model.eval())."""

    def __init__(self, width):
        super().__init__()
        self.width, self.noise = width, None

    def forward(self, x):
        return x if self.noise is None else x * self.noise


LAYERS = [nn.Linear(2, 12, bias=False), nn.BatchNorm1d(12), nn.Tanh(), MaskedDropout(12), nn.Linear(12, 12, bias=False), nn.BatchNorm1d(12), nn.Tanh(), MaskedDropout(12), nn.Linear(12, 2)]
# dropout p = 0.2: optlab's mask of each step (its own ChaCha8 stream, not torch's generator), one hex string per step: the kept (1) and dropped (0) units of each row of the batch, hidden layer after layer, four to a digit
DROPOUT = 0.2
MASKS = ["af94f7ffefb7fb9fbefe6fcb5f3ffff759ffffbf78f4e7df7fe3afbfdefee2fcd76f3ddc6ff9f697e7fbfff3675ff7f6", "9fbfdfee66ff7fdfffefebffdf3ffd77d3bfbbbffbef4fffb5fff75bffefef5dddfbfef3ff5fff5ef7fdf7df1ef8effb", "ee9fff5f6ff36f7fafdf7d7ff72fbff7ed57bc7bfacdfbfb5dbd7fbf5f7efffb7344deeeebffbff67dffefbf7fb6dbfb", "ffbbf3baffdff27ee6fdf95f7ffebfa9af7b09fff9f3fff9fd5ffe7bef3fe53f57ff3f8ddf7fbffbffb999979dadef5e", "fdbbfbbffff6d7b7ded777efdfdfbb7effedffbfeefaff1fff2efdbcfeb8c7beefffabf2f1de3bfb5fefecffff7fffdf", "edbfff5ebfedfffc6dff47ffd5febffbfbfffbcfffff7bbf5fefe0efbfbf7effe7ffbee8ebcbff9afafbbffffecb7ddf", "b38efffd7aeecfbf7fffaf4f", "d7d5fafcffbdfaff7fcdfbff6e1df7ff8f7dbf7ff3efffeff9fff5ffddd7af7fcf3dffff777bf7fffb7dcfdeb3ff6fbf", "79ff7fd4dfbcfe7ff16be3abbf7af6bdbadfbf99fee6ecef3f2bfd7eff4dfffdbfeffdd5bf757fdbfdb7fff3e9597a2b", "df8fbd7faddffef3f7fb9dfdffdfffffcffbd777efdf23ce79fcd6fe3bff6cffdbfffdffdefeffbfbffddffed8ff7ff7", "f76e9fe3db3f7fafffdbee7fc6ca7db3ffaeff7ffebfdeef3fedefec6cc77f7bdff5f6ebe4fdfffffa7e6eff6f7ffbfd", "bdf7f7fe6ffdfbffe77f7b99fefbfcfff3dbdeedfbbfffbfed7fee76febfcf3fdffdfcbcfe967eb77bb5977f7ef5fd7f", "ff6fefb7fffefefd7effeff3bff7df99eaffffeeffe7dffdfd7bbfebfefff7ddfb7eaf8dfbff79f9ffff7fffb7efdfdf", "6fff7f6c7fff7a37dbf7fedb", "fdfdb8fb7b5befefef5ff5763fef75ddbfef6fdd7e79ffdbfbddf9fde9f9c2bffff3ffefdcee3ffffbf3f7ffffa96dbf", "fbaffef7eedd2fe5fd0a7ddedf4c9bff7f63bfa9ffebdf7bedeff5ceed9bdadffafa92ffff3f9fffffe7fef7d9ebbff7", "e7ff1fdcfffffafed8ffebff377f4fafd5ebf3bfffeffbd5df96bdbfffbf9fc7bfd35ff7dffcef7dbeffbb7fd3f3febf", "fbbd2fbf9dfb7ffffeffff7fae92fefff5b6b56ffdbf3e7dfdfffff7fbf7bf3fbfff2df7bf77fdde7fffbbbfdfff9d7f", "6bdbdfeafff9f2bffef6ffeff7fdfffdafe6fd9af7adfffff7fde2d2bf7e3ef7d5eeedffffeefffffdf5ffeff6ffffa7", "97db2fbffefafdfef777fdfeb7b75ddfdb7efffffeffebf7ef69d7d7fff1fffcf7f3dd9afd95e3797f6fd7cdf37ff7bf", "ffe8b6fffdff9ebf7fbee9ff", "efe7fefde7fbde3e7fc7fae9dfbff6fafbfef7fe7fdefdfdf3affbfff7edfefdfcffffe9fefc7f7f6bfde5e75fcf6f96", "fde9271f9dfaffeefe9bf8dfdf5d9aaffff5f7df47fdffffbdf96ffdbdfbf3ffffb7f7ffddffeffff6bcf4bfdf6befff", "7fbf2f5e8dbffffdfaffffded7fdd2deec3fff4f7fffeef7ee5fcedaf9eff5ff3ffffff53f6fefa67df7ffeffe7fd7af", "92bab5aede79fb8def67fff7dfeb6ffb7b51aef9fffcfedf45f7deeabeeef7ffcdbfbdbda3de7f7d6dffcb8df3fffc6d", "3f6fdf7cfdfbd7ff7fef3f5bffedf6bbcfffef77adbb53fe16ffe67fffffefff3ffdeefdf6fffff6b97ffff6fff77fde", "ff56fffff6fffedbf9cb7faffffe92fe7aeebf79d5fff7bdefedfeffb6f5feff7febfbfffe6fbf9fefbffffeffdf7bc7", "fda7bf99bfbfc6dfcfe77fba", "b8bbfffdee772efffffbbdebbf97fffff7ec7f5ffd9f1fd33b15fbdb577ecb65cffbdbfdf7f7dfffffbdfda3fddfe9ed", "ddfdbfaffbffbd5e5ff7ef8259fbd96ffcfbfaf6f7f8f7bfb7ffaffcecbfe7debdb77ffcfdba6635eff9bef7edffd67d", "fff9fffaeffdefef7cfffefb7f5fadbfffdfbfeff7b4fffffafdd7f5b69ff16df9d7facffbfbf0cfffebe5edffd7aebe", "c7fefffefcce7f7ffffbffadfa94ffe3dcfdfedebf5fbfe95eff7ff7fefffeb9bffeff7ed6fee765fb7f6ffaf7ff7fbf", "fffffbfdfbfbbbefbffffbffbfffc1dbdbfff7fbff7f7f7b5b75efbfd9ffff77fffcb5fd3ffdbfdfff55f1ffe9daffbf", "eefb5fdbeeffefffcc3fb7e9b69eef58ffbfefefc6efbefffab7ff7bf63367baeef7d7f5f7edbbf6db9f8f3f7fbebfff", "e3ffc75f9eafffdfbefe7bff", "ffffdf5fffbfacff7efdfe7eafcff57fdf7debfbfffff1bf75f7df9ff7277f7ef77fff7ff8fcff7bfbfb3ffdff3fff3a", "df6fd7dfa7ff7fffaffffffdb7ddf7afffa7f7b357fdecefdf5cf7d7bffb7efd6fd6f7fd77eefdfef3fbfbfbdffeeffe", "af9ffe7f5bf4b7bff9fdfdfeff7dfae7fdbf17fe7ff3ef6df7f17deffc3ff4ffe7fcffbfb7ffffffbf7dfbfb3feffffe", "ffdbfb792fffe7ab6ed77d5af7fb7df59f9fbffdf7f7bfdfdfcfbfaff3ffec1fcfcffe6fef3bfa9ff77faeefffdffadd", "f6def7ce73f6efffceddfbdb7d7fdfb7dedff7fffff3afdffffeebffb539ffbdea3e7f7ddf3e5dfbefdb7f7ff7fb0feb", "f5e5fbebaeb7df7df7fbfaf4ff6d7ba7f5fe6fcddbbd3bbdfef8fdef3ffffdff7feffae4aa97fdfed7fffeff7f9f1f3f", "6f6d9afdfed773dcfd7ecf77", "fbffba7edd7d7fcfcfd77dbb67ffbdf3f77fff677bf7efc7b3ffdfdffdce7feebfbdffd3d67bff7e5effbbdfffc3fed6", "bf775259ff97bbfcedeefd5fddfbecfeaffbfffe3dffabf7edff3fddff6fadefedfdbffff5edf377fa77f775fffffffe", "a5ef7bf6bf9bffdfcbfffcffdbebffffffd7b5e6bfaf9dfef7e99f7d3d7affb0dbffedfa79facbefbdffebfaef7be67f", "ffd9f7136a7aafefbeefdfffdfffffbbfebe1eaffefdf2fdfedff95f76ff9faedffd7bdb7edd63eefff77ad4ffdf7d53", "ce66bf7aafeddefff7ffefefdffcfef70fbbdff7f7fdffff5fdb32fdfb3ffd7b7fffeeb5fd563dffefb7effb7fbbb9d5", "ee0d7bf77fff6ff3ffbbbfff77fe6ff4bdff6febffabb7e77eab0eff99bbffdb4ef3ff5ff97f1f1abdfffbdffffef5fb", "d5e1ffbbdcdfffffbafae7ff", "ff57c73f7fbdffffd57db75fbfdfff7efb9ffffb7daae8ff97fddfbfffbbffddb7fff796ceafcfdffafffffffb7ddfff", "fffd7dcbffdf7fdaf9fbffffdbfcfaffbbfffddbe3ac7dfbfcfb7c7eff67de7ffe7ff7e9eafdfbfbffee5fdefdec89eb", "ffc57fefff3beeffffdfdfefefb7c3f5f17fb7f4fffffff6dbdfefddff9df7d3effbffdffe5fbbf75ae7fffdff75bffb", "dff9dffed5ffed7ffffdeff3feffebfeffe6fffff6fefff14bfbbd7e6dbf77daf6eff5f6ebe6fb3577dbf7fe7dc9fffe", "d2ffb7feff9af7fb6f5f7f39befdbed7bd7dabf317dece7ffe59ecfff7d97fbcf1f477fd77fe7afffb5f7dffee7f1e7f", "fb7cffaffa4fd9fafff7ffff5fff5ff3f5ffb5eff9bffef79dff3bbff79ffeff7fd7f1fffffbdefe7776c7e2feffbff7", "feefffef76ddffffffe3efee", "f8fff7fdf7fff67d7bffffdffefff6f6da7efd7fffffdea5dd7fefeeddb3ec7f77fef7ff2f6933bffffbff6bf7ffffff", "effeffdfffd7ffebe7f771ff3f3fdfbff37fbffedd7bf5ddfdffeb5ff1fcffffbeffd9fff7e8effffaffffff57f5fbd5", "b9ffffee6fffbff72b3fcdbfff3dcf7f2d7fdfbfff65eeafaf5f737ffddbffbbfffedbffffffa7bffaffffeffc7ffffd", "f77fbe7fffffefffff5f7dffffffbff5ffdd8dbb7ffddff7795d3fef6fff3ff7df7ffdbffddbb7375fffdbb6dfff5f5b", "fdbb7fcff7f91dffc7ffffeffeffefe765ff9ffbcdfcff77f3f5efeff7f7fefb9f1f3fdfef7cdfbdef3e73ff7f6fdefd", "df39fbfefffbfffb67fbedbd3bfff2bfddddf76aefffffffedeb7e3fd7ef67fffdfbefdbf9bbe575de7dfefbb9bbdfdd", "affc9f7ff7f3fffdebff9ffe", "e6efbf57fbbf6f5cfeb5ffafceff7fbb7f9b3cdf6ffafcfb7bb2dff67ffedfef3edfea7fed6fcbf97fdab7bfffef47fb", "b6ffafff57bebf7bffbfcdffffdcdf9bc7edffb7dbf3dffbbecbaffefabdbcfbfbfa6ffffe1faeefafffefd7ffe63f6e", "7fbf3ebfd1d7efff7f5f76ff069ff95bcdffafff56ffb76f7bffb5affbe384cf677e3cfadfefff6fcf9a3676ff65abff", "dfb7b6fefabfa7fffefffebc7b9ec3f7fd3ffe3ddfde7d56fcf7bd73ffbbef87d0faf1ffbfffdf7ffffffbfc7fd9ffbe", "b7fff6f3fbfb2ff78b3bf57be7bdffdfeffbfeffdb7f7fdffdc7ddb3eef7f7aaeefffffffff7ffd77dbb5fedf77b339e", "a7fb796eff5ddef79d4fdfce9dfbe7afbfde37b7ff9fbdfe7f5eb6387fb7faffffcf92fffdfcceefff79f7fbfcf3defd", "fffffb7f37bbbcafffff1cff", "fa5fffe5c5de6dfdccffffe7fbdff3779fbfbeffcfbbe77ffc7bbd7bd9ffff9dbfe3d7fe3ffd5dcfffffdf17fbfffb3e", "baef75bffbffd5dfdfff7b93fbf791f5fcadffffffeeffff8857fffbbfddbadc67ffb9f7eacf7ddabf5f57ef9fefafbd", "9f4a94d7337de5f7fff9fffbfffed6beee7dbd9db6ffeff9fb5ffbff7bf87fffbe5bfffffbff877ffddddfbff7d7ff79", "a37f96cd76fdbfbeafdfdfdfbfadfd67dedfff57ff2fbdf7bffeb5ceb7fffffdfdddefdf7bfcff6eb8ffffffffffffef", "ffb4dfff3ce6cffffdafdfed78ffff9bff9fbdcbbe59aaf6d6adbfcba1ff7ef7fc16ff7fe7ff7fdfbbfdf7fffb3ffe79", "fffdf7fefadeb7fff4ff28ddfdbbdbf3bf7bf3ff7bdbdbff7ed5dbfee9c43ff1ff7fffc7fdfe9b7b6ffff3efafef75ff", "d7fff3abb7fdff77fdb7adfd", "7ddfdbafffffb9dbfeffffeb7ef9fe4f3ff4fe93adfbffdffdfb9cfcbdbfdef7fbfbbc6fefdddf777f7d9eeffeffffdf", "a79ffd5fe9f7fdf78b93b3f51ff7bfdfefff9fbbfe7ffffeefffafb34ffab57feff7bffddcf5efdeffdff4ee5fbefdba", "ffffbfbf399d7feb66e7defd5dbd77b7fffeefeefdcfbe7abddcfedb7bfd3df7ffeffbfffe7e37bb5bf7ffffff5ff2fc", "f295bb75ffb9e8ffff7efaff7efe6fedffb7dfffe73f7bfe7ffff2f3df7fe17ff107c5d5fd6f57bfffebd66fb2eadfff", "b7b9dbe5fe5bf7ff697fef7bfbfffdff7feffffe7effeefdff9df37f7e5aff899bfd7d7ffe5fbbfefbefeffbf5a7ffff", "f7fbecf51ecd75ba7bfdffbaf9fff9737b7cb6b0ff9dde23ffffef627fb9bb73fffdd7dbb7b57f3fdfe6fea5ffbf9da3", "7beff55ddff7ffef7d7afdbf", "fbfcf6becf6dbd4f7bff47f7fdbfd767fb77dff7f67e7dd7fbeedbf6fcffd5f4ebb8feefbfdf7bfbfbcfdfef3e8dbdff", "bfeeb9af7f1f39ed96bf7efffeefffef7debff39daf6d9bfee7ff7fd7fbeb7f2eb37dbf8ff4c7f75fbfff9ffffb7f6df", "ffdfff7ded9ef7bfff7ffedff7ffebeffff9dbfb3fdffff7cdcd7f7ffffbfffab8aafffdefefd2fdf6efdfdffeefef3f", "f57f3ee9fffbdf7beffff8d7beeff7b9dfffeff9fefeeffffbbd59bf5f7657c5ffdd7dfb7ebbbefe7635ffcdfddfebdf", "fcfeff8f7f23befffdbfd5aeabffdffce7cffdff7bdfa7e7ffd7f8ffff2b7dff6ebe893dcdbbdcff7deffbfffffff6ef", "f7dbbfef7ffcfe7ffff1ff27ffffebb7ef7feb7fd7ff7bfde7f7bcfddf7df9ddfecffdf7ffbfdbfffff4ffcbffffefdf", "dc8f7fb5eeffffdfd3fffeba", "edfbfff5fbff7fffcbeffffbfff4a9efdf5f6dbff6ce7ff76fffefafbef9addb5f53fffed5fbfd7fbe77e912ffbd3fdd", "bfefeede7ffeffcb9dffdfb9eef7bfbfffbfefebfb9fffd49bd75ffde7ffdcfff9ff7fbffd7feffdb4af7ff3bf4fdd73", "fafcbfeffff55cbdfdfb767ff9abefefdfdefbff33bef6dbffdfff76fffafdfededfdfff8d3df3afffffdfffdebeebfe", "cb77df7fcfecbffcffcffb1fffeb6ff9fffffebfddebfe7cfdef7effdffa57ffeddb9f3ecbfff7ffefffb7ffbcfd97bf", "bfefbf75eddbafebffefbecdfffddf6af6b7ff89dc3f7f67fffddff3fbbfe9fd9f6fefebddffbfffff7f67fffbf1f7df", "fafef7fbedeebfcf77afbb34fa9f4ffffd75df3bd3fdfbd9fdbffdfdfdd9f73fe7fbcf7eed3fff6fff6987ff3d9a5fff", "3f7eefb7ffffdbb34fe7efef", "f9bf6fbbb5e6ff79ffffdfcefabffff3b5fcf7bfe2bfbfe7eaf9e46b7f77ffbbef7dfefddffdf7f9ffeddefe6dbbfbf9", "cfbfb55fffdefffddbdffefbe8bddb5cddf1fdfbfffffa7ffdfefdedbb9affffffe7bcbef77dd5ffef2ef77e3ef7ffeb", "9f7f77f7faf7fefffefeefff77ffbfcdefd7bfbecff7ff7fdedf7fd9bfd7eebfbfb7cbfbfffedf583d6fedfd3fa1c777", "eb53bd6fffffe9ffdfdf3ef379fb77fefe7dfbdf76effbfe767f7faffbe7fffebaf9d9f9f7bfd5ffadf5a5febdbff8ff", "4ff5dbe7bfef3bdefffffffffdbffedfaffdfd6ffef9b5dfbb7cfdedbffdffffdb7bbff9fdfadb7efbdfd7ff7d3b55d7", "ff73dfffdffddbffe6dffdff69ff77eeffff7ef7fdae7fffbefffbc9fffffbe6b2a3fbb9afaffb1bfffebf7bfeff77ad", "ffcfdafd77dfbffdfefeb7fe", "fdfffefbbff7ef5ec5bfefdf6dbffdedcffdedf6dfdff9dfcffd7ff1fffad6f67fadef7df92cff997fff7cfbfebfefff", "3bfb4ff7f7bfe5f7aff6efeedff7fffb7f97dbbabaf3bfffbf7bebfff8ffdcfd3bfef7ff7ffcfdbff1fdff779fddfffb", "ffdfd77dfebefeeffbfffffdf7feffafff6fffffdfedf6fefffaff7e75f7bfff7fef7edfbbbb5ff7fe32f3f6e9bcfffb", "f78af99edf7dbf537bbfffeef77fbfffd795d77fff3bffbf7ddffd36ffdbeff7d77e77b3b7f6dfef85fdebbdec9febf7", "fdffedfebdbed75f797bd6fffedfee7abbbee7ca6efffb7f6f1b579bdf153f6fbcfdf7a8bfdbdbffff9e7fefddfaffff", "273fefdeb7fdeffeebebd3efcbefddedbfffffbb6bfbff2ef7db77b8ffb4f77bfffde3ff77f3f675fbdfffeeefd5ddf7", "f7fffffdf19fb7ffdf7fff9f", "dbeff9ff5bfbf97ff7893eee7ffcb4bfdfbdffffbfefbfdff78fffff5fdf5af2fbffedffffc4bfbffffde72ffbff2fff", "7ffeffffeff7ece7dffbffbf67edfbffbfcfff7fef7b7f7efbe3ff7befbedbed77fff77fb7737ef7dfdff4fbfe7fefde", "537fffd6be9f4ffb3ffbbabbff6bfffef692f87ffcfbeeefef57f91dfd9375fffff97fef79dfbef4ffffbf7fdb5f76d3", "fcc3afaffffffff9ef4df6b6dffebffdeffffdffefbeeafff7fcdfdf6fffbff7f7fe8fefc8d9fbeffffff7c3fef7dfce", "bd76fbffefcefddff77febfb7fef7fff6753f11f70f37beffd9f7b7fedf5f7fef3feff1df9e72fffefd76ff7f7fff77f", "fdbef76fe9d7f77f7ffeffcbeefebdab76dfff3fffffaff9bfefeebdffdeefeffff7de37df7ff777fefde6dffff3dbff", "df3ffef77f6ff8f375ffffff", "77ffeffdeff4ff5e7ffd7795fff7ffffd7fef3dbfba7fb9dffeeffd0bf53fcefff5ff6adfffabfebb7bef5b9fff7fffd"]
INIT = [-0.39446449328778055, -0.5856263034579329, 0.2582496912404301, -0.15612103291859372, -0.2140112047136075,
    -0.055185862470901396, 0.39251404382615274, -0.15755833085892187, -0.30982145223548474, -0.05361115053424738,
    0.5709376969160198, -0.17042461640129475, -0.08288325760381801, 0.6456824961974788, -0.5042311047800845,
    -0.09315921112634777, 0.07387513068093488, -0.7221155085211114, -0.21892554868751712, 0.18200807104434322,
    0.09873159125692471, -0.20205676881335144, 0.30694293346593315, 0.17361386578989024, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.36699588218454376,
    -0.014412635573281915, -0.20468356501955998, -0.18486882543347075, -0.3666447301934042, 0.5177101440004664,
    0.10978838053312873, 0.07762521120821055, -0.03529314996357848, 0.37165199173719354, -0.01307562796956873,
    -0.022941485174063223, -0.33586460347866, 0.20825768752690357, 0.808549562197442, 0.45011324032877215,
    0.3889283098182557, 0.08654588780083942, 0.4515510446077265, 0.09664835298493063, 0.4038045537416179,
    0.2415148151852231, -0.0638129596401871, -0.7048331342216613, -0.23542001999015585, 0.3094380581624829,
    0.058209784760945314, -0.03918144023842121, 0.07316566571543962, 0.28008835266997034, 0.037767190354721134,
    0.19634919468502612, -0.5758053982401499, -0.33356354942618177, -0.7456423030850675, -0.10680875079881169,
    0.090075034459904, 0.12973278189458476, 0.2702675795388776, 0.5352141276568683, 0.15733092687748446,
    0.2327516741993762, -0.10331328902654718, 0.34989728329398323, 0.05799440666379874, -0.11445600266736912,
    0.07238590517798489, 0.11438185787998853, 0.5252132834828854, 0.2612905246042375, -0.08294157073813815,
    0.3014830416240036, -0.027839346965628908, 0.014402292333145656, -0.33243036382256524, 0.08972558475931453,
    0.27695675243779394, -0.21085773083681397, 0.1786999600831679, 0.13091240119966813, 0.386327248553424,
    0.9195604096728066, -0.11892416535280168, 0.421939806118913, 0.12607736687130272, 0.33353160225700323,
    -0.1351845610056221, -0.39389873679747983, -0.2436195683368079, 0.5533750895841861, -0.29192862052241914,
    -0.08793369683818202, -0.3610764540825778, -0.09038522079421442, 0.17598365414187425, -0.040234962038130935,
    -0.08341927249906629, -0.12396079704221202, 0.31773389469843594, -0.3636318093338718, 0.3237933617405825,
    -0.12799435767855058, 0.33381459924738777, 0.01663623640201825, 0.09729256356512568, 0.16847860680375726,
    0.374851120804764, 0.1576730698202695, -0.3969393591626587, 0.19841975037065382, -0.1015295531982975,
    -0.051429520371915165, 0.22090524669315026, 0.1423164396239201, 0.06570836344701607, 0.03210856748585524,
    -0.030572728065824853, -0.0024865251609999333, -0.26023010544481595, 0.047263931903261294, -0.10920276103982074,
    -0.36258458359691814, 0.5667755410780486, -0.0390609087088553, 0.0024207112967276245, -0.22532971180011094,
    -0.336456001562124, 0.2362561039438584, 0.08957622819973823, -0.423671539628712, -0.20664828891016213,
    0.02629483679538366, 0.16274198835640225, -0.8891998870147624, -0.03548099598754305, 0.11305959782101675,
    0.3321440198692753, 0.2150065564417972, 0.23559453572149427, 0.14374626102785418, -0.1399894264178509,
    -0.01991730949600433, -0.0956265050700412, -0.26515660216924986, -0.2211807342244428, 0.19775250545682516,
    0.6201918227526568, 0.12932241286044263, 0.4262085147288122, 0.04911871935835949, 0.18992753459589617,
    -0.352160207401951, 0.035693131832671754, 0.5302496137555515, 0.6311230713851697, 0.25935444577617744,
    0.7294508617351138, -0.08977462890924968, -0.15384795366838852, -0.18016814515305207, -0.149395333060056,
    -0.018085847839004486, 0.1366303938241024, 0.09760688934783696, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
    1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.2937524860798992, 0.31143309290195714,
    -0.2613423733763731, -0.21160761011131007, -0.08473312530030844, -0.8954980038953864, 0.45473128290053955,
    0.24369480989864795, 0.05301337356749211, -0.04055978154928115, 0.24669109498613545, -0.2829344030779372,
    -0.3562741067029697, 0.4603521248468814, 0.2578574865117055, -0.12088664365797645, 0.1875264597002019,
    0.20938002720430207, -0.7066894856304111, 0.009415761120610428, 0.053433981408629615, 0.354760164075731,
    0.6658057943926051, 0.2655940247974274, 0.0, 0.0]
criterion = nn.CrossEntropyLoss()


# ----------------------------------------------------------------------------------------------------------
# The runs: each `build` makes the optimizer (and its schedulers, stepped once after every step)


def build_0(model, params):
    """Run 0: sam."""
    optimizer = torch.optim.Adam(params, lr=0.02, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False)
    stepper = Sam(Plain([optimizer]), params, rho=0.05, p=2.0, adaptive=False)
    return stepper, [optimizer], []


def build_1(model, params):
    """Run 1: muon."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    hidden_ids = {id(m.weight) for m in linears[1:-1]}
    hidden = [p for p in params if id(p) in hidden_ids]
    rest = [p for p in params if id(p) not in hidden_ids]
    # Keller Jordan's split: Muon for the hidden-to-hidden weight matrices, AdamW for the rest
    optimizer = Muon(hidden, lr=0.02, momentum=0.95, nesterov=True, ns_steps=5, ns="keller_quintic", momentum_form="ema", scale="shape", weight_decay=0.0, eps=1e-7)
    adamw = torch.optim.AdamW(rest, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, amsgrad=False)
    stepper = Plain([optimizer, adamw])
    return stepper, [optimizer, adamw], []


RUNS = [
    ("sam batch norm", build_0, 120, 10),
    ("muon batch norm", build_1, 120, 10),
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
