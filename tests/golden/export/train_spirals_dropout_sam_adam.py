#!/usr/bin/env python3
"""Exported by `optlab export-torch` from a training spec (2 run(s), 100 training and 100 test rows of 2 features, 2 classes, seed 5).

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
    [-0.0936385248771287, -0.6465095739343379],
    [0.34132747937041685, 0.47559590235135574],
    [-0.2709266385827549, -0.18277929918429417],
    [0.806872939573885, 0.37737747058060866],
    [-0.02771103364716584, -0.050796496004561084],
    [-0.731965358280015, 0.4183386048909438],
    [0.8644268206356479, 0.3682685942914395],
    [0.5567346374795352, -0.45175545354411895],
    [0.19956291656977773, 0.6477506330802238],
    [0.511452075538928, 0.4032997062524862],
    [0.07849725835690875, -0.42604076872776475],
    [-0.7942440098299008, -0.43282030699966545],
    [0.32461852206431363, 0.9528875663775174],
    [-0.7802341587516716, 0.2310990682396382],
    [0.1114631357195726, 0.1558326494071209],
    [0.49038668719270606, 0.11631623653934789],
    [0.2111590466049089, 0.24233655890369427],
    [0.014969867112081578, -0.3852871679751122],
    [-0.6081052770888242, 0.5223983953799272],
    [0.8082296384915911, -0.3024381969932104],
    [-0.3442135136267305, -0.08865765856388112],
    [0.0066860297426563076, -0.3070772761709701],
    [0.19170172015601464, -0.1268951228359078],
    [-0.3023679692476115, 0.4147104524256049],
    [-0.32543407976967526, -0.5891004399004369],
    [-0.056667476342388515, -0.6097440356183162],
    [0.2973374762846367, -0.3101870530449158],
    [0.01932072385247906, 0.11980072615283952],
    [-0.11275023486260821, -0.395313415045034],
    [-0.003323787422273107, 0.001872792388833526],
    [0.31070625004839314, -0.05397633475730892],
    [-0.20997829667593687, 0.3689479339540129],
    [-0.15212670892708116, -0.3906708124252929],
    [0.7388245235693401, 0.43885342899057533],
    [-0.20591413785721768, 0.7407248282804688],
    [0.29719465574169496, 1.0236684191619272],
    [-0.2211561289848209, 0.01965804413648529],
    [-0.7131618581125806, 0.3229817902276512],
    [0.05106623375699609, -0.1143138576389548],
    [0.12460422055924578, -0.7626174648403966],
    [0.4662905715745565, -0.47674486326888177],
    [-0.0393036013117358, 0.20655030237481092],
    [-0.6647569374643113, -0.6443982622963035],
    [0.0017953159156158804, 0.13603048711162938],
    [0.5093297382832063, -0.21428041641576812],
    [0.35392661398690783, 0.10155946101243435],
    [-0.4522636079860467, 0.6403419451781666],
    [0.2637176252085615, -0.4949457945562781],
    [-0.2047175184398507, 0.4369065164196353],
    [0.10244285987429555, 0.07351717796385625],
    [0.8385783844545507, -0.10833891227964772],
    [-0.401604708562229, 0.2831998880067541],
    [-0.13580199998157252, -0.9090282328336224],
    [0.33008728558681655, -0.648281873293757],
    [0.008050548055617529, 0.389059355753356],
    [-0.2685137874732332, 0.03866773759478806],
    [0.8605270534466847, -0.1438568495314459],
    [-0.20763318309599996, 0.06566132654916097],
    [-0.5684700538023333, 0.14292963864470226],
    [0.07511783997659496, 0.06742289321525724],
    [-0.3171106194419308, 0.35793610454985986],
    [0.06804650952247249, -0.003114622261231965],
    [-0.03810280269899706, 0.05317997257167895],
    [0.11545764722659535, 0.5159902710261826],
    [-0.22761030169531946, -0.38708245368401495],
    [0.48196626425776184, -0.05128832162750398],
    [-0.0037485719001914553, 0.4767216256976791],
    [-0.00771201163506928, -0.10469601801437792],
    [0.8462366692669873, 0.14415201593055396],
    [0.873119137697441, 0.22875342998415277],
    [-0.23556530922990332, 0.2302157478546315],
    [-0.395487339567111, -0.44941828684644436],
    [0.11158218787332581, 0.1482812478675043],
    [-0.7124923915953695, 0.41781025664758925],
    [0.38724562615640384, 0.8480440201072276],
    [-0.768709301088897, 0.10222596280359628],
    [0.45073544457938375, -0.6313725706296709],
    [0.27873422379700863, 0.13402130700430973],
    [0.02357565192916306, 1.0338494759732997],
    [-0.8636034430995055, -0.40877978850459235],
    [-0.4711957593017473, 0.21570583929894377],
    [-0.8724504341411459, -0.06776574847079973],
    [-0.8057890637114665, -0.24296172474565286],
    [0.026489718479216624, 0.2611907042934315],
    [0.25944671001717323, -0.08523429716027305],
    [0.4670471197772303, -0.1936131221373233],
    [0.04775600042137918, 0.019800632806057598],
    [-0.5675124013125268, -0.5937559193875298],
    [-0.5212233520488931, -0.3610479118928557],
    [0.17095645222170397, -0.7882513859237983],
    [-0.12876733653132433, 0.4285483745724683],
    [-0.7921755338191838, -0.03002107162990962],
    [0.4720743742339204, 0.6818388557515743],
    [-0.0626531470715859, 0.2226924013198502],
    [0.4440093395067547, -0.19683436884182384],
    [0.025056339439343628, 0.03385183185306248],
    [-0.2860555959458929, -0.0881292116019548],
    [-0.2874681807742968, -0.6462915397587992],
    [0.1252257262940998, 0.6741129773674208],
    [0.2681395674617082, 0.16886982660601785],
]).reshape(-1, 2)
Y_TRAIN = torch.tensor([1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1,
    0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 1,
    0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1], dtype=torch.long)
X_TEST = torch.tensor([
    [-0.48245619890186114, -0.38876810168872433],
    [-0.03965575605700091, 0.7715225639478225],
    [-0.3130131624706412, 0.422034265126381],
    [-0.523596883075477, 0.5227719037941223],
    [0.15071595386640094, -0.40023315321143565],
    [-0.13049505006528972, -0.05555056129043535],
    [-0.09104681557481256, -0.07783907599125325],
    [0.5157599783134796, -0.034382198654036064],
    [-0.13490731631936706, -0.12039806089824187],
    [-0.9485947151229417, -0.07973776337486853],
    [0.14323679736825157, 1.0218669833100205],
    [0.33064584560244126, -0.3234094636139145],
    [-0.03415639592473255, 0.03188388039561873],
    [0.29730614972324176, 0.11924649429084838],
    [-0.16206923106730264, 0.1580839861192609],
    [-0.057293871822174006, -0.015214757269349996],
    [0.6221300518610886, 0.16538376624918405],
    [-0.2106840491248301, 0.10143850095832571],
    [-0.0737880871678792, 0.7070790351387476],
    [-0.1877101856286661, 0.025823703417450328],
    [0.26801312834641555, -0.7294210350462961],
    [0.7824731540816283, -0.009759926391840739],
    [0.28710823329939517, 0.2320871695247654],
    [-0.22738267838741652, -0.5598039482428765],
    [-0.07071154848487801, -0.06533778344364566],
    [-0.27601717020572747, -0.2732996645626149],
    [0.07024565370270458, 0.4470095884038934],
    [-0.6104508861315542, -0.035871221138550555],
    [0.20337375278078157, 0.23757336549852234],
    [-0.41729575625312604, 0.29997902126902215],
    [0.6148945678543556, 0.007972873262912157],
    [-0.06342050602755481, -1.0521423691648242],
    [-0.2752003155292989, -0.8631708432243907],
    [0.7270193631891821, 0.6053927861314515],
    [-0.0367984307539648, 0.17268381348093173],
    [0.47015726526085294, 0.8742137224527495],
    [-0.2702487488169557, -0.010951080063170117],
    [-0.6184428515123137, -0.03880958466635654],
    [-0.07264917190257728, -0.08996693009874329],
    [-0.4608197456097913, 0.6675497598252047],
    [-0.002492499055190285, 0.11876545574592394],
    [0.5351434919880106, 0.4479397016252274],
    [0.08970673360847164, -0.7523392701940985],
    [-0.5339570967931592, -0.7481817607688873],
    [-0.5041626102989467, -0.1309461390017541],
    [0.10209192692236077, 0.3676259194995007],
    [0.1554510414096651, -0.02791385000844966],
    [0.8225328594018894, -0.26749912801218645],
    [0.12384465462441493, -0.17205194807420854],
    [0.5183897483585894, 0.30730326396671437],
    [0.0031329211518343683, -0.032047123447354824],
    [-0.027787652942827742, -0.03866553285880649],
    [-0.5514563609893678, -0.7854117699497895],
    [-0.5054157082205197, 0.12691362565424721],
    [-0.4947774902983265, 0.25579712225148354],
    [0.16654609747524027, -0.3768732736597634],
    [0.4380079480013132, 0.3489320024359572],
    [0.025168197332132776, -0.1816968783922188],
    [-0.3606344196094644, -0.7985143052253504],
    [0.03872785887627356, 0.0770627586788882],
    [-0.02707652041778632, 0.055425841220079756],
    [-0.6912683761465583, -0.16969339487583007],
    [-0.05893169870692387, 0.10239318580521675],
    [-0.048888386548223875, -0.002290735222609682],
    [0.17214499104291886, -0.11538483036650032],
    [0.4942674629970777, -0.08831518971683497],
    [0.25807312538678245, 0.22162747697029983],
    [-0.17511585714899108, -0.9887644657835597],
    [-0.3201641446204534, 0.7259283334597332],
    [0.31335948050276285, 0.6278381865987259],
    [0.1414502389668545, -0.10388437758778261],
    [0.18570318506116756, -0.1622307681286794],
    [-0.273474214285853, -0.3232781639141812],
    [-0.2591610043728638, 0.19875706932355341],
    [-0.476623021342815, -0.4911701894325053],
    [-0.08686534926123049, 0.668373973084448],
    [-0.09613344516752936, -0.4503348696330019],
    [-0.013872763275691681, -0.4551975985488581],
    [-0.07203901187673059, -0.17927117281078508],
    [0.5927909038146032, -0.4760191583440102],
    [-0.13279298537125203, 0.3520813642683485],
    [0.47105864949166115, -0.603411342318457],
    [0.6884950163868773, 0.701948689476379],
    [0.017882655884463416, -0.18168233630758665],
    [-0.34301263376191354, -0.11618613588475113],
    [-0.7218910703910256, -0.402807164762161],
    [0.0674880818775091, -0.7693096429679241],
    [-0.6357117595699703, -0.21770105278192325],
    [-0.18709895379413596, 0.138215981358101],
    [0.47833531926406975, 0.3143178822448193],
    [0.3006361941108151, -0.05648414892107586],
    [-0.14206492550893932, -0.0989631996345358],
    [0.3016781735451028, 0.5457381958607199],
    [0.07535198277783894, -0.12875178485307623],
    [-0.10376152774675915, -0.3953189454040311],
    [0.7085453395260451, -0.443852154986991],
    [-0.2865412606820524, -0.3147282233572497],
    [0.0925461908306833, -0.09809798388617896],
    [0.29551616879640624, 0.018253066699174772],
    [-0.19612393979531512, 0.009031111489901607],
]).reshape(-1, 2)
Y_TEST = torch.tensor([1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 1, 0, 1, 1, 0,
    0, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1,
    1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 1, 0], dtype=torch.long)
BATCH_SIZE = 16
# optlab's shuffled order of the training rows in each epoch (seed 5), cut into batches in turn
ORDERS = [
    [4, 35, 42, 18, 69, 21, 99, 88, 97, 43, 47, 96, 53, 37, 0, 95, 94, 19, 3, 2, 59, 98, 51, 65, 62, 31, 15, 82, 34, 87, 24,
     63, 83, 1, 40, 86, 77, 20, 22, 57, 58, 92, 60, 38, 81, 91, 28, 93, 32, 8, 52, 44, 78, 30, 73, 55, 45, 64, 29, 84,
     11, 23, 7, 26, 49, 14, 41, 66, 9, 90, 89, 68, 25, 56, 67, 76, 36, 61, 46, 5, 27, 72, 70, 12, 54, 79, 85, 6, 13, 80,
     75, 39, 50, 48, 16, 17, 10, 71, 74, 33],
    [41, 28, 95, 19, 24, 86, 84, 83, 79, 62, 5, 6, 39, 49, 1, 59, 73, 18, 16, 56, 72, 85, 98, 60, 50, 99, 21, 93, 9, 29, 44,
     74, 71, 67, 3, 23, 10, 20, 97, 26, 57, 45, 88, 52, 12, 40, 35, 78, 11, 58, 2, 82, 8, 87, 94, 96, 7, 69, 70, 13, 51,
     38, 25, 34, 33, 0, 46, 89, 75, 36, 55, 4, 77, 65, 53, 31, 68, 81, 63, 27, 15, 66, 32, 22, 92, 80, 17, 14, 30, 37,
     48, 76, 47, 64, 90, 91, 43, 61, 42, 54],
    [44, 53, 83, 81, 13, 41, 54, 34, 56, 5, 60, 68, 88, 29, 16, 27, 21, 36, 42, 76, 93, 33, 19, 32, 70, 75, 43, 85, 79, 67,
     17, 47, 69, 80, 3, 48, 84, 8, 77, 9, 59, 91, 11, 22, 65, 92, 50, 57, 97, 61, 90, 18, 0, 82, 55, 62, 86, 74, 72, 28,
     39, 12, 10, 38, 7, 1, 25, 94, 49, 2, 99, 31, 26, 20, 37, 52, 6, 71, 51, 78, 63, 30, 45, 35, 89, 24, 14, 23, 66, 73,
     98, 64, 95, 15, 58, 46, 4, 96, 40, 87],
    [13, 39, 91, 30, 17, 85, 25, 94, 2, 12, 7, 11, 65, 20, 1, 82, 21, 61, 56, 6, 69, 95, 46, 74, 51, 57, 79, 92, 28, 45, 75,
     96, 84, 43, 83, 35, 72, 86, 42, 76, 88, 50, 73, 36, 54, 67, 9, 64, 10, 37, 27, 90, 68, 99, 24, 26, 14, 19, 47, 5,
     48, 32, 49, 4, 63, 62, 52, 8, 33, 29, 93, 3, 80, 60, 16, 15, 31, 0, 98, 18, 66, 40, 58, 77, 97, 55, 44, 81, 87, 34,
     22, 78, 71, 41, 59, 23, 89, 38, 53, 70],
    [97, 96, 30, 35, 85, 24, 83, 67, 34, 63, 82, 54, 31, 79, 29, 42, 10, 21, 25, 20, 92, 38, 17, 51, 64, 84, 68, 69, 76, 53,
     28, 98, 0, 62, 56, 77, 94, 18, 93, 61, 45, 37, 48, 15, 58, 47, 66, 95, 13, 60, 3, 33, 19, 74, 11, 26, 23, 46, 50,
     6, 1, 44, 99, 43, 71, 90, 88, 9, 39, 27, 55, 81, 12, 14, 49, 91, 2, 8, 36, 4, 86, 7, 5, 59, 87, 32, 40, 89, 80, 52,
     41, 78, 57, 16, 22, 75, 72, 70, 65, 73],
    [87, 78, 23, 37, 62, 96, 95, 9, 7, 19, 12, 38, 29, 46, 58, 10, 63, 6, 17, 72, 88, 26, 92, 20, 48, 28, 81, 56, 76, 43,
     13, 32, 15, 57, 41, 64, 69, 97, 84, 71, 18, 86, 0, 79, 93, 60, 49, 90, 50, 25, 33, 2, 99, 21, 68, 45, 94, 77, 74,
     80, 22, 44, 98, 83, 31, 54, 91, 75, 30, 82, 14, 55, 40, 61, 27, 65, 39, 85, 67, 35, 1, 5, 16, 73, 3, 53, 4, 42, 24,
     89, 52, 36, 59, 47, 70, 8, 34, 51, 66, 11],
    [57, 6, 78, 43, 25, 60, 21, 92, 12, 51, 81, 76, 65, 53, 70, 32, 94, 71, 88, 0, 69, 74, 82, 37, 47, 8, 45, 18, 14, 68, 7,
     73, 24, 96, 22, 80, 5, 9, 63, 89, 87, 84, 86, 20, 40, 64, 93, 17, 52, 77, 90, 34, 75, 3, 41, 10, 49, 13, 26, 99,
     29, 4, 16, 30, 33, 62, 61, 35, 50, 72, 42, 67, 98, 1, 95, 59, 19, 15, 27, 11, 31, 54, 66, 55, 83, 36, 46, 97, 39,
     48, 23, 2, 44, 38, 79, 58, 28, 56, 91, 85],
    [55, 59, 72, 2, 97, 66, 38, 82, 49, 61, 98, 87, 21, 34, 96, 62, 58, 48, 0, 76, 42, 83, 26, 40, 30, 86, 13, 94, 53, 5,
     24, 91, 85, 8, 37, 84, 57, 10, 17, 89, 70, 68, 9, 7, 79, 12, 19, 32, 45, 51, 78, 39, 75, 92, 77, 50, 47, 6, 46, 69,
     4, 81, 28, 35, 1, 23, 93, 52, 71, 27, 14, 25, 63, 73, 95, 18, 44, 88, 64, 31, 3, 99, 43, 11, 74, 67, 29, 54, 65,
     33, 16, 15, 36, 56, 20, 90, 60, 22, 41, 80],
    [18, 48, 46, 94, 68, 93, 72, 65, 41, 29, 86, 33, 77, 71, 5, 67, 78, 40, 74, 6, 13, 89, 44, 4, 42, 60, 55, 2, 96, 59, 81,
     32, 20, 79, 61, 25, 9, 22, 58, 16, 27, 21, 92, 53, 97, 14, 43, 70, 37, 82, 88, 95, 90, 50, 80, 83, 75, 99, 63, 49,
     34, 3, 73, 15, 45, 36, 24, 91, 0, 69, 62, 35, 85, 19, 1, 8, 52, 87, 12, 66, 54, 30, 84, 10, 56, 17, 76, 64, 11, 39,
     57, 38, 51, 26, 98, 28, 23, 47, 31, 7],
    [51, 67, 28, 80, 68, 20, 26, 6, 49, 89, 63, 5, 74, 41, 79, 97, 61, 87, 38, 22, 14, 0, 83, 31, 58, 44, 62, 86, 1, 48, 59,
     9, 52, 56, 46, 13, 34, 93, 78, 4, 94, 27, 53, 75, 54, 96, 39, 76, 30, 11, 72, 43, 64, 17, 82, 85, 40, 69, 45, 90,
     15, 47, 73, 16, 24, 50, 55, 91, 12, 99, 10, 29, 25, 33, 36, 3, 92, 8, 18, 57, 95, 42, 23, 81, 7, 2, 88, 70, 98, 65,
     66, 37, 71, 35, 32, 60, 19, 21, 84, 77],
    [74, 96, 92, 16, 22, 67, 97, 53, 15, 9, 17, 98, 24, 44, 25, 4, 83, 6, 72, 76, 60, 78, 50, 63, 45, 87, 43, 27, 23, 11,
     35, 73, 71, 8, 57, 95, 0, 3, 75, 65, 90, 99, 40, 34, 47, 52, 20, 85, 61, 46, 42, 49, 68, 10, 81, 91, 37, 36, 58,
     88, 84, 51, 30, 28, 31, 80, 41, 13, 64, 38, 48, 33, 32, 55, 77, 39, 2, 12, 18, 66, 1, 26, 19, 54, 7, 14, 69, 59,
     89, 29, 21, 70, 79, 94, 56, 86, 93, 82, 62, 5],
    [51, 95, 5, 7, 77, 61, 3, 89, 8, 1, 73, 59, 0, 10, 15, 96, 92, 72, 48, 83, 23, 42, 97, 57, 67, 99, 37, 22, 26, 53, 75,
     69, 4, 2, 52, 12, 84, 80, 16, 64, 71, 18, 40, 25, 91, 65, 41, 87, 76, 30, 60, 9, 14, 31, 81, 78, 63, 54, 88, 49,
     44, 82, 20, 93, 19, 86, 34, 98, 56, 38, 36, 21, 85, 62, 27, 79, 32, 45, 47, 28, 35, 13, 24, 39, 58, 11, 55, 90, 33,
     70, 66, 29, 68, 6, 46, 74, 50, 43, 17, 94],
    [74, 76, 7, 10, 44, 19, 57, 8, 26, 31, 64, 73, 67, 75, 97, 91, 70, 30, 96, 27, 4, 34, 81, 15, 35, 88, 36, 12, 20, 87, 9,
     23, 56, 84, 80, 0, 92, 2, 71, 68, 51, 65, 38, 93, 16, 17, 52, 77, 25, 99, 48, 42, 72, 86, 40, 47, 58, 41, 22, 69,
     39, 29, 78, 50, 53, 13, 32, 3, 5, 83, 79, 95, 24, 46, 28, 14, 1, 33, 61, 49, 62, 59, 98, 85, 37, 21, 54, 94, 89, 6,
     63, 60, 90, 66, 55, 11, 45, 82, 18, 43],
    [81, 20, 7, 77, 92, 48, 36, 88, 99, 49, 37, 61, 17, 8, 29, 30, 6, 40, 54, 51, 25, 39, 35, 97, 38, 62, 41, 59, 1, 71, 26,
     74, 75, 50, 4, 83, 68, 34, 94, 60, 32, 2, 52, 63, 16, 72, 22, 98, 0, 21, 19, 69, 86, 33, 23, 78, 42, 18, 84, 76,
     58, 93, 64, 70, 43, 15, 90, 67, 11, 79, 85, 14, 44, 13, 9, 55, 5, 57, 66, 95, 10, 80, 87, 82, 96, 31, 12, 47, 91,
     56, 28, 53, 65, 46, 3, 73, 27, 24, 45, 89],
    [25, 35, 33, 72, 67, 3, 61, 71, 79, 21, 27, 10, 37, 28, 59, 94, 12, 88, 69, 75, 5, 76, 98, 14, 40, 16, 43, 57, 38, 91,
     90, 86, 11, 66, 80, 50, 97, 84, 95, 42, 58, 32, 19, 68, 47, 64, 54, 55, 83, 24, 1, 36, 56, 41, 82, 77, 22, 8, 6,
     15, 74, 73, 30, 23, 17, 2, 46, 51, 20, 13, 93, 87, 92, 85, 62, 96, 34, 52, 0, 26, 63, 99, 89, 31, 29, 81, 78, 39,
     53, 18, 45, 60, 48, 9, 44, 65, 7, 70, 49, 4],
    [40, 47, 96, 81, 84, 57, 37, 25, 90, 67, 33, 39, 59, 8, 26, 12, 17, 74, 3, 22, 60, 5, 9, 98, 76, 85, 55, 78, 82, 41, 56,
     97, 36, 44, 15, 35, 11, 61, 77, 0, 75, 65, 69, 51, 54, 45, 88, 70, 20, 42, 93, 21, 4, 64, 63, 73, 38, 89, 6, 30,
     48, 71, 72, 95, 16, 13, 7, 50, 91, 34, 86, 2, 14, 31, 23, 92, 46, 29, 83, 58, 19, 62, 66, 28, 52, 99, 27, 49, 43,
     1, 24, 80, 87, 68, 94, 79, 53, 10, 18, 32],
    [38, 86, 34, 57, 93, 2, 87, 96, 74, 46, 83, 50, 21, 62, 33, 10, 67, 49, 51, 25, 66, 79, 45, 27, 9, 7, 19, 20, 40, 48,
     98, 73, 63, 18, 65, 0, 3, 70, 28, 26, 75, 54, 82, 80, 52, 42, 12, 53, 16, 4, 23, 22, 5, 24, 95, 1, 56, 77, 29, 47,
     37, 69, 60, 68, 55, 41, 36, 97, 13, 32, 92, 8, 17, 39, 44, 72, 84, 81, 76, 61, 14, 90, 94, 88, 78, 11, 71, 99, 91,
     89, 15, 64, 59, 35, 31, 58, 6, 43, 30, 85],
    [36, 89, 44, 24, 98, 13, 67, 91, 23, 41, 50, 68, 46, 57, 37, 53],
]


# ----------------------------------------------------------------------------------------------------------
# The network: nn.Sequential(Linear, act, …, Linear); INIT is torch.cat([p.flatten() for p in model.parameters()])



class MaskedDropout(nn.Module):
    """nn.Dropout(p) after a hidden activation with optlab's mask of the step: `input * noise` while `noise` is set
    (a training step: set_dropout in the loop below), the identity otherwise (evaluation, as model.eval())."""

    def __init__(self, width):
        super().__init__()
        self.width, self.noise = width, None

    def forward(self, x):
        return x if self.noise is None else x * self.noise


LAYERS = [nn.Linear(2, 16), nn.ReLU(), MaskedDropout(16), nn.Linear(16, 16), nn.ReLU(), MaskedDropout(16), nn.Linear(16, 2)]
# dropout p = 0.3: optlab's mask of each step (its own ChaCha8 stream, not torch's generator), one hex string per step: the kept (1) and dropped (0) units of each row of the batch, hidden layer after layer, four to a digit
DROPOUT = 0.3
MASKS = ["9ffceffafcfeffdb25f2dff9daffffb5fb94eefbb7b2feab3cd6f7cd04befeddb7f52e1fbf70ebe87ff1eddbeefdee7da2acbfff395936766aae436b7edeea96", "d7ffd5fef73765d72e7f3ffdef7f72fffefbaefb677ffa57eff6fffe05bdfcd8eef5a7bfb53fbfccdbedf4e57ffff19597b1f58ddc4789fd3d7e79deaf40eebd", "9b5ff9eb16cb95fdfffb9587ff7d2ffd356feb51d9f3ddffbeccff8595e8bed24ca7ef3dfe4bf3fae74df5d7ff3d7dd6bf5f626fffe3ffd6efdff9f7ff66b8f5", "ffda5776e3c2bbdbf3b666ccbf2df7ed6c8ac6faf90befb6fcf9e47d67fdbf1f5e7164ffe7d7fffcef5cefe9efc69fa6bebfe4a8fffb3e75b2addbdffa74567f", "affefdd6dde2c18fdf7f79eedc6e27fe0f0e7ebf9fe5af7dbd5eee7fb4fcbd1efa53ffafaafb1ffffbbcdd6e538fcf7bfaff8787fbfdef5feffbab7f3ee1edcb", "83adfda35963dcdffe7a3ffd3b2b73bfbbfffccbddfbccef0ddbeffdc9729b50fbf9dd6efa4b76bfada4fd7f2d4f7fd5bf1ebf87fffcc4dfbf7fefebdfaeb2ea", "36dfe77ee799f93d16b4ffd3ff7bc9e7", "2de9bfeeb51edfbfcfef15e6ffdb7bfbc667cdfd6bf7abdff53ff0fff67223abae67ec8ff7d359c9b273647deefbaf479bffc799f1e7fff6d3b67f7ee6d6f7e2", "fb2ff5fed79c7e57e75bdcff7eef6636eefbf7fff3ff77fef2fdb91bf3adbd7fde27ed3675f7c39f3e59fe7855745fdf4cffdfd8c4f59ef78f6e8a78eb7d1ad6", "6fedf7d1be7bf3eff5ffffe1bcf6ff39f768ffcff5fe7d7dfbe5d777853e7fcb7bdf27fef1dbfeacb3dd6d1ef3738f369f7f7c7fbf7daf6ff7ff7677fe7cbdfb", "fdfee6b9ffeac6ef5fbfb58ba19ecdf4feffdefdff76ffde7d1ffeefbe7ff6bf9df7dbffecf7f5eff56ffeb3d8fcfdce7eb7def3b9bffeff85fff4dfe7ef80ff", "ddd73fff4dffadafbe4cdfbfed7b9b5d5ab5efbedf8eb3dcfc6bdcbefcb5f857a1ffb9ddfbfbffdb79ffbde48bb766ffae0bf89ba7bfd45f7f9feb69e6d4fdf3", "7d9fdfbea36f0fff5dfa7b57af8d3f42f5c0f9d7faf7fdfbdeffb93ffbe7e5ddafbfaaebfefafef9fd03fef9fd2dedfd1a3d977f7f1d9f799ffde7beb7f76cba", "976f6bb75757cecfeedfb56ebadf47a8", "efe91dff2bc227ebe7bdecc36d39ffa99879f0fff5ef5df5f3b2ff2b7f7f14f7eb6b59fefdada37dbfe6ec34be036ba3b1bf0b7778feeffecfd70cbfeb414dff", "dd796bfbb6ff3ff5edba2f29bef3fab85dff7e8bffbbf1fffd336cf2d8be777bfbf9be7d8f6ccf3f2df7fffdb2f5f9df6b5ff973e9febfdd0b776fe996bcff73", "fedbdfbae36eed7f386be7ebf9f5a25fff9dfbfeeffb675bcd9c36936fff4fffd7cefb48fe3d599ffe757d821b9676d5e5b463dbca7fc5bddf848fa35ff7b27f", "cf3ffffff1ff686ccf79f7ff5ffeeeb79bfd8abfd7a7f9d4f5617affcefd99fffffde667feb9ff5ab31d9c2c4af5dff795fdd4f7edfa7eff7bf7f1daca6790ed", "9fd67c263bc6deed7becbadff46fff26a91bcffb1bf76ddf53a73f6f75aec8e41cfc87eab15fd0f966feffe6db79bfcfff99cdefdaea3b98575aff8f35d9a7d7", "b77f3ffb7bb7cf3fddf0ff5fe5b77fdefee9bce1fb73badec7a5fbf5ebbeb3eb6e7e74e9f2fef9e7ff99edefcda77f3ebbed7f0cff7feebbff1abf7df247ffde", "fb7bfffef2fdbdc12dcf05beedfff6e3", "fdff9c64fbdfebf7f9fbbf45d0ffabca7f9cf78d0ff5bad4c9aceff6bf7276fef80dfebb9f559c799b6f3bdffef39bf9c4757d8d997fbefeffe3f5aff4fbfdba", "473afeb8c6e993fa9dbfcffb2d7adff96fdce13ffcff5f9fddefffedd712cf3ed457b32fd79ddbb58ea52cdfadff759e9efd63ff633dfbff7ff5bfae7bfceef5", "cff6fb7d7bf5faff6a7df7a7a7f3b7df7f2ff6ddcbced6bb9b2cbffd55cff7aed0f1eed7e2b7db9ddf7c74bff7f6dfbf779ebbe3ba39fda8eddbdff7fef79ec7", "ff952fbdaddcbdf67cfbfae94a76ffdb6c77fb7ffdf6fbf97afef3b3f9d3be7fdfde79efe6e7cdafe577fe7776fffa57da963f6fe67def165fd75d9affdff23a", "50f5fbecfdf7b477f77fb736f1e7f6cbdf39355fffcefbf6e641dcfd7afe3d6f67fb5faba3fb89afbdb7ddeefac6eeeabff57f7f4fef7f89f617ecffbff6cbbe", "9af1b6befea7e58fc4ffd98538fdebfedfdfddfcbeafb7dc7ffab7bf7ff37e7f56076ba74f375debdb7ef6f56febec7b79f6ffeaf4fed6ffd6df2f6a9e89ffa5", "e933b7873f44ff7fee79ff6768bae3db", "b15bffbfdffffa77dfafbe697fed6dbbe5f7fbfdddfabd5f72617ebb94ef37fd8dfa60d687fd7bcfb765bdbfff37ecbe7e61a9bddfce3cb37dbefc7e1ea9ecaa", "d5827b52c2f1cfefb2f9dcddfcd99aed47dfcfbf79b9dba7ce6e7e77eb27326f55bcf2828ec7f2e7ebacf1a1e86bbbabfbe8fc9fec3fffebdffcbbbde96bf7fd", "ce27f97ef6c9fff0f832daca7e1d0975fb9617fe7fffbf8e1fc3fff7c72c979f7fd72d7a717ede7f33d34a3e3cfe5de5f77726c0afebfdefbfe72f7bbf8ffddf", "c43b13f9bd3b5b569e774eea7e6fca36f27bef4fabe76f685faef99daf3ea717dacbfcf6f3be652efd7d6f37f7dd8caa7fbffd7bdafbffeeffaf97c2fddffbae", "5f48fd6eeaf3fefefff2b6fb1037eab9c9dfdeeebfcf77e67db2a97eff3f71f9d7dba9ee3ffe2c7edc252fe775cdb4d3ffadddedaefce5e5fcbfe5bf3fec6db4", "e79a69fef0dc9f775da7f7e7af1ff3f5fef760fdbff7b51ffdb2cf7ce13e776ff2ffb6bfe3f38f5f2b443fb3eb7fff771ee37aed4e9ff6b673f871fb9fd6ddfc", "3fe1ec3effdf55774bedcd6f3b35e3c3", "7fbffe312db37f75fbf6df6fcc5af5ff2fcfe56dbbbfff7ffcf73b9fdef5d4bba5bd67f6fbbfbffdea33cffa9ede965f97a9ecf29fd5d35fd58671f15ff6eaae", "bbfcf7ab9feda9f3aff95bd8dff4fb0df9ebeffffbc6fbf1bf6fffc2fdc2ff6f5f463ebf1ff5d7f5c63ff7d3f95fefdf7b9cdf6e9cfe2775f74f93f938999bcb", "f3f94edef3fe5affb9fe1ebeed9a3b5becfff688fed877dd3f5ef3fdd7c717afdfbeab7f579ed7f9faf3fdde5feb9bf6d27ff7ccf49e3edf97ddbf7f3bfdf5cf", "f4dfbf6fa77e7f71cdf76bb0ff85dc0cbd95965ad933cb496f6bfbbbbfff7fdccd4276ed6b7f7cf1bfef235e578e75dfffb5bfed8bf6ff7fbaf53aff5dcdf2ff", "d79ef5c7bd693ba9afbb7dfebfc755cdb3ffdbfddf7ff945b21efbc56b376f4dff3b7c9ad72f66f9fb7f5b3bfd3bfebfa1db39becabf37d5f233ef973f69c632", "b66f5dfbffaf7ffd37f76f7481fa39215f1eceb9f7d5b3bdfffe383df7d79ff26ff7fad57afe5cbf3acbfe835bf2bb97e3456f79dc9fe9fd15f9efe9fd8cbff6", "bdefbd7ecf5f57fff55592fe61ffbdfe", "e6092937fdf1ed5ae9d65ea77d6f367fdf77e77acfcb870f7f7d6357e2cf67bdf792feef6edbaf3baeaa67ceebb7fcbfffcbabb1cf3cead6aaf4fab587df3e7d", "83dce745beff7a5f5bfdf7f994f7bce71755ffa7771776561ac5ff9e6e71ef7ffcb73dfcfbb469dbefffbec7ddff5f7fb8efa34ff63f2f739b7dda79fbef7e37", "7d5f7a2efbfff9f79fdfe71ebbf7c5b1dc977c76cfeedfb7fdefe51f563ffef7db597044bfffffded7bdfdd7b5efaed3f6f6f3bf7f7d1b5dbf9bd359e5f99ae6", "ddbb5679c93ffffedffb697dfef9d6d75dfbbfbb5bf5dc3d3eedfeefa6fbaff25fafdf7f5963e7bf6fc33e7ec9777e7db2f5f455f9fd7e8f0ff7f0c3f9fef359", "ebfe8b2efdac6fdf7ffcfdfbf97aa4ff1ee37fb73cfefffd7a75e68f7f98fd8ff7df69ffdf6dbdd3bff9d857b4c9b5f77b8f1f679dfe6f7a4febb77e7b7afb9f", "b73b9def4c6ebdeb1f60b67bff8e51ffe9f52e737dfdbcefe7660f76535fd7d4ffb6a6dfb7fbd99faedfe5ff73b17a66f6ffab5cf1feef3fd9affcf3093ba9f5", "f763cededde9e7ef23e117f7ffaa7ffd", "94d88dbdff76b2ada66bd7fdfea4ff77fe7d9fe7fb7bb95efd7fff09f458d57bff1635f59bbbf5e2ffd87a7ed36d676cf1f5b33b7ffeef995e3e7ff66c77df2b", "ff2afed9dcfdfcff7b0cc9aed6cfcd76bdfc7db7d7f61bfbdfbd4c3299773dd6b8bd33deefbb12beff6e75decdf3e9c2a7d30dfb7effff6d473fefd5dbeafbef", "abd7ddd4feedfdcddefb798f3f7fadf36ffffbfadf14bbf8fcff856b5f9bdbcaffbf69fffa38bef1def669d75e9cf7ffd4f2e5ff397dfabc467777f6fd9fbe55", "d7f9e6f3c49567b5ef3f1f3c67cfeed5b32bd6f26f73ad3e07dfd5d3debbf9e3debc53ff9de1fffbefb9bebdb6f0efaa9ffbedfd5f5eddd7f23dc77afebfcfaf", "73ef5966ddfbd69b59bfd39dedfbf9f3ae74ebfbbe62b788bede72feadc2e26c399dcab4b2ab36fee5fcf3eebfe1f64f33bfa877bddfbd97f16d37cab7972a4e", "a7f6879f5677b02bca2d9db9f9dd2d7b7deef71ff383bff3df7eab7df46bbb27af9fecbdebbbfba2f0fffccebe47ff463c3fddfe9ebfff0bbea76fbfbfdbdffe", "ee3fa6bff1e7acdbaf5a7b04f7ff0cdd", "bf7b173ff9f9ebb6b0fece17c76eafffeb8ffdffbef4f2f4fa9efedfc77f1d1fea5d7096fffffab7fe9f0f6dde4c7f3f6bf7d4f58feb3dae92a177ebbff5f89d", "9fabfdafde97fd9effddfa67fe5f6cfb77d575ae0cab77263ce3fe7ffeff8e23b77fbf5cf7d3fef7ea8fdf3aebf5285c935dfeffce27718b1cf3bcd5f68de837", "7fc2eeb9771fcfffa3ff7ffaffadaff7f88df5b8fdd37e0f733bf216db34eafbfad2e72caff2f6bcce5fe5b4bfef73f5dcf6d8492ed93fd0efd4fe55578dabf9", "feffdbff2df34b43cfdbff8b92465f3e9f356df67e7e6ef43ff6ff69d4b3ffeff23fd8ac59323dd0dfdff7e7ef3a7dafbaf06fbeffbba94ff4bf5f3ee2fe32df", "d1f9e579e479ddf5fd601f7ef5d7bfb79bfeeb6ee77ea7777f5cf7d7abdcd4ebf27efbca95ffc9ffbe1f4b8febffeeff1ffdeb9e123fe21a2ef775fb8f63f55d", "d0c9efb8f6fc62e7a57fee9dee8bddb367af3bffeff06ffbe40fdfc8bbbbffafbdbef7259ffff67f7eb49dcbff57ff7fbbfdceef97feffbfd75e48c3e7be6f39", "c72eea7b9771ef993edaf6bf73ff7bfe", "fd279b3eaeb2f50ffd9ef7fef95f7dfcfe6bfd2c8cfb5dca79bf0ff8ff3b17efe0deb7ed1b79effcab7e6e95f7ffd47efc5feefedb3cdf23b66fefcdffef5467", "59b7fffef2fddfe57ceffbe7edb58e7a7bd1ff7ffeb177d95f6b7323b3967bd38fe1f6de9bd9d7afacabbfaf5f49bdebfa3edfff5e5eb2becf1d5bfffd537bfd", "fdf7ffcfe8afdbd79defee548f3ce9beae9dd7ceffadffe9de7d796d93fef5b5f3beaf7beffecfaafddbbff7eb3ed1767df77bdedccfc695feddd3fbab5b749f", "9ffff53639defb3bd3de5abef1f6173d7fbe575ffef7bffdaf1f956fbf0ab75cb1d467ce5d6bffefedb3b56faf35ffbc2fc4affccf75debfebfff7dffd9ffbfb", "7a1b75b6e3ffef5efeccbfee28fdafecfe7b4bed9bf6cdfdffd8dfbae67f9ff6b7ff67dc9f2f9ee7db5f9cbf9d5afd7b7dffeb3576ef81bff7fb7e98fff30ded", "edffdf266bebdffd3e7fdeaaeb7c6eff9dfffdf3d45bfb5997c7d73fefeef9fffff9a7f8f9f1ff3af4bf2cb7b9f7decffcfeff9f77a9fe1b975ff9f1dfffee7e", "9bfd5df61ff7fafdfffd77dc9f7bdfdb", "37dc3f759be277d273de71f733defbe739b3e5e356a62bf9bf79fb3f7debf9fc5db77f68de7dfb7fe2abf3bef9ff76db5e3eafe2bddef37b53577dedfff7ffac", "bad6bfacdc797d7b7ff75ffa5e4ed9edfbee4ef9337ebf46e77ed7f7825bbabebf464fbf7ff27bf25dd8bb75fdefefef7fad39df27efba3cf74d9fefeadf3b6f", "ebf977adfdd5fbc396edefefcadf6d17f3bfed193fba7ce87df52ff0ffd7c76df9f77f4b3b7debfaeb7e9f07dcf3dde6fe276a6d0ee235f4ebf77f9d1ffb6ffc", "7bacdf95e85bffabdeaed7cb2eeffbdf59fbee3bbf7f6dff7dd23cb7f9fcb7ffb7dfe8ae377fdfdecd9feff6eabf76fdedfe52ae78befea67d67f177cff73b61", "a7d61fefc6cfefacf3fff8b7f7ef7bf9f1d4f79f997ee6f97f65b5a9f39e7d51273dcb7e565e95cf9e7ef577e7e06ffdeb9d6ff7facbe67dea61cf4fcf7f3ecb", "ff7dbf638ddfadebfefdd774b9ebb4e795d1fd356fd4f7c7ddacfbffc6efef0bf1cfff63e9ddfffbf6bf29aecfc1fcf4fff7fd2b2dff7feef29dfd6f9f7d6bcb", "6bbebe5f7ef27d9be5bbf5a4fbfdff59", "2da6edee7fb5dd79cfcbefbfe9b7fce9b654f67e7e5fcfc57bded9eca9e6ed7d5ff35ff76dfbdfefa70bf86f87feefe3eafbde39fcead6e7ff87b7dc99f1ca96", "2be4db3c5f33e5b94dab8dff5f79fac8f1ff5cbff7fff3faef7fd75fdefbfc6fcfecefecd8dbffcdccecbd3c77f57de3d9a3fefebff57d1b9bdbdeedeffdbdac", "c2f0266c77afffdcaeed9fe65ff5f47fb5efe993dfae5abc6eff16edda83ff6ddbab3f7de9f3fdefdf7aebeacefeffcf7735f9e0b7a77765bd77fdef7d3ff35f", "fb09cffdff3e9e9b3fc3de7e3b27fbdfe8d7ecffefff5ebefadcf7bf2f8efcefc0695a5de7eff7fa53bb0b9b6feb33b3d693bbf6e930de7e955f57ff11c7bd4f", "e67df7cdfefb7fb9edff5dc175b155db8fbedfb7efc3adbfceb75cefff23e979b23dbf8bfb2d3d63d7ffedbdef96e6df27bfdbffdfeff52c71fffaf3dbe7bf66", "fd7eb7eafdc3bb2af2e7d6be3d95ed5f32efebf870e5b25d7b6bf7777ec7b67fa8fe97bdfff9d6ff9fd3fe777fdd8c5cbf4b0cebbbf5f3dddf2efb79dbef4d73", "5bd5fedfffeefebf6fdf7f1af757ddef", "ef3bbaee0f27bfbd7cfe7a8ec78bfb634b9e8aa3b6b67f9d4a6efffbbf85f0e77ff3fdfc4bea77775ddecdbb5ffb7f3afbdeb05b1a9e3f7faffffefa25f5fefd", "b179ef97ba6cff9e79fdedf7bbb0fbeedf7fff5dededbbb0f66efef3fbfb9ffddffdfb725ef69dffeafe65bf2df9beff6bb37ffd2e63bda3f926f3e4ee6dd633", "c7fcfdec4a6a7afede357eeffffacfdd47ebe60f5ffa3ffb9d7fff7bffed3fff7e964fffa4e5fc7bffb8ffdffc97dff22677cffbcfbadf55cbb29aba7cdddafa", "f3f9c7b9feed7fecff7dedab37befddf2f6a8ebc5fbffcb8eff4ffdfee7effe6f9b75f76bbd37e937ffb7fad3febecb8d7d966bb997dfeedf7eff7ca7cd3bd6f", "fb6d54ebbb67c7b737fb86dcffc9b7c7d57d63fffcd7d3de9d87e152bffef25fcbd2a91dbe1dcfe5ff7fbbad9be3e6ec6edf55eb6b5ecff0bbde7bffbbf793fb", "5b75c5bffdd7c67bfd6de71d7f6fbc63efaf55f95feeeef3e9ff3e4453ff7cf7ffaeeadbcde77729de98dfb7effe4e9afe7faefdaddacf5feff6db3f550f4c09", "f6f53a97f09ef5084de7f9dff5bf2bfa", "fef78f9deff7b5feefb6eddffdfd9acfeffebbeebaeefd1f7deff7ee6fd7d9bb5bfb99ef7ad59fcdbefddf7edcfb277feaf57d275dfabf3bfdbc5fd5e0fdeae7", "f387f46ff47bfb72534bbfe6f6ff5f4f8fd33fcdf27bd387f47dcb7f3cecffb76533e5ffead9cb72bfbb7f67f469ee5f2de45efffd5dbdbfdfd7b59c3777fdbd", "ab7fdb82b6df7af76cebbddef29ef7ffeffdf6bd75dfff12efef73e27e995719767befb3fbd2ffafffaf273b979f9bcdafc3f409feffe7677d3ebfff7a777dcb", "b7f354ebb89efff6effd2bf9069ba8e47f3fdbb7ff4fd8eced7f8befff5dabb53d7d1efe7ffebfb6b7fed8fe7fdeffd0597fb7beed1385fe7e562adbf23fd9a1", "2e95fffaf54bebe3af73d9f7ed7c74d53d89fd6c9affcf7abfb093b75aafd6febeaeff35777edf6f57efbefbd67fddad7afaecbefad4cf6bee3d1bafadfe5fdc", "f4bbe3f951fdfbb6efc5d96ebfeef7ba7fbfefb7cc7569bfd743b7dd7ffef3edfcbfe9b7e2bc3bf9bc7e7e5eeafeb9c53dfbeff735ee7bff7fba7b9f82dca7f1", "ffdfd6b8ffbe3bf4ffef750fbeaf4b7e", "ebf56b2a6fcbdebb2465f2f3d6ce9fc40dcbf5aeb3adfdd7ed0fe01fef7fdd7e9d5a9ceb7defbf9fbcc2ff5bfbff6fe577f13df3dfaffe7be5ffafe7f28bef8f", "efd68e7bf57f1f870976fb4f35c2a7f5fdef9ee2deaff4d5e7dadda15f3ab7c7f77ffff5bfeff5e3efcd9ab76a77f79fddff3f67feb7f6e7f7fd97ddb6b6f9e5", "e5f93abd8f4fa55f7e9f6fd75fffad9f2577f7f77fff7fb8e565ce9ef7b66cfa4feffe1c7b5fbd777ebbf4778fe9fd452fbff3b7e62e48cb777ff5ff3af685ba", "537cfcfbbda7dffdeefd62b9feb645d5fffd1f59f7fe7fdffe4fadfa3de9de27f7d7fbfe6cf5bf7a634fbf57bf6ecd7ee5bfbbf55bff5d35df7dbfffcbb7eebc", "bfefffecf51efcecefffb1779ceedbfffddf4b9dff75e13eaee79b7935df569e8e6ffde73eed28fd74ecffadb6ebff6fb9febcfe7dda2fea68e7f9ffd9eed771", "ffedfffcef7bfa5dffffffeb3fe8bbd3cbade7d0ce56efd7f6b2d3e3ff7dff7fe45eace3df5eafcd7366e3efdaff67ef7cdfcfdeef97fdfae57b15f5feff7cde", "dfdc353ea3fbbbf9b33f7b7ffc9effbf", "fed76ed74efffbf5acbf3776eca9c7d7eeed6eddeaaef0edf3ea3157e67cddfcd75be3db7d3dfefec5efff53211f0db7e5f7d5ff6defffd7edee4d9e2fcf47be", "bfffbe6ce1e4aadf77b6df9cef81fed7bfdffa763fffb2f7b5cefc0682b7f3cbfe6b8eadf0fd7f9de7bffebd3bb77ca13b5ff3feb4e1dd7f1e7a66fbfdcbff7c", "bdd6f5f3fe6d36b16fff93ee6b2b70f3bf6d49e35f55f4f8784fff5b023b69f1c8f7faffdf87fb3fdbd048ce9b01af3fffeddfb7bef72cfd9f8fbbfb69d1576f", "ffeefc65ff39ffe1f7f3fee6efefefdfdf5b83c7fbf0dbfb23b6fb469f7ffc3bf557fdfeddefcce7e1bbce6effe6ee7c74c97f6efcda3f9f3dfb5df7823dbd69", "dbcfd3ff9db8eff3deceffd86e0bb7dbfed6443ef2bbadddb81f7f67dbd57ff3fcf4f9be19e5fedb3b2f3fbaf4f755fdbf6be796f97ef6b3bcff5d3167ff893d", "e70d0ff3f3ff36b97f6f77f80aeebcb4ff7edffccfdffcefdf7e7fd3d173d3ffa32affbbceb4dbf79a5f91fb79efaaadfdffe9fff8ecbdeefeeebf7d6f3bcfef", "7f077fe28df5d2f5df896fbb6365bfef", "ff3cfb9ef97b4fb55e77535dffe7ee5ff7b3ed9bbff3e7dfe2fdffef39f9296dad93e677bbfafbefffeefbfe3fc9f9f78f39ffffe5ef21d1aef3f5affc7dffdb", "7469bed7b4c96f8adffa5f4f32fee37dfc7d36fd729fccab33f9ef57e739befcdfcfbdf3ed65bf35ebbecafdd5a79537f9d9bf4ef3f7cfb3ecfcdf3f5cbf5fed", "68ffabdb6997bedbddcebfbfa3dddbbf6cd89a1f59ddbfdf8ddefe9afd67de4adc3afbef1aea257f4f2dffafbfce59dffc0e7f58ebed69df775677fb40bfdbff", "9dd8b7dc3bbe9f67dbbb97f5f4baeb7359dbf8fbc75f675777f7bf56ec77977ee67b9f9dfdfbee3f8fef9fff1fba9ef7797ebffe7fddeff9e9c9e537bbc6d13b", "6ddf5f32595effcda75edff1fd755fd24b57dffbeb4fdba4efd645bd5fea43dbf5dbbecbe3e339d9dfdb76d8dbd4ecfc71eeddff55fd9ffbddf9e4db37fb7f75", "f67feef06a7cff705b7c97fe16e3dbf9c3c7f74c5cb3afc4ddfb313e767dcbeaffacf8bfd9f56ff16bf6ebcf72ee77fbfdeeb7bffbacffff6f5fffff09def7fe", "fbe6fbf2fe5ae9fe8f4ded57b9affdff", "ee839cbadf1c5baffcbbeffacdfdfd75ffffa35ffe6fbefd93f6f2ddaf6fd2e9e6fdfecf5bf7af8f1ece5bfdbb9158d3d7babdf7ebf9ae9d63bfd53bf9e5ff34"]
INIT = [0.8886650396540731, -0.22352383068374881, 0.5296391168541909, 0.7170831983153141, -0.021585048209928872,
    1.109467346425257, -0.8491154598329689, 0.2151557287235691, 0.7694361710435168, 1.0695898984247272,
    -0.39676335245401406, 0.6791437483567349, 0.47538371967653203, -1.9476097406479387, -1.0031761959236223,
    1.363759306052068, -0.050363051019473484, -1.321833275720858, -0.6181395038334871, 0.7752396490968946,
    0.16656130942089026, -0.240906218627866, -0.980528782681492, 0.3496274350686728, -1.2347915393971065,
    2.454696491818289, -2.6162121609264237, 0.6147165175053841, -0.3165182489850651, 0.9683549029451058,
    0.74601580008276, 0.7786750527877437, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.0, 0.16330567853740202, -0.057123362785097984, -0.2484830431159006, 0.3534282425282362, 0.04301374211528269,
    0.3589629879727202, 0.12269862969951861, -0.4184170126569329, 0.253163204659459, 0.013705587231600948,
    0.21279804120182702, 0.3323121487954158, -0.09765754759078792, 0.08308603433026042, -0.29440028859270007,
    -0.3134357534725641, -0.4069798566394687, -0.33188059612078, 0.20565448168068318, 0.711822212362633,
    -0.2982744689246979, 0.11011493103539181, -0.6350737562621347, 0.27976617373338425, 0.49145314872198936,
    -0.6303100780178902, -0.021261753915235066, -0.05151574746376614, 0.3381576846058519, -0.15438511068926625,
    -0.043523482266433794, -0.028868616305712372, 0.40401528535053005, -0.7707363627938232, -0.13722671932027825,
    -0.16855644770376074, -0.44117844897646424, -0.013610869544588206, 0.17734573379300522, 0.10781344914383353,
    -0.3737205161409359, -0.19270942945500721, 0.4763051947525073, 0.1422584205178753, 0.027602911677339418,
    0.0580348332109765, -0.017185454558904047, 0.9578738713567503, -0.06832463415978406, 0.7766531650425866,
    -0.43211796370821315, 0.6582311999255189, 0.4246966195556255, -0.1695466945989281, 0.2966219094494908,
    0.03974946448135362, -0.3981915324274164, 0.059218709493821714, -0.20678902945092079, 0.21281165750183678,
    -0.04829259486730716, -0.04103283860830987, -0.4314476653006503, -0.7859664619406344, -0.29665236971316344,
    -0.3576332637111836, -0.7278160237396483, 0.09204365874582954, -0.49087344674099403, -0.1829794548613847,
    -0.2787551518531788, -0.06133200086213674, 0.10755917144277198, -0.2463493651752935, 0.05103396982951667,
    0.1262015438128234, -0.4326886630652235, -0.2415596559218613, 0.02126823462150846, 0.005815696737869766,
    0.044375285031332194, 0.2306894113875685, -0.052189850687866704, 0.0752213441377418, -0.307634666028185,
    -0.26383185620532507, -0.369624831856491, 0.8715815167258545, -0.218766917684921, 0.3593827706000417,
    0.31229956499270556, 0.12423265958643677, 0.16523274287722886, 0.25491897946805375, 0.08673530617882942,
    -0.20590117160288487, 0.5309815814453643, -0.3608973393009666, 0.06112317356147428, -0.05515976495131604,
    -0.45464390253524045, 0.49577901529206275, 0.337028884737261, -0.47317084272781607, 0.10332081310802814,
    -0.07176645439664889, -0.1231372624361053, 0.07729751108885465, -0.25735854278667253, 0.15673958461531037,
    0.15759939478489848, -0.31640902518594954, -0.8273063706928451, -0.3860793955157709, 0.19042957120919088,
    0.2887198809745896, -0.4132133889701863, -0.5411791122068079, 0.024530168281419504, 0.4246520036829992,
    -0.49319210266025565, -0.291234692678558, 0.0998758798199935, 0.05134419544565248, -0.31856566648590395,
    -0.17813827049345493, 0.3591219194973004, -0.2285008526370035, -0.6165691929411465, 0.46974243048560615,
    -0.04554873532256561, -0.6239611293148112, -0.15056911686925165, -0.25328037817005095, -0.08640172480256328,
    0.07685740723215383, 0.35365697653860695, 0.4917464039129739, -0.029108395711042206, -0.3528242242371662,
    -0.19823005834945406, 0.06927030610603892, 0.1696887063772531, -0.13034041624240342, 0.20195425162103134,
    0.2485045045618959, 0.21108035585189433, -0.18136372435325587, -0.29312505022920465, 0.6588902866987522,
    0.053694604278532794, -0.12831427419430508, -0.3834762768619365, -0.42639518819896344, 0.1232272514967368,
    0.7428617440847471, 0.05560007991368361, 0.024444709857195095, -0.05480179817834131, 0.43035954002008087,
    -0.40762719391848073, 0.3409059120504251, 0.01962460136956631, -0.3869609119152591, 0.30072476679440524,
    0.010393861555641083, -0.015912715001760325, -0.5528390042688284, -0.2863143827677761, 0.5177337087846203,
    0.4809636465898363, -0.07754581294048515, -0.5185704507507146, 0.03605213934635076, 0.06854196952877645,
    -0.28891236904506673, -0.5260376393818657, -0.6112712107741574, -0.1598339589877194, 0.9881145765992325,
    -0.10735336167763175, 0.15206957828478038, -0.38528666628170166, -0.19872056489573103, -0.123637514913813,
    -0.29577257513894184, -0.3385395176674648, 0.7552315295323008, 0.4270058414470723, -0.26563313211306466,
    0.02111071198202358, -0.3421183614538167, -0.15650362646276308, -0.1708612264025411, -0.011930862810307162,
    0.19478233307373877, 0.08187894849937684, -0.2586196857806582, -0.007100784422368217, -0.15070544417369736,
    0.21545624129927732, 0.2761471310923194, 0.02730479313453589, 0.1886916905923932, 0.5635343397430743,
    -0.09097567180922687, 0.36542273403202397, 0.2821556180702969, 0.2819482155603326, -0.5350915162361455,
    0.2989469452855548, -0.030166709127009556, 0.1951383220046226, 0.11734564813697182, -0.15939202950047793,
    -0.11036272854741092, 0.0023783543953148304, -0.20551615543163362, 0.8916240210689437, 0.12916558257125318,
    -0.19912908441799013, -0.3731234207701882, 0.5221654606499363, 0.0006018393266668368, 0.21316780752417416,
    0.3149115337836104, 0.07125043045200098, -0.2746703728685608, 0.15834034027501526, -0.06679603324753848,
    0.2922314948242141, -0.3044832730990699, -0.20968121627385777, -0.5179001196501678, 0.20540058561316737,
    -0.6485883280947088, -0.17506140193152256, -0.4473392142765196, -0.04083089581049304, -0.08330153063412442,
    -0.114935340464543, -0.30678658437286616, -0.020841708770441062, -0.18735466975002812, 0.1364919928589111,
    -0.5538129277948353, -0.21547994166507484, -0.43189623227034907, -0.6298591769593569, 0.3037397109179025,
    -0.07902935438380149, 0.32071709585769204, -0.2921526204370235, -0.12836353950742685, -0.3714662658468548,
    0.6563765876804967, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    -0.12496734463892561, -0.1176129322499301, -0.43722074637198777, 0.3954975717088649, 0.1919263098667954,
    -0.28503284271575713, -0.0074531830853384615, 0.09359517437765993, -0.8649063465934642, -0.19426027361661524,
    -0.5248223767825977, -0.17475502611265165, 0.1505019826286429, -0.11247747332400483, 0.10972854528767959,
    -0.23665846295955667, 0.24507057900926937, -0.007420721107257258, 0.10608206457476058, 0.44388738160537766,
    0.19665831056011052, -0.039404222653708715, 0.14833576822557576, 0.1665328741400216, -0.20199324192614745,
    -0.0006029999911436134, 0.46004036325280007, -0.05167628354760094, 0.007036157275534247, 0.08267476249128271,
    0.6011501565043744, 0.21897526263406303, 0.0, 0.0]
criterion = nn.CrossEntropyLoss()


# ----------------------------------------------------------------------------------------------------------
# The runs: each `build` makes the optimizer (and its schedulers, stepped once after every step)


def build_0(model, params):
    """Run 0: sam."""
    optimizer = torch.optim.SGD(params, lr=0.05, momentum=0.9, dampening=0.0, nesterov=False, weight_decay=0.0)
    stepper = Sam(Plain([optimizer]), params, rho=0.05, p=2.0, adaptive=False)
    return stepper, [optimizer], []


def build_1(model, params):
    """Run 1: adam."""
    optimizer = torch.optim.Adam(params, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False)
    stepper = Plain([optimizer])
    return stepper, [optimizer], []


RUNS = [
    ("sam dropout", build_0, 120, 10),
    ("adam dropout", build_1, 120, 10),
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
