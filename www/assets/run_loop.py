

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
