#!/usr/bin/env python3
"""Exported by `optlab export-torch` from a training spec (2 run(s), 120 training and 40 test rows of 2 features, 2 classes, seed 6).

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
    [-0.7653458562332206, 0.5964966173279155],
    [0.041590107121697674, -0.6666573697392402],
    [-0.17640127206065476, 0.9762156379754756],
    [-0.5364365299414279, -0.7182654498390344],
    [0.33914624108351926, 0.3414959508201782],
    [0.3474898589691576, 1.2021920949640357],
    [0.028851136435069882, 0.5838912292648297],
    [0.0015313258621234074, -0.754279827868903],
    [-1.1733692310327535, 0.21746464126073337],
    [0.5058069449792763, -0.2743240278940406],
    [-0.13677913895084393, 0.5946523568508862],
    [-0.3284908772655606, 0.944007994799585],
    [-0.3330480162625089, -1.1389533750733505],
    [1.0039178968022484, 0.40698755240607737],
    [-0.4535064085749765, -0.18881156221754286],
    [-0.4706710723979601, 0.07570558728005544],
    [0.8024063179243907, -0.35561305413565747],
    [-0.9544678319730405, -0.31050071548237845],
    [-0.916025294576467, -0.4001537934771034],
    [-1.0481901040467692, 0.5638855021307382],
    [-0.3024312350266434, -0.11878473732906425],
    [1.0280738139845287, 0.3369809220690756],
    [0.5538557010269828, -0.021777716800826116],
    [-0.0824856790239001, 0.4311363202645532],
    [0.46414299022973055, -0.25581704064308564],
    [0.8280266817104146, -0.3791855374874916],
    [-0.5062226061391076, -0.0445603987456289],
    [-0.9814525649530164, 0.1018322812645146],
    [0.325003000424712, 0.04295679562473197],
    [0.24506512351698428, 0.46431039409467356],
    [0.4861950193474572, 0.803063140416122],
    [1.155049268547267, 0.020657385034106968],
    [0.04728507375384884, 0.9528519703690774],
    [-1.0188938070448263, 0.1603635455504034],
    [0.7835715298642445, 0.6365968639885189],
    [-0.3439669595775612, -0.24818733922315533],
    [-0.28339913842354186, 0.7692018753587844],
    [-0.32995739484085274, 0.6535917642969518],
    [-0.7221283240428686, -0.4853311484554681],
    [0.41316424636759486, 0.341078169897608],
    [-0.36622321690105053, 0.438139045967075],
    [-0.02250709055754485, 0.51944669323984],
    [0.8031936186322473, -0.116729706647377],
    [-0.396241052529822, 0.12875811029452677],
    [0.7362970314653253, 0.4816278920915955],
    [-0.20507866889389903, 0.415763185642234],
    [-0.005660267661088205, 0.48099964919508087],
    [0.8992504633727602, -0.8153123179799244],
    [-0.024555139630666772, -1.0647068011477585],
    [-0.07817494590909416, -0.8687409728489038],
    [-1.1736430703469751, -0.21411428434903643],
    [0.5803196978171709, 0.7578392623456174],
    [-0.2296616149789036, -0.5009485185636141],
    [-0.6351898934984388, -0.10057517654956694],
    [-1.1284792739656286, -0.21145438678387038],
    [0.8265239081296657, -0.6580931847390461],
    [-0.057073174259802434, -0.42018085571928715],
    [1.0425565184588979, 0.5216943870833463],
    [0.149266957668042, -0.31833971448898524],
    [0.3369034760842507, -0.9857868952876074],
    [-0.3163255226282268, -0.5083551702147947],
    [0.39566915237383593, 0.08947295992381245],
    [-0.5315631418808409, -0.7810361297860172],
    [1.0629321384628458, -0.300653842348363],
    [0.20217556765536376, 0.9649095444996341],
    [0.9208072580231415, -0.07443802176168612],
    [0.04734598168254593, -0.4569345555304393],
    [0.24265047471416346, 0.3719219420309169],
    [0.49702303282537275, 0.12255297601918091],
    [-0.8507540922975719, 0.25831766740301715],
    [0.2222172220955667, 0.4081038379964946],
    [0.5675432517731184, -0.968909471086458],
    [0.7259658783240258, -0.49073728027186025],
    [0.8050003294505704, -0.8507190105841366],
    [1.0366278861916796, -0.3315189517093077],
    [-0.728436685711346, -0.5961492699875305],
    [-0.3107168056190436, 0.16327160279949712],
    [0.7072395324260972, -0.24846342892785878],
    [0.3623743542973376, 0.3727435963468253],
    [-0.7765388580082339, -0.8173544689236416],
    [-0.08944085831364934, 0.17938855710487822],
    [-0.16614887887299673, 0.9857104212591113],
    [-0.4245391028943305, 0.26428748690180653],
    [0.42013970331149025, -0.07631543900150617],
    [0.013833553431009976, -0.43382354424042474],
    [-0.6883022471482503, 0.7689234297319427],
    [0.07239753820471961, 0.9844852359350263],
    [0.13619219521941722, -0.9968618360578577],
    [-0.03308135899095429, 0.42605555626892366],
    [-0.39966041256841955, 0.023707684887757846],
    [0.3129390394184754, -0.13476980004769235],
    [-0.40918755760942777, -0.03677110527913828],
    [-0.8266759403310701, 0.6452349858512483],
    [0.2328896482694659, 0.27384299393374373],
    [0.18413186265063564, 0.4945160191774077],
    [1.074023776303353, 0.20246051845133228],
    [-0.6624367339169, 0.6723197016598309],
    [-0.5111758057669086, -0.02030894106409392],
    [-0.5949744491424044, 0.16894521153454528],
    [0.06956747836582004, 0.44979844707675076],
    [0.39947329317030816, 0.06038383770343865],
    [0.4142027967461696, -0.35302264134854916],
    [0.5150206096889436, 0.10280918089689788],
    [-0.3057705625697582, -0.3782768688426199],
    [0.1686686950118168, -0.3430206957752501],
    [-0.2664048865446183, 0.4895480503984467],
    [0.3014647890967273, -1.1332184182170804],
    [-0.014868049354977542, -0.44777634865810506],
    [0.18538007092462688, -0.4734381329685517],
    [-0.45215641882618063, 0.7976407600775296],
    [0.3818348073854728, -0.7821215323636085],
    [0.810559001040459, -0.5513530147773442],
    [0.4373376323503948, -0.06178090403197392],
    [0.6698720689976128, 0.46340721394743484],
    [-1.097353589035884, 0.11431828346883842],
    [-0.3820426724222315, -1.019365646409059],
    [1.0477115670180726, 0.07151471935139661],
    [0.5058431315797267, 0.13652381506395034],
    [0.24169174586504077, -0.20269233605924142],
    [0.08451202456571837, -0.43506680036262346],
]).reshape(-1, 2)
Y_TRAIN = torch.tensor([0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1,
    1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1,
    0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1,
    1, 1], dtype=torch.long)
X_TEST = torch.tensor([
    [-0.40236958512404153, 0.23873547648908755],
    [-0.7641504063663508, -0.4559243257162109],
    [0.7306951676390281, 0.45768532081497215],
    [0.1119067182344123, -1.0094932382547495],
    [-0.6796470070288777, 0.7574352466515303],
    [0.9427146746494637, 0.11930506517242093],
    [-0.6971352880144733, -0.1434085317742214],
    [0.4422181397854091, 0.20125329538646086],
    [-0.6212039852415521, -0.30305583766134564],
    [-0.35510416828172975, -0.15899528159180432],
    [-0.33802921261133956, -0.3368400029680594],
    [0.42827754324622574, 0.9529227819781616],
    [-0.3810999440120395, 0.9314542871473193],
    [0.08902917101525248, 0.9634096926036064],
    [-0.19749824307604796, 0.220462499402324],
    [-0.059580028162036974, 1.0336981709215334],
    [-0.9930032919057721, 0.6262102862121216],
    [-0.07428878976378894, -0.4600618550911218],
    [0.23715495272818313, -0.5197861333615844],
    [-0.2346400169368937, -0.3777920900724964],
    [0.5781120306748339, 0.7424488483087344],
    [0.8481801044047762, -0.2835770319773606],
    [-1.105105571896123, -0.17484122767737006],
    [-0.08317073285117141, -0.9028134077762265],
    [-0.6079057009210193, 0.8800836446332767],
    [0.13766947126348614, 0.5322188246404859],
    [-0.750153191295949, -0.8462782331524847],
    [0.6468764295076364, 0.4512840480785309],
    [0.3590192721090799, -0.5564009208933727],
    [-0.4243072929589399, 0.396090173180205],
    [-0.7460632067013826, -0.3989967045796975],
    [-0.34386709593958764, -0.9560721372520719],
    [0.6744797900082211, 0.8795880817973141],
    [-0.08948819361509944, -0.6496433015726146],
    [-0.16303437825420497, -0.8685684767276183],
    [0.7123399759617892, -0.9067952463443705],
    [-0.534408281041575, -0.29113603347504835],
    [-0.022117683310403813, 0.17737831645924532],
    [0.02403756737094732, -1.1084437081402494],
    [0.48051210775091036, -0.2823135336497193],
]).reshape(-1, 2)
Y_TEST = torch.tensor([1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 1], dtype=torch.long)
BATCH_SIZE = 20
# optlab's shuffled order of the training rows in each epoch (seed 6), cut into batches in turn
ORDERS = [
    [91, 18, 55, 82, 59, 113, 21, 90, 17, 95, 115, 41, 66, 36, 35, 32, 83, 118, 27, 70, 60, 13, 22, 4, 54, 30, 69, 73, 103,
     49, 93, 102, 76, 65, 85, 61, 108, 101, 10, 74, 28, 77, 96, 40, 46, 23, 2, 78, 106, 117, 88, 107, 56, 110, 14, 89,
     97, 79, 29, 24, 33, 12, 7, 104, 58, 50, 119, 57, 38, 8, 48, 81, 31, 47, 114, 67, 71, 98, 111, 42, 3, 99, 1, 72,
     105, 112, 94, 52, 53, 6, 80, 92, 20, 11, 100, 15, 25, 51, 68, 37, 116, 34, 86, 63, 87, 26, 5, 43, 45, 0, 62, 75,
     39, 16, 44, 9, 109, 84, 19, 64],
    [116, 20, 50, 101, 85, 67, 0, 105, 6, 118, 9, 107, 66, 64, 43, 29, 89, 36, 7, 86, 57, 34, 59, 106, 46, 55, 4, 90, 109,
     82, 97, 96, 10, 114, 58, 56, 48, 38, 24, 93, 65, 2, 40, 112, 30, 69, 12, 18, 5, 32, 51, 49, 111, 102, 98, 62, 87,
     31, 113, 61, 91, 16, 81, 19, 78, 35, 110, 72, 95, 8, 47, 84, 73, 41, 92, 37, 94, 108, 42, 1, 100, 104, 25, 75, 52,
     39, 63, 99, 3, 74, 45, 53, 70, 83, 54, 119, 68, 11, 15, 79, 33, 88, 13, 115, 60, 26, 23, 103, 76, 77, 14, 21, 117,
     22, 80, 71, 44, 17, 27, 28],
    [73, 7, 96, 83, 5, 103, 11, 58, 39, 84, 116, 8, 66, 95, 35, 2, 107, 40, 105, 67, 13, 55, 41, 30, 104, 91, 37, 57, 117,
     46, 114, 52, 71, 16, 47, 75, 79, 112, 4, 20, 87, 70, 53, 115, 14, 25, 19, 61, 97, 28, 1, 9, 63, 27, 111, 0, 74, 36,
     78, 50, 24, 62, 90, 98, 26, 119, 93, 77, 29, 51, 102, 86, 72, 101, 17, 42, 45, 94, 68, 15, 38, 110, 3, 113, 100,
     81, 23, 89, 48, 69, 33, 64, 60, 80, 12, 54, 10, 106, 56, 18, 44, 6, 49, 109, 59, 32, 31, 118, 88, 82, 85, 108, 34,
     92, 22, 21, 99, 65, 76, 43],
    [50, 62, 102, 70, 51, 47, 86, 57, 90, 61, 37, 29, 6, 94, 89, 18, 27, 40, 13, 3, 42, 26, 36, 15, 96, 23, 53, 59, 14, 43,
     67, 80, 9, 34, 58, 113, 116, 81, 72, 82, 87, 110, 49, 101, 83, 95, 112, 1, 91, 78, 92, 5, 17, 75, 66, 35, 46, 39,
     73, 63, 106, 54, 76, 20, 25, 108, 48, 85, 68, 12, 0, 98, 118, 71, 55, 32, 16, 100, 65, 19, 38, 11, 10, 79, 97, 21,
     103, 4, 33, 28, 88, 52, 7, 60, 31, 45, 22, 99, 84, 56, 44, 74, 117, 64, 105, 8, 104, 41, 24, 107, 30, 77, 119, 93,
     115, 111, 109, 69, 114, 2],
    [14, 49, 61, 106, 108, 57, 31, 42, 102, 40, 74, 10, 67, 23, 59, 107, 25, 86, 38, 36, 21, 117, 11, 70, 20, 45, 109, 32,
     54, 73, 110, 39, 55, 8, 92, 47, 53, 111, 96, 95, 90, 41, 75, 65, 64, 19, 9, 100, 69, 79, 13, 112, 51, 115, 105, 12,
     24, 48, 29, 85, 87, 7, 43, 62, 50, 114, 89, 81, 71, 22, 0, 103, 118, 77, 99, 56, 4, 28, 91, 119, 116, 82, 44, 72,
     52, 35, 26, 78, 88, 5, 3, 80, 83, 93, 17, 113, 6, 97, 15, 76, 84, 101, 33, 66, 63, 98, 58, 94, 2, 18, 27, 34, 46,
     104, 60, 30, 68, 1, 16, 37],
    [33, 110, 14, 118, 41, 52, 53, 37, 1, 102, 97, 15, 39, 81, 42, 36, 8, 12, 86, 95, 7, 21, 83, 79, 84, 112, 67, 114, 27,
     77, 3, 28, 9, 23, 70, 44, 11, 72, 85, 43, 6, 38, 111, 55, 17, 87, 90, 35, 49, 0, 26, 103, 22, 24, 104, 18, 57, 119,
     91, 88, 10, 107, 117, 106, 5, 31, 16, 96, 73, 40, 19, 66, 116, 61, 46, 99, 69, 93, 78, 56, 20, 115, 45, 4, 59, 75,
     109, 65, 92, 48, 30, 32, 34, 29, 101, 62, 80, 51, 74, 63, 68, 71, 76, 58, 82, 50, 105, 100, 94, 47, 89, 108, 113,
     2, 13, 60, 54, 64, 98, 25],
    [52, 113, 40, 9, 115, 42, 11, 94, 1, 8, 65, 81, 86, 70, 19, 89, 72, 0, 93, 23, 53, 107, 83, 116, 13, 95, 41, 10, 106,
     90, 46, 21, 110, 104, 33, 54, 43, 57, 7, 50, 24, 30, 60, 12, 56, 25, 47, 87, 44, 29, 118, 108, 18, 88, 45, 3, 98,
     109, 111, 92, 79, 27, 37, 61, 105, 75, 82, 71, 35, 101, 73, 100, 91, 20, 80, 51, 68, 64, 39, 48, 49, 4, 102, 84,
     34, 14, 58, 96, 117, 62, 63, 74, 28, 66, 2, 38, 67, 17, 85, 97, 76, 31, 114, 15, 59, 36, 16, 22, 6, 69, 5, 55, 119,
     112, 103, 99, 26, 77, 32, 78],
    [93, 56, 110, 2, 95, 80, 13, 109, 49, 50, 27, 72, 20, 86, 61, 91, 108, 104, 32, 15, 100, 40, 116, 29, 36, 102, 7, 78, 5,
     26, 53, 90, 63, 69, 71, 60, 111, 112, 117, 103, 48, 28, 3, 68, 51, 105, 39, 94, 89, 84, 37, 44, 46, 47, 19, 119,
     11, 22, 31, 96, 118, 59, 99, 92, 70, 88, 113, 114, 23, 101, 66, 97, 12, 38, 107, 10, 45, 74, 41, 18, 58, 67, 24,
     82, 33, 54, 43, 21, 52, 14, 106, 57, 0, 115, 65, 77, 35, 83, 42, 76, 79, 81, 55, 64, 16, 30, 17, 85, 1, 87, 9, 73,
     75, 8, 34, 62, 25, 98, 6, 4],
    [28, 27, 74, 1, 6, 32, 85, 75, 37, 83, 44, 39, 115, 22, 17, 99, 47, 20, 88, 71, 98, 12, 102, 9, 38, 2, 59, 70, 95, 41,
     43, 112, 101, 62, 36, 104, 78, 26, 100, 14, 73, 91, 4, 51, 69, 49, 52, 56, 119, 19, 90, 31, 81, 77, 42, 53, 76, 35,
     7, 116, 80, 103, 45, 105, 109, 48, 106, 21, 86, 117, 29, 89, 18, 79, 111, 16, 113, 108, 13, 58, 118, 68, 5, 82, 30,
     57, 66, 107, 0, 110, 72, 3, 87, 10, 8, 33, 55, 40, 97, 63, 84, 24, 93, 92, 60, 15, 54, 61, 65, 94, 46, 34, 64, 96,
     114, 50, 25, 11, 67, 23],
    [64, 16, 48, 97, 14, 40, 91, 25, 3, 57, 27, 99, 63, 55, 69, 24, 100, 86, 21, 94, 15, 38, 66, 7, 88, 81, 90, 29, 95, 58,
     79, 59, 105, 54, 71, 98, 46, 33, 11, 80, 93, 13, 107, 10, 104, 53, 2, 87, 1, 36, 34, 52, 116, 117, 73, 75, 115, 31,
     113, 82, 17, 111, 72, 61, 6, 118, 76, 83, 119, 49, 70, 74, 45, 41, 30, 9, 51, 43, 77, 65, 114, 109, 112, 47, 78,
     85, 4, 89, 102, 12, 67, 0, 28, 84, 20, 101, 60, 37, 39, 42, 92, 106, 22, 23, 19, 18, 26, 5, 44, 50, 32, 110, 68,
     35, 56, 103, 108, 62, 96, 8],
    [49, 86, 20, 69, 119, 106, 54, 103, 1, 10, 90, 7, 98, 115, 22, 70, 64, 114, 29, 53, 42, 33, 109, 78, 113, 95, 23, 6, 44,
     92, 55, 116, 65, 9, 80, 73, 102, 43, 57, 2, 56, 26, 99, 50, 71, 4, 68, 58, 72, 77, 35, 11, 100, 87, 76, 47, 31, 30,
     105, 45, 84, 36, 48, 3, 79, 28, 13, 110, 82, 67, 37, 88, 34, 94, 96, 107, 75, 104, 61, 16, 117, 46, 118, 14, 15,
     59, 89, 39, 18, 112, 32, 108, 40, 63, 38, 8, 85, 41, 91, 52, 111, 0, 12, 24, 25, 19, 5, 66, 27, 83, 101, 17, 51,
     97, 60, 74, 81, 21, 62, 93],
    [38, 28, 1, 98, 11, 93, 88, 92, 95, 102, 66, 105, 22, 3, 49, 99, 97, 62, 101, 59, 96, 69, 9, 0, 58, 18, 68, 55, 10, 113,
     15, 23, 30, 24, 89, 110, 37, 34, 20, 67, 80, 7, 48, 79, 31, 6, 47, 77, 12, 100, 42, 45, 118, 2, 54, 116, 4, 19, 76,
     61, 83, 35, 21, 5, 72, 13, 84, 86, 108, 27, 91, 33, 94, 75, 50, 32, 57, 60, 44, 16, 71, 87, 43, 74, 29, 46, 8, 73,
     41, 51, 104, 40, 117, 107, 103, 114, 112, 64, 26, 65, 85, 56, 81, 119, 82, 70, 78, 115, 52, 90, 106, 53, 109, 14,
     17, 36, 25, 63, 111, 39],
    [51, 78, 118, 56, 27, 103, 116, 85, 69, 26, 19, 10, 101, 52, 4, 23, 53, 83, 119, 41, 81, 20, 89, 48, 95, 7, 61, 18, 88,
     31, 32, 11, 40, 29, 59, 45, 99, 71, 113, 93, 33, 14, 84, 2, 114, 58, 35, 62, 54, 106, 46, 67, 16, 91, 38, 92, 0,
     39, 68, 76, 42, 21, 60, 97, 87, 9, 6, 37, 34, 90, 43, 115, 94, 77, 47, 36, 24, 44, 82, 74, 72, 102, 105, 50, 28,
     80, 110, 17, 65, 57, 49, 1, 100, 25, 112, 109, 63, 107, 75, 96, 111, 22, 86, 5, 12, 70, 79, 73, 8, 117, 3, 98, 13,
     108, 30, 66, 64, 55, 104, 15],
    [100, 7, 19, 17, 118, 79, 43, 55, 119, 0, 29, 3, 15, 96, 76, 28, 71, 10, 116, 49, 14, 48, 99, 117, 102, 31, 110, 4, 81,
     11, 83, 68, 44, 69, 109, 27, 70, 62, 46, 97, 42, 84, 85, 98, 111, 72, 20, 87, 74, 107, 113, 67, 92, 56, 24, 9, 51,
     58, 60, 30, 33, 80, 22, 115, 21, 39, 6, 54, 65, 94, 50, 41, 16, 106, 40, 13, 47, 53, 38, 37, 64, 90, 52, 32, 35, 1,
     101, 63, 59, 2, 103, 25, 12, 73, 86, 114, 45, 34, 61, 5, 26, 108, 104, 95, 36, 78, 105, 8, 89, 57, 91, 75, 88, 18,
     23, 93, 82, 112, 66, 77],
    [104, 43, 75, 94, 56, 22, 19, 37, 114, 64, 9, 1, 44, 68, 59, 67, 98, 74, 41, 66, 31, 103, 40, 93, 46, 69, 105, 2, 112,
     71, 50, 84, 42, 113, 7, 100, 12, 0, 33, 96, 76, 30, 80, 78, 24, 115, 107, 87, 16, 91, 111, 4, 82, 85, 70, 17, 79,
     15, 48, 39, 119, 88, 54, 61, 28, 106, 45, 47, 92, 81, 58, 109, 53, 10, 20, 73, 90, 21, 25, 77, 5, 72, 49, 29, 6,
     51, 11, 65, 116, 27, 36, 63, 32, 8, 18, 14, 118, 97, 13, 34, 101, 102, 108, 110, 55, 35, 117, 23, 3, 99, 62, 57,
     89, 83, 86, 95, 52, 26, 60, 38],
]


# ----------------------------------------------------------------------------------------------------------
# The network: nn.Sequential(Linear, act, …, Linear); INIT is torch.cat([p.flatten() for p in model.parameters()])

LAYERS = [nn.Linear(2, 6), nn.GELU(approximate="tanh"), nn.Linear(6, 6), nn.GELU(approximate="tanh"), nn.Linear(6, 2)]
MASKS = None  # no dropout
INIT = [-1.6577139110468209, 0.027012314497558622, 0.03390651317970895, 0.7583035968144022, -0.6225752423438619,
    1.29069799895633, 0.26699772344213846, 0.9064706131452218, -0.2803312286182244, -1.214154774815338,
    1.0294398816220747, 0.10266920208529051, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.5095579723620375, -0.35278517293942846,
    -0.2922543231418531, -0.34399620789137086, 0.18269134369769716, 0.3021661659765703, -0.0732862130168046,
    -0.13966101995381613, -0.8830079496140373, -0.3570286433028653, -0.8702355908935682, -0.8165950267557419,
    0.11204148643830485, 0.33645284328750347, -0.05894608313783272, 0.6062352461675673, 0.401320460417733,
    0.3919055017947815, -0.5715016884786538, 0.5157362208491177, -1.3226818122433583, -0.8642012349571463,
    0.1336792805181885, 0.25896760291633647, -0.7651096532024688, -0.9985437141335598, 0.36833993614323746,
    -0.24281003642988128, -0.022364906118561595, 0.16705710339650467, -0.3327855303514015, -0.4971664540354916,
    0.46346616987182393, 0.7174256558801722, 0.6345079354635006, -0.3625062782679318, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    -0.08329846367193698, -1.1597316649289502, -0.16581729578653973, 0.35257225540520437, 0.13301975295761928,
    -0.40239073634172484, -0.6141941907943389, -0.5388769701886129, 0.1052720441587674, -0.1767428313133736,
    -0.5188534606283196, 0.4353947168032436, 0.0, 0.0]
criterion = nn.CrossEntropyLoss()


# ----------------------------------------------------------------------------------------------------------
# The runs: each `build` makes the optimizer (and its schedulers, stepped once after every step)


def build_0(model, params):
    """Run 0: sam."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    hidden_ids = {id(m.weight) for m in linears[1:-1]}
    hidden = [p for p in params if id(p) in hidden_ids]
    rest = [p for p in params if id(p) not in hidden_ids]
    # Keller Jordan's split: Muon for the hidden-to-hidden weight matrices, AdamW for the rest
    optimizer = Muon(hidden, lr=0.05, momentum=0.95, nesterov=True, ns_steps=5, ns="keller_quintic", momentum_form="ema", scale="shape", weight_decay=0.0, eps=1e-7)
    adamw = torch.optim.AdamW(rest, lr=0.02, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05, amsgrad=False)
    scheduler = lr_scheduler.LinearLR(optimizer, start_factor=0.25, end_factor=1.0, total_iters=20)
    adamw_scheduler = lr_scheduler.LinearLR(adamw, start_factor=0.25, end_factor=1.0, total_iters=20)
    stepper = Sam(Plain([optimizer, adamw]), params, rho=0.1, p=2.0, adaptive=False)
    return stepper, [optimizer, adamw], [scheduler, adamw_scheduler]


def build_1(model, params):
    """Run 1: lookahead."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    hidden_ids = {id(m.weight) for m in linears[1:-1]}
    hidden = [p for p in params if id(p) in hidden_ids]
    rest = [p for p in params if id(p) not in hidden_ids]
    # Keller Jordan's split: Muon for the hidden-to-hidden weight matrices, AdamW for the rest
    optimizer = Muon(hidden, lr=0.05, momentum=0.9, nesterov=True, ns_steps=5, ns="keller_quintic", momentum_form="sum", scale="shape", weight_decay=0.0, eps=1e-7)
    adamw = torch.optim.AdamW(rest, lr=0.02, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05, amsgrad=False)
    scheduler = lr_scheduler.LinearLR(optimizer, start_factor=0.25, end_factor=1.0, total_iters=20)
    adamw_scheduler = lr_scheduler.LinearLR(adamw, start_factor=0.25, end_factor=1.0, total_iters=20)
    stepper = Lookahead(Plain([optimizer, adamw]), params, k=4, alpha=0.6)
    return stepper, [optimizer, adamw], [scheduler, adamw_scheduler]


RUNS = [
    ("sam(muon)", build_0, 90, 6),
    ("lookahead(muon)", build_1, 90, 6),
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
