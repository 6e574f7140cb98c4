#!/usr/bin/env python3
"""Exported by `optlab export-torch` from a training spec (1 run(s), 100 training and 100 test rows of 2 features, 2 classes, seed 4).

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
    [-0.5607396859722161, 0.23446593892059872],
    [1.4146135457268427, 0.07914706386276926],
    [-0.2173899698632098, -0.21718222444232482],
    [-0.25752467230694065, -0.5395492364128777],
    [0.8490040823210347, -0.4133341624885288],
    [-1.3931547614086295, -0.26136324271224787],
    [-0.606585939682925, 0.2960887327139081],
    [0.0017148692762223097, -0.8791053422352663],
    [-0.9160688596273967, 0.3986162534748393],
    [-1.4556561035508135, 0.2868953824032455],
    [0.7068726641103358, -0.8203128391409396],
    [1.2770176958382613, -0.6405350762261889],
    [0.9361554549020619, -0.6866693478097249],
    [-0.4050126151053377, 0.06888493662591731],
    [0.2725589646030399, 0.37389034348435674],
    [1.3478819674394904, -0.09786320239842604],
    [-1.3325498900649517, 0.1954672352267198],
    [0.40936144876807606, -0.9296542893459295],
    [-0.35659175889613437, 0.8253973719078258],
    [-0.47864789039862204, 0.22884988980628046],
    [0.04224029117793068, -0.5727463494125773],
    [0.9142794828326563, -0.8522314184072459],
    [0.3680838571382142, -0.6195133557789998],
    [1.3622789028925073, -0.6369910979085298],
    [-1.2342880435288084, 0.5535936961893713],
    [-1.3810110269622249, 0.3158943567023494],
    [-0.3008081310011094, -0.3913205895071894],
    [0.15047792257586987, -0.5396837376988877],
    [-0.6586931412115429, 0.596426201429701],
    [-1.5283261859815191, 0.16864042330140377],
    [0.9524224911187544, -0.1865960830894876],
    [-1.5704296014074344, 0.2128320088966243],
    [-0.35353231626380166, 0.6985981129193912],
    [-1.426144772912836, 0.21598466959268284],
    [0.07194361396410758, 0.4207129844321321],
    [0.11264883936863236, 0.4105561621155467],
    [0.5667032128690687, -0.7853983195788345],
    [-0.4784324664312847, -0.08334526305926454],
    [0.5871878255405932, -0.20498285573767272],
    [-0.06782090538098406, 0.39723274797548297],
    [-0.217916831162466, 1.0355717260374142],
    [0.18607395507535368, 0.08399047960039441],
    [-0.39270944004352504, 0.3729979312902152],
    [-1.415611061244127, 0.10751965162636301],
    [0.40140441827953943, -0.40290417836971126],
    [0.021830747323239228, 0.7572611029591731],
    [0.47776640717289787, 0.22241012876682642],
    [-0.824564489815223, 0.47974295742147816],
    [-1.4133314790399394, -0.35279401270791433],
    [1.4972601952661762, 0.11469823492327949],
    [-0.1934676822454904, 0.8462777927047342],
    [-0.3540203586002953, 0.6508996473449628],
    [0.5604428030557758, -0.0911982142386597],
    [0.8503234824316941, -0.537216542132375],
    [0.14460604191598186, -0.6313931659672825],
    [-0.3011707432991651, -0.20580706848451402],
    [0.8962301604410369, -0.4706682695194462],
    [-0.658585457402434, 0.4435988140697814],
    [-0.3935494072405496, 0.7939407027924076],
    [0.20350348219904593, -0.674597266226793],
    [1.3833657406241726, 0.0028994247664878153],
    [-0.9828281058649326, 0.5662372004815746],
    [-0.37765608555646035, 0.7534104769098681],
    [-0.8593505121727543, 0.7592857299010327],
    [-0.5803603070205251, -0.4432195467951815],
    [0.1538512001749538, 0.6889231362068597],
    [1.1349839629122211, -0.3506215825550929],
    [1.4578617880325044, 0.03233640169787988],
    [-0.26595453037061295, -0.24839488453891517],
    [1.1325654769996911, -0.8115676108108573],
    [0.38903402594231773, 0.0029056022341359955],
    [0.22105920155202038, -0.7220544936675461],
    [0.19227028163055784, -0.6253353792561858],
    [1.1516969447202592, -0.5452440470059501],
    [0.1764565888132058, -0.5802891851678922],
    [0.02068821425222872, -0.34277039648393953],
    [-0.563911452609205, 0.4244462276188394],
    [1.42096808239603, -0.14513628104830142],
    [1.5215360425287814, -0.18636379771536593],
    [0.28423157775466695, -0.008355686798668716],
    [0.3885623034490862, 0.2923567953459371],
    [-0.8655576527737788, 0.7193913698901732],
    [-1.0505884152886593, 0.19020586493733066],
    [0.8848297240815136, -0.5828155125771353],
    [0.121976797814422, 0.3103712395393579],
    [0.46047080614621816, -0.8772829849713014],
    [0.4216863730711067, 0.16033078955947244],
    [0.2806055144260041, -0.8798015120182494],
    [-0.7425010311328257, 0.7002138563148605],
    [0.8781265195277841, -0.7748518687646639],
    [0.6333544988197237, -0.863462561864678],
    [1.4894395180008977, 0.05939153092056696],
    [0.6481492723688989, 0.13221239014423466],
    [0.3697790901490068, 0.12920428459866998],
    [-0.19658742176489832, 0.4817295495634254],
    [1.7511425965526237, 0.1436413006161298],
    [-0.22089611948242258, -0.38642090877981417],
    [-1.677562258296637, 0.062166213379335644],
    [0.5659043160499323, -0.04319898848469904],
    [0.2699977678883007, 0.2424794824414545],
]).reshape(-1, 2)
Y_TRAIN = torch.tensor([1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1,
    0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0], dtype=torch.long)
X_TEST = torch.tensor([
    [-1.1862392490091933, 0.6787337819783386],
    [-1.3809008373168814, -0.3648424003459414],
    [-0.9998121388538685, 0.6606510997473143],
    [0.21694956774405985, 0.5875922454439089],
    [-0.2569472312478429, -0.013491660211566142],
    [-1.3016958431495094, 0.0783650649964339],
    [-1.3466234714305245, -0.18622116546961504],
    [0.1242473313969137, -0.896826398211843],
    [0.3278656587168716, -0.5412916981461702],
    [1.1770763361639751, -0.759900275100859],
    [0.3657497771084944, 0.26521363384772356],
    [0.5614338349098723, -0.48711962378545],
    [-0.31129182872237837, -0.03514282126401569],
    [1.0838022838096095, -0.663048656403542],
    [-1.055992467519646, -0.20182055881396102],
    [1.4363518407854274, -0.4147911976311131],
    [0.9543853199664144, -0.8781402800812141],
    [1.2754631924383582, -0.020602393364181855],
    [-1.2597567505132772, 0.29127803534464886],
    [-0.4509008196400206, 0.9844701286461471],
    [-1.2239069698804799, 0.3946499116702947],
    [-0.3851863201673059, -0.18523398962694948],
    [-0.27465543201161374, 0.38917725715929113],
    [1.4893797110340459, -0.3001812054248462],
    [-1.4885138048929893, 0.43293347851810426],
    [0.6343913908329428, -0.7097240911254127],
    [0.7084377832926861, -0.6201220975097987],
    [-0.9726366527852236, 0.6513708237559338],
    [-1.216600047843277, 0.6880443137879195],
    [-0.3398492623080464, 0.92513534182487],
    [-0.1719196126082938, 0.48972837150541787],
    [1.4893628681765851, 0.20930702985197985],
    [-0.18507591884680666, -0.527925271396432],
    [0.42975711497905195, 0.4588618922291572],
    [1.4727331324507111, -0.3211103521559455],
    [0.046598303956963016, 0.3649760791426822],
    [-0.366182141247079, -0.01283987721844431],
    [-0.19385039326596057, -0.022350820032102314],
    [-0.8101261992298693, 0.5653074559762162],
    [0.18684845276031928, -0.6997327390489635],
    [1.0658882115835173, -0.44593745391560563],
    [-1.0259008174802788, 0.48898797338319244],
    [-0.18624495295737858, -0.6078249779754185],
    [-0.3120159960899258, -0.5403522074555305],
    [1.424590279148613, 0.25335336823020216],
    [-0.8295929163890698, 0.7062758473634626],
    [-0.9874404611270173, 0.9248735242715],
    [-1.107752584519762, 0.4831149248618358],
    [-0.3886218488425542, -0.5372865387654002],
    [0.6634154625034981, 0.04366577795168436],
    [0.8844327556800121, -0.5437637989012357],
    [-0.5148953198819308, 0.7462859967375529],
    [-0.5868107371030947, 0.31329967923538343],
    [0.06549770862560543, -0.6353525853938672],
    [-0.8570898816188374, 0.7677519665509469],
    [1.292527773220967, -0.39996724280406504],
    [0.585352071361582, -0.07795907990792841],
    [-0.4428195272138201, 0.7287672370407668],
    [-1.71724775728656, -0.10119483542283807],
    [-1.1866571169342037, 0.42065233843490346],
    [-0.9576682992455336, 0.7275754788888833],
    [1.2668289100903494, 0.13229074212108227],
    [1.2933770558087756, -0.13760202983104663],
    [-0.1741738485778899, 0.46937982186501614],
    [0.12564662679428495, 0.4981881084590977],
    [-1.0210891380384313, 0.6397296383392974],
    [0.39186503440205567, 0.6973992974016441],
    [-0.5252582217573292, 0.21800504607245771],
    [-0.15265332013784372, 0.650910434225414],
    [0.37806715321505713, 0.22160871026300244],
    [0.46294847535656447, 0.26682059832974164],
    [0.388854057467832, 0.06541275409501295],
    [-0.07834062581896614, -0.45283187194123364],
    [1.322758115858744, -0.5218318187415614],
    [0.4124810146605492, -0.705586509653692],
    [0.17710561922294968, 0.5988408449750686],
    [1.4658284084265418, -0.2349006309219348],
    [-0.37173677073225236, -0.39314544561038206],
    [0.23361373056749213, -0.7829156782013665],
    [-0.5479641112162503, 0.9280219430234975],
    [-1.5966012031939973, -0.01838149493869278],
    [-1.4520838041757926, 0.0004621793746725257],
    [0.3332714614028891, -0.9399815429453491],
    [1.632376643633724, 0.07352196867996583],
    [0.45422732359433365, -0.7938127169303222],
    [1.3526289373069447, 0.04052171344429441],
    [-0.4841605906879332, 0.6837125592362917],
    [-0.05448765129645476, -0.5333861144580591],
    [-0.234656314229505, -0.3637025400921518],
    [0.20728446833583217, -0.7606087327940777],
    [0.10406281529532949, -0.5273218407122492],
    [-0.795125704314475, 0.4417219069312296],
    [-1.4915597226972792, -0.4332988562262662],
    [-0.3302429938178804, -0.43807300515190206],
    [0.4758689418024376, 0.09763220118419422],
    [1.2830804405939569, -0.03810405544190221],
    [-1.069655391443958, 0.838765881810813],
    [-0.03776069823487918, -0.518065837416313],
    [-0.045291640797083574, 0.5151685870539455],
    [0.2197421920627861, 0.5234141336071132],
]).reshape(-1, 2)
Y_TEST = torch.tensor([0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1,
    1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1,
    0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0], dtype=torch.long)
BATCH_SIZE = 16
# optlab's shuffled order of the training rows in each epoch (seed 4), cut into batches in turn
ORDERS = [
    [96, 23, 1, 79, 74, 89, 22, 45, 71, 8, 38, 52, 44, 4, 37, 69, 13, 62, 67, 11, 14, 88, 57, 42, 54, 3, 36, 93, 94, 61, 60,
     91, 97, 64, 53, 51, 18, 98, 87, 43, 75, 56, 50, 66, 47, 10, 31, 33, 29, 0, 20, 81, 26, 70, 82, 28, 80, 16, 34, 35,
     63, 83, 99, 48, 40, 85, 58, 17, 21, 39, 95, 77, 9, 24, 25, 72, 59, 5, 12, 19, 6, 27, 76, 65, 78, 2, 49, 55, 41, 90,
     84, 7, 73, 68, 92, 30, 86, 46, 15, 32],
    [39, 59, 61, 41, 51, 96, 33, 28, 75, 52, 49, 97, 5, 83, 67, 42, 82, 20, 68, 47, 6, 99, 53, 80, 29, 19, 62, 23, 18, 54,
     8, 92, 64, 60, 45, 90, 30, 22, 65, 89, 69, 17, 50, 7, 56, 36, 16, 21, 86, 13, 73, 40, 11, 76, 81, 31, 3, 25, 70,
     15, 72, 27, 34, 95, 37, 93, 57, 1, 55, 46, 9, 0, 43, 85, 24, 32, 58, 12, 91, 35, 71, 2, 44, 14, 66, 98, 77, 38, 78,
     79, 10, 84, 63, 88, 48, 4, 26, 94, 87, 74],
    [61, 54, 39, 73, 79, 14, 34, 25, 29, 51, 6, 60, 37, 7, 63, 58, 76, 26, 0, 5, 84, 89, 28, 32, 31, 93, 80, 43, 75, 62, 38,
     96, 45, 16, 94, 88, 92, 81, 42, 70, 52, 72, 41, 24, 9, 64, 50, 2, 33, 90, 23, 91, 48, 44, 3, 13, 99, 98, 95, 1, 87,
     67, 36, 74, 77, 22, 49, 17, 71, 85, 83, 53, 12, 86, 97, 65, 18, 20, 46, 19, 8, 30, 82, 78, 4, 21, 56, 55, 35, 68,
     66, 11, 59, 27, 47, 57, 40, 15, 69, 10],
    [5, 20, 67, 62, 89, 83, 80, 66, 31, 73, 95, 48, 49, 76, 54, 94, 28, 45, 50, 93, 70, 60, 34, 17, 84, 1, 46, 12, 47, 13,
     32, 15, 37, 39, 35, 22, 92, 36, 75, 51, 68, 53, 88, 44, 21, 7, 11, 33, 90, 59, 24, 25, 85, 41, 40, 74, 61, 52, 0,
     87, 86, 98, 26, 23, 16, 65, 18, 71, 99, 78, 64, 4, 55, 9, 82, 43, 96, 10, 29, 6, 97, 72, 63, 79, 3, 56, 30, 69, 57,
     14, 8, 77, 42, 58, 81, 19, 91, 27, 2, 38],
    [49, 46, 32, 74, 64, 44, 59, 57, 56, 41, 47, 55, 15, 93, 19, 54, 40, 26, 87, 76, 72, 21, 20, 43, 1, 67, 96, 10, 3, 66,
     45, 75, 6, 18, 8, 89, 5, 65, 78, 2, 91, 68, 50, 94, 17, 85, 84, 61, 83, 95, 81, 24, 16, 52, 0, 58, 63, 33, 70, 90,
     99, 39, 12, 73, 38, 48, 71, 35, 80, 30, 62, 98, 25, 69, 23, 34, 28, 31, 27, 29, 92, 36, 53, 4, 37, 13, 88, 51, 14,
     42, 86, 7, 77, 11, 9, 82, 79, 60, 97, 22],
    [61, 9, 43, 95, 91, 16, 2, 46, 22, 33, 26, 49, 42, 71, 96, 24, 54, 30, 56, 83, 88, 63, 66, 6, 58, 18, 25, 90, 79, 67,
     74, 17, 48, 36, 68, 31, 94, 97, 60, 14, 55, 3, 12, 4, 29, 87, 32, 53, 81, 62, 89, 44, 69, 37, 45, 77, 73, 5, 85,
     86, 75, 51, 11, 72, 57, 93, 10, 34, 70, 13, 47, 27, 80, 64, 78, 76, 39, 19, 8, 7, 1, 28, 21, 82, 50, 38, 52, 84,
     20, 65, 15, 99, 40, 35, 0, 98, 41, 92, 23, 59],
    [16, 92, 48, 83, 34, 11, 61, 18, 8, 60, 53, 24, 31, 3, 93, 58, 75, 94, 65, 64, 84, 17, 6, 33, 32, 35, 72, 98, 52, 82,
     99, 90, 39, 73, 81, 77, 87, 37, 78, 56, 44, 13, 59, 5, 91, 43, 88, 22, 7, 97, 30, 68, 46, 36, 57, 2, 41, 54, 50,
     14, 23, 79, 62, 1, 89, 85, 42, 80, 38, 47, 74, 45, 67, 10, 49, 26, 95, 51, 96, 71, 70, 86, 29, 55, 15, 19, 28, 76,
     20, 0, 40, 9, 25, 66, 12, 4, 27, 21, 69, 63],
    [75, 92, 15, 42, 46, 30, 64, 88, 84, 19, 81, 91, 9, 35, 44, 50, 36, 66, 83, 22, 68, 5, 95, 47, 52, 80, 12, 48, 76, 8,
     37, 93, 78, 31, 38, 40, 4, 26, 72, 97, 56, 59, 61, 11, 74, 16, 43, 1, 10, 99, 73, 17, 51, 24, 85, 62, 87, 25, 49,
     13, 0, 60, 23, 90, 65, 28, 55, 67, 54, 94, 98, 7, 77, 6, 70, 53, 3, 58, 32, 34, 39, 14, 18, 29, 41, 79, 86, 82, 57,
     63, 89, 71, 96, 69, 45, 27, 33, 2, 21, 20],
    [13, 83, 64, 0, 96, 7, 26, 12, 89, 3, 11, 31, 38, 1, 62, 68, 20, 66, 72, 29, 22, 8, 69, 33, 35, 45, 40, 43, 30, 16, 60,
     50, 78, 4, 28, 10, 82, 2, 18, 94, 65, 52, 47, 34, 61, 23, 54, 44, 99, 24, 80, 77, 76, 37, 71, 81, 36, 63, 21, 19,
     51, 32, 27, 42, 9, 88, 90, 97, 53, 93, 14, 58, 95, 41, 57, 91, 87, 6, 92, 67, 75, 56, 73, 46, 25, 59, 84, 39, 79,
     70, 74, 86, 5, 49, 17, 55, 15, 48, 98, 85],
    [5, 9, 85, 7, 1, 4, 96, 51, 48, 76, 69, 16, 36, 78, 60, 13, 52, 87, 61, 27, 74, 70, 68, 15, 58, 90, 80, 6, 35, 72, 29,
     56, 20, 45, 57, 95, 62, 82, 2, 86, 81, 50, 59, 43, 39, 53, 92, 94, 40, 38, 89, 93, 84, 10, 22, 88, 99, 23, 98, 54,
     47, 83, 91, 37, 55, 65, 21, 14, 3, 77, 24, 49, 8, 12, 44, 34, 0, 79, 46, 67, 63, 18, 73, 41, 19, 66, 75, 30, 33,
     32, 17, 26, 71, 25, 97, 64, 11, 42, 28, 31],
    [5, 20, 35, 18, 34, 32, 68, 59, 40, 81, 4, 57, 46, 72, 97, 73, 37, 23, 50, 1, 63, 8, 76, 25, 11, 10, 82, 33, 75, 14, 86,
     79, 27, 64, 16, 13, 6, 70, 51, 87, 92, 93, 60, 71, 55, 39, 19, 38, 31, 30, 42, 24, 91, 83, 77, 12, 80, 98, 56, 74,
     85, 95, 48, 67, 69, 26, 90, 58, 62, 54, 28, 36, 49, 53, 47, 52, 3, 9, 99, 41, 61, 89, 21, 78, 65, 94, 43, 66, 29,
     2, 22, 15, 88, 44, 45, 7, 96, 84, 17, 0],
    [49, 5, 70, 41, 46, 33, 54, 18, 30, 19, 73, 68, 90, 9, 72, 80, 76, 23, 86, 43, 45, 88, 55, 4, 44, 47, 85, 57, 75, 12,
     28, 65, 36, 7, 8, 94, 22, 99, 3, 60, 10, 91, 34, 26, 17, 66, 87, 77, 95, 93, 2, 39, 25, 20, 38, 42, 98, 53, 92, 97,
     6, 56, 29, 27, 69, 35, 52, 81, 15, 51, 58, 78, 1, 96, 79, 13, 14, 64, 40, 32, 24, 84, 0, 62, 74, 61, 37, 31, 89,
     50, 82, 59, 71, 16, 63, 21, 48, 67, 11, 83],
    [63, 83, 59, 9, 19, 80, 55, 90, 73, 6, 11, 16, 95, 24, 89, 99, 46, 58, 50, 70, 36, 86, 47, 15, 76, 35, 71, 88, 85, 44,
     82, 23, 64, 66, 12, 49, 22, 7, 37, 10, 62, 42, 33, 28, 38, 25, 87, 75, 97, 74, 29, 14, 72, 13, 8, 30, 31, 21, 91,
     27, 5, 54, 98, 52, 18, 4, 67, 48, 3, 60, 40, 39, 93, 32, 65, 2, 20, 69, 68, 81, 84, 34, 56, 57, 41, 61, 43, 92, 26,
     78, 17, 1, 79, 0, 96, 77, 53, 94, 51, 45],
    [43, 96, 57, 0, 89, 44, 15, 42, 23, 1, 33, 26, 95, 91, 11, 8, 52, 72, 40, 60, 69, 51, 99, 92, 22, 54, 79, 37, 94, 86,
     88, 90, 68, 77, 85, 17, 97, 3, 2, 39, 32, 70, 84, 24, 14, 76, 29, 56, 38, 9, 83, 65, 55, 5, 36, 18, 98, 73, 13, 27,
     71, 35, 64, 12, 6, 81, 82, 78, 80, 59, 46, 16, 74, 21, 66, 25, 45, 28, 50, 47, 67, 19, 63, 75, 41, 30, 20, 87, 61,
     48, 58, 62, 93, 34, 10, 49, 31, 4, 7, 53],
    [36, 21, 20, 29, 18, 97, 84, 35, 92, 27, 39, 0, 55, 91, 31, 60, 24, 95, 87, 58, 68, 77, 37, 50, 4, 85, 59, 56, 69, 89,
     82, 40, 45, 3, 9, 41, 17, 33, 78, 66, 51, 2, 83, 88, 75, 19, 30, 61, 10, 94, 25, 64, 8, 15, 86, 1, 42, 65, 44, 16,
     14, 28, 7, 11, 62, 54, 57, 48, 53, 32, 79, 70, 38, 23, 13, 80, 52, 81, 5, 71, 46, 96, 47, 93, 43, 49, 22, 73, 74,
     26, 76, 67, 34, 90, 12, 72, 99, 98, 63, 6],
    [92, 28, 80, 67, 10, 58, 13, 65, 77, 12, 70, 52, 76, 6, 50, 78, 19, 91, 33, 8, 95, 1, 55, 49, 96, 29, 64, 7, 94, 98, 42,
     46, 40, 84, 85, 20, 17, 18, 34, 87, 61, 93, 66, 26, 11, 38, 97, 74, 69, 25, 73, 56, 41, 75, 32, 21, 62, 86, 39, 2,
     59, 45, 79, 68, 31, 24, 54, 5, 35, 16, 57, 63, 90, 72, 22, 37, 53, 88, 48, 36, 14, 81, 99, 4, 51, 82, 30, 60, 44,
     71, 9, 3, 0, 89, 23, 27, 15, 83, 47, 43],
    [86, 9, 32, 35, 47, 49, 57, 34, 17, 94, 18, 56, 36, 11, 81, 99, 40, 7, 21, 45, 64, 58, 85, 82, 77, 31, 63, 25, 78, 16,
     76, 83, 93, 20, 68, 5, 28, 6, 80, 29, 92, 66, 22, 97, 15, 27, 26, 39, 1, 67, 89, 30, 88, 75, 12, 42, 90, 13, 10,
     37, 14, 60, 48, 71, 72, 98, 33, 4, 52, 2, 96, 95, 73, 53, 70, 19, 50, 69, 46, 91, 24, 74, 51, 87, 43, 84, 59, 41,
     8, 61, 65, 55, 3, 38, 0, 62, 54, 44, 23, 79],
    [92, 87, 78, 75, 82, 24, 55, 61, 69, 80, 97, 59, 30, 89, 46, 35],
]


# ----------------------------------------------------------------------------------------------------------
# The network: nn.Sequential(Linear, act, …, Linear); INIT is torch.cat([p.flatten() for p in model.parameters()])

LAYERS = [nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2)]
MASKS = None  # no dropout
INIT = [-0.4602587814868418, -0.5635621543047117, 0.17411600868888003, 0.024035747087244607, 0.4751475192198502,
    -0.33417628646878167, -0.11783127645337374, -0.597298097856846, -0.849230702638448, -0.041338179462132384,
    0.1868638455580852, -1.4503522537751732, -0.9120681858639941, -0.011393365183603453, -0.14292964674213376,
    0.24976671095647315, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.15758550791217363, -0.73816124298511,
    0.15107871456840924, 0.21763394750488996, -0.12118947607023337, -0.39638973266845806, 0.40037946419379555,
    -0.13519661072728467, 0.10079915332074703, 0.026435062759543354, -0.37503677951773745, 0.0020276189146545076,
    0.8023684252629463, 0.1260886975750032, -0.3670137846928112, 0.01565131396456, 0.35971420885299843,
    -0.2165151511761925, -0.6223520371728242, -0.03345835269185142, -0.1031825048355726, 0.34950521371267923,
    0.1556697589230021, -0.02641888927424901, 0.0400102079629204, -0.2436441570624044, 0.38495454285578146,
    -0.3206888568325487, 0.42423257089595934, -0.2912534449122507, -0.6615525604965101, -0.29416795652483035,
    -0.6441422244244044, -0.23019349524485738, -0.11693758317436714, -0.2875315337140235, 0.41138707721278134,
    -0.39599587963560273, 0.002153392786340976, 0.30117886759141965, 0.19762749030537474, -0.19525889060332158,
    0.02585524029268736, -0.8615426971954305, 0.0685324793806023, 0.0545860357143389, 0.13306716965034165,
    0.33310644889709107, 0.22844082904308144, -0.043217137671276745, 0.12295084720110067, -0.6520529024656836,
    -0.11649307407977552, -0.08682422652002804, 0.16193238754234793, 0.023470040611122865, 0.0907448332731206,
    -0.46403101695387344, -0.10875046030422132, 0.19055418981220595, -0.37071202745407117, 0.07163141548196944,
    0.3636888864254778, -0.163282350481537, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.12870510922350714,
    0.5249469230702791, -0.43951208861438634, 0.004821315677181345, -0.11080944590412356, -0.12301236754900631,
    0.4494118160182386, 0.02130738669665292, 0.061330482936326584, -0.22270044116748966, -0.6731876822239108,
    -0.10889163701026242, -0.4193868160914127, -0.615482482528606, 0.46806833124963454, 0.4645719545990162, 0.0, 0.0]
criterion = nn.CrossEntropyLoss()


# ----------------------------------------------------------------------------------------------------------
# The runs: each `build` makes the optimizer (and its schedulers, stepped once after every step)


def build_0(model, params):
    """Run 0: adam."""
    optimizer = torch.optim.Adam(params, lr=0.02, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False)
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=120, eta_min=0.001)
    stepper = Plain([optimizer])
    return stepper, [optimizer], [scheduler]


RUNS = [
    ("adam cosine", build_0, 120, 10),
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
