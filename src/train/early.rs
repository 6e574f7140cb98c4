//! Early stopping, read off a run's metric history: where the rule would have stopped and which weights it
//! would have kept.
//!
//! The rule is the one of PyTorch Lightning's `EarlyStopping(monitor="val_loss", mode="min", min_delta=0)`
//! and Keras's `EarlyStopping(restore_best_weights=True)`: at each evaluation the monitored loss is an
//! improvement when it is strictly below the best so far; the run stops at the first evaluation at which
//! the best is `patience` old, and the best evaluation's weights are kept. Lightning and Keras count the
//! patience in evaluations (validation epochs); here it is in optimizer steps, since how often the
//! metrics are evaluated is not the user's choice: the run stops at the first evaluation at least
//! `patience` steps after the best one (with evaluations every `e` steps, Lightning's patience
//! `⌈patience / e⌉`).
//!
//! The monitored loss is the test loss: the trainings here have no separate validation split, so the
//! test set stands in for it, and the test loss at the chosen step is biased low (the step was chosen
//! by it).

use super::Metrics;

/// Where the rule stands on a history (see the module's documentation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EarlyStop<'a> {
    /// The evaluation with the lowest test loss among those up to the stop (or up to the last one): the
    /// first of equal ones.
    pub best: &'a Metrics,
    /// The evaluation at which the rule stops, if it has: the first one at least `patience` steps
    /// after `best`.
    pub stop: Option<&'a Metrics>,
}

/// The rule on `history` (evaluations in step order) with a patience of `patience` steps (at least 1);
/// `None` when no evaluation has a finite test loss (no test set, or a run diverged from the start).
/// Evaluations whose test loss is not finite never improve on the best.
pub fn early_stop(history: &[Metrics], patience: usize) -> Option<EarlyStop<'_>> {
    let patience = patience.max(1);
    let mut best: Option<&Metrics> = None;
    for m in history {
        let loss = m.test_loss.filter(|l| l.is_finite());
        match (best, loss) {
            (None, Some(_)) => best = Some(m),
            (Some(b), Some(l)) if l < b.test_loss.unwrap_or(f64::INFINITY) => best = Some(m),
            (Some(b), _) if m.step >= b.step + patience => return Some(EarlyStop { best: b, stop: Some(m) }),
            _ => {}
        }
    }
    best.map(|best| EarlyStop { best, stop: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(losses: &[(usize, Option<f64>)]) -> Vec<Metrics> {
        losses
            .iter()
            .map(|&(step, test_loss)| Metrics {
                step,
                epoch: 0,
                samples: 0,
                lr: None,
                batch_loss: None,
                train_loss: 1.0,
                train_accuracy: 0.5,
                test_loss,
                test_accuracy: test_loss.map(|_| 0.5),
            })
            .collect()
    }

    fn steps(h: &[Metrics], patience: usize) -> Option<(usize, Option<usize>)> {
        early_stop(h, patience).map(|e| (e.best.step, e.stop.map(|m| m.step)))
    }

    #[test]
    fn stops_at_the_first_evaluation_patience_steps_after_the_best() {
        let h = history(&[(0, Some(1.0)), (10, Some(0.5)), (20, Some(0.6)), (30, Some(0.7)), (40, Some(0.4)), (50, Some(0.8))]);
        // patience 20: after step 10's 0.5, steps 20 and 30 do not improve; 30 is 20 steps after it
        assert_eq!(steps(&h, 20), Some((10, Some(30))));
        // patience 21: step 40 improves before the patience runs out; then the history ends
        assert_eq!(steps(&h, 21), Some((40, None)));
        // patience 1 counts steps: the first evaluation without improvement stops it
        assert_eq!(steps(&h, 1), Some((10, Some(20))));
        // 0 is read as 1
        assert_eq!(steps(&h, 0), Some((10, Some(20))));
    }

    #[test]
    fn an_equal_loss_is_no_improvement_as_with_min_delta_0() {
        let h = history(&[(0, Some(1.0)), (5, Some(0.5)), (10, Some(0.5)), (15, Some(0.5))]);
        assert_eq!(steps(&h, 10), Some((5, Some(15))));
        assert_eq!(steps(&h, 11), Some((5, None)));
    }

    #[test]
    fn evaluations_without_a_finite_test_loss_never_improve() {
        let h = history(&[(0, None), (10, Some(f64::NAN)), (20, Some(2.0)), (30, Some(f64::INFINITY)), (40, Some(3.0))]);
        assert_eq!(steps(&h, 20), Some((20, Some(40))));
        assert_eq!(steps(&history(&[(0, None), (10, None)]), 5), None);
        assert_eq!(steps(&[], 5), None);
    }

    #[test]
    fn before_the_patience_runs_out_it_has_not_stopped() {
        let h = history(&[(0, Some(1.0)), (10, Some(2.0)), (20, Some(3.0))]);
        assert_eq!(steps(&h, 25), Some((0, None)));
        assert_eq!(steps(&h, 20), Some((0, Some(20))));
    }
}
