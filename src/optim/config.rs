//! Every optimizer config in one place for the code that builds specs (chapters, trainings): re-exports of
//! the configs that live beside their optimizers (`sgd.rs`, `adam.rs`, …), and of the registry.

pub use super::adagrad::Adagrad;
pub use super::adam::{Adam, Coupled, DecayKind, Decoupled};
pub use super::lookahead::LookaheadSpec;
pub use super::muon::{MomentumForm, Muon, MuonScale};
pub use super::newton::NewtonSpec;
pub use super::rmsprop::Rmsprop;
pub use super::sam::SamSpec;
pub use super::sgd::Sgd;
pub use super::{Kind, OptimizerSpec, KINDS, MAX_DEPTH, MAX_NS_STEPS};
