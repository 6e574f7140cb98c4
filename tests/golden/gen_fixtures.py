#!/usr/bin/env python3
"""Writes the golden fixtures of `tests/golden.rs`: optimizer trajectories computed by PyTorch in float64.

Run from the repository root (CI never runs this; the fixtures are committed):

    python3 tests/golden/gen_fixtures.py          # all fixtures
    python3 tests/golden/gen_fixtures.py lion     # only those whose name starts with "lion"

Each fixture `tests/golden/fixtures/<name>.json` is

    {"provenance": "...", "spec": <an optlab spec, exactly as `optlab run` takes it>,
     "expected": {"runs": [{"label", "loss", "params", "lr", "grad_norm"}]}}

with `loss`, `params` (flattened row-major) and `grad_norm` = ‖∇f‖₂ at every iterate x₀ … x_T and `lr` the
learning rate used at steps 1 … T, exactly the fields `optlab run` prints.

Where the numbers come from:
- SGD, Adagrad, RMSprop, Adam, AdamW: `torch.optim` itself.
- Schedules: `torch.optim.lr_scheduler` (StepLR, ExponentialLR, CosineAnnealingLR, LinearLR, SequentialLR),
  stepped once after every optimizer step; the lr recorded is `param_groups[0]['lr']` at the step.
- Adam with `bias_correction = false` (torch has no such switch): torch's single-tensor Adam re-implemented
  below with both corrections set to 1.
- Lookahead: the authors' PyTorch code (michaelrzhang/lookahead, `lookahead_pytorch.py`,
  pullback_momentum="none") around the torch optimizers.
- SAM: davda54/sam (`first_step` / `second_step`, `adaptive` = ASAM); p ≠ 2 uses the lecture's dual-norm
  ascent ρ·sign(g)|g|^{q−1}/((Σ|g|^q)^{1/p} + 1e-12) (p = inf: ρ·sign(g)).
- Muon: Keller Jordan's reference (`muon_update`, `zeropower_via_newtonschulz5`) in float64 instead of
  bfloat16, with the coefficient sets, the exact SVD, the summed momentum and the scale rules of optlab.
- Lion: lucidrains/lion-pytorch `update_fn` (the authors' code; torch.optim has no Lion) in float64.
- Newton: x ← x − lr·H⁻¹∇f with the autograd Hessian and `torch.linalg.solve`.
The objectives are written in torch and differentiated by autograd.

Input data (matrices, start points) are rounded to 4 decimals so that JSON carries them exactly.
"""

import datetime
import json
import math
import pathlib

import numpy as np
import torch
from torch.optim import lr_scheduler

torch.set_default_dtype(torch.float64)

OUT = pathlib.Path(__file__).resolve().parent / "fixtures"
TODAY = datetime.date.today().isoformat()
TORCH = f"torch {torch.__version__} (CPU, float64), numpy {np.__version__}"


# ----------------------------------------------------------------------------------------------------------
# Problems (see src/problems/*.rs)


class Problem:
    """An objective over a parameter of shape (rows, cols) (vectors are (n, 1))."""

    def __init__(self, spec, shape, fn, x0):
        self.spec, self.shape, self.fn = spec, shape, fn
        self.x0 = x0  # as written in the optlab spec (a list, or a list of rows)

    def x0_tensor(self):
        return torch.tensor(self.x0, dtype=torch.float64).reshape(self.shape)

    def value(self, x):
        with torch.no_grad():
            return float(self.fn(x))

    def grad(self, x):
        x = x.detach().clone().requires_grad_(True)
        (g,) = torch.autograd.grad(self.fn(x), x)
        return g

    def hessian(self, x):
        n = x.numel()
        h = torch.autograd.functional.hessian(lambda v: self.fn(v.reshape(self.shape)), x.detach().reshape(n))
        return h


def rounded(a, digits=4):
    return np.round(np.asarray(a, dtype=np.float64), digits)


def quadratic(a, b, x0):
    a, b = rounded(a), rounded(b)
    assert np.allclose(a, a.T, atol=0) and np.linalg.eigvalsh(a).min() > 0
    at, bt = torch.tensor(a), torch.tensor(b)

    def fn(x):
        v = x.reshape(-1)
        return 0.5 * v @ at @ v - bt @ v

    spec = {"kind": "quadratic", "a": a.tolist(), "b": b.tolist()}
    return Problem(spec, (len(b), 1), fn, rounded(x0).tolist())


def rosenbrock(x0, a=1.0, b=100.0):
    def fn(x):
        v = x.reshape(-1)
        return (a - v[0]) ** 2 + b * (v[1] - v[0] ** 2) ** 2

    return Problem({"kind": "rosenbrock", "a": a, "b": b}, (2, 1), fn, rounded(x0).tolist())


