#!/usr/bin/env python3
"""Exported by `optlab export-torch` from a run spec (problem finite_sum, 3 run(s), 40 steps, seed 3).

PyTorch in float64, no optlab: prints the JSON of `optlab run --format json` for the same spec
(loss, parameters flattened row-major, learning rate, gradient norm), which optlab's own numbers match
to about 1e-9. Run: python3 this_file.py
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


# ----------------------------------------------------------------------------------------------------------
# The problem: finite_sum

# finite_sum: optlab's samples drawn from seed 3 (rows aᵢ, targets yᵢ)
A = torch.tensor([
    [1.1499848301196989, -0.7225788676611876, 0.261015385920532],
    [0.7919249173311208, 0.7599218761517479, -0.4556572720013732],
    [-0.0478955590421286, -0.05094063776195315, 0.22972140454454062],
    [-1.0361615049615924, 0.2758867696951554, 0.09830083929810393],
    [0.8333174109415094, -0.9210615576722273, -0.08462780366861619],
    [0.18198848577395565, 0.22492545019788684, -0.08669205251907938],
    [-0.22686025163635318, 0.5171336724573428, -0.15826520942659586],
    [1.1682616894206272, -1.0164781436272416, -0.33490140188463813],
    [-2.068227838022704, 0.14785477229070848, -0.32244017635001265],
    [-0.8407747656206478, -0.6279716262347488, 0.3157744877958908],
    [-0.2706142369204295, -0.5452496963245276, 0.14888382292562025],
    [-0.5589518881787162, -0.2529672798503422, -0.5684572704736717],
    [0.2669778625926252, -0.02047229363897843, 0.47492484047456707],
    [-0.19795895888198634, -0.4742026907444072, 0.008676036113541388],
    [-1.086098622401748, -0.49022679527435675, -0.2836046938361885],
    [-0.591265477328213, 0.4998758502131736, 0.535360484769464],
    [-0.6859784990604955, 0.41098665601589823, 0.23499611738535464],
    [0.3073767819498155, -0.4302481911999499, 0.41756745768155723],
    [-1.0868082669881565, -0.6691421200365084, 0.36810563626043685],
    [-0.3680589526592329, 0.3436018948485229, 0.21337304999250842],
    [1.7011038931686462, 0.7904126554702151, 0.1605259332424552],
    [-0.296956449803053, 0.18125718040034636, -0.2214059693486224],
    [-0.48263680457489544, -0.4352866529889434, 0.3202083594788931],
    [0.5164921693067059, -0.4692301866513596, 0.16738367553258746],
    [1.000518342868677, -1.294207453333452, 0.12910371742625618],
    [-0.20289411548833364, 0.2784722874285796, -0.8725930581989906],
    [1.1191193045684078, -0.7751328596130218, 0.22687246262417582],
    [-0.34227753796139704, -0.7381289028064132, -0.3805311040990613],
    [-0.48077279123557776, -0.9003423140785848, 0.27267969428594235],
    [0.10360682952913881, 0.03239248218673998, 0.06538704421397759],
    [0.9418003802086691, 0.04656962958176401, -0.019536816799421416],
    [-0.6705401376521235, -0.2701226887230113, 0.027472789576777474],
    [-2.3307608376681928, 0.08245150242334756, 0.04081913924037725],
    [0.3924506533032557, 0.022292099996975862, 0.045549547061112354],
    [-1.4719436251525246, 0.5717342434037656, -0.16046391051113135],
    [0.7105628607173139, -0.6427926200932088, -0.7121274776159184],
    [0.3139694894552607, 0.22186062285115687, 0.6722579407037939],
    [-0.24490531800900006, 0.3279166675830302, 0.5069980173906207],
    [-1.2659229122767353, -0.1709020224921435, 0.21114413876101065],
    [0.8584199195617384, 0.48834789134460793, -0.3773962326643273],
    [-2.447878003673449, -0.22811911821848244, -0.17889977150484634],
    [-0.9655836087649732, -0.3349500566547737, 0.007129510242576475],
    [1.6799287695473757, -0.23206387583872282, -0.36847835838210374],
    [1.1376794272289708, 0.927876028938758, -0.5801619983284391],
    [-0.9838110713701836, -0.752959257963243, 0.4014621959311458],
    [0.28854268628020846, -0.40823740011986454, -0.547398799080167],
    [0.6989835847830419, 0.5830892560532325, 0.33870890385427854],
    [-1.5975541725005575, -0.3869416344713366, -0.14363255223547797],
    [-0.16313706250155435, 0.13726152701336514, -0.006814810783120436],
    [1.6201810269370154, -0.22219387324150874, -0.36777749890909117],
    [-0.6986526248255273, -0.12549679185998114, -0.1058093497172012],
    [-0.3613048793007347, 1.2191703804547354, 0.15979156488280824],
    [0.5689937565227787, 0.27413536299448943, 0.03242560814901526],
    [-0.548993369175114, -0.1276778286299649, -0.29777116254395775],
    [1.9895309621837096, -0.8197614271162755, 0.34253262360224235],
    [0.9373225078283813, -0.13607221287325438, 0.1019947456170386],
    [1.3136560608854524, -0.4558862125375599, 0.07562625944068936],
    [0.8781119578443205, -1.042492140894656, 0.33549393382587767],
    [-0.7054608578873289, -0.2802113671647113, 0.10256874581661578],
    [-1.967027772226733, 0.267374854558327, 0.4396127621727234],
    [-0.44591152735580675, 0.29503016877898497, -0.2343003005874815],
    [0.35845573159443156, 0.8553422944514303, 0.5243404885379762],
    [0.270409857094167, -0.06488874861747708, -0.5163533704392551],
    [1.866132951475735, -0.5243035290169187, -0.12143410090113092],
])
Y = torch.tensor([1.2457635664907323, 1.8925152502591704, -0.18041961070934404, -1.6475256026629814, 1.2993498331564157,
    0.48015050917358215, -0.1346360682392187, 1.2389003010963622, -4.113283185308236, -2.004914236882778,
    -0.5739217358168305, -1.594453620414584, 1.0003862119047944, -1.3418859307173352, -2.805689045876548,
    -0.555741623234651, -0.6946832865658006, 0.35209641241901524, -2.7898791547832236, -0.24459975854443652,
    3.901409898935199, -0.9327551624535693, -0.8642515425390844, 0.8148148421600032, 0.8168537986335135,
    -0.8344984841830634, 1.6332840792829106, -1.2920344153743393, -1.495204571601739, 0.3264194950822382,
    2.0770536290757144, -1.3125759657081342, -4.781831105020622, 0.6636988564352189, -2.6064940482087473,
    0.9572480453240432, 1.1186487457343186, -0.515732277930833, -2.528700598197071, 1.6572797279982914,
    -4.865621501506117, -1.952319876583005, 3.1861971185275157, 2.6096922619989975, -2.324960480352417,
    0.225861637215696, 1.8356521981132485, -3.2591906232312344, -0.361235684290688, 2.528379503600301,
    -1.6357303485235357, 0.4319328504251765, 0.6801538921991329, -1.1875219255541671, 3.160137513861006,
    1.2350496218832827, 2.8881115771560157, 1.511635769898081, -1.9096907235920653, -3.922582455115484,
    -0.5990399365042604, 1.617249166119395, 0.002082052147467206, 3.072518170822107])


def f(x, idx=None):
    """(1/N)Σ ½(aᵢᵀx − yᵢ)² over all rows, or over the rows `idx` of a mini-batch."""
    a, y = (A, Y) if idx is None else (A[idx], Y[idx])
    r = a @ x.reshape(-1) - y
    return 0.5 * (r**2).mean()


SHAPE = (3, 1)  # the parameter: rows × cols (a vector is one column)
X0 = [1.0, -1.0, 0.5]
STEPS = 40
F_REF = 0.035339018584710336  # f*, the problem's minimum value: runs stop when they explode away from it
EXPLOSION = 1e6
# optlab's mini-batch of each step (row indices; from seed 3, the same for every run)
BATCHES = [
    [19, 63, 7, 42, 11, 34, 0, 30],
    [47, 31, 34, 60, 15, 38, 57, 42],
    [38, 17, 30, 59, 3, 28, 20, 52],
    [44, 2, 53, 39, 36, 37, 16, 46],
    [26, 24, 16, 13, 59, 33, 31, 43],
    [3, 19, 6, 47, 56, 25, 53, 30],
    [57, 49, 16, 9, 50, 62, 36, 24],
    [7, 8, 19, 3, 62, 30, 2, 59],
    [5, 58, 63, 37, 1, 4, 38, 46],
    [4, 19, 35, 43, 39, 61, 58, 17],
    [3, 39, 2, 49, 56, 20, 27, 44],
    [20, 51, 48, 36, 30, 53, 44, 45],
    [4, 45, 61, 63, 19, 16, 14, 26],
    [21, 53, 36, 55, 43, 29, 44, 50],
    [21, 37, 61, 55, 62, 10, 44, 29],
    [54, 21, 62, 55, 6, 0, 38, 44],
    [40, 16, 21, 4, 53, 51, 43, 3],
    [43, 32, 6, 10, 57, 49, 41, 36],
    [46, 17, 0, 30, 23, 52, 57, 61],
    [11, 8, 44, 19, 56, 7, 5, 37],
    [46, 25, 52, 53, 43, 47, 10, 49],
    [16, 0, 47, 11, 59, 56, 48, 23],
    [27, 17, 51, 47, 50, 60, 18, 23],
    [46, 16, 10, 15, 50, 4, 11, 33],
    [50, 47, 46, 2, 9, 43, 0, 62],
    [63, 29, 5, 43, 18, 56, 36, 42],
    [20, 43, 54, 58, 42, 21, 55, 40],
    [61, 29, 18, 5, 42, 23, 12, 14],
    [5, 24, 63, 58, 12, 15, 33, 1],
    [29, 17, 12, 7, 37, 63, 55, 42],
    [45, 21, 30, 23, 9, 20, 7, 34],
    [33, 24, 48, 29, 31, 11, 60, 34],
    [58, 7, 32, 46, 19, 22, 36, 48],
    [38, 49, 20, 58, 62, 37, 12, 24],
    [52, 23, 3, 29, 41, 50, 58, 46],
    [49, 22, 52, 28, 21, 26, 46, 48],
    [31, 43, 4, 22, 28, 3, 50, 19],
    [38, 28, 7, 60, 30, 55, 53, 57],
    [6, 19, 23, 36, 53, 4, 54, 55],
    [10, 56, 16, 42, 50, 30, 4, 18],
]


# ----------------------------------------------------------------------------------------------------------
# The runs: each `build` makes the optimizer (and its scheduler, stepped once after every step)


def build_0(params):
    """Run 0: sgd."""
    optimizer = torch.optim.SGD(params, lr=0.1, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0)
    stepper = Plain([optimizer])
    return stepper, [optimizer], []


def build_1(params):
    """Run 1: sam."""
    optimizer = torch.optim.SGD(params, lr=0.1, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0)
    stepper = Sam(Plain([optimizer]), params, rho=0.05, p=2.0, adaptive=False)
    return stepper, [optimizer], []


def build_2(params):
    """Run 2: adam."""
    optimizer = torch.optim.Adam(params, lr=0.05, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False)
    scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.95)
    stepper = Plain([optimizer])
    return stepper, [optimizer], [scheduler]


RUNS = [
    ("sgd", build_0),
    ("sam(sgd)", build_1),
    ("adam exponential", build_2),
]


def gradient(fn, x):
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(fn(x), x)
    return g


def norm(v):
    """‖v‖₂ scaled by the largest entry first (as optlab), so entries near 1e154 do not overflow the squares."""
    v = v.reshape(-1)
    m = float(v.abs().max()) if v.numel() else 0.0
    if m == 0.0 or not math.isfinite(m):
        return m
    if 1e-150 <= m < 1e150:
        return float(torch.sqrt((v * v).sum()))
    return m * float(torch.sqrt(((v / m) ** 2).sum()))


def stop_reason(value, x, g, loss_scale, x_scale):
    """optlab's stop rule (src/run.rs): a non-finite value, a loss beyond ±1e100, or an explosion — the loss
    more than 1e6 × loss_scale away from F_REF, or ‖x‖ more than 1e6 × x_scale."""
    if not torch.isfinite(x).all():
        return "a parameter became non-finite"
    if not math.isfinite(value) or abs(value) > 1e100:
        return f"the loss reached {value}"
    if abs(value - F_REF) > EXPLOSION * loss_scale:
        return f"the loss moved {abs(value - F_REF)} from F_REF (more than 1e6 × {loss_scale})"
    if norm(x) > EXPLOSION * x_scale:
        return f"‖x‖ grew to {norm(x)} (more than 1e6 × {x_scale})"
    if not torch.isfinite(g).all() or not math.isfinite(norm(g)):
        return "the gradient became non-finite"
    return None


def run(label, build):
    """optlab's run loop (src/run.rs): record x₀; at step t take the (batch) gradient, step, step the
    schedulers, record loss, parameters and ‖∇f‖ at the new iterate; stop as optlab stops (`stop_reason`)."""
    p = torch.tensor(X0).reshape(SHAPE)
    params = [p]
    stepper, optimizers, schedulers = build(params)
    for o in optimizers:
        if isinstance(o, Newton):
            o.loss_of_flat = lambda theta: f(theta.reshape(SHAPE))  # the full Hessian, as optlab's oracle
    out = {"label": label, "loss": [], "params": [], "lr": [], "grad_norm": [], "diverged": None}

    def record(value, g):
        out["loss"].append(value)
        out["params"].append(p.reshape(-1).tolist())
        out["grad_norm"].append(float(g.norm()))

    with torch.no_grad():
        f0 = float(f(p))
    g0 = gradient(f, p)
    if not math.isfinite(f0) or not torch.isfinite(g0).all() or not math.isfinite(norm(g0)) or abs(f0) > 1e100:
        out["diverged"] = {"step": 0, "reason": f"the start is not usable (f = {f0}, ‖∇f‖ = {norm(g0)})"}
        return out
    record(f0, g0)
    # the scales of the explosion stop: from x₀, and from x₁ after the first step (see src/run.rs, EXPLOSION)
    loss_scale = max(abs(f0 - F_REF), 1.0)
    reach = 2 * abs(f0 - F_REF) / norm(g0) if norm(g0) > 0 else 0.0
    x_scale = max(norm(p), reach if math.isfinite(reach) else math.inf, 1.0)
    for t in range(1, STEPS + 1):
        lr = float(optimizers[0].param_groups[0]["lr"])
        idx = None if BATCHES is None else BATCHES[t - 1]

        def closure():
            p.grad = gradient(lambda x: f(x, idx), p)

        closure()
        stepper.step(closure)
        for s in schedulers:
            s.step()
        with torch.no_grad():
            value = float(f(p))
        g = gradient(f, p)
        if t == 1:
            loss_scale = max(loss_scale, abs(value - F_REF))
            x_scale = max(x_scale, norm(p))
        why = stop_reason(value, p, g, loss_scale, x_scale)
        if why is not None:
            out["diverged"] = {"step": t, "reason": f"{why} at step {t} (lr = {lr})"}
            break
        out["lr"].append(lr)
        record(value, g)
    return out


print(json.dumps({"runs": [run(label, build) for label, build in RUNS]}))
