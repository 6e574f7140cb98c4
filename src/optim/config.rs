//! Optimizer configurations: plain serde data with PyTorch's names and defaults, validated once by
//! [`OptimizerSpec::build`], which returns the stateful optimizer.

use super::transforms::*;
use super::{Lookahead, Newton, Optimizer, Sam};
use crate::linalg::msign::NsVariant;
use crate::checks::{check_range, SpecError};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Every optimizer of the lecture, selected by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OptimizerSpec {
    Sgd(Sgd),
    Adagrad(Adagrad),
    Rmsprop(Rmsprop),
    Adam(Adam<Coupled>),
    Adamw(Adam<Decoupled>),
    Lookahead(LookaheadSpec),
    Sam(SamSpec),
    Muon(Muon),
    Newton(NewtonSpec),
}

/// The externally tagged twin that reads [`OptimizerSpec`] with field paths (see [`crate::checks::tagged`]).
#[derive(Deserialize)]
#[serde(remote = "OptimizerSpec", rename_all = "snake_case")]
enum OptimizerSpecDe {
    Sgd(Sgd),
    Adagrad(Adagrad),
    Rmsprop(Rmsprop),
    Adam(Adam<Coupled>),
    Adamw(Adam<Decoupled>),
    Lookahead(LookaheadSpec),
    Sam(SamSpec),
    Muon(Muon),
    Newton(NewtonSpec),
}

impl crate::checks::tagged::ByKind for OptimizerSpec {
    const WHAT: &'static str = "an optimizer";
    fn deserialize_enum<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        OptimizerSpecDe::deserialize(d)
    }
}

impl<'de> Deserialize<'de> for OptimizerSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::checks::tagged::deserialize(d)
    }
}

/// `torch.optim.SGD`: `b ← μb + (1−τ)(g + wd·x)` (first step `b = g`), `x ← x − lr·b`
/// (Nesterov: `x ← x − lr(g + μb)`). `weight_decay` is the coupled L2 penalty.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sgd {
    pub lr: f64,
    pub momentum: f64,
    pub dampening: f64,
    pub nesterov: bool,
    pub weight_decay: f64,
}

impl Default for Sgd {
    fn default() -> Self {
        Sgd { lr: 1e-3, momentum: 0.0, dampening: 0.0, nesterov: false, weight_decay: 0.0 }
    }
}

/// `torch.optim.Adagrad` (Duchi, Hazan & Singer 2011): `s ← s + g²`,
/// `x ← x − lr/(1+(t−1)·lr_decay) · g/(√s + ε)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Adagrad {
    pub lr: f64,
    pub lr_decay: f64,
    pub weight_decay: f64,
    pub initial_accumulator_value: f64,
    pub eps: f64,
}

impl Default for Adagrad {
    fn default() -> Self {
        Adagrad { lr: 0.01, lr_decay: 0.0, weight_decay: 0.0, initial_accumulator_value: 0.0, eps: 1e-10 }
    }
}

/// `torch.optim.RMSprop` (Hinton's lecture notes, 2012): `v ← αv + (1−α)g²`, `x ← x − lr·g/(√v + ε)`;
/// `centered` subtracts the squared mean gradient; `momentum` keeps `b ← μb + g/(√v + ε)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rmsprop {
    pub lr: f64,
    pub alpha: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub momentum: f64,
    pub centered: bool,
}

impl Default for Rmsprop {
    fn default() -> Self {
        Rmsprop { lr: 0.01, alpha: 0.99, eps: 1e-8, weight_decay: 0.0, momentum: 0.0, centered: false }
    }
}

/// Marks Adam's weight decay as the coupled L2 penalty (`torch.optim.Adam`, default 0).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Coupled;
/// Marks Adam's weight decay as decoupled (`torch.optim.AdamW`, default 0.01).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Decoupled;

/// Which weight decay an [`Adam`] config means.
pub trait DecayKind: Default {
    const DECOUPLED: bool;
}
impl DecayKind for Coupled {
    const DECOUPLED: bool = false;
}
impl DecayKind for Decoupled {
    const DECOUPLED: bool = true;
}