def matrix_least_squares(x, y, w0):
    x, y, w0 = rounded(x), rounded(y), rounded(w0)
    xt, yt = torch.tensor(x), torch.tensor(y)
    n = x.shape[1]

    def fn(w):
        r = w.reshape(y.shape[0], x.shape[0]) @ xt - yt
        return (r**2).sum() / (2 * n)

    spec = {"kind": "matrix_least_squares", "x": x.tolist(), "y": y.tolist()}
    return Problem(spec, (y.shape[0], x.shape[0]), fn, w0.tolist())


def rotation(deg):
    t = math.radians(deg)
    return np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])


RNG = np.random.default_rng(20240607)


def random_spd(n, lo, hi):
    q, _ = np.linalg.qr(RNG.standard_normal((n, n)))
    a = q @ np.diag(np.geomspace(hi, lo, n)) @ q.T
    return (a + a.T) / 2


PROBLEMS = {
    # ill-conditioned 2-D quadratic, rotated by 30°, eigenvalues 10 and 1, minimum at A⁻¹b ≠ 0
    "quad2": quadratic(rotation(30) @ np.diag([10.0, 1.0]) @ rotation(30).T, [1.0, -0.5], [1.5, 1.0]),
    # axis-aligned a = diag(10, 1), b = 0 (the spec example)
    "quad2_axis": quadratic([[10.0, 0.0], [0.0, 1.0]], [0.0, 0.0], [1.0, 1.0]),
    # random SPD 5-D quadratic, eigenvalues from 20 down to 0.5
    "quad5": quadratic(random_spd(5, 0.5, 20.0), RNG.standard_normal(5), RNG.standard_normal(5)),
    "rosen": rosenbrock([-1.2, 1.0]),
    # W 3×4 (wide): features = 4, n = 6
    "mls_wide": matrix_least_squares(RNG.standard_normal((4, 6)), RNG.standard_normal((3, 6)), 0.5 * RNG.standard_normal((3, 4))),
    # W 5×3 (tall, so Muon works on Wᵀ): features = 3, n = 7
    "mls_tall": matrix_least_squares(RNG.standard_normal((3, 7)), RNG.standard_normal((5, 7)), 0.5 * RNG.standard_normal((5, 3))),
}
PROBLEM_TEXT = {
    "quad2": "2-D quadratic, A = R(30°) diag(10, 1) R(30°)ᵀ, b = (1, −0.5)",
    "quad2_axis": "2-D quadratic, A = diag(10, 1), b = 0",
    "quad5": "random 5-D SPD quadratic, eigenvalues 20 … 0.5",
    "rosen": "Rosenbrock a = 1, b = 100 from (−1.2, 1)",
    "mls_wide": "matrix least squares, W 3×4, X 4×6, Y 3×6",
    "mls_tall": "matrix least squares, W 5×3, X 3×7, Y 5×7",
}


# ----------------------------------------------------------------------------------------------------------
# Optimizer defaults: PyTorch's (and optlab's, see src/optim/config.rs)

DEFAULTS = {
    "sgd": dict(lr=1e-3, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0),
    "adagrad": dict(lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10),
    "rmsprop": dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False),
    "adam": dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False, bias_correction=True),
    "adamw": dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01, amsgrad=False, bias_correction=True),
    "lookahead": dict(k=5, alpha=0.5),
    "sam": dict(rho=0.05, p=2, adaptive=False),
    "muon": dict(lr=0.02, momentum=0.95, nesterov=True, ns_steps=5, ns="keller_quintic", momentum_form="ema",
                 scale="shape", weight_decay=0.0, eps=1e-7),
    "lion": dict(lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0.0),
    "newton": dict(lr=1.0),
}


