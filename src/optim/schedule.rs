//! Learning-rate schedules with `torch.optim.lr_scheduler` semantics: the scheduler is stepped once after
//! every optimizer step, so step `t` (1-based) uses the rate after `e = t − 1` scheduler steps. Each is
//! evaluated in PyTorch's closed form at `e`, relative to the run's base lr.

use crate::checks::{check_range, Problems, SpecError};
use serde::{Deserialize, Serialize};

/// A schedule: a multiplier curve over scheduler steps. Defaults when read: `step.gamma = 0.1`,
/// `cosine.eta_min = 0`, `linear` {start_factor: 1/3, end_factor: 1, total_iters: 5} (PyTorch's).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScheduleSpec {
    /// η_t = η.
    #[default]
    Constant,
    /// `StepLR`: η·γ^⌊e/step_size⌋.
    Step { step_size: usize, gamma: f64 },
    /// `ExponentialLR`: η·γ^e.
    Exponential { gamma: f64 },
    /// `CosineAnnealingLR`: η_min + (η − η_min)(1 + cos(πe/t_max))/2.
    Cosine { t_max: usize, eta_min: f64 },
    /// `LinearLR`: η·(s + (f − s)·min(e, n)/n); a warm-up when s < f, a linear decay when s > f.
    Linear { start_factor: f64, end_factor: f64, total_iters: usize },
    /// `SequentialLR`: schedule i runs from milestone i−1 on, restarted at its own step 0.
    Sequential { schedulers: Vec<ScheduleSpec>, milestones: Vec<usize> },
}

/// The externally tagged twin that reads [`ScheduleSpec`] with field paths (see [`crate::checks::tagged`]);
/// the derive checks that its fields match the enum above; the defaults live here.
#[derive(Deserialize)]
#[serde(remote = "ScheduleSpec", rename_all = "snake_case", deny_unknown_fields)]
enum ScheduleSpecDe {
    Constant,
    Step {
        step_size: usize,
        #[serde(default = "default_step_gamma")]
        gamma: f64,
    },
    Exponential {
        gamma: f64,
    },
    Cosine {
        t_max: usize,
        #[serde(default)]
        eta_min: f64,
    },
    Linear {
        #[serde(default = "default_start_factor")]
        start_factor: f64,
        #[serde(default = "one")]
        end_factor: f64,
        #[serde(default = "default_total_iters")]
        total_iters: usize,
    },
    Sequential {
        schedulers: Vec<ScheduleSpec>,
        milestones: Vec<usize>,
    },
}

impl crate::checks::tagged::ByKind for ScheduleSpec {
    const WHAT: &'static str = "a schedule";
    fn deserialize_enum<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ScheduleSpecDe::deserialize(d)
    }
}

impl<'de> Deserialize<'de> for ScheduleSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::checks::tagged::deserialize(d)
    }
}

fn default_step_gamma() -> f64 {
    0.1
}
fn default_start_factor() -> f64 {
    1.0 / 3.0
}
fn one() -> f64 {
    1.0
}
fn default_total_iters() -> usize {
    5
}

impl ScheduleSpec {
    /// The learning rate after `e` scheduler steps, for base rate `base`.
    pub fn lr(&self, base: f64, e: usize) -> f64 {
        match self {
            ScheduleSpec::Constant => base,
            ScheduleSpec::Step { step_size, gamma } => base * gamma.powi((e / step_size) as i32),
            ScheduleSpec::Exponential { gamma } => base * gamma.powi(e as i32),
            ScheduleSpec::Cosine { t_max, eta_min } => {
                eta_min + (base - eta_min) * (1.0 + (std::f64::consts::PI * e as f64 / *t_max as f64).cos()) / 2.0
            }
            ScheduleSpec::Linear { start_factor, end_factor, total_iters } => {
                let frac = e.min(*total_iters) as f64 / *total_iters as f64;
                base * (start_factor + (end_factor - start_factor) * frac)
            }
            ScheduleSpec::Sequential { schedulers, milestones } => {
                let idx = milestones.partition_point(|&m| m <= e);
                let start = if idx == 0 { 0 } else { milestones[idx - 1] };
                schedulers[idx].lr(base, e - start)
            }
        }
    }

    /// Checks every field; `path` names this schedule in the spec (e.g. `runs[0].schedule`).
    pub fn validate(&self, path: &str) -> Result<(), SpecError> {
        match self {
            ScheduleSpec::Constant => Ok(()),
            ScheduleSpec::Step { step_size, gamma } => {
                let mut pr = Problems::new();
                pr.check(check_range(path, "step_size", *step_size as f64, 1.0, 1e6));
                pr.check(check_range(path, "gamma", *gamma, 0.0, 10.0));
                pr.finish()
            }
            ScheduleSpec::Exponential { gamma } => check_range(path, "gamma", *gamma, 0.0, 10.0),
            ScheduleSpec::Cosine { t_max, eta_min } => {
                let mut pr = Problems::new();
                pr.check(check_range(path, "t_max", *t_max as f64, 1.0, 1e6));
                pr.check(check_range(path, "eta_min", *eta_min, 0.0, 1e6));
                pr.finish()
            }
            ScheduleSpec::Linear { start_factor, end_factor, total_iters } => {
                let mut pr = Problems::new();
                if !(*start_factor > 0.0 && *start_factor <= 1.0) {
                    pr.push(SpecError::new(format!("{path}.start_factor"), format!("must be in (0, 1], got {start_factor}")));
                }
                pr.check(check_range(path, "end_factor", *end_factor, 0.0, 1.0));
                pr.check(check_range(path, "total_iters", *total_iters as f64, 1.0, 1e6));
                pr.finish()
            }
            ScheduleSpec::Sequential { schedulers, milestones } => {
                if schedulers.is_empty() {
                    return Err(SpecError::new(format!("{path}.schedulers"), "must name at least one schedule"));
                }
                if milestones.len() + 1 != schedulers.len() {
                    return Err(SpecError::new(
                        format!("{path}.milestones"),
                        format!(
                            "must have one entry fewer than schedulers ({} schedulers, {} milestones)",
                            schedulers.len(),
                            milestones.len()
                        ),
                    ));
                }
                if milestones.windows(2).any(|w| w[0] >= w[1]) || milestones.first() == Some(&0) {
                    return Err(SpecError::new(format!("{path}.milestones"), "must be positive and strictly increasing"));
                }
                let mut pr = Problems::new();
                for (i, s) in schedulers.iter().enumerate() {
                    if matches!(s, ScheduleSpec::Sequential { .. }) {
                        pr.push(SpecError::new(format!("{path}.schedulers[{i}]"), "cannot itself be sequential"));
                    } else {
                        pr.check(s.validate(&format!("{path}.schedulers[{i}]")));
                    }
                }
                pr.finish()
            }
        }
    }
}
