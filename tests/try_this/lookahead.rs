//! The lookahead chapter's try-this bullets as scenarios (see tests/try_this.rs).

use crate::common::Scenario;

pub const SCENARIOS: &[Scenario] = &[];
