//! Every "try this" bullet of every chapter is an executable scenario: it starts from the chapter's defaults,
//! sets the controls the bullet names, and asserts the outcome the bullet describes on computed quantities
//! (never on strings). One test per chapter runs its scenarios in order and fails when a bullet has no
//! scenario, or when a bullet's text changed without its scenario being revisited (each scenario names the
//! start of the bullet it holds).

#[path = "try_this/common.rs"]
mod common;

macro_rules! chapters {
    ($($name:ident = $path:literal),* $(,)?) => {
        $(
            #[path = $path]
            mod $name;
            #[test]
            fn $name() {
                common::check_chapter(&common::chapter_id(stringify!($name)), $name::SCENARIOS);
            }
        )*
    };
}

chapters!(
    minibatch = "try_this/minibatch.rs",
    landscapes = "try_this/landscapes.rs",
    momentum = "try_this/momentum.rs",
    adaptive = "try_this/adaptive.rs",
    weight_decay = "try_this/weight_decay.rs",
    schedules = "try_this/schedules.rs",
    lookahead = "try_this/lookahead.rs",
    sam = "try_this/sam.rs",
    muon = "try_this/muon.rs",
    race = "try_this/race.rs",
    training = "try_this/training.rs",
);
