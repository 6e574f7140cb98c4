#!/usr/bin/env python3
"""Exported by `optlab export-torch` from a run spec (problem random_matrix_least_squares, 2 run(s), 30 steps, seed 7).

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
# The problem: random_matrix_least_squares

# random_matrix_least_squares: optlab's X and Y drawn from seed 7
X = torch.tensor([
    [1.026385675375612, -1.8126389963000868, 0.8288601889671354, 0.096934558433416, -1.0070015095901164, 0.1723840839542481,
     0.05474053135884184, 0.47764976106487844, 0.6138050700113319, 0.5196466716327489, -0.901229676388594,
     -3.2012401725876214],
    [-0.7960321624264197, 0.06611940675593407, -0.026570598393410718, 0.4499313158183819, 0.3143471962920985,
     0.5708743524490052, -0.3229257234309143, 0.0004627217173852556, -0.49074325191324836, -1.3007116913051178,
     0.1622099767744883, -0.01173706718426787],
    [1.1546001544899134, 0.8402974415636092, 0.21725906129404862, -0.36874994246729803, 0.31234282771530975,
     -0.27403083573853276, 0.7006221569655322, -0.3871034860368354, 0.10087119770512813, -0.9978115567469997,
     0.42362133465894036, 0.20810464646560625],
    [0.5610579536806442, -0.1712168597637453, 0.1325058806195037, -0.0755844282524831, -0.010004745789642416,
     -0.1699465081836595, -0.06528728699080252, -0.013296845026838498, 0.0984321176395533, 0.16763308494740978,
     -0.22565102885922553, -0.1996484401560593],
    [-0.23548353452323612, 0.16672022754882218, -0.1872861576853797, 0.24946807917338343, 0.19433756059874194,
     -0.49489997786049755, -0.11911575700527316, -0.08071850138843904, 0.19182449684988864, 0.25276679121957013,
     0.4523747206531291, 0.09466210556161653],
    [0.20650723202527174, -0.0002989343480910117, -0.3340786105485445, 0.16697669910424934, -0.05102166701023048,
     0.3771548480340701, 0.19475123530354577, 0.13332828729579507, 0.10986434570121154, 0.16965760384252215,
     0.3380834785428821, -0.24686332362676597],
])  # features × n
Y = torch.tensor([
    [-3.7490521400916945, 1.1519065743668218, -0.8058695370621836, 0.7350920099894369, 1.5587347217507752,
     0.7953538831307533, -1.1371131566086143, -0.24323731099055634, -1.7505470081790657, -1.9961219761674778,
     0.6916208899935081, 3.533207453842617],
    [0.6323095219671004, 0.7433243479747369, -0.08649871137410779, -0.5191645630063366, 0.12240737170421544,
     -0.8240789911438464, 0.5613350222122206, -0.21163500122790233, 0.3862485758163754, 0.5959142484028599,
     0.14010957669164112, 0.7454554894610549],
    [-1.6035303141890649, -0.4567191807965724, -0.6811646106601078, 0.539188381152327, -0.331322763825263,
     -0.15758716314322593, -0.3449388043071518, 0.2719912324630015, 0.25781961292476663, 1.7499693355832617,
     0.1458409991875567, 0.2483986172306821],
    [1.2688862024936267, 2.555799718404358, -0.6265844426802009, -0.41529434306249746, 1.0762209507888718,
     -1.11028038134024, 1.2331648168154734, -0.6767496784100531, 0.4404896821326125, -0.579937755312354,
     2.1075155418920777, 1.969441933890285],
])  # rows × n
LOSS_SCALE = 3.0


def f(w, idx=None):
    """λ‖WX − Y‖²_F/(2n)."""
    r = w @ X - Y
    return LOSS_SCALE * (r**2).sum() / (2 * X.shape[1])


SHAPE = (4, 6)  # the parameter: rows × cols (a vector is one column)
X0 = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
STEPS = 30
F_REF = 0.0  # f* is not known in closed form: the explosion stop measures the loss from 0
EXPLOSION = 1e6
BATCHES = None  # deterministic: every step uses the full gradient


# ----------------------------------------------------------------------------------------------------------
# The runs: each `build` makes the optimizer (and its scheduler, stepped once after every step)


def build_0(params):
    """Run 0: muon."""
    optimizer = Muon(params, lr=0.03, momentum=0.95, nesterov=True, ns_steps=8, ns="cubic", momentum_form="ema", scale="shape", weight_decay=0.0, eps=1e-7)
    stepper = Plain([optimizer])
    return stepper, [optimizer], []


def build_1(params):
    """Run 1: lookahead."""
    optimizer = torch.optim.Adam(params, lr=0.05, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False)
    scheduler = lr_scheduler.SequentialLR(optimizer, [lr_scheduler.LinearLR(optimizer, start_factor=0.2, end_factor=1.0, total_iters=5), lr_scheduler.CosineAnnealingLR(optimizer, T_max=25, eta_min=0.0)], milestones=[5])
    stepper = Lookahead(Plain([optimizer]), params, k=4, alpha=0.6)
    return stepper, [optimizer], [scheduler]


RUNS = [
    ("muon cubic", build_0),
    ("lookahead(adam) warm-up then cosine", build_1),
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
