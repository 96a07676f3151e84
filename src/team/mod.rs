//! Team mode: several community managers share one inbox through PostgreSQL (`[team]`).
//!
//! Without a `[team]` section hark is a single CM's tool and nothing here runs.

pub mod config;
pub mod connect;
pub mod sync;

use config::TeamConfig;

/// This machine's name in the team: `[team] machine`, else the host name.
pub fn machine_name(team: &TeamConfig) -> String {
    if let Some(name) = team.machine.as_deref().filter(|n| !n.trim().is_empty()) {
        return name.trim().to_string();
    }
    host_name().unwrap_or_else(|| "this-machine".into())
}

fn host_name() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that much.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return None;
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).trim().to_string();
    (!name.is_empty()).then_some(name)
}