/// `torch.optim.Adam` (`Adam<Coupled>`, weight decay as L2 inside the gradient) and `torch.optim.AdamW`
/// (`Adam<Decoupled>`, Loshchilov & Hutter 2019: `x ← x(1 − lr·wd)` beside the Adam step).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, bound = "D: DecayKind")]
pub struct Adam<D> {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub amsgrad: bool,
    pub bias_correction: bool,
    #[serde(skip)]
    _decay: std::marker::PhantomData<D>,
}

impl<D: DecayKind> Default for Adam<D> {
    fn default() -> Self {
        Adam {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: if D::DECOUPLED { 0.01 } else { 0.0 },
            amsgrad: false,
            bias_correction: true,
            _decay: std::marker::PhantomData,
        }
    }
}

/// Lookahead around any optimizer (see [`Lookahead`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LookaheadSpec {
    pub k: usize,
    pub alpha: f64,
    pub inner: Box<OptimizerSpec>,
}

impl Default for LookaheadSpec {
    fn default() -> Self {
        LookaheadSpec { k: 5, alpha: 0.5, inner: Box::new(OptimizerSpec::Sgd(Sgd::default())) }
    }
}

/// SAM around any optimizer (see [`Sam`]). `p` is a number > 1 or `"inf"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SamSpec {
    pub rho: f64,
    #[serde(serialize_with = "ser_p", deserialize_with = "de_p")]
    pub p: f64,
    pub adaptive: bool,
    pub inner: Box<OptimizerSpec>,
}

impl Default for SamSpec {
    fn default() -> Self {
        SamSpec { rho: 0.05, p: 2.0, adaptive: false, inner: Box::new(OptimizerSpec::Sgd(Sgd::default())) }
    }
}

fn ser_p<S: Serializer>(p: &f64, s: S) -> Result<S::Ok, S::Error> {
    if p.is_infinite() {
        s.serialize_str("inf")
    } else {
        s.serialize_f64(*p)
    }
}

fn de_p<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum P {
        Num(f64),
        Text(String),
    }
    match P::deserialize(d)? {
        P::Num(v) => Ok(v),
        P::Text(t) if matches!(t.as_str(), "inf" | "infinity" | "Infinity") => Ok(f64::INFINITY),
        P::Text(t) => Err(serde::de::Error::custom(format!("p must be a number > 1 or \"inf\", got {t:?}"))),
    }
}

/// How Muon scales `msign(U)` for a `rows × cols` matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MuonScale {
    /// 1 (the lecture).
    None,
    /// √max(1, rows/cols) (Keller Jordan's reference).
    Shape,
    /// 0.2·√max(rows, cols), matching AdamW's update RMS (Moonshot AI, 2025).
    MatchRmsAdamw,
}

/// Muon (Keller Jordan 2024): momentum, then `msign` by Newton–Schulz, then
/// `W ← W(1 − lr·wd) − lr·scale·msign(U)`. The default is Keller Jordan's reference (EMA momentum with
/// Nesterov, tuned quintic, shape scale); the lecture's form is `momentum_form = "sum"`,
/// `nesterov = false`, `ns = "lecture_quintic"`, `scale = "none"`, whose `W − lr(msign(M) + wd·W)` is the
/// same map. Vector parameters are treated as one column (`n × 1`), where msign is `v/‖v‖`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Muon {
    pub lr: f64,
    pub momentum: f64,
    pub nesterov: bool,
    pub ns_steps: usize,
    pub ns: NsVariant,
    pub momentum_form: MomentumForm,
    pub scale: MuonScale,
    pub weight_decay: f64,
    pub eps: f64,
}

impl Default for Muon {
    fn default() -> Self {
        Muon {
            lr: 0.02,
            momentum: 0.95,
            nesterov: true,
            ns_steps: 5,
            ns: NsVariant::KellerQuintic,
            momentum_form: MomentumForm::Ema,
            scale: MuonScale::Shape,
            weight_decay: 0.0,
            eps: 1e-7,
        }
    }
}

/// Newton's method (see [`Newton`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewtonSpec {
    pub lr: f64,
    /// δ of the modified Newton step (see [`Newton`]); 0 is plain Newton (omitted from JSON then).
    #[serde(skip_serializing_if = "is_zero")]
    pub damping: f64,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

impl Default for NewtonSpec {
    fn default() -> Self {
        NewtonSpec { lr: 1.0, damping: 0.0 }
    }
}

