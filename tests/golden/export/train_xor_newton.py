#!/usr/bin/env python3
"""Exported by `optlab export-torch` from a training spec (1 run(s), 30 training and 30 test rows of 2 features, 2 classes, seed 5).

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
    [0.2926555093417272, 0.8209978915167945],
    [-0.2758020030595457, -0.43362269255421204],
    [-0.6592920251956215, -0.134761631464209],
    [0.1010987596301037, -0.4819408984604199],
    [-0.31948755075922874, -0.7603977222765143],
    [0.6588324416385256, -0.1933936610660875],
    [-0.24035445564016544, 0.6962434812509786],
    [0.8712069877717756, -0.7744470139014017],
    [-0.7939425870241406, -0.3455747244967205],
    [-0.426820517119318, -0.13372491977903364],
    [-0.5933764149601943, 0.4217729956958658],
    [0.8743370610188331, -0.6338739947580505],
    [0.6105582582706073, -0.4957565825010787],
    [-0.8878447815973494, -0.12183760055836225],
    [0.7810937848938234, 0.29734314466265227],
    [-1.055964679026163, 1.129233081637815],
    [0.31118905734429103, 0.08172719675543308],
    [-0.18353491984523945, -0.37412961838382824],
    [0.7841784647098076, -1.04900617895268],
    [1.00015769504511, 0.6224129766944061],
    [-0.13101733952265218, -0.3841259743398594],
    [-0.7984626043415403, 0.002538238005716939],
    [0.16787813538815843, -0.4705937482429763],
    [-0.5036123005203653, 0.4876522051213765],
    [-0.3031127543646087, 0.5401895008886045],
    [0.38477663492609243, -0.45110883409074276],
    [0.23910804708315148, 0.8605773092703882],
    [-0.5787096599959336, -0.874492052388895],
    [-0.5970025250746123, 0.5855016063720364],
    [0.20023611627249532, 0.5042289754406857],
]).reshape(-1, 2)
Y_TRAIN = torch.tensor([1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1], dtype=torch.long)
X_TEST = torch.tensor([
    [0.27942398701572657, 1.1111646041409422],
    [0.08680374594794936, -0.24540243661256617],
    [0.5566954945914141, 0.44582022645626873],
    [-0.5760923957216479, 0.3503362367479529],
    [0.5082158104999637, -0.7594258340407307],
    [0.4641926183258165, -0.5569844906470003],
    [-0.8213834397134646, 0.9408990543157265],
    [0.8871140532365999, 0.030901619312446837],
    [-0.021073145925258246, -0.26378936947114895],
    [-0.8749846316724849, 0.8579451276222742],
    [-0.6132780980840562, -0.3527286023592656],
    [-0.2805768058764519, -0.0358081113552428],
    [-1.021971339916838, -0.5132636791908084],
    [1.1261729599503103, 0.5972930723503547],
    [-0.17727473108815472, 0.6942647306055076],
    [-0.8393806533847498, 0.32010144261637646],
    [0.6224093279530506, 0.46754125143605213],
    [-0.9334259097085332, 0.47784478547261283],
    [-0.7538373025130845, -0.19792675914771268],
    [0.5395027681625673, -0.6791887458494716],
    [0.02117394080015997, -0.5180556306681399],
    [-0.9470640212264663, 0.4962998566070724],
    [0.744720307138647, -0.5834346522938726],
    [0.5061029077528671, -0.647199150234677],
    [-0.8070590648753625, 0.9799858055367038],
    [0.9485524882594224, -0.7274410061029142],
    [0.2649946004561628, -0.6661636434274286],
    [0.549675256753056, 0.3553086570367767],
    [0.5655194645038661, -0.9981745060973077],
    [0.4481742784080526, -0.4792574599934208],
]).reshape(-1, 2)
Y_TEST = torch.tensor([1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0], dtype=torch.long)
BATCH_SIZE = 20
# optlab's shuffled order of the training rows in each epoch (seed 5), cut into batches in turn
ORDERS = [
    [22, 18, 13, 5, 26, 27, 8, 6, 15, 28, 10, 0, 7, 24, 19, 16, 14, 11, 1, 3, 17, 9, 23, 12, 25, 4, 2, 20, 21, 29],
    [4, 7, 5, 0, 29, 2, 12, 18, 10, 8, 3, 15, 17, 22, 25, 14, 19, 16, 9, 1, 13, 28, 20, 6, 27, 23, 24, 11, 21, 26],
    [24, 9, 16, 23, 19, 3, 7, 10, 15, 0, 12, 22, 11, 14, 25, 5, 1, 18, 20, 6, 17, 28, 2, 13, 4, 8, 26, 21, 27, 29],
    [29, 12, 9, 14, 10, 11, 17, 19, 3, 18, 26, 5, 0, 7, 28, 15, 20, 13, 6, 4, 23, 1, 21, 22, 16, 25, 27, 2, 24, 8],
    [9, 24, 2, 25, 16, 13, 4, 27, 26, 3, 20, 17, 0, 10, 12, 6, 15, 19, 7, 8, 18, 28, 11, 5, 23, 14, 29, 21, 1, 22],
    [26, 8, 15, 27, 3, 29, 25, 20, 14, 16, 6, 21, 5, 2, 28, 12, 24, 19, 23, 9, 13, 17, 7, 11, 10, 22, 18, 0, 1, 4],
    [23, 28, 25, 15, 18, 8, 4, 17, 12, 27, 3, 0, 13, 26, 6, 10, 7, 16, 2, 1, 14, 20, 5, 22, 19, 9, 24, 21, 11, 29],
    [0, 15, 29, 1, 3, 21, 22, 13, 9, 24, 25, 16, 2, 11, 6, 26, 12, 27, 17, 8, 7, 28, 20, 18, 4, 5, 23, 19, 10, 14],
    [11, 21, 18, 10, 20, 6, 5, 26, 2, 29, 15, 17, 14, 0, 19, 24, 12, 7, 16, 3, 1, 22, 4, 9, 28, 13, 8, 25, 27, 23],
    [13, 11, 9, 3, 29, 5, 15, 7, 21, 26, 0, 20, 14, 6, 23, 1, 19, 16, 18, 10, 8, 25, 2, 4, 22, 17, 27, 24, 28, 12],
    [25, 24, 22, 20, 8, 2, 6, 26, 9, 19, 10, 3, 21, 12, 13, 23, 1, 11, 0, 15, 18, 7, 5, 14, 28, 17, 27, 4, 16, 29],
    [4, 7, 21, 22, 18, 9, 20, 8, 29, 28, 12, 13, 11, 26, 15, 10, 2, 17, 19, 3, 1, 23, 27, 6, 0, 5, 25, 14, 16, 24],
    [22, 29, 11, 5, 3, 16, 8, 17, 14, 2, 7, 23, 19, 21, 6, 12, 15, 26, 9, 25],
]


# ----------------------------------------------------------------------------------------------------------
# The network: nn.Sequential(Linear, act, …, Linear); INIT is torch.cat([p.flatten() for p in model.parameters()])

LAYERS = [nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2)]
MASKS = None  # no dropout
INIT = [0.5130709998636885, -0.1290515438155587, 0.30578728668912275, 0.41400817757870434, -0.012462133394473484,
    0.6405512711157219, -0.4902370393076374, 0.12422021789624271, 0.0, 0.0, 0.0, 0.0, 0.44423418047620933,
    0.6175280157780206, -0.22907142834390337, 0.3921038259322123, 0.2744629185236113, -1.1244530080394246,
    -0.579184046761128, 0.7873668024590187, 0.0, 0.0]
criterion = nn.CrossEntropyLoss()


# ----------------------------------------------------------------------------------------------------------
# The runs: each `build` makes the optimizer (and its schedulers, stepped once after every step)


def build_0(model, params):
    """Run 0: newton."""
    optimizer = Newton(params, lr=0.5, damping=1.0)
    stepper = Plain([optimizer])
    return stepper, [optimizer], []


RUNS = [
    ("newton", build_0, 25, 1),
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