def cfg(spec):
    c = dict(DEFAULTS[spec["kind"]])
    c.update({k: v for k, v in spec.items() if k not in ("kind", "inner")})
    return c


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
    """lucidrains/lion-pytorch `update_fn`, float64: p ← p(1 − lr·wd); update = sign(β₁·m + (1−β₁)·g);
    p ← p − lr·update; m ← β₂·m + (1−β₂)·g."""

    def __init__(self, params, lr, beta1, beta2, weight_decay):
        super().__init__(params, dict(lr=lr, betas=(beta1, beta2), weight_decay=weight_decay))

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
                p.data.mul_(1.0 - lr * wd)
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
    polar factor U Vᵀ by SVD."""
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
    """Keller Jordan's `Muon` / `muon_update` (github.com/KellerJordan/Muon, muon.py) in float64, plus the
    variants optlab exposes: `momentum_form = "sum"` (M ← βM + G, Nesterov U = G + βM), the coefficient sets
    of `NS_COEFFS` or the SVD, and `scale` none | shape | match_rms_adamw. `lecture_decay` writes the weight
    decay the lecture's way, W ← W − lr(msign(M) + wd·W)."""

    def __init__(self, params, lr, momentum, nesterov, ns_steps, ns, momentum_form, scale, weight_decay, eps,
                 lecture_decay=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, nesterov=nesterov, ns_steps=ns_steps, ns=ns,
                                      momentum_form=momentum_form, scale=scale, weight_decay=weight_decay, eps=eps))
        self.lecture_decay = lecture_decay

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
                if self.lecture_decay:
                    p.sub_(lr * (o + wd * p))
                else:
                    p.mul_(1 - lr * wd)
                    p.add_(o, alpha=-lr)


class Newton(torch.optim.Optimizer):
    """x ← x − lr·H(x)⁻¹∇f(x), the Hessian from autograd, the solve by `torch.linalg.solve`."""

    def __init__(self, params, lr, problem):
        super().__init__(params, dict(lr=lr))
        self.problem = problem

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                h = self.problem.hessian(p)
                d = torch.linalg.solve(h, p.grad.reshape(-1))
                p.sub_(group["lr"] * d.reshape(p.shape))


def build_base(spec, p, problem):
    """A torch optimizer (or a re-implementation) from an optlab optimizer spec."""
    kind, c = spec["kind"], cfg(spec)
    if kind == "sgd":
        return torch.optim.SGD([p], lr=c["lr"], momentum=c["momentum"], dampening=c["dampening"],
                               nesterov=c["nesterov"], weight_decay=c["weight_decay"])
    if kind == "adagrad":
        return torch.optim.Adagrad([p], lr=c["lr"], lr_decay=c["lr_decay"], weight_decay=c["weight_decay"],
                                   initial_accumulator_value=c["initial_accumulator_value"], eps=c["eps"])
    if kind == "rmsprop":
        return torch.optim.RMSprop([p], lr=c["lr"], alpha=c["alpha"], eps=c["eps"], weight_decay=c["weight_decay"],
                                   momentum=c["momentum"], centered=c["centered"])
    if kind in ("adam", "adamw"):
        betas = (c["beta1"], c["beta2"])
        if not c["bias_correction"]:
            return AdamNoBiasCorrection([p], c["lr"], betas, c["eps"], c["weight_decay"], c["amsgrad"], kind == "adamw")
        cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
        return cls([p], lr=c["lr"], betas=betas, eps=c["eps"], weight_decay=c["weight_decay"], amsgrad=c["amsgrad"])
    if kind == "muon":
        lecture = c.pop("lecture_decay", False)
        return Muon([p], **c, lecture_decay=lecture)
    if kind == "lion":
        return Lion([p], c["lr"], c["beta1"], c["beta2"], c["weight_decay"])
    if kind == "newton":
        return Newton([p], c["lr"], problem)
    raise ValueError(kind)


class Plain:
    def __init__(self, opt):
        self.opt = opt

    def step(self, p, grad_at):
        self.opt.step()


class Lookahead:
    """michaelrzhang/lookahead `lookahead_pytorch.py` (pullback_momentum="none"): slow weights cached at
    construction (x₀); after every k inner steps p ← α·p + (1−α)·slow, slow ← p."""

    def __init__(self, inner, p, k, alpha):
        self.inner, self.k, self.alpha = inner, k, alpha
        self.la_step = 0
        self.cached = p.detach().clone()

    def step(self, p, grad_at):
        self.inner.step(p, grad_at)
        self.la_step += 1
        if self.la_step >= self.k:
            self.la_step = 0
            with torch.no_grad():
                p.mul_(self.alpha).add_(self.cached, alpha=1.0 - self.alpha)
                self.cached.copy_(p)


