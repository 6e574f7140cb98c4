//! Python text for numbers, lists, optimizers and schedules.

use crate::optim::config::{Adam, Decoupled};
use crate::optim::schedule::ScheduleSpec;
use crate::optim::OptimizerSpec;
use std::fmt::Write;

/// A float as Python reads it back to the same double (Rust's shortest round-trip form; `1e-7` and
/// `100.0` are Python literals too).
pub fn py_num(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "math.inf".into() } else { "-math.inf".into() };
    }
    format!("{v:?}")
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// A string as a Python literal: JSON's escaping is valid Python, and keeps any text a plain string. (Serialising a
/// `&str` cannot fail; `unwrap_or_default` rather than `expect` keeps serde_json's error messages out of the wasm,
/// 1.36 KB gzip.)
pub fn py_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// `[a, b, …]` of floats, broken into lines of about 120 characters.
pub fn py_floats(v: &[f64]) -> String {
    wrap_list(v.iter().map(|x| py_num(*x)), "    ")
}

/// `[a, b, …]` of integers.
pub fn py_ints(v: &[usize]) -> String {
    wrap_list(v.iter().map(|x| x.to_string()), "    ")
}

/// A list of rows.
pub fn py_rows(rows: &[Vec<f64>]) -> String {
    if rows.is_empty() {
        return "[]".into();
    }
    let mut out = String::from("[\n");
    for r in rows {
        let _ = writeln!(out, "    {},", wrap_list(r.iter().map(|x| py_num(*x)), "     "));
    }
    out.push(']');
    out
}

/// A list of integer lists, one per line.
pub fn py_int_rows(rows: &[Vec<usize>]) -> String {
    if rows.is_empty() {
        return "[]".into();
    }
    let mut out = String::from("[\n");
    for r in rows {
        let _ = writeln!(out, "    {},", wrap_list(r.iter().map(|x| x.to_string()), "     "));
    }
    out.push(']');
    out
}

fn wrap_list(items: impl Iterator<Item = String>, indent: &str) -> String {
    let mut out = String::from("[");
    let mut line = 1;
    for (i, it) in items.enumerate() {
        if i > 0 {
            out.push(',');
            line += 1;
            if line + it.len() > 118 {
                out.push('\n');
                out.push_str(indent);
                line = indent.len();
            } else {
                out.push(' ');
                line += 1;
            }
        }
        line += it.len();
        out.push_str(&it);
    }
    out.push(']');
    out
}

/// A serde unit enum's name (`keller_quintic`): its JSON string without the quotes (the names are plain
/// snake_case, nothing escaped). Through `to_string`, whose code the specs' JSON already brings, not `to_value`
/// (serde_json's `Value` serializer, 1.7 KB of wasm for these three enums).
fn enum_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default().trim_matches('"').to_string()
}

/// The constructor of a base (non-wrapper) optimizer over the Python list `params`.
fn base_optimizer(spec: &OptimizerSpec, params: &str) -> String {
    match spec {
        OptimizerSpec::Sgd(c) => format!(
            "torch.optim.SGD({params}, lr={}, momentum={}, dampening={}, nesterov={}, weight_decay={})",
            py_num(c.lr),
            py_num(c.momentum),
            py_num(c.dampening),
            py_bool(c.nesterov),
            py_num(c.weight_decay)
        ),
        OptimizerSpec::Adagrad(c) => format!(
            "torch.optim.Adagrad({params}, lr={}, lr_decay={}, weight_decay={}, initial_accumulator_value={}, eps={})",
            py_num(c.lr),
            py_num(c.lr_decay),
            py_num(c.weight_decay),
            py_num(c.initial_accumulator_value),
            py_num(c.eps)
        ),
        OptimizerSpec::Rmsprop(c) => format!(
            "torch.optim.RMSprop({params}, lr={}, alpha={}, eps={}, weight_decay={}, momentum={}, centered={})",
            py_num(c.lr),
            py_num(c.alpha),
            py_num(c.eps),
            py_num(c.weight_decay),
            py_num(c.momentum),
            py_bool(c.centered)
        ),
        OptimizerSpec::Adam(c) => adam(c.lr, c.beta1, c.beta2, c.eps, c.weight_decay, c.amsgrad, c.bias_correction, false, params),
        OptimizerSpec::Adamw(c) => adamw(c, params),
        OptimizerSpec::Muon(c) => format!(
            "Muon({params}, lr={}, momentum={}, nesterov={}, ns_steps={}, ns={}, momentum_form={}, scale={}, weight_decay={}, eps={})",
            py_num(c.lr),
            py_num(c.momentum),
            py_bool(c.nesterov),
            c.ns_steps,
            py_str(&enum_name(&c.ns)),
            py_str(&enum_name(&c.momentum_form)),
            py_str(&enum_name(&c.scale)),
            py_num(c.weight_decay),
            py_num(c.eps)
        ),
        OptimizerSpec::Lion(c) => {
            format!(
                "Lion({params}, lr={}, betas=({}, {}), weight_decay={})",
                py_num(c.lr),
                py_num(c.beta1),
                py_num(c.beta2),
                py_num(c.weight_decay)
            )
        }
        OptimizerSpec::Newton(c) => format!("Newton({params}, lr={}, damping={})", py_num(c.lr), py_num(c.damping)),
        OptimizerSpec::Sam(_) | OptimizerSpec::Lookahead(_) => unreachable!("wrappers are handled by optimizer_code"),
    }
}

