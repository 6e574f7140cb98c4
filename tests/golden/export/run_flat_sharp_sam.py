#!/usr/bin/env python3
"""Exported by `optlab export-torch` from a run spec (problem flat_sharp, 5 run(s), 40 steps, seed 0).

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
# The problem: flat_sharp

def f(x, idx=None):
    """A weak bowl with a sharp deep well and a flat shallower one."""
    u, v = x.reshape(-1)
    return 0.05 * (u**2 + v**2) - 1.0 * torch.exp(-((u - -1.0) ** 2 + (v - 0.0) ** 2) / (2 * 0.15**2)) - 0.8 * torch.exp(-((u - 1.5) ** 2 + (v - 0.0) ** 2) / (2 * 0.7**2))


SHAPE = (2, 1)  # the parameter: rows × cols (a vector is one column)
X0 = [-0.8, 0.3]
STEPS = 40
F_REF = 0.0  # f* is not known in closed form: the explosion stop measures the loss from 0
EXPLOSION = 1e6
BATCHES = None  # deterministic: every step uses the full gradient


# ----------------------------------------------------------------------------------------------------------
# The runs: each `build` makes the optimizer (and its scheduler, stepped once after every step)


def build_0(params):
    """Run 0: sam."""
    optimizer = torch.optim.SGD(params, lr=0.05, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0)
    stepper = Sam(Plain([optimizer]), params, rho=0.1, p=2.0, adaptive=False)
    return stepper, [optimizer], []


def build_1(params):
    """Run 1: sam."""
    optimizer = torch.optim.Adam(params, lr=0.02, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False)
    stepper = Sam(Plain([optimizer]), params, rho=0.3, p=2.0, adaptive=True)
    return stepper, [optimizer], []


def build_2(params):
    """Run 2: sam."""
    optimizer = torch.optim.SGD(params, lr=0.05, momentum=0.9, dampening=0.0, nesterov=False, weight_decay=0.0)
    stepper = Sam(Plain([optimizer]), params, rho=0.05, p="inf", adaptive=False)
    return stepper, [optimizer], []


def build_3(params):
    """Run 3: sam."""
    optimizer = torch.optim.SGD(params, lr=0.05, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0)
    stepper = Sam(Plain([optimizer]), params, rho=0.05, p=3.0, adaptive=False)
    return stepper, [optimizer], []


def build_4(params):
    """Run 4: lookahead."""
    optimizer = torch.optim.SGD(params, lr=0.05, momentum=0.9, dampening=0.0, nesterov=False, weight_decay=0.0)
    stepper = Lookahead(Plain([optimizer]), params, k=5, alpha=0.5)
    return stepper, [optimizer], []


RUNS = [
    ("sam sgd", build_0),
    ("asam adam", build_1),
    ("sam p inf", build_2),
    ("sam p 3", build_3),
    ("lookahead sgd", build_4),
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
