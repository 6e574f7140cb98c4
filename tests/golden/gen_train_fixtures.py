#!/usr/bin/env python3
"""Writes the golden trainings of `tests/train_golden.rs`: small MLP trainings run by PyTorch in float64.

Run from the repository root (CI never runs this; the fixtures are committed):

    /work/venv/bin/python tests/golden/gen_train_fixtures.py          # all fixtures
    /work/venv/bin/python tests/golden/gen_train_fixtures.py adam     # only files whose name starts with "adam"

Each fixture `tests/golden/train_fixtures/<kind>.json` is

    {"provenance": "...", "runs": [{"name", "note", "spec": <an optlab train spec, exactly as `optlab train`
     takes it>, "expected": {"history": [...], "params": {"<step>": [...]}}}]}

`history[t]` holds what `optlab train` prints for step t (eval_every = 1): step, epoch, samples, lr (null at
step 0), batch_loss (the loss of step t's batch at the weights before step t; null at step 0), train_loss and
train_accuracy over the whole training split after t steps, test_loss and test_accuracy (null without a test
split). `params` holds the flat parameter vector (PyTorch's `torch.cat([p.flatten() for p in
model.parameters()])`) after some steps.

How a run is made, in PyTorch terms:
- data: `DATA_CSV` below (40 rows, 3 features rounded to 4 decimals, 3 classes), in file order; the training
  split is the first round(train_fraction·40) rows, the test split the rest; batches come from
  `DataLoader(TensorDataset(X, Y), batch_size=B, shuffle=False, drop_last=False)`, epoch after epoch;
- model: `nn.Sequential(Linear(3, h1), act, Linear(h1, h2), act, Linear(h2, 3))` in float64 with PyTorch's
  default initialisation under `torch.manual_seed(init_seed)`; its parameters are the spec's `init_params`;
- act: `nn.Tanh()`, `nn.ReLU()` or `nn.GELU(approximate="tanh")`;
- loss: `nn.CrossEntropyLoss()` or `0.5·((z − onehot(y))²).sum(1).mean()`;
- one step: `loss = crit(model(xb), yb)`; `loss.backward()`; `opt.step()` (a wrapper may ask for more
  gradients on the same batch).
- dropout (the spec's `model.dropout` p > 0, file dropout.json): after each hidden activation the output is
  multiplied by `noise = mask / (1 − p)` (ATen's CPU `_dropout_impl`: `noise.bernoulli_(1 − p).div_(1 − p)`,
  `input * noise`), with the 0/1 mask drawn as optlab draws it instead of by torch's generator: ChaCha8 (rand_chacha
  0.3's `ChaCha8Rng::seed_from_u64(seed)` with `set_stream(8)`, re-implemented below as `ChaCha8` and checked
  against the words the fixture records) gives one 32-bit word per row of the batch, hidden layer and unit in that
  order, and a unit is kept when the word is below (1 − p)·2³². One mask per step, used by every forward pass of
  the step (SAM's second); evaluations without dropout (`model.eval()`).
- batch normalisation (the spec's `model.batch_norm`, file batch_norm.json): each hidden Linear without a bias
  (`bias=False`), then `nn.BatchNorm1d(width)` (ε 1e-5, momentum 0.1), then the activation (and the dropout, if
  any); the BatchNorm1d's weight and bias follow the Linear's weight in `model.parameters()`. A step's forward passes run in `model.train()` (the batch's
  statistics); the running statistics move with the step's first gradient only: while the optimizer steps (SAM's
  second gradient) every BatchNorm1d's momentum is 0, so its running statistics stay (`running = 0·batch +
  1·running` exactly), as davda54/sam's `disable_running_stats`. Evaluations in `model.eval()`. The fixture also
  records the running means and variances (`expected.running`, per hidden layer the means then the variances)
  after some steps.

Optimizers (the conventions of `optlab run`, pinned by tests/golden.rs; classes reused from gen_fixtures.py;
schedules by `torch.optim.lr_scheduler` via gen_fixtures.build_schedule, one scheduler per torch optimizer):
- SGD, Adagrad, RMSprop, Adam, AdamW: `torch.optim` itself over `model.parameters()` (elementwise, so the same
  as optlab stepping the flat vector).
- Lion: lucidrains/lion-pytorch `update_fn` in float64 (gen_fixtures.Lion).
- Muon: Keller Jordan's `Muon` in float64 (gen_fixtures.Muon) for the hidden-to-hidden weight matrices, the
  other weights and every bias by `torch.optim.AdamW` with the spec's `adamw` settings, as in Keller
  Jordan's recipe (src/train/groups.rs).
- SAM: davda54/sam `first_step`/`second_step` over all parameters (ε̂ = ρ·g/(‖g‖₂ + 1e-12), ‖g‖₂ over the
  whole model), the base optimizer stepping from the old weights with the gradient at w + ε̂, same batch.
- Lookahead: michaelrzhang/lookahead (`pullback_momentum="none"`): slow weights cached at the start, after
  every k inner steps w ← α·w + (1−α)·slow, slow ← w.
- Newton (damping δ): w ← w − lr·(H + τI)⁻¹∇L with H the autograd Hessian of the batch loss
  (`torch.autograd.functional.hessian` over the flat parameters via `torch.func.functional_call`),
  τ = max(0, δ − λ_min(H)) by `torch.linalg.eigvalsh`, the solve by `torch.linalg.solve`.
"""