fn adamw(c: &Adam<Decoupled>, params: &str) -> String {
    adam(c.lr, c.beta1, c.beta2, c.eps, c.weight_decay, c.amsgrad, c.bias_correction, true, params)
}

#[allow(clippy::too_many_arguments)]
fn adam(lr: f64, b1: f64, b2: f64, eps: f64, wd: f64, amsgrad: bool, bias_correction: bool, decoupled: bool, params: &str) -> String {
    let common = format!(
        "{params}, lr={}, betas=({}, {}), eps={}, weight_decay={}, amsgrad={}",
        py_num(lr),
        py_num(b1),
        py_num(b2),
        py_num(eps),
        py_num(wd),
        py_bool(amsgrad)
    );
    match (bias_correction, decoupled) {
        (true, false) => format!("torch.optim.Adam({common})"),
        (true, true) => format!("torch.optim.AdamW({common})"),
        (false, d) => format!("AdamNoBiasCorrection({common}, decoupled={})", py_bool(d)),
    }
}

/// The body of `def build(params, …)`: statements creating the torch optimizers (named `optimizer`, and
/// `adamw` for Muon's AdamW groups) and their schedulers, and returning `(stepper, optimizers, schedulers)`.
/// `muon_split` (trainings): Muon gets the Python list `hidden`, the `adamw` settings get `rest`.
pub fn optimizer_code(spec: &OptimizerSpec, schedule: &ScheduleSpec, muon_split: Option<&Adam<Decoupled>>) -> String {
    let mut lines = Vec::new();
    let mut opts = Vec::new();
    let stepper = stepper(spec, muon_split, &mut lines, &mut opts);
    let mut scheds = Vec::new();
    for (i, o) in opts.iter().enumerate() {
        if let Some(s) = schedule_code(schedule, o) {
            let name = if i == 0 { "scheduler".to_string() } else { format!("{o}_scheduler") };
            lines.push(format!("{name} = {s}"));
            scheds.push(name);
        }
    }
    lines.push(format!("stepper = {stepper}"));
    lines.push(format!("return stepper, [{}], [{}]", crate::checks::join_strs(&opts, ", "), crate::checks::join_strs(&scheds, ", ")));
    lines.iter().map(|l| format!("    {l}\n")).collect()
}

fn stepper(spec: &OptimizerSpec, muon_split: Option<&Adam<Decoupled>>, lines: &mut Vec<String>, opts: &mut Vec<String>) -> String {
    match spec {
        OptimizerSpec::Sam(s) => {
            let inner = stepper(&s.inner, muon_split, lines, opts);
            let p = if s.p.is_infinite() { py_str("inf") } else { py_num(s.p) };
            format!("Sam({inner}, params, rho={}, p={p}, adaptive={})", py_num(s.rho), py_bool(s.adaptive))
        }
        OptimizerSpec::Lookahead(l) => {
            let inner = stepper(&l.inner, muon_split, lines, opts);
            format!("Lookahead({inner}, params, k={}, alpha={})", l.k, py_num(l.alpha))
        }
        OptimizerSpec::Muon(_) if muon_split.is_some() => {
            let a = muon_split.expect("checked");
            lines.push("# Keller Jordan's split: Muon for the hidden-to-hidden weight matrices, AdamW for the rest".into());
            lines.push(format!("optimizer = {}", base_optimizer(spec, "hidden")));
            lines.push(format!("adamw = {}", adamw(a, "rest")));
            opts.push("optimizer".into());
            opts.push("adamw".into());
            "Plain([optimizer, adamw])".into()
        }
        _ => {
            lines.push(format!("optimizer = {}", base_optimizer(spec, "params")));
            opts.push("optimizer".into());
            "Plain([optimizer])".into()
        }
    }
}

/// The `torch.optim.lr_scheduler` for a schedule on the optimizer named `opt` (`None` for constant).
pub fn schedule_code(s: &ScheduleSpec, opt: &str) -> Option<String> {
    Some(match s {
        ScheduleSpec::Constant => return None,
        ScheduleSpec::Step { step_size, gamma } => format!("lr_scheduler.StepLR({opt}, step_size={step_size}, gamma={})", py_num(*gamma)),
        ScheduleSpec::Exponential { gamma } => format!("lr_scheduler.ExponentialLR({opt}, gamma={})", py_num(*gamma)),
        ScheduleSpec::Cosine { t_max, eta_min } => {
            format!("lr_scheduler.CosineAnnealingLR({opt}, T_max={t_max}, eta_min={})", py_num(*eta_min))
        }
        ScheduleSpec::Linear { start_factor, end_factor, total_iters } => format!(
            "lr_scheduler.LinearLR({opt}, start_factor={}, end_factor={}, total_iters={total_iters})",
            py_num(*start_factor),
            py_num(*end_factor)
        ),
        ScheduleSpec::Sequential { schedulers, milestones } => {
            // a constant piece is ConstantLR with factor 1 (SequentialLR needs a scheduler in every slot)
            let subs: Vec<String> = schedulers
                .iter()
                .map(|s| schedule_code(s, opt).unwrap_or_else(|| format!("lr_scheduler.ConstantLR({opt}, factor=1.0, total_iters=0)")))
                .collect();
            let ms: Vec<String> = milestones.iter().map(|m| m.to_string()).collect();
            format!(
                "lr_scheduler.SequentialLR({opt}, [{}], milestones=[{}])",
                crate::checks::join_strs(&subs, ", "),
                crate::checks::join_strs(&ms, ", ")
            )
        }
    })
}
