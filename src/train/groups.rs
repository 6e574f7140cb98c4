//! Param groups: one optimizer per slice of the flat parameter vector (PyTorch's `param_groups`), and the
//! construction of a network's optimizer from the spec (Muon on the hidden matrices, AdamW elsewhere).

use super::mlp::Mlp;
use crate::checks::SpecError;
use crate::optim::config::{Adam, Decoupled};
use crate::optim::schedule::ScheduleSpec;
use crate::optim::{Lookahead, Optimizer, OptimizerSpec, Oracle, Sam, StepError};
use ndarray::Array2;
use std::ops::Range;

/// Which learning rate a group steps with.
#[derive(Clone, Debug, PartialEq)]
pub enum GroupLr {
    /// The `lr` handed to [`ParamGroups::step`] (the run's scheduled rate).
    Given,
    /// `schedule.lr(base, e)` after `e` steps of the groups: the run's schedule applied to this group's
    /// own base rate, as a PyTorch scheduler treats each param group.
    Own { base: f64, schedule: ScheduleSpec },
}

/// One param group: a contiguous slice of the parameters, its optimizer (built for the slice's
/// `(rows, cols)` shape) and its learning rate rule.
pub struct Group {
    pub name: String,
    pub range: Range<usize>,
    pub shape: (usize, usize),
    pub lr: GroupLr,
    opt: Box<dyn Optimizer>,
}

impl Group {
    pub fn new(name: impl Into<String>, range: Range<usize>, shape: (usize, usize), lr: GroupLr, opt: Box<dyn Optimizer>) -> Self {
        assert_eq!(range.len(), shape.0 * shape.1, "a group's shape must cover its range");
        Group { name: name.into(), range, shape, lr, opt }
    }
}

/// Several optimizers over disjoint slices of one parameter vector, stepped in order. Every group's
/// optimizer sees its own slice of `x` and `g`; should it ask the oracle for a gradient (a wrapper inside a
/// group), the oracle is evaluated at the pre-step parameters with only that group's slice replaced, so
/// the order of the groups does not matter. Parameters in no group are left unchanged.
pub struct ParamGroups {
    groups: Vec<Group>,
    t: usize,
    x_before: Vec<f64>,
    full: Vec<f64>,
}

impl ParamGroups {
    /// Groups must not overlap.
    pub fn new(groups: Vec<Group>) -> Self {
        // pairwise (a few groups), so no sort is compiled for it
        let apart = |a: &Group, b: &Group| a.range.end <= b.range.start || b.range.end <= a.range.start;
        let disjoint = groups.iter().enumerate().all(|(i, a)| groups[i + 1..].iter().all(|b| apart(a, b)));
        assert!(disjoint, "param groups must not overlap");
        ParamGroups { groups, t: 0, x_before: Vec::new(), full: Vec::new() }
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }
}

/// The oracle one group sees: the full oracle at `base` with the group's slice replaced.
struct SliceOracle<'a> {
    inner: &'a mut dyn Oracle,
    base: &'a [f64],
    full: &'a mut Vec<f64>,
    range: Range<usize>,
}

impl Oracle for SliceOracle<'_> {
    fn grad(&mut self, x: &[f64], out: &mut [f64]) {
        self.full.clear();
        self.full.extend_from_slice(self.base);
        self.full[self.range.clone()].copy_from_slice(x);
        let mut g = vec![0.0; self.base.len()];
        self.inner.grad(self.full, &mut g);
        out.copy_from_slice(&g[self.range.clone()]);
    }
    fn hessian(&mut self, x: &[f64]) -> Option<Array2<f64>> {
        self.full.clear();
        self.full.extend_from_slice(self.base);
        self.full[self.range.clone()].copy_from_slice(x);
        let h = self.inner.hessian(self.full)?;
        Some(h.slice(ndarray::s![self.range.clone(), self.range.clone()]).to_owned())
    }
}

impl Optimizer for ParamGroups {
    fn step(&mut self, x: &mut [f64], g: &[f64], lr: f64, oracle: &mut dyn Oracle) -> Result<(), StepError> {
        self.x_before.clear();
        self.x_before.extend_from_slice(x);
        for group in &mut self.groups {
            let lr_g = match &group.lr {
                GroupLr::Given => lr,
                GroupLr::Own { base, schedule } => schedule.lr(*base, self.t),
            };
            let mut sub = SliceOracle { inner: oracle, base: &self.x_before, full: &mut self.full, range: group.range.clone() };
            let r = group.range.clone();
            group.opt.step(&mut x[r.clone()], &g[r], lr_g, &mut sub).map_err(|e| StepError(format!("{}: {}", group.name, e.0)))?;
        }
        self.t += 1;
        Ok(())
    }

    /// Each group's internals, in group order (the app can cut them by [`ParamGroups::groups`]).
    fn internals(&self) -> Vec<(crate::optim::Key, Vec<f64>)> {
        self.groups
            .iter()
            .enumerate()
            .flat_map(|(i, g)| g.opt.internals().into_iter().map(move |(k, v)| (crate::optim::Key { group: i as u8, ..k }, v)))
            .collect()
    }

