//! `optlab`: the command line over the same spec the app uses.
//!
//! - `optlab run SPEC.json [--format json|csv]`
//! - `optlab train SPEC.json [--format json|csv]` (one training spec, or a JSON list of them for a fair
//!   comparison)
//! - `optlab export-torch SPEC.json [--kind run|train]` (a PyTorch script that reruns the spec)
//! - `optlab msign MATRIX.json [--ns keller_quintic|lecture_quintic|cubic|svd] [--steps K]`
//!
//! Bad input prints one line per problem on stderr (every problem the validator finds), each naming the field
//! and what is allowed, and exits with code 2.

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use optlab::linalg::msign::{msign, NsVariant};
use optlab::linalg::singular_values;
use optlab::optim::config::MAX_NS_STEPS;
use optlab::run::to_csv;
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
        /// Run even when the estimated work passes the limit (about one minute).
        #[arg(long)]
        no_limit: bool,
    },
    /// Train a small network on 2-D data (a training spec, or a JSON list of specs for a fair comparison)
    /// and print the metrics recorded every `eval_every` steps.
    Train {
        /// The spec (JSON); `-` reads standard input.
        spec: String,
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Train even when the estimated work passes the limit (about one minute).
        #[arg(long)]
        no_limit: bool,
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

/// Largest estimated work (native nanoseconds of the cost model) `run` and `train` start without `--no-limit`.
const WORK_LIMIT_NS: f64 = 60e9;

/// Refuses work past [`WORK_LIMIT_NS`] unless `no_limit`, with the estimate and the flag that lifts the limit.
fn check_work(ns: f64, no_limit: bool) -> Result<(), String> {
    if no_limit || ns <= WORK_LIMIT_NS {
        return Ok(());
    }
    Err(format!(
        "error: this spec needs an estimated {} of computation ({ns:.1e} ns by the cost model, one multiply-add ≈ 1 ns), \
         more than the limit of {}; make it smaller (steps, runs, sizes) or pass --no-limit to run it anyway",
        duration(ns / 1e9),
        duration(WORK_LIMIT_NS / 1e9)
    ))
}

/// `seconds` as a short readable duration: "45 s", "12 min", "3.5 h", "1.6 days".
fn duration(seconds: f64) -> String {
    if seconds < 90.0 {
        format!("{seconds:.0} s")
    } else if seconds < 5400.0 {
        format!("{:.0} min", seconds / 60.0)
    } else if seconds < 172_800.0 {
        format!("{:.1} h", seconds / 3600.0)
    } else {
        format!("{:.1} days", seconds / 86_400.0)
    }
}

/// A progress bar with an ETA on stderr, drawn only when stderr is a terminal and the work has taken more
/// than two seconds (never in the `--format` output).
struct Progress {
    start: std::time::Instant,
    drawn: Option<std::time::Instant>,
    terminal: bool,
}

impl Progress {
    fn new() -> Self {
        use std::io::IsTerminal;
        Progress { start: std::time::Instant::now(), drawn: None, terminal: std::io::stderr().is_terminal() }
    }

    fn update(&mut self, fraction: f64) {
        let elapsed = self.start.elapsed().as_secs_f64();
        if !self.terminal || elapsed < 2.0 || self.drawn.is_some_and(|d| d.elapsed().as_secs_f64() < 0.25) {
            return;
        }
        let f = fraction.clamp(0.0, 1.0);
        let filled = (f * 30.0).round() as usize;
        let eta = if f > 0.0 { duration(elapsed * (1.0 - f) / f) } else { "?".into() };
        eprint!("\r[{}{}] {:>3.0}%  ETA {eta}   ", "#".repeat(filled), ".".repeat(30 - filled), f * 100.0);
        self.drawn = Some(std::time::Instant::now());
    }

    fn finish(&mut self) {
        if self.drawn.is_some() {
            eprint!("\r{}\r", " ".repeat(60));
        }
    }
}

/// Every problem of the spec on its own line, `error: path: message`, in the order the validator found them.
fn spec_err(e: SpecError) -> String {
    e.lines().iter().map(|l| format!("error: {l}")).collect::<Vec<_>>().join("\n")
}

fn execute(cli: Cli) -> Result<String, String> {
    match cli.command {
        Command::Run { spec, format, no_limit } => {
            let spec = Spec::from_json(&read_input(&spec)?).map_err(spec_err)?;
            let problem = spec.validate().map_err(spec_err)?;
            check_work(optlab::run::work(&spec, problem.as_ref()), no_limit)?;
            let total = (spec.steps * spec.runs.len()).max(1) as f64;
            let mut bar = Progress::new();
            let report = optlab::run::run_on_with_progress(&spec, problem.as_ref(), false, &mut |done| bar.update(done as f64 / total))
                .map_err(spec_err)?;
            bar.finish();
            Ok(match format {
                Format::Json => serde_json::to_string(&report).expect("finite numbers serialise") + "\n",
                Format::Csv => to_csv(&report),
            })
        }
        Command::Train { spec, format, no_limit } => {
            let specs = optlab::train::report::parse_specs(&read_input(&spec)?).map_err(spec_err)?;
            let trainers = optlab::train::report::trainers(&specs).map_err(spec_err)?;
            check_work(trainers.iter().map(optlab::train::cost::remaining_work).sum(), no_limit)?;
            let mut bar = Progress::new();
            let report = optlab::train::report::run_trainers(trainers, &mut |f| bar.update(f));
            bar.finish();
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
