//! The script of a run spec: the objective in torch, the start point, the batches of a finite sum, one
//! `build` per run, and the loop of `optlab run` (see [`crate::run::run_one`]).

use super::code::{optimizer_code, py_floats, py_int_rows, py_num, py_rows, py_str};
use super::{reference, run_loop, MAX_EXPORT_NUMBERS};
use crate::problems::{batch_rng, ProblemSpec};
use crate::spec::{Spec, SpecError};
use ndarray::Array2;
use std::fmt::Write;

fn rows_of(a: &Array2<f64>) -> Vec<Vec<f64>> {
    a.rows().into_iter().map(|r| r.to_vec()).collect()
}

fn too_big(what: &str, n: usize) -> SpecError {
    SpecError::new(
        "spec",
        format!("{what} would write {n} numbers into the script (at most {MAX_EXPORT_NUMBERS}); choose a smaller problem or fewer steps"),
    )
}

/// The problem's Python definition: `f(x, idx=None)` over `x` of shape `SHAPE`, and `BATCHES`.
fn problem_code(spec: &Spec) -> Result<String, SpecError> {
    let p = "problem";
    let mut out = String::new();
    match &spec.problem {
        ProblemSpec::Quadratic(_) | ProblemSpec::ConditionedQuadratic(_) => {
            let q = match &spec.problem {
                ProblemSpec::Quadratic(s) => s.build(p)?,
                ProblemSpec::ConditionedQuadratic(s) => s.build(p)?,
                _ => unreachable!(),
            };
            if let ProblemSpec::ConditionedQuadratic(s) = &spec.problem {
                let _ = writeln!(
                    out,
                    "# conditioned_quadratic (kappa = {}, angle = {}°, l_max = {}) is the quadratic with this A and b = 0",
                    py_num(s.kappa),
                    py_num(s.angle),
                    py_num(s.l_max)
                );
            }
            let _ = writeln!(out, "A = torch.tensor({})", py_rows(&rows_of(&q.a)));
            let _ = writeln!(out, "B = torch.tensor({})\n\n", py_floats(&q.b.to_vec()));
            out += "def f(x, idx=None):\n    \"\"\"½xᵀAx − bᵀx.\"\"\"\n    v = x.reshape(-1)\n    return 0.5 * v @ A @ v - B @ v\n";
        }
        ProblemSpec::Rosenbrock(s) => {
            let _ = writeln!(
                out,
                "def f(x, idx=None):\n    \"\"\"Rosenbrock (a − u)² + b(v − u²)².\"\"\"\n    u, v = x.reshape(-1)\n    return ({} - u) ** 2 + {} * (v - u**2) ** 2",
                py_num(s.a),
                py_num(s.b)
            );
        }
        ProblemSpec::Saddle(_) => {
            out += "def f(x, idx=None):\n    \"\"\"The saddle u² − v².\"\"\"\n    u, v = x.reshape(-1)\n    return u**2 - v**2\n"
        }
        ProblemSpec::Plateau(s) => {
            let _ = writeln!(
                out,
                "def f(x, idx=None):\n    \"\"\"The plateau 1 − exp(−‖x‖²/(2w²)).\"\"\"\n    return 1 - torch.exp(-(x**2).sum() / (2 * {}**2))",
                py_num(s.width)
            );
        }
        ProblemSpec::FlatSharp(s) => {
            use crate::problems::{FLAT_CENTER, SHARP_CENTER};
            let well = |d: f64, w: f64, centre: [f64; 2]| {
                format!(
                    "{} * torch.exp(-((u - {}) ** 2 + (v - {}) ** 2) / (2 * {}**2))",
                    py_num(d),
                    py_num(centre[0]),
                    py_num(centre[1]),
                    py_num(w)
                )
            };
            let _ = writeln!(
                out,
                "def f(x, idx=None):\n    \"\"\"A weak bowl with a sharp deep well and a flat shallower one.\"\"\"\n    u, v = x.reshape(-1)\n    \
                 return {} * (u**2 + v**2) - {} - {}",
                py_num(s.bowl),
                well(s.sharp_depth, s.sharp_width, SHARP_CENTER),
                well(s.flat_depth, s.flat_width, FLAT_CENTER)
            );
        }
        ProblemSpec::MatrixLeastSquares(_) | ProblemSpec::RandomMatrixLeastSquares(_) => {
            let m = match &spec.problem {
                ProblemSpec::MatrixLeastSquares(s) => s.build(p)?,
                ProblemSpec::RandomMatrixLeastSquares(s) => s.build(p, spec.seed)?,
                _ => unreachable!(),
            };
            let n = m.x.len() + m.y.len();
            if n > MAX_EXPORT_NUMBERS {
                return Err(too_big("the data X and Y", n));
            }
            if matches!(spec.problem, ProblemSpec::RandomMatrixLeastSquares(_)) {
                let _ = writeln!(out, "# random_matrix_least_squares: optlab's X and Y drawn from seed {}", spec.seed);
            }
            let _ = writeln!(out, "X = torch.tensor({})  # features × n", py_rows(&rows_of(&m.x)));
            let _ = writeln!(out, "Y = torch.tensor({})  # rows × n", py_rows(&rows_of(&m.y)));
            let _ = writeln!(out, "LOSS_SCALE = {}\n\n", py_num(m.loss_scale));
            out += "def f(w, idx=None):\n    \"\"\"λ‖WX − Y‖²_F/(2n).\"\"\"\n    r = w @ X - Y\n";
            if m.loss_scale == 1.0 {
                out += "    return (r**2).sum() / (2 * X.shape[1])\n";
            } else {
                out += "    return LOSS_SCALE * (r**2).sum() / (2 * X.shape[1])\n";
            }
        }
        ProblemSpec::FiniteSum(s) => {
            let fs = s.build(p, spec.seed)?;
            let n = fs.a.len() + fs.y.len();
            if n > MAX_EXPORT_NUMBERS {
                return Err(too_big("the samples", n));
            }
            let _ = writeln!(out, "# finite_sum: optlab's samples drawn from seed {} (rows aᵢ, targets yᵢ)", spec.seed);
            let _ = writeln!(out, "A = torch.tensor({})", py_rows(&rows_of(&fs.a)));
            let _ = writeln!(out, "Y = torch.tensor({})\n\n", py_floats(&fs.y));
            out += "def f(x, idx=None):\n    \"\"\"(1/N)Σ ½(aᵢᵀx − yᵢ)² over all rows, or over the rows `idx` of a mini-batch.\"\"\"\n    \
                    a, y = (A, Y) if idx is None else (A[idx], Y[idx])\n    r = a @ x.reshape(-1) - y\n    return 0.5 * (r**2).mean()\n";
        }
    }
    Ok(out)
}