    fn state(&self) -> crate::optim::OptState {
        crate::optim::OptState::Groups { t: self.t, groups: self.groups.iter().map(|g| g.opt.state()).collect() }
    }

    fn load_state(&mut self, state: crate::optim::OptState) -> Result<(), StepError> {
        match state {
            crate::optim::OptState::Groups { t, groups } if groups.len() == self.groups.len() => {
                for (g, s) in self.groups.iter_mut().zip(groups) {
                    g.opt.load_state(s)?;
                }
                self.t = t;
                Ok(())
            }
            _ => Err(StepError(format!("the saved state is not one of {} parameter groups", self.groups.len()))),
        }
    }
}

/// Whether the optimizer is Muon, directly or inside SAM / Lookahead.
pub fn uses_muon(spec: &OptimizerSpec) -> bool {
    match spec {
        OptimizerSpec::Muon(_) => true,
        OptimizerSpec::Sam(s) => uses_muon(&s.inner),
        OptimizerSpec::Lookahead(l) => uses_muon(&l.inner),
        _ => false,
    }
}

/// Newton's settings when the optimizer is Newton, directly or inside SAM / Lookahead.
pub fn newton_of(spec: &OptimizerSpec) -> Option<&crate::optim::config::NewtonSpec> {
    match spec {
        OptimizerSpec::Newton(n) => Some(n),
        OptimizerSpec::Sam(s) => newton_of(&s.inner),
        OptimizerSpec::Lookahead(l) => newton_of(&l.inner),
        _ => None,
    }
}

/// Builds the network's optimizer. Every field is validated first through the core's
/// [`OptimizerSpec::build`] (paths under `optimizer`). Without Muon the optimizer steps the whole flat
/// vector. With Muon, SAM and Lookahead wrap [`ParamGroups`]: one Muon group per hidden-to-hidden weight
/// matrix (shape `fan_out × fan_in`), and one AdamW group (settings from `adamw`) for each remaining
/// weight matrix and bias, and for each layer's batch normalisation `γ` and `β` together. Muon needs at least
/// two hidden layers, so that there is a matrix for it.
pub fn build_optimizer(
    spec: &OptimizerSpec,
    adamw: &Adam<Decoupled>,
    schedule: &ScheduleSpec,
    mlp: &Mlp,
) -> Result<Box<dyn Optimizer>, SpecError> {
    let n = mlp.n_params();
    let plain = spec.build((n, 1), "optimizer")?;
    if !uses_muon(spec) {
        return Ok(plain);
    }
    let adamw_spec = OptimizerSpec::Adamw(adamw.clone());
    adamw_spec.build((1, 1), "adamw")?;
    if mlp.layers().len() < 3 {
        return Err(SpecError::new(
            "optimizer",
            "Muon trains the hidden-to-hidden weight matrices, so it needs at least two hidden layers \
             (model.hidden); with fewer, choose adamw",
        ));
    }
    muon_tree(spec, &adamw_spec, adamw.lr, schedule, mlp)
}

fn muon_tree(
    spec: &OptimizerSpec,
    adamw_spec: &OptimizerSpec,
    adamw_lr: f64,
    schedule: &ScheduleSpec,
    mlp: &Mlp,
) -> Result<Box<dyn Optimizer>, SpecError> {
    Ok(match spec {
        OptimizerSpec::Sam(s) => Box::new(Sam::new(s.rho, s.p, s.adaptive, muon_tree(&s.inner, adamw_spec, adamw_lr, schedule, mlp)?)),
        OptimizerSpec::Lookahead(l) => Box::new(Lookahead::new(l.k, l.alpha, muon_tree(&l.inner, adamw_spec, adamw_lr, schedule, mlp)?)),
        OptimizerSpec::Muon(_) => {
            let last = mlp.layers().len() - 1;
            let mut groups = Vec::new();
            for (l, layer) in mlp.layers().iter().enumerate() {
                let (w, b) = (layer.weight_range(), layer.bias_range());
                let adamw = |name: String, range: Range<usize>| -> Result<Group, SpecError> {
                    let opt = adamw_spec.build((range.len(), 1), "adamw")?;
                    let lr = GroupLr::Own { base: adamw_lr, schedule: schedule.clone() };
                    Ok(Group::new(name, range.clone(), (range.len(), 1), lr, opt))
                };
                if l == 0 || l == last {
                    groups.push(adamw(format!("layer {l} weight (adamw)"), w)?);
                } else {
                    let shape = (layer.fan_out, layer.fan_in);
                    let opt = spec.build(shape, "optimizer")?;
                    groups.push(Group::new(format!("layer {l} weight (muon)"), w, shape, GroupLr::Given, opt));
                }
                groups.push(adamw(format!("layer {l} bias (adamw)"), b)?);
                if layer.norm {
                    groups.push(adamw(format!("layer {l} batch norm γ, β (adamw)"), layer.norm_range())?);
                }
            }
            Box::new(ParamGroups::new(groups))
        }
        _ => unreachable!("only wrappers lead to muon"),
    })
}
