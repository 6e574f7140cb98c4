//! The script of a training spec (or a fair comparison): the data split as optlab made it, the network
//! with its initial weights, the batch order, one `build` per run, and the loop of `optlab train` (see
//! [`crate::train::Trainer`]).

use super::code::{optimizer_code, py_floats, py_int_rows, py_ints, py_rows, py_str};
use super::{reference, train_loop, MAX_EXPORT_NUMBERS};
use crate::spec::SpecError;
use crate::train::groups::uses_muon;
use crate::train::trainer::{batch_sampler, dropout_mask, dropout_rng};
use crate::train::{Activation, Loss, TrainSpec};
use std::fmt::Write;

/// Every epoch's order of the training rows that optlab's seeded sampler uses within `steps` steps (the last
/// one cut where the run ends).
fn epoch_orders(spec: &TrainSpec, n_train: usize, steps: usize) -> Result<Vec<Vec<usize>>, SpecError> {
    let mut sampler = batch_sampler(spec, n_train);
    let mut orders: Vec<Vec<usize>> = vec![Vec::new()];
    let mut count = 0usize;
    for _ in 0..steps {
        let b = sampler.next_batch();
        count += b.len();
        if count > MAX_EXPORT_NUMBERS {
            return Err(SpecError::new(
                "steps",
                format!("the shuffled batch order of {steps} steps is too long to write into a script (more than {MAX_EXPORT_NUMBERS} indices); lower steps or set data.shuffle to false"),
            ));
        }
        let last = orders.last_mut().expect("one order");
        last.extend_from_slice(b);
        if last.len() == n_train {
            orders.push(Vec::new());
        }
    }
    if orders.last().is_some_and(Vec::is_empty) {
        orders.pop();
    }
    Ok(orders)
}

/// The dropout masks of the first `steps` steps as optlab draws them (see [`crate::train::trainer::dropout_mask`]),
/// one hex string per step: the step's factors row after row (rows of its batch, then hidden layers, then units),
/// 1 for a kept unit and 0 for a dropped one, four to a hex digit (the first the highest bit), zeros after the last.
fn dropout_masks(spec: &TrainSpec, n_train: usize, units: usize, steps: usize) -> Result<Vec<String>, SpecError> {
    let mut sampler = batch_sampler(spec, n_train);
    let mut rng = dropout_rng(spec.seed);
    let (mut out, mut mask, mut count) = (Vec::with_capacity(steps), Vec::new(), 0usize);
    for _ in 0..steps {
        let rows = sampler.next_batch().len();
        dropout_mask(&mut rng, spec.model.dropout, rows, units, &mut mask);
        count += mask.len();
        if count > MAX_EXPORT_NUMBERS {
            return Err(SpecError::new(
                "steps",
                format!("the dropout masks of {steps} steps are too long to write into a script (more than {MAX_EXPORT_NUMBERS} units); lower steps"),
            ));
        }
        let hex: String = mask
            .chunks(4)
            .map(|c| {
                let v = c.iter().enumerate().fold(0u32, |v, (i, f)| v | (u32::from(*f != 0.0) << (3 - i)));
                char::from_digit(v, 16).expect("a hex digit")
            })
            .collect();
        out.push(hex);
    }
    Ok(out)
}