/// Every step's mini-batch (the same for every run of the spec), when the problem draws them.
fn batches(spec: &Spec) -> Result<Option<Vec<Vec<usize>>>, SpecError> {
    let problem = spec.validate()?;
    let mut rng = batch_rng(spec.seed);
    let mut out = Vec::new();
    let mut count = 0usize;
    for _ in 0..spec.steps {
        match problem.sample_batch(&mut rng) {
            None => return Ok(None),
            Some(b) => {
                count += b.len();
                if count > MAX_EXPORT_NUMBERS {
                    return Err(too_big("the mini-batches of every step", count.saturating_mul(spec.steps / out.len().max(1))));
                }
                out.push(b);
            }
        }
    }
    Ok(if out.is_empty() { None } else { Some(out) })
}

/// The whole script.
pub fn script(spec: &Spec) -> Result<String, SpecError> {
    let problem = spec.validate()?;
    let shape = problem.shape();
    let batches = batches(spec)?;
    let mut s = String::new();
    s += "#!/usr/bin/env python3\n";
    let _ = writeln!(
        s,
        "\"\"\"Exported by `optlab export-torch` from a run spec (problem {}, {} run(s), {} steps, seed {}).\n",
        spec.problem.kind(),
        spec.runs.len(),
        spec.steps,
        spec.seed
    );
    s += "PyTorch in float64, no optlab: prints the JSON of `optlab run --format json` for the same spec\n\
          (loss, parameters flattened row-major, learning rate, gradient norm), which optlab's own numbers match\n\
          to about 1e-9. Run: python3 this_file.py\n\"\"\"\n\n";
    s += reference()?;
    s += "\n\n# ----------------------------------------------------------------------------------------------------------\n";
    let _ = writeln!(s, "# The problem: {}\n", spec.problem.kind());
    s += &problem_code(spec)?;
    let _ = writeln!(s, "\n\nSHAPE = ({}, {})  # the parameter: rows × cols (a vector is one column)", shape.0, shape.1);
    let _ = writeln!(s, "X0 = {}", py_floats(&spec.x0.flat()));
    let _ = writeln!(s, "STEPS = {}", spec.steps);
    let f_ref = problem.minimum().filter(|m| m.is_finite());
    match f_ref {
        Some(m) => {
            let _ = writeln!(s, "F_REF = {}  # f*, the problem's minimum value: runs stop when they explode away from it", py_num(m));
        }
        None => s += "F_REF = 0.0  # f* is not known in closed form: the explosion stop measures the loss from 0\n",
    }
    s += "EXPLOSION = 1e6\n";
    match &batches {
        None => s += "BATCHES = None  # deterministic: every step uses the full gradient\n",
        Some(b) => {
            let _ = writeln!(s, "# optlab's mini-batch of each step (row indices; from seed {}, the same for every run)", spec.seed);
            let _ = writeln!(s, "BATCHES = {}", py_int_rows(b));
        }
    }
    s += "\n\n# ----------------------------------------------------------------------------------------------------------\n";
    s += "# The runs: each `build` makes the optimizer (and its scheduler, stepped once after every step)\n";
    for (i, r) in spec.runs.iter().enumerate() {
        let _ = writeln!(s, "\n\ndef build_{i}(params):");
        let _ = writeln!(s, "    \"\"\"Run {i}: {}.\"\"\"", r.optimizer.kind());
        s += &optimizer_code(&r.optimizer, &r.schedule, None);
    }
    let runs: Vec<String> = (0..spec.runs.len()).map(|i| format!("    ({}, build_{i}),\n", py_str(&spec.label(i)))).collect();
    let _ = write!(s, "\n\nRUNS = [\n{}]\n", crate::checks::join_strs(&runs, ""));
    s += run_loop()?;
    Ok(s)
}