class Sam:
    """davda54/sam `SAM.first_step` / `second_step`: ε̂ = ρ·g/(‖g‖₂ + 1e-12) (adaptive: ρ·x²g/(‖|x|g‖₂ + 1e-12));
    for p ≠ 2 the dual-norm ascent of the lecture. The base optimizer steps from the old x with ∇f(x + ε̂)."""

    def __init__(self, inner, rho, p_norm, adaptive):
        self.inner, self.rho, self.p_norm, self.adaptive = inner, rho, p_norm, adaptive

    def ascent(self, g):
        rho, pn = self.rho, self.p_norm
        if pn == 2:
            return g * (rho / (g.norm(p=2) + 1e-12))
        if pn == "inf":
            return rho * torch.sign(g)
        q = pn / (pn - 1)
        denom = (g.abs() ** q).sum() ** (1 / pn) + 1e-12
        return rho * torch.sign(g) * g.abs() ** (q - 1) / denom

    def step(self, p, grad_at):
        with torch.no_grad():
            old_p = p.detach().clone()
            if self.adaptive:
                t = torch.abs(p)
                e_w = t * self.ascent(t * p.grad)  # p = 2: ρ·x²g/(‖|x|g‖ + 1e-12), as the reference
            else:
                e_w = self.ascent(p.grad)
            p.add_(e_w)
        p.grad = grad_at(p)
        with torch.no_grad():
            p.copy_(old_p)
        self.inner.step(p, grad_at)


def build(spec, p, problem):
    """Returns (stepper, the torch optimizer that owns the lr, for the scheduler)."""
    kind = spec["kind"]
    if kind == "lookahead":
        inner, base = build(spec["inner"], p, problem)
        c = cfg(spec)
        return Lookahead(inner, p, c["k"], c["alpha"]), base
    if kind == "sam":
        inner, base = build(spec["inner"], p, problem)
        c = cfg(spec)
        return Sam(inner, c["rho"], c["p"], c["adaptive"]), base
    opt = build_base(spec, p, problem)
    return Plain(opt), opt


def build_schedule(spec, opt):
    if spec is None or spec["kind"] == "constant":
        return None
    k = spec["kind"]
    if k == "step":
        return lr_scheduler.StepLR(opt, step_size=spec["step_size"], gamma=spec.get("gamma", 0.1))
    if k == "exponential":
        return lr_scheduler.ExponentialLR(opt, gamma=spec["gamma"])
    if k == "cosine":
        return lr_scheduler.CosineAnnealingLR(opt, T_max=spec["t_max"], eta_min=spec.get("eta_min", 0.0))
    if k == "linear":
        return lr_scheduler.LinearLR(opt, start_factor=spec.get("start_factor", 1 / 3),
                                     end_factor=spec.get("end_factor", 1.0), total_iters=spec.get("total_iters", 5))
    if k == "sequential":
        subs = [build_schedule(s, opt) for s in spec["schedulers"]]
        return lr_scheduler.SequentialLR(opt, subs, milestones=spec["milestones"])
    raise ValueError(k)


def simulate(problem, run, steps):
    p = problem.x0_tensor().clone()
    stepper, base = build(run["optimizer"], p, problem)
    sched = build_schedule(run.get("schedule"), base)

    def grad_at(x):
        return problem.grad(x)

    out = {"label": run["label"], "loss": [], "params": [], "lr": [], "grad_norm": []}

    def record(x):
        g = problem.grad(x)
        v = problem.value(x)
        assert math.isfinite(v) and abs(v) < 1e100, f"{run['label']} diverged"
        out["loss"].append(v)
        out["params"].append(x.detach().reshape(-1).tolist())
        out["grad_norm"].append(float(g.norm(p=2)))

    record(p)
    for _ in range(steps):
        out["lr"].append(float(base.param_groups[0]["lr"]))
        p.grad = grad_at(p)
        stepper.step(p, grad_at)
        if sched is not None:
            sched.step()
        record(p)
    return out


def fixture(name, problem_key, steps, runs, note):
    problem = PROBLEMS[problem_key]
    spec_runs = []
    for r in runs:
        sr = {"label": r["label"], "optimizer": strip_private(r["optimizer"])}
        if "schedule" in r:
            sr["schedule"] = r["schedule"]
        spec_runs.append(sr)
    spec = {"problem": problem.spec, "x0": problem.x0, "runs": spec_runs, "steps": steps, "seed": 0}
    expected = {"runs": [simulate(problem, r, steps) for r in runs]}
    provenance = f"tests/golden/gen_fixtures.py on {TODAY}; {TORCH}; problem: {PROBLEM_TEXT[problem_key]}; {note}"
    OUT.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"provenance": provenance, "spec": spec, "expected": expected}, ensure_ascii=False)
    (OUT / f"{name}.json").write_text(text + "\n")
    return len(runs)


def strip_private(o):
    """The optimizer spec without generator-only keys (`lecture_decay`)."""
    o = {k: v for k, v in o.items() if k != "lecture_decay"}
    if "inner" in o:
        o["inner"] = strip_private(o["inner"])
    return o


def run(label, optimizer, schedule=None):
    r = {"label": label, "optimizer": optimizer}
    if schedule is not None:
        r["schedule"] = schedule
    return r


# ----------------------------------------------------------------------------------------------------------
# The fixtures

