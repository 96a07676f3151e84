//! The protocol's checklist as steps that get done: each step is ticked (by whom, when),
//! the next one shows on the incident's items, and a step with `within` has a deadline
//! counted from the incident's opening.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::domain::UnixTime;
use crate::store::incidents::StepDone;

/// One step of `checklist = [...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistStep {
    pub text: String,
    /// Due this long after the incident opened.
    pub within: Option<Duration>,
}

impl From<&str> for ChecklistStep {
    fn from(text: &str) -> Self {
        ChecklistStep {
            text: text.into(),
            within: None,
        }
    }
}

impl<'de> Deserialize<'de> for ChecklistStep {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            step: String,
            #[serde(default, deserialize_with = "optional_duration")]
            within: Option<Duration>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Text(String),
            Full(Full),
        }
        Ok(
            match Written::deserialize(d).map_err(|_| {
                serde::de::Error::custom(
                    "a checklist step is a string or { step = \"...\", within = \"30m\" }",
                )
            })? {
                Written::Text(text) => ChecklistStep { text, within: None },
                Written::Full(f) => ChecklistStep {
                    text: f.step,
                    within: f.within,
                },
            },
        )
    }
}

fn optional_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    crate::config::deserialize_duration(d).map(Some)
}

/// Where one step stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepState {
    Done {
        by: String,
        at: UnixTime,
    },
    /// Not done; `due` is its deadline, if it has one.
    Open {
        due: Option<UnixTime>,
    },
    /// Not done and its deadline has passed.
    Missed {
        due: UnixTime,
    },
}

/// Each step of `steps` with where it stands for an incident opened at `opened_at`.
pub fn states(
    steps: &[ChecklistStep],
    done: &[StepDone],
    opened_at: UnixTime,
    now: UnixTime,
) -> Vec<(usize, StepState)> {
    steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            if let Some(d) = done.iter().find(|d| d.step == i) {
                return (
                    i,
                    StepState::Done {
                        by: d.by.clone(),
                        at: d.at,
                    },
                );
            }
            let due = step.within.map(|w| opened_at + w.as_secs() as i64);
            match due {
                Some(due) if now > due => (i, StepState::Missed { due }),
                due => (i, StepState::Open { due }),
            }
        })
        .collect()
}

/// The first step not done yet, with its state.
pub fn next(
    steps: &[ChecklistStep],
    done: &[StepDone],
    opened_at: UnixTime,
    now: UnixTime,
) -> Option<(usize, StepState)> {
    states(steps, done, opened_at, now)
        .into_iter()
        .find(|(_, s)| !matches!(s, StepState::Done { .. }))
}
