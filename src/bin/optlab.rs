//! `optlab`: the command line over the same spec the app uses.
//!
//! - `optlab run SPEC.json [--format json|csv]`
//! - `optlab train SPEC.json [--format json|csv]` (one training spec, or a JSON list of them for a fair
//!   comparison)
//! - `optlab export-torch SPEC.json [--kind run|train]` (a PyTorch script that reruns the spec)
//! - `optlab msign MATRIX.json [--ns keller_quintic|lecture_quintic|cubic|svd] [--steps K]`
//!
//! Bad input prints one line on stderr naming the field and what is allowed, and exits with code 2.

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use optlab::linalg::msign::{msign, NsVariant};
use optlab::linalg::singular_values;
use optlab::optim::config::MAX_NS_STEPS;
use optlab::run::{run, to_csv};
use optlab::spec::{parse_json, Spec, SpecError};
use std::io::Read;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "optlab", version, about = "Optimizers of the lecture 'Optimization for Deep Learning', on the command line")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every optimizer of an experiment spec and print the traces.
    Run {
        /// The spec (JSON); `-` reads standard input.
        spec: String,
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
    /// Train a small network on 2-D data (a training spec, or a JSON list of specs for a fair comparison)
    /// and print the metrics recorded every `eval_every` steps.
    Train {
        /// The spec (JSON); `-` reads standard input.
        spec: String,
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
    /// Write a self-contained PyTorch script (float64, no optlab) that reruns a run or training spec and
    /// prints the same JSON as `optlab run` / `optlab train`.
    ExportTorch {
        /// The spec (JSON); `-` reads standard input.
        spec: String,
        /// Which command the spec is for; by default a JSON list, or an object without `problem`, `x0` and
        /// `runs`, is a training spec.
        #[arg(long, value_enum)]
        kind: Option<ExportKind>,
    },
    /// Orthogonalise a matrix (a JSON list of rows) by Newton–Schulz or exactly by SVD.
    Msign {
        /// The matrix (JSON list of rows); `-` reads standard input.
        matrix: String,
        #[arg(long, value_enum, default_value_t = Ns::KellerQuintic)]
        ns: Ns,
        /// Newton–Schulz iterations (0 to 50; ignored for svd).
        #[arg(long, default_value_t = 5, allow_negative_numbers = true, value_parser = parse_steps)]
        steps: usize,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportKind {
    Run,
    Train,
}

#[derive(Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
enum Ns {
    KellerQuintic,
    LectureQuintic,
    Cubic,
    Svd,
}

impl From<Ns> for NsVariant {
    fn from(n: Ns) -> Self {
        match n {
            Ns::KellerQuintic => NsVariant::KellerQuintic,
            Ns::LectureQuintic => NsVariant::LectureQuintic,
            Ns::Cubic => NsVariant::Cubic,
            Ns::Svd => NsVariant::Svd,
        }
    }
}

/// `--steps`: an integer in [0, MAX_NS_STEPS] (negative numbers reach here so the message names the range).
fn parse_steps(text: &str) -> Result<usize, String> {
    text.parse::<usize>().ok().filter(|k| *k <= MAX_NS_STEPS).ok_or_else(|| format!("must be an integer in [0, {MAX_NS_STEPS}]"))
}

/// Largest matrix side `optlab msign` accepts.
const MAX_MSIGN_SIDE: usize = 1024;

/// The command with `optlab run --help` listing the optimizer kinds of the registry.
fn command() -> clap::Command {
    let kinds: Vec<String> = optlab::optim::KINDS.iter().map(|k| format!("  {:<10} {}", k.kind, k.label)).collect();
    Cli::command().mut_subcommand("run", |c| {
        c.after_help(format!("Optimizer kinds (runs[].optimizer.kind; defaults and conventions in the README):\n{}", kinds.join("\n")))
    })
}

fn main() -> ExitCode {
    let parsed = command().try_get_matches().and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // clap would print the whole help here; the contract is one `error:` line.
            let names: Vec<String> = Cli::command().get_subcommands().map(|c| c.get_name().to_string()).collect();
            return fail(&format!("error: a subcommand is required: one of {} (see optlab --help)", names.join(", ")));
        }
        Err(e) => return fail(&one_line(&e.to_string())),
    };
    match std::panic::catch_unwind(|| execute(cli)) {
        Ok(Ok(out)) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Ok(Err(msg)) => fail(&msg),
        Err(_) => fail("error: internal error (a bug in optlab); please report the input that caused it"),
    }
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("{msg}");
    ExitCode::from(2)
}

/// clap's multi-line message as one line (without the usage and help hints).
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn read_input(path: &str) -> Result<String, String> {
    let mut text = String::new();
    let res = if path == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text)).map(|_| ())
    };
    res.map_err(|e| format!("error: cannot read {path}: {e}"))?;
    Ok(text)
}

fn spec_err(e: SpecError) -> String {
    format!("error: {e}")
}

fn execute(cli: Cli) -> Result<String, String> {
    match cli.command {
        Command::Run { spec, format } => {
            let spec = Spec::from_json(&read_input(&spec)?).map_err(spec_err)?;
            let report = run(&spec).map_err(spec_err)?;
            Ok(match format {
                Format::Json => serde_json::to_string(&report).expect("finite numbers serialise") + "\n",
                Format::Csv => to_csv(&report),
            })
        }
        Command::Train { spec, format } => {
            let specs = optlab::train::report::parse_specs(&read_input(&spec)?).map_err(spec_err)?;
            let report = optlab::train::report::run_specs(&specs).map_err(spec_err)?;
            Ok(match format {
                Format::Json => serde_json::to_string(&report).expect("metrics serialise") + "\n",
                Format::Csv => optlab::train::report::to_csv(&report),
            })
        }
        Command::ExportTorch { spec, kind } => {
            let kind = kind.map(|k| match k {
                ExportKind::Run => optlab::export::SpecKind::Run,
                ExportKind::Train => optlab::export::SpecKind::Train,
            });
            optlab::export::export_json(&read_input(&spec)?, kind).map_err(spec_err)
        }
        Command::Msign { matrix, ns, steps } => {
            let rows: Vec<Vec<f64>> = parse_json(&read_input(&matrix)?)
                .map_err(|e| format!("error: matrix: {} (expected a JSON list of rows of numbers)", e.message))?;
            let m = optlab::problems::rows_to_matrix("matrix", &rows).map_err(spec_err)?;
            if m.nrows() > MAX_MSIGN_SIDE || m.ncols() > MAX_MSIGN_SIDE {
                return Err(format!("error: matrix: each side must be at most {MAX_MSIGN_SIDE}, got {}×{}", m.nrows(), m.ncols()));
            }
            let big = m.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let relative = m.iter().map(|v| (v / big.max(f64::MIN_POSITIVE)).powi(2)).sum::<f64>().sqrt();
            if !(big * relative).is_finite() {
                return Err(format!(
                    "error: matrix: its Frobenius norm ({big:e} × {relative:.3}) exceeds the largest double (1.8e308), so its singular values cannot be printed; divide it by a constant (msign is scale invariant)"
                ));
            }
            let out = msign(m.view(), ns.into(), steps, 1e-7);
            let json = serde_json::json!({
                "output": out.rows().into_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
                "singular_values_in": singular_values(m.view()),
                "singular_values_out": singular_values(out.view()),
            });
            Ok(json.to_string() + "\n")
        }
    }
}
