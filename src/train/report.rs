//! Whole runs for the command line: specs in, metric histories out (JSON or CSV).

use super::spec::TrainSpec;
use super::trainer::Metrics;
use crate::run::Diverged;
use crate::spec::{parse_json_all, Problems, SpecError};
use serde::Serialize;

/// One finished run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrainTrace {
    pub label: String,
    pub history: Vec<Metrics>,
    pub diverged: Option<Diverged>,
}

/// What `optlab train` prints.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrainReport {
    pub runs: Vec<TrainTrace>,
}

/// Parses one spec (a JSON object) or a fair comparison (a JSON list of specs); paths of errors in a list
/// start with the run's index (`[1].optimizer.lr`).
/// Every problem is reported at once: fields of the wrong type (see [`crate::spec::parse_json_all`]), then the
/// range problems of every spec.
pub fn parse_specs(text: &str) -> Result<Vec<TrainSpec>, SpecError> {
    let (specs, errors) = if text.trim_start().starts_with('[') {
        parse_json_all::<Vec<TrainSpec>>(text)?
    } else {
        let (spec, errors) = parse_json_all::<TrainSpec>(text)?;
        (spec.map(|s| vec![s]), errors)
    };
    let mut pr = Problems::new();
    errors.into_iter().for_each(|e| pr.push(e));
    if let Some(specs) = &specs {
        let list = specs.len() > 1;
        for (i, s) in specs.iter().enumerate() {
            pr.check(s.validate().map_err(|e| if list { e.map_paths(|p| format!("[{i}].{p}")) } else { e }));
        }
    }
    pr.finish_with(specs)
}

/// Runs every spec to its `steps` with [`compare`](super::compare)'s guarantees (a single spec is a
/// comparison of one).
pub fn run_specs(specs: &[TrainSpec]) -> Result<TrainReport, SpecError> {
    Ok(run_trainers(trainers(specs)?, &mut |_| {}))
}

/// The trainers of validated specs, at step 0 (see [`super::compare`]); their
/// [`remaining_work`](super::cost::remaining_work) is the estimate `optlab train` checks.
pub fn trainers(specs: &[TrainSpec]) -> Result<Vec<super::Trainer>, SpecError> {
    super::compare(specs).map_err(|e| {
        if specs.len() == 1 {
            SpecError::new(crate::checks::without_first_index(&e.path).to_string(), e.message)
        } else {
            e
        }
    })
}

/// Runs every trainer to its `steps`, calling `progress` with the fraction of the estimated work done
/// after every slice of at most 100 steps.
pub fn run_trainers(mut trainers: Vec<super::Trainer>, progress: &mut dyn FnMut(f64)) -> TrainReport {
    let total: f64 = trainers.iter().map(super::cost::remaining_work).sum::<f64>().max(1.0);
    let mut done = 0.0;
    let runs = trainers
        .iter_mut()
        .map(|t| {
            let start = super::cost::remaining_work(t);
            while t.step() < t.spec().steps && t.diverged().is_none() {
                t.step_n((t.spec().steps - t.step()).min(100));
                progress((done + start - super::cost::remaining_work(t)) / total);
            }
            t.run_to_end();
            done += start;
            progress(done / total);
            TrainTrace { label: t.spec().label(), history: t.history().to_vec(), diverged: t.diverged().cloned() }
        })
        .collect();
    TrainReport { runs }
}

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| x.to_string())
}

/// One row per recorded step and run:
/// `label,step,epoch,samples,lr,batch_loss,train_loss,train_accuracy,test_loss,test_accuracy`
/// `,diverged` (empty where a value does not exist, e.g. `lr` at step 0; `diverged` holds the reason on
/// the last row of a run that diverged).
pub fn to_csv(report: &TrainReport) -> String {
    let mut out = String::from("label,step,epoch,samples,lr,batch_loss,train_loss,train_accuracy,test_loss,test_accuracy,diverged\n");
    for r in &report.runs {
        let label = format!("\"{}\"", r.label.replace('"', "\"\""));
        for (i, m) in r.history.iter().enumerate() {
            let diverged = match &r.diverged {
                Some(d) if i + 1 == r.history.len() => format!("\"{}\"", d.reason.replace('"', "\"\"")),
                _ => String::new(),
            };
            out += &format!(
                "{label},{},{},{},{},{},{},{},{},{},{diverged}\n",
                m.step,
                m.epoch,
                m.samples,
                opt(m.lr),
                opt(m.batch_loss),
                m.train_loss,
                m.train_accuracy,
                opt(m.test_loss),
                opt(m.test_accuracy)
            );
        }
    }
    out
}
