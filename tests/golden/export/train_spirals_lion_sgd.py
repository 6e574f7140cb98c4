#!/usr/bin/env python3
"""Exported by `optlab export-torch` from a training spec (3 run(s), 60 training and 60 test rows of 2 features, 3 classes, seed 2).

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
    [-0.37376563432383547, -0.257772378688745],
    [0.349630593089137, 0.4104543358747798],
    [0.12476469977111912, 0.530534690699453],
    [-0.9948655150671724, 0.4655944488923956],
    [-0.3524899843659128, 0.27329399747063055],
    [0.4446374960307894, -0.17456397832838674],
    [-0.17684520257879657, 0.05535011566790508],
    [0.21743889426367174, 0.5427767180463217],
    [0.061976266062356594, 0.03785091822740979],
    [0.025330732179547368, -0.39218701426567193],
    [0.6791157021325878, 0.20513492591747232],
    [-0.4927068844306983, 0.676187581767485],
    [-0.2524559290024443, 0.8574408019583541],
    [-0.4870641317803346, 0.3265859041587921],
    [0.18070207511613617, -0.1992560082989459],
    [-0.4932217189658351, -0.015506002247257757],
    [0.7627214132335819, 0.11876501391638462],
    [0.015270618461534761, -0.022428615884042574],
    [-0.3224044665649067, 0.5190938034120492],
    [0.10948363444821971, 0.1964772320509019],
    [0.1765335177828573, -0.9178443113907564],
    [-0.18974243314877667, 0.19526747493322882],
    [0.4258848891814234, -0.2256041693934689],
    [-0.5847180145527493, -0.28641486851593956],
    [-0.19475573311264388, -0.13050671901248065],
    [-0.33641695868675786, -0.8653102240134517],
    [0.2245331905939942, -0.28074158531994464],
    [-0.2595095791056558, -0.4496272591420407],
    [-0.6172756641757237, 0.5950969125982155],
    [0.37746444753482833, 0.3715357419758417],
    [-0.0780584163734781, 0.19757942902612258],
    [0.42012728291780277, -0.0764351133399089],
    [0.12076653722429895, -0.21926533156157896],
    [-0.5881127134983816, 0.020377110665630353],
    [-0.013479617155235768, -0.16129651262643385],
    [0.06571385585746606, -0.27423688676709523],
    [-0.5654719931396383, -0.30683017694517034],
    [-0.28147640071819974, 0.3834922646729675],
    [-0.021252413981076995, 1.0544673993732534],
    [0.07919747545970032, -0.12236001555761628],
    [0.8137898960145618, 0.5520568277792912],
    [0.6800965533822787, 0.2387945750058636],
    [0.0940405708367848, -0.006301306761064478],
    [-0.0655980723528369, 0.08715155821428563],
    [0.21145182997238882, 0.012018593390664897],
    [1.0835790303526651, 0.23269117214852578],
    [0.1716392690357731, 0.1102416905311137],
    [0.553479383675796, 0.09648883245673742],
    [0.18749327459156498, -0.3340600102603207],
    [-0.2937857982308634, -0.7196426031569791],
    [0.2683493920106554, -0.5914800323634078],
    [0.6814516970311405, -0.7623582608039763],
    [0.9736505675586574, -0.1732864163181556],
    [-0.05705514210634189, -0.1581963409716681],
    [-0.040137595898909306, -0.2716405692641862],
    [-0.27091704859543514, -0.8841859041578588],
    [-0.5307907033053766, 0.22827161566278883],
    [0.4577961623275426, 0.021369459466843085],
    [0.5609080560827018, -0.28369856792717163],
    [0.287931708091266, 0.8211831396564618],
]).reshape(-1, 2)
Y_TRAIN = torch.tensor([2, 0, 1, 2, 2, 1, 1, 0, 2, 1, 0, 0, 2, 1, 2, 2, 2, 0, 1, 2, 1, 0, 0, 1, 0, 0, 1, 0, 2, 1, 0, 0, 2, 1, 1, 1, 0, 0, 2, 2,
    2, 2, 2, 0, 2, 1, 2, 0, 0, 1, 2, 1, 1, 1, 0, 0, 1, 1, 2, 0], dtype=torch.long)
X_TEST = torch.tensor([
    [-0.03753193914414252, 0.14978498597624929],
    [0.8219638695869206, 0.4077643021850378],
    [-0.08489339667142007, 0.2687321043588892],
    [0.30350093693882096, 0.7936274689155288],
    [-0.10649092057295607, 0.04263646902659816],
    [0.6174856281014716, 0.302306920182195],
    [0.11797785020128077, 0.06306899477521305],
    [0.31170445761420174, 0.2788047632228391],
    [-0.08317919185845847, 0.2063293387929506],
    [0.41444752810916374, -0.8989473070393706],
    [-0.448603291093244, -0.443313950147326],
    [0.4109351948256321, 0.015817565472832557],
    [0.640791417571154, -0.4346890890829501],
    [-0.16314553900761763, -0.8278081966284149],
    [0.30084622945975315, -0.35129629378372884],
    [-0.2499954093978542, -0.0242800348146702],
    [-0.8361265028103573, -0.6330959509965567],
    [-0.7596015871899535, -0.1709087842035777],
    [-0.3084167550415855, 0.14548637803978293],
    [-0.5393178676211671, 0.2685123853532072],
    [0.44090859510650987, 0.11915011457524687],
    [0.05166666486151669, 0.09138286966459927],
    [-0.3562039365352031, 0.5441104421592455],
    [-0.12816070813705677, -1.0286159089231834],
    [0.8777256886046708, -0.2603883740585248],
    [-0.7923088878129326, 0.19612570398553883],
    [-0.3221914429834626, -0.5196404489922265],
    [-0.7030095559230558, -0.130418123877103],
    [-0.44843030529914474, 0.13894876756781385],
    [0.26507435099889004, -0.7568662943366868],
    [0.004589703581299134, -0.2295102498844296],
    [-0.3411690122548448, 0.10075258811858931],
    [-0.1935878534467677, 0.2130417408682303],
    [0.043978285411535485, -0.4530362455496498],
    [0.35690140328322734, 0.7344748339500606],
    [-0.14178764085637885, 0.06138963275742484],
    [-0.10726982526506695, 0.10352737779590188],
    [-0.927817027278248, -0.018193787777984777],
    [-0.7032435167014941, 0.17915451096744853],
    [-0.07620678151555293, 0.18171269149664782],
    [0.03836048347766512, -0.031091047651019554],
    [-0.07653876899527046, 0.5140156252127415],
    [0.12705017104806302, 0.18813044703842227],
    [0.22975315111662686, 0.08661874899841152],
    [-0.14629501765470646, 0.48020758389817186],
    [-0.1795947809915407, -0.004224099962052481],
    [0.22383831356290276, -0.3630511585041309],
    [-0.6724436016345114, -0.06845298831225416],
    [0.7071051321487726, 0.02644352000041081],
    [-0.014617349173379396, -0.06681197511829384],
    [0.17009645701962772, 0.0978177015425831],
    [-0.45694934593312775, 0.7373739326916909],
    [-0.10719456477288576, 0.6950911389578838],
    [0.95010178648702, -0.5703773891387653],
    [-0.17953172696742878, -0.6419997123378646],
    [-0.11115784594133941, -0.43693025704478206],
    [0.12089349952665918, -0.5771737661477462],
    [-0.06364754631114433, -0.05237914993253179],
    [-0.5350543673281402, -0.6069813317246746],
    [-0.5639626604614199, 0.5730619239912739],
]).reshape(-1, 2)
Y_TEST = torch.tensor([0, 1, 2, 2, 1, 0, 0, 1, 2, 1, 2, 1, 2, 1, 1, 0, 0, 0, 2, 2, 1, 1, 1, 0, 1, 0, 2, 1, 2, 2, 1, 0, 0, 0, 2, 0, 2, 0, 1, 0,
    1, 1, 2, 2, 0, 0, 0, 2, 2, 1, 2, 2, 0, 1, 2, 0, 2, 1, 1, 0], dtype=torch.long)
BATCH_SIZE = 12
# optlab's shuffled order of the training rows in each epoch (seed 2), cut into batches in turn
ORDERS = [
    [38, 28, 58, 17, 26, 48, 3, 29, 35, 49, 1, 43, 56, 54, 31, 18, 36, 33, 44, 16, 5, 42, 46, 13, 27, 22, 14, 52, 6, 39, 47,
     41, 15, 10, 57, 4, 30, 34, 20, 8, 23, 32, 59, 7, 40, 19, 50, 21, 55, 37, 45, 11, 12, 24, 53, 9, 25, 51, 2, 0],
    [20, 31, 50, 13, 18, 21, 6, 26, 28, 59, 19, 51, 11, 8, 33, 9, 2, 46, 35, 47, 37, 16, 25, 15, 3, 34, 43, 48, 36, 32, 45,
     30, 56, 41, 52, 38, 17, 57, 12, 10, 27, 39, 55, 53, 29, 22, 23, 5, 4, 40, 7, 49, 42, 1, 44, 58, 14, 54, 24, 0],
    [35, 40, 36, 12, 38, 31, 54, 20, 8, 9, 30, 3, 53, 43, 7, 19, 41, 37, 6, 45, 56, 58, 55, 59, 10, 23, 50, 44, 14, 34, 39,
     0, 16, 1, 25, 15, 33, 5, 18, 51, 47, 57, 22, 17, 46, 42, 28, 11, 32, 13, 4, 27, 52, 48, 2, 26, 21, 29, 24, 49],
    [22, 48, 43, 17, 54, 39, 28, 20, 4, 59, 46, 31, 52, 29, 33, 58, 30, 3, 51, 6, 5, 45, 10, 8, 9, 36, 21, 53, 38, 24, 25,
     26, 37, 16, 44, 1, 50, 49, 2, 18, 42, 40, 12, 7, 27, 34, 23, 11, 47, 13, 57, 15, 35, 0, 56, 19, 41, 14, 32, 55],
    [26, 46, 41, 40, 48, 43, 45, 25, 2, 55, 5, 38, 10, 37, 35, 20, 8, 57, 11, 6, 16, 44, 27, 56, 34, 18, 47, 7, 19, 22, 30,
     14, 59, 0, 49, 23, 24, 42, 28, 50, 1, 9, 32, 17, 53, 58, 3, 51, 4, 13, 15, 39, 54, 31, 29, 36, 52, 12, 33, 21],
    [36, 51, 30, 6, 18, 50, 23, 28, 35, 10, 17, 58, 47, 13, 2, 19, 27, 40, 22, 11, 38, 52, 24, 44, 39, 9, 54, 42, 31, 0, 25,
     59, 12, 26, 8, 3, 32, 7, 16, 14, 46, 33, 53, 20, 56, 15, 41, 1, 29, 5, 37, 49, 43, 4, 55, 21, 45, 48, 57, 34],
    [7, 31, 28, 51, 23, 26, 34, 10, 25, 17, 56, 11, 4, 47, 3, 15, 5, 49, 40, 44, 59, 58, 45, 22, 16, 24, 54, 33, 12, 21, 9,
     2, 13, 42, 6, 48, 57, 35, 18, 29, 0, 38, 52, 30, 43, 39, 14, 27, 8, 32, 53, 55, 20, 37, 1, 19, 36, 46, 41, 50],
    [12, 59, 38, 6, 16, 57, 32, 10, 37, 26, 1, 47, 48, 35, 52, 18, 28, 11, 45, 14, 15, 25, 5, 21, 44, 23, 55, 4, 43, 29, 20,
     0, 31, 46, 39, 2, 51, 53, 22, 34, 30, 58, 13, 27, 19, 33, 17, 7, 9, 8, 36, 54, 50, 49, 56, 40, 41, 24, 3, 42],
    [24, 10, 55, 53, 43, 49, 8, 58, 34, 36, 38, 4, 56, 13, 27, 46, 57, 20, 52, 40, 48, 1, 16, 44, 25, 28, 3, 26, 6, 15, 50,
     21, 33, 2, 23, 47, 45, 39, 18, 5, 12, 41, 32, 51, 22, 29, 17, 31, 9, 19, 54, 37, 42, 35, 59, 30, 0, 14, 7, 11],
    [39, 37, 21, 38, 56, 26, 15, 43, 25, 5, 33, 53, 12, 55, 24, 51, 14, 40, 13, 45, 57, 34, 42, 23, 19, 10, 28, 4, 17, 11,
     31, 44, 58, 1, 9, 48, 59, 2, 54, 49, 3, 35, 32, 7, 22, 8, 47, 41, 36, 46, 50, 30, 29, 16, 52, 0, 27, 18, 6, 20],
    [0, 38, 28, 4, 51, 29, 32, 45, 21, 54, 24, 47, 37, 43, 25, 39, 56, 48, 59, 7, 30, 1, 58, 10, 18, 34, 41, 19, 52, 31, 50,
     57, 2, 9, 11, 42, 16, 13, 20, 5, 3, 8, 6, 33, 36, 26, 27, 22, 14, 44, 12, 15, 40, 17, 53, 46, 35, 23, 55, 49],
    [24, 6, 57, 37, 47, 14, 16, 54, 53, 39, 4, 0, 49, 27, 15, 28, 48, 35, 21, 32, 33, 44, 2, 8, 26, 59, 10, 41, 38, 20, 7,
     56, 9, 52, 58, 18, 55, 29, 34, 13, 12, 50, 25, 23, 22, 19, 45, 1, 46, 5, 11, 31, 3, 36, 43, 30, 40, 51, 42, 17],
    [16, 35, 38, 59, 11, 32, 1, 30, 21, 17, 43, 27, 55, 47, 19, 28, 57, 5, 58, 46, 52, 40, 44, 45, 34, 36, 6, 22, 24, 26, 2,
     54, 4, 56, 31, 10, 51, 3, 7, 29, 37, 8, 33, 15, 25, 41, 23, 53, 9, 42, 39, 49, 0, 18, 48, 20, 13, 12, 14, 50],
    [44, 31, 10, 12, 43, 4, 48, 11, 37, 9, 28, 40, 7, 38, 23, 41, 32, 58, 6, 8, 51, 1, 47, 36, 13, 57, 22, 53, 39, 56, 20,
     50, 0, 15, 25, 2, 30, 46, 14, 34, 16, 29, 35, 33, 27, 52, 59, 19, 17, 26, 45, 42, 54, 49, 24, 3, 18, 5, 21, 55],
    [25, 8, 51, 15, 24, 54, 55, 17, 49, 36, 37, 46, 22, 4, 5, 14, 1, 39, 9, 45, 19, 27, 48, 47, 53, 28, 43, 18, 32, 33, 6,
     13, 38, 56, 2, 0, 59, 31, 11, 50, 58, 52, 34, 26, 35, 3, 40, 44, 16, 12, 23, 57, 20, 30, 41, 29, 10, 21, 42, 7],
    [22, 23, 54, 21, 3, 25, 42, 32, 1, 37, 34, 20, 39, 51, 5, 55, 18, 12, 57, 8, 14, 45, 4, 11, 47, 44, 16, 40, 24, 33, 56,
     43, 6, 36, 0, 58, 29, 59, 35, 38, 27, 9, 48, 31, 41, 13, 52, 28, 53, 50, 15, 46, 10, 49, 19, 26, 30, 7, 17, 2],
]


# ----------------------------------------------------------------------------------------------------------
# The network: nn.Sequential(Linear, act, …, Linear); INIT is torch.cat([p.flatten() for p in model.parameters()])

LAYERS = [nn.Linear(2, 10), nn.ReLU(), nn.Linear(10, 10), nn.ReLU(), nn.Linear(10, 6), nn.ReLU(), nn.Linear(6, 3)]
MASKS = None  # no dropout
INIT = [-0.9990542404993892, 0.44224359899757903, 1.6400027054166184, 0.0726274867567643, 0.2061590714132276,
    -0.5531482983541947, -0.18749329038376716, -0.9049918249372514, 1.8024151956973664, 0.1335587729703995,
    0.11276242576612332, 0.6715247777226239, 0.5464896984573542, 0.5731213261370088, 2.7217218052098904,
    -0.06560184295578356, -0.7431509034945292, 0.779432910227259, -1.2661849497291717, -0.031239755526540017, 0.0, 0.0,
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.2514347897166221, -0.5341169548196179, -0.04904316323454016,
    -0.5251246862939902, 0.22228181297329824, -0.529060939763819, 0.010048289293891977, 0.5843177998015503,
    -0.707443149347045, 0.3810484328685781, -0.2103933072202048, -0.4286349827342354, 0.5468909715379495,
    -0.24335144846973936, -0.7889172110200117, 0.8506141390009307, 0.5814599462815164, -0.29108354876688436,
    0.5351601254164475, 0.22478138220569047, 0.14610505619618977, -0.03561301788977519, 0.02593364882211663,
    0.3862146567810534, 0.6812895298527294, -0.18743664827542547, 0.250699411143452, -0.09515157300159052,
    0.4151980984296878, 0.6183315926582932, -0.48980195734451576, 0.29971954046117966, 0.5927945152494916,
    0.6095685815651839, -0.005218161464792423, 0.599162202914185, 0.26693842531620077, 0.2187914393398551,
    0.2908771060597506, 0.06074810233680422, 0.033452008307970814, 0.09662963324231619, 0.09071797728266107,
    0.20855844726291667, -0.21900805755164443, -0.5499529428328792, 0.3201503794997579, 0.6163956801305748,
    -1.0456951188362542, 0.1114412610140959, 0.5254969141259838, -0.06878716630712339, 0.4248704641256724,
    0.27532288712189407, -0.06917963823721592, 0.5141840530764775, 0.2980411080404583, -0.7206135819715795,
    -0.7812836899646245, -0.7241460064993556, -0.35202870655852264, 0.1418328550079501, 0.4324091633940547,
    -0.5643264196394746, 0.9169997869951283, 0.08261300509515053, 0.013902458320872257, -0.30006359120102766,
    0.09141421502750571, 0.23520797500994584, -0.1333388982176612, 0.6967248443509796, -0.5993423602042559,
    0.1940690876617871, 0.653026295581448, -0.35947916478571423, -0.6620020014947561, 0.6326630021339631,
    0.044773463781839586, 0.06367289265638668, 0.04968624454622425, -0.017878893709180367, -0.050047379788491615,
    -0.480073060469008, -0.5942100460547182, 0.147727982043221, 0.14131466151793623, 0.30689944686596543,
    0.007107199598568482, 0.6215736933939183, 0.01041184104352023, 0.19644260960122806, 0.008592604572000655,
    -0.6727256823099265, 0.22369075738152844, -0.7876335045244655, -0.9154272227269333, -0.5878085697863769,
    -0.13332397871929355, 0.5278461522254756, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.3028508362410879,
    -0.1290595517764479, 0.6249235201402555, 1.0260878295209221, 0.21486396996901688, 0.3110651736582438,
    0.1769018931609577, 0.6944404077676468, 0.018219491723061736, -0.4534934933644612, -1.195723131279563,
    0.48579641816051794, -0.3279466966266778, 0.6581282446167859, 0.0052292332948395345, 1.2288114307658033,
    0.2668952722563132, -0.5482478603758097, 1.2262164463164562, 0.2511927824443094, -0.5608677229351402,
    -0.08541675559126312, 0.02014601182166788, 0.5149165420015183, -0.6878987320396424, -0.28795217066410866,
    -0.08881222681306679, -0.2416658061612317, 0.5437063192543296, 0.06756094571851029, -0.5949060736642738,
    0.5362990534889476, -0.06358261489069206, 0.46866014460203215, -0.422673041582575, -0.43785541873050304,
    0.35629595787227625, 0.23378011679194274, -0.4680272469771386, -0.03778016908580576, 0.05095612886501069,
    0.2556741378671527, -0.22103683213850775, -0.04630911326134084, 0.606007010877157, -0.3374899574364714,
    0.19723499249566928, 0.40223488600321844, 0.2954126745878385, -0.27384483419951716, -0.20671270352200466,
    -0.05314408366078398, 0.14509099166733627, 0.014061462992630417, -0.29046119003860993, 0.812100420722904,
    -0.6480908942411496, -0.2827165197907599, 0.26206375054851905, -0.5128076195893368, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    -0.6951191173132889, -0.0051814192942640554, 0.1401867950984187, 0.23336738084547826, 1.100663971195603,
    0.15912855338299234, 0.23198404429107788, -0.615862833143947, 0.03920104114885786, -0.34765602004851137,
    -0.18278720092357986, 0.04718930604684223, 0.10999072531186983, 0.36252292518380747, 0.5509263995877409,
    0.030967526694947643, 0.2155407584814774, 0.5695800817644014, 0.0, 0.0, 0.0]
criterion = nn.CrossEntropyLoss()


# ----------------------------------------------------------------------------------------------------------
# The runs: each `build` makes the optimizer (and its schedulers, stepped once after every step)


def build_0(model, params):
    """Run 0: lion."""
    optimizer = Lion(params, lr=0.003, betas=(0.9, 0.99), weight_decay=0.1)
    stepper = Plain([optimizer])
    return stepper, [optimizer], []


def build_1(model, params):
    """Run 1: sgd."""
    optimizer = torch.optim.SGD(params, lr=0.1, momentum=0.9, dampening=0.0, nesterov=False, weight_decay=0.0)
    stepper = Plain([optimizer])
    return stepper, [optimizer], []


def build_2(model, params):
    """Run 2: adam."""
    optimizer = AdamNoBiasCorrection(params, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False)
    stepper = Plain([optimizer])
    return stepper, [optimizer], []


RUNS = [
    ("lion", build_0, 80, 4),
    ("sgd", build_1, 80, 4),
    ("adam no bias correction", build_2, 80, 4),
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