TORCH_OPTIM = "reference: torch.optim.{cls} (single-tensor CPU path)"


def sgd_runs(lr):
    return [
        run("sgd", {"kind": "sgd", "lr": lr}),
        run("heavy ball 0.9", {"kind": "sgd", "lr": lr, "momentum": 0.9}),
        run("nesterov 0.9", {"kind": "sgd", "lr": lr, "momentum": 0.9, "nesterov": True}),
        run("momentum 0.9 dampening 0.5", {"kind": "sgd", "lr": lr, "momentum": 0.9, "dampening": 0.5}),
        run("sgd weight_decay 0.1", {"kind": "sgd", "lr": lr, "weight_decay": 0.1}),
        run("momentum 0.5 weight_decay 0.05", {"kind": "sgd", "lr": lr, "momentum": 0.5, "weight_decay": 0.05}),
    ]


def adagrad_runs(lr):
    return [
        run("adagrad", {"kind": "adagrad", "lr": lr}),
        run("adagrad lr_decay 0.1", {"kind": "adagrad", "lr": lr, "lr_decay": 0.1}),
        run("adagrad initial_accumulator_value 0.5", {"kind": "adagrad", "lr": lr, "initial_accumulator_value": 0.5}),
        run("adagrad weight_decay 0.1", {"kind": "adagrad", "lr": lr, "weight_decay": 0.1}),
    ]


def rmsprop_runs(lr, alpha_09=True):
    rs = [
        run("rmsprop", {"kind": "rmsprop", "lr": lr}),
        run("rmsprop centered", {"kind": "rmsprop", "lr": lr, "centered": True}),
        run("rmsprop momentum 0.9", {"kind": "rmsprop", "lr": lr, "momentum": 0.9}),
        run("rmsprop weight_decay 0.1", {"kind": "rmsprop", "lr": lr, "weight_decay": 0.1}),
        run("rmsprop centered momentum 0.5", {"kind": "rmsprop", "lr": lr, "centered": True, "momentum": 0.5}),
    ]
    if alpha_09:
        rs.insert(1, run("rmsprop alpha 0.9", {"kind": "rmsprop", "lr": lr, "alpha": 0.9}))
    return rs


def adam_runs(lr):
    return [
        run("adam", {"kind": "adam", "lr": lr}),
        run("adam amsgrad", {"kind": "adam", "lr": lr, "amsgrad": True}),
        run("adam weight_decay 0.1", {"kind": "adam", "lr": lr, "weight_decay": 0.1}),
        run("adam beta1 0.5 beta2 0.9", {"kind": "adam", "lr": lr, "beta1": 0.5, "beta2": 0.9}),
        run("adam no bias correction", {"kind": "adam", "lr": lr, "bias_correction": False}),
        run("adam no bias correction amsgrad", {"kind": "adam", "lr": lr, "bias_correction": False, "amsgrad": True}),
        run("adamw", {"kind": "adamw", "lr": lr}),
        run("adamw weight_decay 0.5", {"kind": "adamw", "lr": lr, "weight_decay": 0.5}),
        run("adamw amsgrad weight_decay 0.1", {"kind": "adamw", "lr": lr, "amsgrad": True, "weight_decay": 0.1}),
        run("adamw no bias correction", {"kind": "adamw", "lr": lr, "bias_correction": False, "weight_decay": 0.1}),
    ]


ADAM_NOTE = ("reference: torch.optim.Adam / torch.optim.AdamW; the runs with bias_correction=false use the "
             "generator's re-implementation of torch's single-tensor Adam with both bias corrections = 1")


def muon_runs(lr):
    m = lambda **kw: {"kind": "muon", "lr": lr, **kw}  # noqa: E731
    return [
        run("muon (keller reference)", m()),
        run("muon lecture_quintic", m(ns="lecture_quintic")),
        run("muon cubic", m(ns="cubic")),
        run("muon svd", m(ns="svd")),
        run("muon ns_steps 0", m(ns_steps=0)),
        run("muon ns_steps 1", m(ns_steps=1)),
        run("muon no nesterov", m(nesterov=False)),
        run("muon sum nesterov", m(momentum_form="sum", momentum=0.9)),
        run("muon scale none", m(scale="none")),
        run("muon scale match_rms_adamw", m(scale="match_rms_adamw")),
        run("muon weight_decay 0.1", m(weight_decay=0.1)),
        run("muon lecture form wd 0.1", dict(m(momentum_form="sum", nesterov=False, ns="lecture_quintic",
                                               scale="none", weight_decay=0.1, momentum=0.9), lecture_decay=True)),
        run("muon svd sum no nesterov", m(ns="svd", momentum_form="sum", nesterov=False, momentum=0.8)),
    ]