/// The whole script.
pub fn script(specs: &[TrainSpec]) -> Result<String, SpecError> {
    let trainers = crate::train::compare(specs).map_err(|e| {
        if specs.len() == 1 {
            SpecError::new(crate::checks::without_first_index(&e.path).to_string(), e.message)
        } else {
            e
        }
    })?;
    let first = &specs[0];
    let t = &trainers[0];
    let data = t.data();
    let mlp = t.mlp();
    let d = data.dim();
    let written = (data.train.len() + data.test.len()) * (d + 1) + t.params().len();
    if written > MAX_EXPORT_NUMBERS {
        return Err(SpecError::new(
            "data",
            format!("the data and the weights would write {written} numbers into the script (at most {MAX_EXPORT_NUMBERS})"),
        ));
    }
    let max_steps = specs.iter().map(|s| s.steps).max().unwrap_or(0);
    let orders = if first.shuffle() { Some(epoch_orders(first, data.train.len(), max_steps)?) } else { None };

    let mut s = String::new();
    s += "#!/usr/bin/env python3\n";
    let _ = writeln!(
        s,
        "\"\"\"Exported by `optlab export-torch` from a training spec ({} run(s), {} training and {} test rows of {d} \
         features, {} classes, seed {}).\n",
        specs.len(),
        data.train.len(),
        data.test.len(),
        data.classes,
        first.seed
    );
    s += "PyTorch in float64, no optlab: prints the JSON of `optlab train --format json` for the same spec, which\n\
          optlab's own numbers match to about 1e-9. Run: python3 this_file.py\n\"\"\"\n\n";
    s += reference()?;
    s += "\nfrom torch.utils.data import DataLoader, TensorDataset  # noqa: E402\n";
    s += "\n\n# ----------------------------------------------------------------------------------------------------------\n";
    s += "# The data, split into training and test rows as optlab split it (after its input and label noise)\n\n";
    let _ = writeln!(s, "X_TRAIN = torch.tensor({}).reshape(-1, {d})", py_rows(&data.train.x));
    let _ = writeln!(s, "Y_TRAIN = torch.tensor({}, dtype=torch.long)", py_ints(&data.train.y));
    let _ = writeln!(s, "X_TEST = torch.tensor({}).reshape(-1, {d})", py_rows(&data.test.x));
    let _ = writeln!(s, "Y_TEST = torch.tensor({}, dtype=torch.long)", py_ints(&data.test.y));
    let _ = writeln!(s, "BATCH_SIZE = {}", first.batch_size);
    match &orders {
        None => s += "ORDERS = None  # data.shuffle = false: every epoch takes the rows in order (DataLoader(shuffle=False))\n",
        Some(o) => {
            let _ =
                writeln!(s, "# optlab's shuffled order of the training rows in each epoch (seed {}), cut into batches in turn", first.seed);
            let _ = writeln!(s, "ORDERS = {}", py_int_rows(o));
        }
    }
    s += "\n\n# ----------------------------------------------------------------------------------------------------------\n";
    let bn = first.model.batch_norm;
    s += if bn {
        "# The network: nn.Sequential(Linear(bias=False), BatchNorm1d, act, …, Linear); INIT is torch.cat([p.flatten() for p in \
         model.parameters()])\n\n"
    } else {
        "# The network: nn.Sequential(Linear, act, …, Linear); INIT is torch.cat([p.flatten() for p in model.parameters()])\n\n"
    };
    let act = match first.model.activation {
        Activation::Tanh => "nn.Tanh()",
        Activation::Relu => "nn.ReLU()",
        Activation::Gelu => "nn.GELU(approximate=\"tanh\")",
    };
    let p = first.model.dropout;
    if p > 0.0 {
        s += "\n\nclass MaskedDropout(nn.Module):\n    \"\"\"nn.Dropout(p) after a hidden activation with optlab's mask of the step: `input * noise` while \
              `noise` is set\n    (a training step: set_dropout in the loop below), the identity otherwise (evaluation, as \
              model.eval()).\"\"\"\n\n    def __init__(self, width):\n        super().__init__()\n        \
              self.width, self.noise = width, None\n\n    def forward(self, x):\n        \
              return x if self.noise is None else x * self.noise\n\n\n";
    }
    let mut layers = Vec::new();
    let last = mlp.layers().len() - 1;
    for (l, layer) in mlp.layers().iter().enumerate() {
        if layer.norm {
            layers.push(format!("nn.Linear({}, {}, bias=False), nn.BatchNorm1d({})", layer.fan_in, layer.fan_out, layer.fan_out));
        } else {
            layers.push(format!("nn.Linear({}, {})", layer.fan_in, layer.fan_out));
        }
        if l < last {
            layers.push(act.to_string());
            if p > 0.0 {
                layers.push(format!("MaskedDropout({})", layer.fan_out));
            }
        }
    }
    let _ = writeln!(s, "LAYERS = [{}]", crate::checks::join_strs(&layers, ", "));
    if p > 0.0 {
        let masks = dropout_masks(first, data.train.len(), mlp.hidden_units(), max_steps)?;
        let _ = writeln!(
            s,
            "# dropout p = {}: optlab's mask of each step (its own ChaCha8 stream, not torch's generator), one hex string per \
             step: the kept (1) and dropped (0) units of each row of the batch, hidden layer after layer, four to a digit",
            super::py_num(p)
        );
        let _ = writeln!(s, "DROPOUT = {}", super::py_num(p));
        let quoted: Vec<String> = masks.iter().map(|m| format!("\"{m}\"")).collect();
        let _ = writeln!(s, "MASKS = [{}]", crate::checks::join_strs(&quoted, ", "));
    } else {
        s += "MASKS = None  # no dropout\n";
    }
    let _ = writeln!(s, "INIT = {}", py_floats(t.params()));
    match first.model.loss {
        Loss::CrossEntropy => s += "criterion = nn.CrossEntropyLoss()\n",
        Loss::Squared => {
            s += "\n\ndef criterion(z, y):\n    \"\"\"½‖z − onehot(y)‖² per row, averaged.\"\"\"\n    \
                  return 0.5 * ((z - nn.functional.one_hot(y, z.shape[1]).double()) ** 2).sum(1).mean()\n"
        }
    }
    s += "\n\n# ----------------------------------------------------------------------------------------------------------\n";
    s += "# The runs: each `build` makes the optimizer (and its schedulers, stepped once after every step)\n";
    for (i, spec) in specs.iter().enumerate() {
        let _ = writeln!(s, "\n\ndef build_{i}(model, params):");
        let _ = writeln!(s, "    \"\"\"Run {i}: {}.\"\"\"", spec.optimizer.kind());
        let muon = uses_muon(&spec.optimizer);
        if muon {
            s += "    linears = [m for m in model if isinstance(m, nn.Linear)]\n";
            s += "    hidden_ids = {id(m.weight) for m in linears[1:-1]}\n";
            s += "    hidden = [p for p in params if id(p) in hidden_ids]\n";
            s += "    rest = [p for p in params if id(p) not in hidden_ids]\n";
        }
        s += &optimizer_code(&spec.optimizer, &spec.schedule, muon.then_some(&spec.adamw));
    }
    let runs: Vec<String> = specs
        .iter()
        .enumerate()
        .map(|(i, sp)| format!("    ({}, build_{i}, {}, {}),\n", py_str(&sp.label()), sp.steps, sp.eval_every))
        .collect();
    let _ = write!(s, "\n\nRUNS = [\n{}]\n", crate::checks::join_strs(&runs, ""));
    s += train_loop()?;
    Ok(s)
}
