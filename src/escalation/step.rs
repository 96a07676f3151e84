//! Protocol steps: what a notification row names instead of a command or a URL
//! (the config is the only source of anything executed). A row says
//! `critical/command`; the command, URL and timeout come from the config when it runs.

use std::time::Duration;

use super::{EscalationConfig, Protocol};
use crate::domain::Severity;

/// How one step is sent, as the current config says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    /// Run with `sh -c`, the escalation as JSON on standard input.
    Command { command: String, timeout: Duration },
    /// POSTed the escalation as JSON.
    Webhook { url: String, timeout: Duration },
}

/// The channels a protocol has, by name, in the order they are written.
pub fn channels(protocol: &Protocol) -> Vec<&'static str> {
    let mut names = Vec::new();
    if protocol.notify_command.is_some() {
        names.push("command");
    }
    if protocol.webhook.is_some() {
        names.push("webhook");
    }
    names
}

/// The stored name of a step: `severity/channel`.
pub fn name(severity: Severity, channel: &str) -> String {
    format!("{}/{channel}", severity.as_str())
}

/// The step's channel as configured now; the error says why it is not run. The step name
/// comes from the database, so it is quoted only after checking it is one we wrote.
pub fn resolve(config: &EscalationConfig, step: &str) -> Result<Channel, String> {
    let parsed = step.split_once('/').and_then(|(severity, channel)| {
        let severity: Severity = severity.parse().ok()?;
        matches!(channel, "command" | "webhook").then_some((severity, channel))
    });
    let Some((severity, channel)) = parsed else {
        return Err("not a protocol step; not run".into());
    };
    let gone = || format!("protocol step {step} is no longer in the config; not run");
    let protocol = config.protocol.get(&severity).ok_or_else(gone)?;
    let timeout = protocol.notify_timeout.max(Duration::from_secs(1));
    match channel {
        "command" => protocol
            .notify_command
            .clone()
            .map(|command| Channel::Command { command, timeout })
            .ok_or_else(gone),
        _ => protocol
            .webhook
            .clone()
            .map(|url| Channel::Webhook { url, timeout })
            .ok_or_else(gone),
    }
}