MUON_NOTE = ("reference: Keller Jordan's Muon (muon_update, zeropower_via_newtonschulz5) re-implemented in float64 "
             "(eps 1e-7 on the Frobenius norm, transpose when rows > cols); ns=svd is U Vᵀ from torch.linalg.svd; "
             "momentum_form=sum is M ← βM + G with Nesterov U = G + βM; the 'lecture form' run applies the decay "
             "as W ← W − lr(msign(M) + wd·W)")


def schedule_runs(opt):
    return [
        run("step", opt, {"kind": "step", "step_size": 7, "gamma": 0.5}),
        run("step default gamma", opt, {"kind": "step", "step_size": 10}),
        run("exponential", opt, {"kind": "exponential", "gamma": 0.93}),
        run("cosine eta_min", opt, {"kind": "cosine", "t_max": 25, "eta_min": round(0.1 * base_lr(opt), 9)}),
        run("cosine past t_max", opt, {"kind": "cosine", "t_max": 12}),
        run("linear warm-up", opt, {"kind": "linear", "start_factor": 0.1, "end_factor": 1.0, "total_iters": 8}),
        run("linear defaults", opt, {"kind": "linear"}),
        run("linear decay", opt, {"kind": "linear", "start_factor": 1.0, "end_factor": 0.2, "total_iters": 20}),
        run("warm-up then cosine", opt, {"kind": "sequential", "milestones": [5], "schedulers": [
            {"kind": "linear", "start_factor": 0.2, "end_factor": 1.0, "total_iters": 5},
            {"kind": "cosine", "t_max": 25, "eta_min": round(0.05 * base_lr(opt), 9)}]}),
        run("warm-up, step, exponential", opt, {"kind": "sequential", "milestones": [4, 15], "schedulers": [
            {"kind": "linear", "start_factor": 0.25, "total_iters": 4},
            {"kind": "step", "step_size": 5, "gamma": 0.5},
            {"kind": "exponential", "gamma": 0.9}]}),
        run("constant", opt, {"kind": "constant"}),
    ]


def base_lr(opt):
    return opt["lr"] if "lr" in opt else base_lr(opt["inner"])


SCHED_NOTE = ("reference: torch.optim.lr_scheduler (StepLR, ExponentialLR, CosineAnnealingLR, LinearLR, SequentialLR) "
              "stepped after every optimizer step around torch.optim.{cls}; lr = param_groups[0]['lr'] at each step")


def lookahead_runs(lr_sgd, lr_adam):
    sgd = {"kind": "sgd", "lr": lr_sgd, "momentum": 0.9}
    adam = {"kind": "adam", "lr": lr_adam}
    return [
        run("lookahead sgd momentum", {"kind": "lookahead", "k": 5, "alpha": 0.5, "inner": sgd}),
        run("lookahead k 3 alpha 0.8 adam", {"kind": "lookahead", "k": 3, "alpha": 0.8, "inner": adam}),
        run("lookahead defaults plain sgd", {"kind": "lookahead", "inner": {"kind": "sgd", "lr": lr_sgd}}),
        run("lookahead k 1 alpha 1", {"kind": "lookahead", "k": 1, "alpha": 1.0, "inner": sgd}),
        run("lookahead k 4 rmsprop", {"kind": "lookahead", "k": 4, "alpha": 0.3,
                                      "inner": {"kind": "rmsprop", "lr": lr_adam, "momentum": 0.5}}),
        run("lookahead adamw cosine", {"kind": "lookahead", "k": 6, "alpha": 0.5,
                                       "inner": {"kind": "adamw", "lr": lr_adam, "weight_decay": 0.1}},
            {"kind": "cosine", "t_max": 20, "eta_min": 0.0}),
    ]


LOOKAHEAD_NOTE = ("reference: Lookahead re-implemented from the authors' code (michaelrzhang/lookahead, "
                  "lookahead_pytorch.py, pullback_momentum='none') around torch.optim.SGD/Adam/RMSprop/AdamW")


