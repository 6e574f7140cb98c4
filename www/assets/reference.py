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
