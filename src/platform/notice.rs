//! A trouble that would otherwise repeat every poll (Bluesky DMs off for an app password):
//! said once when it starts, quiet while it lasts, said again only after it went away.

use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct Trouble(Mutex<State>);

#[derive(Debug, Default)]
struct State {
    active: bool,
    /// Said once to the status bar, then taken.
    pending: Option<String>,
}

impl Trouble {
    /// Records a failure; true when it is new (the caller logs it then, and only then).
    pub fn failed(&self, notice: impl FnOnce() -> String) -> bool {
        let mut state = self.0.lock().expect("trouble lock");
        if state.active {
            return false;
        }
        state.active = true;
        state.pending = Some(notice());
        true
    }

    /// Records a success; true when it ends a trouble.
    pub fn recovered(&self) -> bool {
        let mut state = self.0.lock().expect("trouble lock");
        state.pending = None;
        std::mem::take(&mut state.active)
    }

    /// The notice of a new trouble, once.
    pub fn take_notice(&self) -> Option<String> {
        self.0.lock().expect("trouble lock").pending.take()
    }
}

#[cfg(test)]
mod tests {
    use super::Trouble;

    #[test]
    fn a_lasting_trouble_is_said_once_and_again_after_a_recovery() {
        let trouble = Trouble::default();
        assert!(trouble.failed(|| "DMs unavailable".into()));
        assert!(!trouble.failed(|| unreachable!("said already")));
        assert_eq!(trouble.take_notice().as_deref(), Some("DMs unavailable"));
        assert_eq!(trouble.take_notice(), None);
        assert!(!trouble.failed(|| unreachable!("said already")));
        assert!(trouble.recovered());
        assert!(!trouble.recovered());
        assert!(trouble.failed(|| "DMs unavailable again".into()));
    }
}