/// Largest Newton–Schulz step count accepted.
pub const MAX_NS_STEPS: usize = 50;
/// Deepest nesting of wrappers (`inner` in `inner` …) accepted.
pub const MAX_DEPTH: usize = 4;

impl OptimizerSpec {
    pub fn kind(&self) -> &'static str {
        match self {
            OptimizerSpec::Sgd(_) => "sgd",
            OptimizerSpec::Adagrad(_) => "adagrad",
            OptimizerSpec::Rmsprop(_) => "rmsprop",
            OptimizerSpec::Adam(_) => "adam",
            OptimizerSpec::Adamw(_) => "adamw",
            OptimizerSpec::Lookahead(_) => "lookahead",
            OptimizerSpec::Sam(_) => "sam",
            OptimizerSpec::Muon(_) => "muon",
            OptimizerSpec::Newton(_) => "newton",
        }
    }

    /// The base learning rate the schedule scales (a wrapper's is its inner optimizer's).
    pub fn base_lr(&self) -> f64 {
        match self {
            OptimizerSpec::Sgd(c) => c.lr,
            OptimizerSpec::Adagrad(c) => c.lr,
            OptimizerSpec::Rmsprop(c) => c.lr,
            OptimizerSpec::Adam(c) => c.lr,
            OptimizerSpec::Adamw(c) => c.lr,
            OptimizerSpec::Lookahead(c) => c.inner.base_lr(),
            OptimizerSpec::Sam(c) => c.inner.base_lr(),
            OptimizerSpec::Muon(c) => c.lr,
            OptimizerSpec::Newton(c) => c.lr,
        }
    }

    /// Validates every field (naming it by `path`) and builds the optimizer for parameters of shape
    /// `rows × cols` (`n × 1` for vectors).
    pub fn build(&self, shape: (usize, usize), path: &str) -> Result<Box<dyn Optimizer>, SpecError> {
        self.build_at(shape, path, 0)
    }

    fn build_at(&self, (rows, cols): (usize, usize), path: &str, depth: usize) -> Result<Box<dyn Optimizer>, SpecError> {
        if depth > MAX_DEPTH {
            return Err(SpecError::new(path, format!("optimizers may be nested at most {MAX_DEPTH} deep")));
        }
        let n = rows * cols;
        let lr_ok = |lr: f64| check_range(path, "lr", lr, 0.0, 1e6);
        let wd_ok = |wd: f64| check_range(path, "weight_decay", wd, 0.0, 1e3);
        let built: Box<dyn Optimizer> = match self {
            OptimizerSpec::Sgd(c) => {
                lr_ok(c.lr)?;
                check_range(path, "momentum", c.momentum, 0.0, 1.0)?;
                check_range(path, "dampening", c.dampening, 0.0, 1.0)?;
                wd_ok(c.weight_decay)?;
                if c.nesterov && (c.momentum <= 0.0 || c.dampening != 0.0) {
                    return Err(SpecError::new(
                        format!("{path}.nesterov"),
                        "Nesterov momentum needs momentum > 0 and dampening = 0",
                    ));
                }
                Box::new(Chain::new(vec![
                    Box::new(AddDecayedWeights(c.weight_decay)),
                    Box::new(Momentum::new(c.momentum, c.dampening, c.nesterov)),
                    Box::new(ScaleByLearningRate::new(0.0)),
                ]))
            }
            OptimizerSpec::Adagrad(c) => {
                lr_ok(c.lr)?;
                check_range(path, "lr_decay", c.lr_decay, 0.0, 1e3)?;
                wd_ok(c.weight_decay)?;
                check_range(path, "initial_accumulator_value", c.initial_accumulator_value, 0.0, 1e6)?;
                check_range(path, "eps", c.eps, 0.0, 1.0)?;
                Box::new(Chain::new(vec![
                    Box::new(AddDecayedWeights(c.weight_decay)),
                    Box::new(ScaleByAdagrad::new(n, c.initial_accumulator_value, c.eps)),
                    Box::new(ScaleByLearningRate::new(c.lr_decay)),
                ]))
            }
            OptimizerSpec::Rmsprop(c) => {
                lr_ok(c.lr)?;
                check_range(path, "alpha", c.alpha, 0.0, 1.0)?;
                check_range(path, "eps", c.eps, 0.0, 1.0)?;
                wd_ok(c.weight_decay)?;
                check_range(path, "momentum", c.momentum, 0.0, 1.0)?;
                Box::new(Chain::new(vec![
                    Box::new(AddDecayedWeights(c.weight_decay)),
                    Box::new(ScaleByRms::new(n, c.alpha, c.eps, c.centered)),
                    Box::new(Momentum::new(c.momentum, 0.0, false)),
                    Box::new(ScaleByLearningRate::new(0.0)),
                ]))
            }
            OptimizerSpec::Adam(c) => {
                let adam = c.validated_scaling(n, path)?;
                Box::new(Chain::new(vec![
                    Box::new(AddDecayedWeights(c.weight_decay)),
                    adam,
                    Box::new(ScaleByLearningRate::new(0.0)),
                ]))
            }
            OptimizerSpec::Adamw(c) => {
                let adam = c.validated_scaling(n, path)?;
                Box::new(Chain::new(vec![
                    adam,
                    Box::new(AddDecayedWeights(c.weight_decay)),
                    Box::new(ScaleByLearningRate::new(0.0)),
                ]))
            }
            OptimizerSpec::Lookahead(c) => {
                check_range(path, "k", c.k as f64, 1.0, 1000.0)?;
                check_range(path, "alpha", c.alpha, 0.0, 1.0)?;
                let inner = c.inner.build_at((rows, cols), &format!("{path}.inner"), depth + 1)?;
                Box::new(Lookahead::new(c.k, c.alpha, inner))
            }
            OptimizerSpec::Sam(c) => {
                check_range(path, "rho", c.rho, 0.0, 1e3)?;
                if c.p.is_nan() || c.p <= 1.0 {
                    return Err(SpecError::new(format!("{path}.p"), format!("must be > 1 or \"inf\", got {}", c.p)));
                }
                let inner = c.inner.build_at((rows, cols), &format!("{path}.inner"), depth + 1)?;
                Box::new(Sam::new(c.rho, c.p, c.adaptive, inner))
            }
            OptimizerSpec::Muon(c) => {
                lr_ok(c.lr)?;
                check_range(path, "momentum", c.momentum, 0.0, 1.0)?;
                check_range(path, "ns_steps", c.ns_steps as f64, 0.0, MAX_NS_STEPS as f64)?;
                wd_ok(c.weight_decay)?;
                check_range(path, "eps", c.eps, 0.0, 1.0)?;
                let scale = match c.scale {
                    MuonScale::None => 1.0,
                    MuonScale::Shape => (1f64).max(rows as f64 / cols as f64).sqrt(),
                    MuonScale::MatchRmsAdamw => 0.2 * (rows.max(cols) as f64).sqrt(),
                };
                Box::new(Chain::new(vec![
                    Box::new(MuonMomentum::new(n, c.momentum, c.nesterov, c.momentum_form)),
                    Box::new(Orthogonalize { rows, cols, variant: c.ns, steps: c.ns_steps, eps: c.eps }),
                    Box::new(Scale(scale)),
                    Box::new(AddDecayedWeights(c.weight_decay)),
                    Box::new(ScaleByLearningRate::new(0.0)),
                ]))
            }
            OptimizerSpec::Newton(c) => {
                check_range(path, "lr", c.lr, 0.0, 10.0)?;
                check_range(path, "damping", c.damping, 0.0, 1e6)?;
                Box::new(Newton::new(c.damping))
            }
        };
        Ok(built)
    }
}

impl<D: DecayKind> Adam<D> {
    fn validated_scaling(&self, n: usize, path: &str) -> Result<Box<dyn Transform>, SpecError> {
        check_range(path, "lr", self.lr, 0.0, 1e6)?;
        check_half_open(path, "beta1", self.beta1)?;
        check_half_open(path, "beta2", self.beta2)?;
        check_range(path, "eps", self.eps, 0.0, 1.0)?;
        check_range(path, "weight_decay", self.weight_decay, 0.0, 1e3)?;
        Ok(Box::new(ScaleByAdam::new(n, self.beta1, self.beta2, self.eps, self.amsgrad, self.bias_correction)))
    }
}

fn check_half_open(path: &str, field: &str, v: f64) -> Result<(), SpecError> {
    if v.is_finite() && (0.0..1.0).contains(&v) {
        Ok(())
    } else {
        Err(SpecError::new(format!("{path}.{field}"), format!("must be in [0, 1), got {v}")))
    }
}