import datetime
import json
import math
import pathlib
import sys

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import gen_fixtures as ref  # noqa: E402  (the float64 Muon and Lion of the landscape fixtures)

torch.set_default_dtype(torch.float64)

OUT = HERE / "train_fixtures"
TODAY = datetime.date.today().isoformat()
TORCH = f"torch {torch.__version__} (CPU, float64), numpy {np.__version__}"


# ----------------------------------------------------------------------------------------------------------
# Data: 40 rows of 3 features and 3 classes, three overlapping Gaussian clusters, rows in a fixed shuffled
# order, features rounded to 4 decimals so that the CSV text carries them exactly.


def make_csv():
    rng = np.random.default_rng(20241104)
    centres = np.array([[1.0, 0.0, -0.5], [-0.5, 0.9, 0.3], [-0.4, -0.8, 0.6]])
    y = np.arange(40) % 3
    x = centres[y] + 0.55 * rng.standard_normal((40, 3))
    order = rng.permutation(40)
    x, y = np.round(x[order], 4), y[order]
    lines = ["x1,x2,x3,label"] + [f"{a:.4f},{b:.4f},{c:.4f},{k}" for (a, b, c), k in zip(x, y)]
    return "\n".join(lines) + "\n"


DATA_CSV = make_csv()


def read_csv(text):
    rows = [line.split(",") for line in text.strip().splitlines()[1:]]
    x = torch.tensor([[float(v) for v in r[:-1]] for r in rows])
    y = torch.tensor([int(r[-1]) for r in rows])
    return x, y


# ----------------------------------------------------------------------------------------------------------
# The model and the losses

ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU, "gelu": lambda: nn.GELU(approximate="tanh")}


class MaskedDropout(nn.Module):
    """`nn.Dropout` with the noise given: `input * noise` while `noise` is set (a training step), identity
    otherwise (evaluation)."""

    def __init__(self):
        super().__init__()
        self.noise = None

    def forward(self, x):
        return x if self.noise is None else x * self.noise