def sam_runs(lr_sgd, lr_adam, rho, rho_adaptive=None):
    rho_adaptive = 10 * rho if rho_adaptive is None else rho_adaptive
    sgd = {"kind": "sgd", "lr": lr_sgd}
    adam = {"kind": "adam", "lr": lr_adam}
    return [
        run("sam sgd", {"kind": "sam", "rho": rho, "inner": sgd}),
        run("sam adam", {"kind": "sam", "rho": rho, "inner": adam}),
        run("sam adaptive sgd", {"kind": "sam", "rho": rho_adaptive, "adaptive": True, "inner": sgd}),
        run("sam adaptive adam", {"kind": "sam", "rho": rho_adaptive, "adaptive": True, "inner": adam}),
        run("sam p inf sgd", {"kind": "sam", "rho": rho, "p": "inf", "inner": sgd}),
        run("sam p inf adam", {"kind": "sam", "rho": rho, "p": "inf", "inner": adam}),
        run("sam p 3 sgd", {"kind": "sam", "rho": rho, "p": 3, "inner": sgd}),
        run("sam p 3 adam", {"kind": "sam", "rho": rho, "p": 3, "inner": adam}),
        run("sam p 1.5 sgd", {"kind": "sam", "rho": rho, "p": 1.5, "inner": sgd}),
        run("sam sgd momentum", {"kind": "sam", "rho": rho, "inner": {"kind": "sgd", "lr": lr_sgd, "momentum": 0.9}}),
        run("sam defaults", {"kind": "sam", "inner": sgd}),
        run("lookahead of sam", {"kind": "lookahead", "k": 3, "alpha": 0.5,
                                 "inner": {"kind": "sam", "rho": rho, "inner": sgd}}),
    ]


SAM_NOTE = ("reference: SAM re-implemented from davda54/sam (first_step/second_step; adaptive = ASAM "
            "ρ·x²g/(‖|x|g‖₂+1e-12)); p='inf' ρ·sign(g), other p the lecture's dual-norm ascent "
            "ρ·sign(g)|g|^(q−1)/((Σ|g|^q)^(1/p)+1e-12); base optimizers torch.optim.SGD/Adam")


def lion_runs(lr):
    return [
        run("lion", {"kind": "lion", "lr": lr}),
        run("lion beta1 0.5 beta2 0.9", {"kind": "lion", "lr": lr, "beta1": 0.5, "beta2": 0.9}),
        run("lion weight_decay 1", {"kind": "lion", "lr": lr, "weight_decay": 1.0}),
        run("lion beta1 0", {"kind": "lion", "lr": lr, "beta1": 0.0}),
    ]


LION_NOTE = "reference: lucidrains/lion-pytorch update_fn (the authors' code) in float64"


def newton_runs():
    return [run("newton", {"kind": "newton", "lr": 1.0}), run("damped newton 0.5", {"kind": "newton", "lr": 0.5})]


NEWTON_NOTE = "reference: x ← x − lr·torch.linalg.solve(H, ∇f) with H = torch.autograd.functional.hessian"