def make_model(sizes, activation, init_seed, dropout=0.0, batch_norm=False):
    torch.manual_seed(init_seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        hidden = i < len(sizes) - 2
        layers.append(nn.Linear(a, b, bias=not (hidden and batch_norm)))
        if hidden:
            if batch_norm:
                layers.append(nn.BatchNorm1d(b, eps=1e-5, momentum=0.1))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(MaskedDropout())
    return nn.Sequential(*layers).double()


# ----------------------------------------------------------------------------------------------------------
# optlab's dropout masks: ChaCha8 as rand_chacha 0.3 runs it


M32 = 0xFFFFFFFF


def _rotl(v, c):
    return ((v << c) & M32) | (v >> (32 - c))


def _quarter(x, a, b, c, d):
    x[a] = (x[a] + x[b]) & M32
    x[d] = _rotl(x[d] ^ x[a], 16)
    x[c] = (x[c] + x[d]) & M32
    x[b] = _rotl(x[b] ^ x[c], 12)
    x[a] = (x[a] + x[b]) & M32
    x[d] = _rotl(x[d] ^ x[a], 8)
    x[c] = (x[c] + x[d]) & M32
    x[b] = _rotl(x[b] ^ x[c], 7)


class ChaCha8:
    """`ChaCha8Rng::seed_from_u64(seed)` then `set_stream(stream)`, and its `next_u32()`: the key from rand_core
    0.6's `seed_from_u64` (PCG32 output words), a 64-bit block counter from 0 and the stream as the nonce, 8
    rounds, the keystream's words in order."""

    def __init__(self, seed, stream):
        mul, inc, m64 = 6364136223846793005, 11634580027462260723, (1 << 64) - 1
        state, self.key = seed, []
        for _ in range(8):
            state = (state * mul + inc) & m64
            xs = (((state >> 18) ^ state) >> 27) & M32
            rot = state >> 59
            self.key.append(((xs >> rot) | (xs << (32 - rot))) & M32 if rot else xs)
        self.stream, self.counter, self.buf = stream, 0, []

    def _block(self):
        s = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *self.key,
             self.counter & M32, self.counter >> 32, self.stream & M32, self.stream >> 32]
        x = list(s)
        for _ in range(4):
            for a, b, c, d in ((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
                               (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14)):
                _quarter(x, a, b, c, d)
        self.counter += 1
        return [(a + b) & M32 for a, b in zip(x, s)]

    def next_u32(self):
        if not self.buf:
            self.buf = self._block()[::-1]
        return self.buf.pop()


DROPOUT_STREAM = 8


def dropout_noise(rng, p, rows, widths):
    """One step's noise per hidden layer (rows × width), from one word per row, layer and unit in that order."""
    threshold = (1.0 - p) * 4294967296.0
    words = [[rng.next_u32() for _ in range(sum(widths))] for _ in range(rows)]
    mask = torch.tensor([[1.0 if w < threshold else 0.0 for w in row] for row in words])
    noise, start = [], 0
    for w in widths:
        noise.append(mask[:, start:start + w].div(1.0 - p))
        start += w
    return noise


def criterion(loss):
    if loss == "cross_entropy":
        return nn.CrossEntropyLoss()

    def squared(z, y):
        return 0.5 * ((z - nn.functional.one_hot(y, z.shape[1]).double()) ** 2).sum(1).mean()

    return squared


def flat(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


# ----------------------------------------------------------------------------------------------------------
# Optimizers over a list of parameters


def base_optimizer(spec, params, adamw_spec, model, hidden_ids):
    """(stepper(closure), the torch optimizers, the first one's lr being the one optlab records).
    `closure()` recomputes the batch gradient."""
    kind, c = spec["kind"], ref.cfg(spec)
    if kind == "sgd":
        o = torch.optim.SGD(params, lr=c["lr"], momentum=c["momentum"], dampening=c["dampening"],
                            nesterov=c["nesterov"], weight_decay=c["weight_decay"])
    elif kind == "adagrad":
        o = torch.optim.Adagrad(params, lr=c["lr"], lr_decay=c["lr_decay"], weight_decay=c["weight_decay"],
                                initial_accumulator_value=c["initial_accumulator_value"], eps=c["eps"])
    elif kind == "rmsprop":
        o = torch.optim.RMSprop(params, lr=c["lr"], alpha=c["alpha"], eps=c["eps"], weight_decay=c["weight_decay"],
                                momentum=c["momentum"], centered=c["centered"])
    elif kind in ("adam", "adamw"):
        assert c["bias_correction"]
        cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
        o = cls(params, lr=c["lr"], betas=(c["beta1"], c["beta2"]), eps=c["eps"], weight_decay=c["weight_decay"],
                amsgrad=c["amsgrad"])
    elif kind == "lion":
        o = ref.Lion(params, c["lr"], c["beta1"], c["beta2"], c["weight_decay"])
    elif kind == "muon":
        # Keller Jordan's split: Muon for the hidden-to-hidden matrices, AdamW for the rest
        hidden = [p for p in params if id(p) in hidden_ids]
        rest = [p for p in params if id(p) not in hidden_ids]
        muon = ref.Muon(hidden, **c)
        a = ref.cfg({"kind": "adamw", **adamw_spec})
        adamw = torch.optim.AdamW(rest, lr=a["lr"], betas=(a["beta1"], a["beta2"]), eps=a["eps"],
                                  weight_decay=a["weight_decay"], amsgrad=a["amsgrad"])

        def step(closure):
            muon.step()
            adamw.step()

        return step, [muon, adamw]
    elif kind == "newton":
        return newton(params, model, c["lr"], spec.get("damping", 0.0)), []
    else:
        raise ValueError(kind)

    def step(closure):
        o.step()

    return step, [o]


def newton(params, model, lr, damping):
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in params]
    sizes = [p.numel() for p in params]

    def step(closure):
        theta = torch.cat([p.detach().flatten() for p in params])
        h = torch.autograd.functional.hessian(lambda t: step.batch_loss(unflatten(t)), theta)
        g = torch.cat([p.grad.flatten() for p in params])
        tau = 0.0
        if damping > 0:
            lam_min = float(torch.linalg.eigvalsh(h)[0])
            tau = max(0.0, damping - lam_min)
        d = torch.linalg.solve(h + tau * torch.eye(len(theta)), g)
        with torch.no_grad():
            for p, piece in zip(params, torch.split(d, sizes)):
                p.sub_(lr * piece.reshape(p.shape))

    def unflatten(t):
        return {n: piece.reshape(s) for n, piece, s in zip(names, torch.split(t, sizes), shapes)}

    return step


class Sam:
    """davda54/sam over a parameter list (p = 2, not adaptive): ε̂ = ρ·g/(‖g‖₂ + 1e-12)."""

    def __init__(self, inner, params, rho):
        self.inner, self.params, self.rho = inner, params, rho

    def __call__(self, closure):
        with torch.no_grad():
            norm = torch.norm(torch.stack([p.grad.norm(p=2) for p in self.params]), p=2)
            scale = self.rho / (norm + 1e-12)
            old = [p.detach().clone() for p in self.params]
            for p in self.params:
                p.add_(p.grad * scale)
        closure()  # the gradient at w + ε̂, same batch
        with torch.no_grad():
            for p, o in zip(self.params, old):
                p.copy_(o)
        self.inner(closure)


class Lookahead:
    """michaelrzhang/lookahead (pullback_momentum="none") over a parameter list."""

    def __init__(self, inner, params, k, alpha):
        self.inner, self.params, self.k, self.alpha = inner, params, k, alpha
        self.count = 0
        self.slow = [p.detach().clone() for p in params]

    def __call__(self, closure):
        self.inner(closure)
        self.count += 1
        if self.count >= self.k:
            self.count = 0
            with torch.no_grad():
                for p, s in zip(self.params, self.slow):
                    p.mul_(self.alpha).add_(s, alpha=1.0 - self.alpha)
                    s.copy_(p)


def build(spec, params, adamw_spec, model, hidden_ids):
    kind = spec["kind"]
    if kind == "sam":
        inner, base = build(spec["inner"], params, adamw_spec, model, hidden_ids)
        return Sam(inner, params, ref.cfg(spec)["rho"]), base
    if kind == "lookahead":
        inner, base = build(spec["inner"], params, adamw_spec, model, hidden_ids)
        c = ref.cfg(spec)
        return Lookahead(inner, params, c["k"], c["alpha"]), base
    return base_optimizer(spec, params, adamw_spec, model, hidden_ids)


def base_lr(spec):
    while spec["kind"] in ("sam", "lookahead"):
        spec = spec["inner"]
    return ref.cfg(spec)["lr"]


def find_newton(spec):
    while spec["kind"] in ("sam", "lookahead"):
        spec = spec["inner"]
    return spec["kind"] == "newton"


# ----------------------------------------------------------------------------------------------------------
# One run


def simulate(r):
    x, y = read_csv(DATA_CSV)
    n_train = min(max(round(r["train_fraction"] * len(y)), 1), len(y))
    xtr, ytr, xte, yte = x[:n_train], y[:n_train], x[n_train:], y[n_train:]
    sizes = [x.shape[1], *r["hidden"], 3]
    p_drop = r.get("dropout", 0.0)
    model = make_model(sizes, r["activation"], r["init_seed"], p_drop, r.get("batch_norm", False))
    drops = [m for m in model if isinstance(m, MaskedDropout)]
    norms = [m for m in model if isinstance(m, nn.BatchNorm1d)]
    drop_rng = ChaCha8(0, DROPOUT_STREAM)
    crit = criterion(r["loss"])
    params = list(model.parameters())
    linears = [m for m in model if isinstance(m, nn.Linear)]
    hidden_ids = {id(m.weight) for m in linears[1:-1]}
    init = flat(model).tolist()
    stepper, optimizers = build(r["optimizer"], params, r.get("adamw", {}), model, hidden_ids)
    # a scheduler per optimizer (Muon's AdamW group follows the schedule from its own base lr, as a
    # PyTorch scheduler treats every param group), stepped once after every optimizer step
    schedulers = [ref.build_schedule(r.get("schedule"), o) for o in optimizers]
    schedulers = [s for s in schedulers if s is not None]

    def evaluate(xs, ys):
        model.eval()
        with torch.no_grad():
            z = model(xs)
        model.train()
        return float(crit(z, ys)), float((z.argmax(1) == ys).double().mean())

    history, saved, running = [], {}, {}

    def record(step, epoch, samples, lr, batch_loss):
        tl, ta = evaluate(xtr, ytr)
        te = evaluate(xte, yte) if len(yte) else (None, None)
        assert math.isfinite(tl), f"{r['name']} diverged"
        history.append({"step": step, "epoch": epoch, "samples": samples, "lr": lr, "batch_loss": batch_loss,
                        "train_loss": tl, "train_accuracy": ta, "test_loss": te[0], "test_accuracy": te[1]})
        if step % r["save_every"] == 0 or step == r["steps"]:
            saved[str(step)] = flat(model).tolist()
            if norms:
                running[str(step)] = [v for m in norms for v in (*m.running_mean.tolist(), *m.running_var.tolist())]

    loader = DataLoader(TensorDataset(xtr, ytr), batch_size=r["batch_size"], shuffle=False, drop_last=False)
    step = epoch = samples = 0
    record(0, 0, 0, None, None)
    is_newton = find_newton(r["optimizer"])
    while step < r["steps"]:
        for k, (xb, yb) in enumerate(loader):
            if step == r["steps"]:
                break

            def batch_loss(p=None):
                z = model(xb) if p is None else torch.func.functional_call(model, p, (xb,))
                return crit(z, yb)

            def closure():
                model.zero_grad()
                loss = batch_loss()
                loss.backward()
                return loss

            if is_newton:
                find_newton_stepper(stepper).batch_loss = batch_loss
            if drops:
                for m, noise in zip(drops, dropout_noise(drop_rng, p_drop, len(yb), r["hidden"])):
                    m.noise = noise
            lr = float(optimizers[0].param_groups[0]["lr"]) if optimizers else base_lr(r["optimizer"])
            loss = float(closure().detach())
            for m in norms:
                m.momentum = 0.0
            stepper(closure)
            for m in norms:
                m.momentum = 0.1
            for m in drops:
                m.noise = None
            for s in schedulers:
                s.step()
            step += 1
            samples += len(yb)
            if k == len(loader) - 1:
                epoch += 1
            record(step, epoch, samples, lr, loss)
    return init, {"history": history, "params": saved, **({"running": running} if norms else {})}


def find_newton_stepper(stepper):
    while isinstance(stepper, (Sam, Lookahead)):
        stepper = stepper.inner
    return stepper


# ----------------------------------------------------------------------------------------------------------
# The runs: every kind of optlab's registry with both losses and both batch modes; the activation cycles so
# that every kind meets tanh, relu and gelu.

ACTS = ["tanh", "relu", "gelu"]
MODES = {  # full batch: all 40 rows, every step one epoch; mini-batch: 30 training rows (10 test), B = 8,
    # so every epoch is 8, 8, 8, 6 rows
    "full": dict(train_fraction=1.0, batch_size=40),
    "mini": dict(train_fraction=0.75, batch_size=8),
}


def runs_for(kind, variants, steps=60):
    """Four runs per entry of `variants` [(label, optimizer, adamw)]: {cross_entropy, squared} × {full, mini},
    activations cycling."""
    out = []
    i = 0
    for label, opt, adamw in variants:
        for loss in ("cross_entropy", "squared"):
            for mode in ("full", "mini"):
                act = ACTS[(i + len(out)) % 3]
                name = f"{label} {act} {loss} {mode}"
                out.append(dict(name=name, optimizer=opt, adamw=adamw, activation=act, loss=loss, hidden=[5, 4],
                                steps=steps, save_every=20, init_seed=1000 + len(out), **MODES[mode]))
        i += 1
    return out


KINDS = {
    "sgd": [("sgd momentum 0.9 nesterov", {"kind": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True}, None),
            ("sgd weight_decay 0.01", {"kind": "sgd", "lr": 0.2, "weight_decay": 0.01}, None)],
    "adagrad": [("adagrad", {"kind": "adagrad", "lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.001}, None)],
    "rmsprop": [("rmsprop centered momentum", {"kind": "rmsprop", "lr": 0.005, "momentum": 0.5, "centered": True}, None)],
    "adam": [("adam", {"kind": "adam", "lr": 0.02}, None),
             ("adam amsgrad weight_decay", {"kind": "adam", "lr": 0.02, "amsgrad": True, "weight_decay": 0.01}, None)],
    "adamw": [("adamw", {"kind": "adamw", "lr": 0.02, "weight_decay": 0.1}, None)],
    "lion": [("lion", {"kind": "lion", "lr": 0.003, "weight_decay": 0.1}, None)],
    "muon": [("muon", {"kind": "muon", "lr": 0.05}, {"lr": 0.01})],
    "sam": [("sam(sgd momentum)", {"kind": "sam", "rho": 0.05, "inner": {"kind": "sgd", "lr": 0.1, "momentum": 0.9}}, None),
            ("sam(muon)", {"kind": "sam", "rho": 0.1, "inner": {"kind": "muon", "lr": 0.05}}, {"lr": 0.01})],
    "lookahead": [("lookahead(adam)", {"kind": "lookahead", "k": 5, "alpha": 0.5, "inner": {"kind": "adam", "lr": 0.03}}, None),
                  ("lookahead(muon)", {"kind": "lookahead", "k": 4, "alpha": 0.6, "inner": {"kind": "muon", "lr": 0.05}},
                   {"lr": 0.01})],
    "newton": [("newton damping 1", {"kind": "newton", "lr": 0.5, "damping": 1.0}, None),
               ("newton damping 0.1", {"kind": "newton", "lr": 0.3, "damping": 0.1}, None)],
}


def spec_of(r, init):
    s = {
        "label": r["name"],
        "data": {"kind": "csv", "csv": DATA_CSV, "noise": 0.0, "train_fraction": r["train_fraction"], "shuffle": False},
        "model": {"hidden": r["hidden"], "activation": r["activation"], "loss": r["loss"],
                  **({"dropout": r["dropout"]} if r.get("dropout") else {}),
                  **({"batch_norm": True} if r.get("batch_norm") else {})},
        "optimizer": r["optimizer"],
        "batch_size": r["batch_size"],
        "steps": r["steps"],
        "seed": 0,
        "eval_every": 1,
        "init_params": init,
    }
    if r["adamw"] is not None:
        s["adamw"] = r["adamw"]
    if r.get("schedule") is not None:
        s["schedule"] = r["schedule"]
    return s


def write(kind, runs):
    out = []
    for r in runs:
        init, expected = simulate(r)
        out.append({"name": r["name"], "spec": spec_of(r, init), "expected": expected})
    provenance = (f"tests/golden/gen_train_fixtures.py on {TODAY}; {TORCH}; data: DATA_CSV of the script (40 rows, "
                  f"3 features, 3 classes); model nn.Sequential(Linear(3,5), act, Linear(5,4), act, Linear(4,3)) "
                  f"with torch's default init under torch.manual_seed(init_seed = 1000 + the run's index in its file); batches by "
                  f"DataLoader(shuffle=False, drop_last=False); optimizer references as in the script's docstring")
    doc = {"provenance": provenance, "runs": out}
    if kind == "batch_norm":
        doc["provenance"] += ("; batch normalisation: each hidden Linear(bias=False), then nn.BatchNorm1d(eps=1e-5, momentum=0.1), "
                              "momentum 0 while the optimizer steps (the running statistics move with the step's first "
                              "gradient only)")
    if kind in ("dropout", "batch_norm"):
        doc["provenance"] += ("; dropout: MaskedDropout after each hidden activation, the masks from ChaCha8(seed 0, "
                              "stream 8) of the script; dropout_words: that stream's first 80 words (tests/train_golden.rs "
                              "checks optlab's against them)")
        rng = ChaCha8(0, DROPOUT_STREAM)
        doc["dropout_words"] = [rng.next_u32() for _ in range(80)]
    OUT.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, ensure_ascii=False)
    (OUT / f"{kind}.json").write_text(text + "\n")
    return len(out)


def scheduled_runs():
    """Learning-rate schedules (torch.optim.lr_scheduler) on four kinds, one run each."""
    specs = [
        ("adam cosine", {"kind": "adam", "lr": 0.03}, None, {"kind": "cosine", "t_max": 40, "eta_min": 0.001},
         "tanh", "cross_entropy", "mini"),
        ("sgd momentum step", {"kind": "sgd", "lr": 0.2, "momentum": 0.9}, None, {"kind": "step", "step_size": 15, "gamma": 0.5},
         "relu", "squared", "full"),
        ("muon linear warmup", {"kind": "muon", "lr": 0.05}, {"lr": 0.01},
         {"kind": "linear", "start_factor": 0.1, "end_factor": 1.0, "total_iters": 20}, "gelu", "squared", "mini"),
        ("lookahead(rmsprop) exponential", {"kind": "lookahead", "inner": {"kind": "rmsprop", "lr": 0.01}}, None,
         {"kind": "exponential", "gamma": 0.97}, "gelu", "cross_entropy", "full"),
    ]
    return [dict(name=name, optimizer=opt, adamw=adamw, schedule=sched, activation=act, loss=loss, hidden=[5, 4],
                 steps=60, save_every=20, init_seed=1000 + i, **MODES[mode])
            for i, (name, opt, adamw, sched, act, loss, mode) in enumerate(specs)]


def dropout_runs():
    """Dropout (see the docstring) under SGD with momentum, Adam, SAM (two gradients a step, one mask) and Lookahead
    over Muon; p from 0.1 to 0.5, both losses, both batch modes, every activation."""
    specs = [
        ("dropout 0.3 sgd momentum", 0.3, {"kind": "sgd", "lr": 0.1, "momentum": 0.9}, None, "tanh", "cross_entropy", "mini"),
        ("dropout 0.5 adam", 0.5, {"kind": "adam", "lr": 0.02}, None, "relu", "cross_entropy", "full"),
        ("dropout 0.2 sam(sgd)", 0.2, {"kind": "sam", "rho": 0.05, "inner": {"kind": "sgd", "lr": 0.1}}, None, "gelu",
         "squared", "mini"),
        ("dropout 0.1 lookahead(muon)", 0.1, {"kind": "lookahead", "k": 4, "alpha": 0.6, "inner": {"kind": "muon", "lr": 0.05}},
         {"lr": 0.01}, "tanh", "squared", "full"),
        ("dropout 0.4 adamw", 0.4, {"kind": "adamw", "lr": 0.02, "weight_decay": 0.1}, None, "relu", "squared", "mini"),
    ]
    return [dict(name=name, dropout=p, optimizer=opt, adamw=adamw, activation=act, loss=loss, hidden=[5, 4],
                 steps=60, save_every=20, init_seed=1000 + i, **MODES[mode])
            for i, (name, p, opt, adamw, act, loss, mode) in enumerate(specs)]


def batch_norm_runs():
    """Batch normalisation (see the docstring) under SGD with momentum, Adam, SAM (two gradients a step, the
    running statistics moved once), Lookahead over Muon (γ and β in AdamW groups) and AdamW with dropout; both
    losses, both batch modes (the mini-batch epochs end with a batch of 6), every activation."""
    specs = [
        ("batch norm sgd momentum", 0.0, {"kind": "sgd", "lr": 0.1, "momentum": 0.9}, None, "tanh", "cross_entropy", "mini"),
        ("batch norm adam", 0.0, {"kind": "adam", "lr": 0.02}, None, "relu", "cross_entropy", "full"),
        ("batch norm sam(sgd)", 0.0, {"kind": "sam", "rho": 0.05, "inner": {"kind": "sgd", "lr": 0.1}}, None, "gelu",
         "squared", "mini"),
        ("batch norm lookahead(muon)", 0.0, {"kind": "lookahead", "k": 4, "alpha": 0.6, "inner": {"kind": "muon", "lr": 0.05}},
         {"lr": 0.01}, "tanh", "squared", "full"),
        ("batch norm dropout 0.3 adamw", 0.3, {"kind": "adamw", "lr": 0.02, "weight_decay": 0.1}, None, "relu", "squared",
         "mini"),
        ("batch norm sam(adam) full", 0.0, {"kind": "sam", "rho": 0.1, "inner": {"kind": "adam", "lr": 0.03}}, None, "relu",
         "cross_entropy", "full"),
    ]
    return [dict(name=name, dropout=p, batch_norm=True, optimizer=opt, adamw=adamw, activation=act, loss=loss,
                 hidden=[5, 4], steps=60, save_every=20, init_seed=1000 + i, **MODES[mode])
            for i, (name, p, opt, adamw, act, loss, mode) in enumerate(specs)]


def main(only=None):
    total = 0
    for kind, variants in KINDS.items():
        if only and not kind.startswith(only):
            continue
        total += write(kind, runs_for(kind, variants))
    if not only or "schedules".startswith(only):
        total += write("schedules", scheduled_runs())
    if not only or "dropout".startswith(only):
        total += write("dropout", dropout_runs())
    if not only or "batch_norm".startswith(only):
        total += write("batch_norm", batch_norm_runs())
    files = list(OUT.glob("*.json"))
    size = sum(f.stat().st_size for f in files)
    print(f"wrote {total} runs; {len(files)} files, {size / 1024:.0f} KiB in {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