def main(only=None):
    """Writes every fixture, or with `only` (a name prefix, e.g. `lion`) just those, leaving the others."""
    global fixture
    total = 0
    if only is None:
        for old in OUT.glob("*.json"):
            old.unlink()
    else:
        write = fixture

        def fixture(name, *args):
            return write(name, *args) if name.startswith(only) else 0
    sgd_note = TORCH_OPTIM.format(cls="SGD")
    total += fixture("sgd_quad2", "quad2", 40, sgd_runs(0.05), sgd_note)
    total += fixture("sgd_quad5", "quad5", 30, sgd_runs(0.03), sgd_note)
    total += fixture("sgd_rosenbrock", "rosen", 25, sgd_runs(2e-4), sgd_note)
    total += fixture("sgd_matrix", "mls_wide", 20, sgd_runs(0.1), sgd_note)

    ada_note = TORCH_OPTIM.format(cls="Adagrad")
    total += fixture("adagrad_quad2", "quad2", 40, adagrad_runs(0.3), ada_note)
    total += fixture("adagrad_quad5", "quad5", 30, adagrad_runs(0.2), ada_note)
    total += fixture("adagrad_rosenbrock", "rosen", 25, adagrad_runs(0.05), ada_note)
    total += fixture("adagrad_matrix", "mls_tall", 20, adagrad_runs(0.1), ada_note)

    rms_note = TORCH_OPTIM.format(cls="RMSprop")
    total += fixture("rmsprop_quad2", "quad2", 40, rmsprop_runs(0.02), rms_note)
    total += fixture("rmsprop_quad5", "quad5", 30, rmsprop_runs(0.01), rms_note)
    total += fixture("rmsprop_rosenbrock", "rosen", 25, rmsprop_runs(1e-3, alpha_09=False), rms_note)
    total += fixture("rmsprop_rosenbrock_alpha09", "rosen", 12,
                     [run("rmsprop alpha 0.9", {"kind": "rmsprop", "lr": 1e-3, "alpha": 0.9}),
                      run("rmsprop alpha 0.9 centered", {"kind": "rmsprop", "lr": 1e-3, "alpha": 0.9, "centered": True})],
                     rms_note + "; kept short because alpha = 0.9 on Rosenbrock amplifies rounding")
    total += fixture("rmsprop_matrix", "mls_wide", 20, rmsprop_runs(0.01), rms_note)

    total += fixture("adam_quad2", "quad2", 40, adam_runs(0.05), ADAM_NOTE)
    total += fixture("adam_quad5", "quad5", 30, adam_runs(0.05), ADAM_NOTE)
    total += fixture("adam_rosenbrock", "rosen", 25, adam_runs(0.01), ADAM_NOTE)
    total += fixture("adam_matrix_wide", "mls_wide", 20, adam_runs(0.03), ADAM_NOTE)
    total += fixture("adam_matrix_tall", "mls_tall", 20, adam_runs(0.03), ADAM_NOTE)

    sgd_m = {"kind": "sgd", "lr": 0.05, "momentum": 0.9}
    total += fixture("schedules_sgd_quad2", "quad2", 30, schedule_runs(sgd_m), SCHED_NOTE.format(cls="SGD"))
    total += fixture("schedules_adam_quad5", "quad5", 30, schedule_runs({"kind": "adam", "lr": 0.1}),
                     SCHED_NOTE.format(cls="Adam"))
    total += fixture("schedules_adam_rosenbrock", "rosen", 25, schedule_runs({"kind": "adam", "lr": 0.02}),
                     SCHED_NOTE.format(cls="Adam"))
    total += fixture("schedules_rmsprop_matrix", "mls_wide", 30, schedule_runs({"kind": "rmsprop", "lr": 0.02}),
                     SCHED_NOTE.format(cls="RMSprop"))

    total += fixture("lookahead_quad2", "quad2", 30, lookahead_runs(0.05, 0.05), LOOKAHEAD_NOTE)
    total += fixture("lookahead_rosenbrock", "rosen", 25, lookahead_runs(2e-4, 0.01), LOOKAHEAD_NOTE)
    total += fixture("lookahead_matrix", "mls_tall", 20, lookahead_runs(0.1, 0.03), LOOKAHEAD_NOTE)

    total += fixture("sam_quad2", "quad2", 30, sam_runs(0.05, 0.05, 0.05, 0.2), SAM_NOTE)
    total += fixture("sam_quad5", "quad5", 30, sam_runs(0.03, 0.05, 0.05), SAM_NOTE)
    total += fixture("sam_rosenbrock", "rosen", 20, sam_runs(2e-4, 0.01, 0.01), SAM_NOTE)
    total += fixture("sam_matrix", "mls_wide", 20, sam_runs(0.1, 0.03, 0.05), SAM_NOTE)

    total += fixture("muon_matrix_wide", "mls_wide", 12, muon_runs(0.05), MUON_NOTE)
    total += fixture("muon_matrix_tall", "mls_tall", 12, muon_runs(0.05), MUON_NOTE + "; W is 5×3 so NS works on Wᵀ")
    total += fixture("muon_vector_quad2", "quad2", 10, muon_runs(0.05),
                     MUON_NOTE + "; the 2-vector is a 2×1 column (transposed to 1×2 inside NS, shape scale √2)")

    total += fixture("lion_quad2", "quad2", 40, lion_runs(0.02), LION_NOTE)
    total += fixture("lion_rosenbrock", "rosen", 25, lion_runs(0.005), LION_NOTE)
    total += fixture("lion_matrix", "mls_wide", 20, lion_runs(0.01), LION_NOTE)

    total += fixture("newton_quad2", "quad2", 5, newton_runs(), NEWTON_NOTE)
    total += fixture("newton_quad5", "quad5", 10, newton_runs(), NEWTON_NOTE)
    total += fixture("newton_rosenbrock", "rosen", 12, newton_runs(), NEWTON_NOTE)
    total += fixture("newton_matrix", "mls_tall", 5, newton_runs(), NEWTON_NOTE)

    # the spec example of the issue: adam with a cosine schedule on diag(10, 1)
    total += fixture("spec_example", "quad2_axis", 100,
                     [run("adam", {"kind": "adam", "lr": 0.01}, {"kind": "cosine", "t_max": 50, "eta_min": 0.001}),
                      run("sgd", {"kind": "sgd", "lr": 0.05})],
                     "reference: torch.optim.Adam + CosineAnnealingLR, torch.optim.SGD")
    size = sum(f.stat().st_size for f in OUT.glob("*.json"))
    print(f"wrote {len(list(OUT.glob('*.json')))} fixtures, {total} runs, {size / 1024:.0f} KiB into {OUT}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1] if len(sys.argv) > 1 else None)
