//! Escalations: opening and resolving them, and the protocol from
//! `[escalation]` in the config that says who hears about each severity and what the CM
//! does next. Notifications are rows written with the escalation, naming the protocol
//! step they stand for ([`step`]), sent by [`notify`].

pub mod checklist;
mod command;
pub mod incident;
pub mod notify;
pub mod step;
mod webhook;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use crate::domain::Severity;

pub use crate::store::escalations::{open_list, NewEscalation, OpenEscalation, Topic};
pub use checklist::ChecklistStep;
pub use incident::{open, open_views, resolve_items, IncidentView, Opened};

/// `[escalation]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EscalationConfig {
    /// Reasons offered when flagging: short name → description.
    #[serde(default)]
    pub reasons: BTreeMap<String, String>,
    /// `[escalation.protocol.low|high|critical]`.
    #[serde(default)]
    pub protocol: BTreeMap<Severity, Protocol>,
    /// `[escalation.spike]`: flag a surge of negative items.
    #[serde(default)]
    pub spike: Option<SpikeConfig>,
    /// A rule (or the spike detector) matching again while an incident of the same topic
    /// has been open less than this attaches the item to it instead of opening another.
    #[serde(
        default = "default_group_within",
        deserialize_with = "crate::config::deserialize_duration"
    )]
    pub group_within: Duration,
    /// Who ticks checklist steps on this machine (default: `$USER`).
    #[serde(default)]
    pub user: Option<String>,
}

impl Default for EscalationConfig {
    fn default() -> Self {
        EscalationConfig {
            reasons: BTreeMap::new(),
            protocol: BTreeMap::new(),
            spike: None,
            group_within: default_group_within(),
            user: None,
        }
    }
}

fn default_group_within() -> Duration {
    Duration::from_secs(24 * 3600)
}

impl EscalationConfig {
    /// Who ticks a step: `[escalation] user`, else `$USER`, else "local".
    pub fn who(&self) -> String {
        self.user
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "local".into())
    }
}

/// What happens when an escalation of one severity opens.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    /// Run with `sh -c`, the escalation as JSON on standard input.
    pub notify_command: Option<String>,
    #[serde(
        default = "default_timeout",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub notify_timeout: Duration,
    /// POSTed the escalation as JSON; retried with backoff.
    pub webhook: Option<String>,
    /// Tries per notification before it is marked failed (the CM can retry it).
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// Steps shown to the CM beside the incident's items, ticked as they are done: a
    /// string, or `{ step = "...", within = "30m" }` for a deadline from the opening.
    #[serde(default)]
    pub checklist: Vec<ChecklistStep>,
}

/// `[escalation.spike]`: negative items per hour against a rolling baseline.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SpikeConfig {
    #[serde(default = "default_spike_name")]
    pub name: String,
    /// How far back the baseline reaches.
    #[serde(
        default = "default_window",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub window: Duration,
    /// Fire when the last hour has at least this many times the baseline's mean...
    pub multiple: Option<f64>,
    /// ...or is this many standard deviations above it.
    pub z_score: Option<f64>,
    /// Never fire on fewer negative items than this in the hour.
    #[serde(default = "default_min_count")]
    pub min_count: u64,
    /// After firing, stay quiet this long.
    #[serde(
        default = "default_cooldown",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub cooldown: Duration,
    #[serde(default = "default_spike_severity")]
    pub severity: Severity,
    /// Items with this tag count as negative too (e.g. one a crisis rule sets), so the
    /// detector works before or without automatic sentiment.
    pub tag: Option<String>,
}

fn default_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_attempts() -> u32 {
    5
}
fn default_spike_name() -> String {
    "negative spike".into()
}
fn default_window() -> Duration {
    Duration::from_secs(24 * 3600)
}
fn default_min_count() -> u64 {
    5
}
fn default_cooldown() -> Duration {
    Duration::from_secs(6 * 3600)
}
fn default_spike_severity() -> Severity {
    Severity::Critical
}

impl EscalationConfig {
    /// Problems the config parser cannot see.
    pub fn check(&self) -> std::result::Result<(), String> {
        for (severity, p) in &self.protocol {
            if let Some(url) = &p.webhook {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(format!(
                        "[escalation.protocol.{severity}]: webhook `{url}` is not an http(s) URL"
                    ));
                }
            }
            if p.max_attempts == 0 {
                return Err(format!(
                    "[escalation.protocol.{severity}]: max_attempts must be at least 1"
                ));
            }
        }
        if let Some(s) = &self.spike {
            if s.multiple.is_none() && s.z_score.is_none() {
                return Err(format!(
                    "[escalation.spike] `{}`: set `multiple` or `z_score`",
                    s.name
                ));
            }
            if s.window.as_secs() < 3600 {
                return Err(format!(
                    "[escalation.spike] `{}`: window must be at least 1h",
                    s.name
                ));
            }
        }
        Ok(())
    }
}

impl PartialOrd for Severity {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Severity {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let rank = |s: &Severity| match s {
            Severity::Low => 0,
            Severity::High => 1,
            Severity::Critical => 2,
        };
        rank(self).cmp(&rank(other))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::notify::{self, Attempt};
    use super::*;

    /// A config whose critical protocol has the given command and webhook.
    pub(super) fn protocol_config(
        command: Option<&str>,
        webhook: Option<&str>,
        max_attempts: u32,
    ) -> EscalationConfig {
        let mut config = EscalationConfig::default();
        config.protocol.insert(
            Severity::Critical,
            Protocol {
                notify_command: command.map(Into::into),
                notify_timeout: Duration::from_secs(5),
                webhook: webhook.map(Into::into),
                max_attempts,
                checklist: vec!["call the SMM".into()],
            },
        );
        config
    }

    /// A store with one item and an escalation whose protocol has a command and a webhook.
    pub(super) fn store_with_escalation(
        command: &str,
        webhook: &str,
        max_attempts: u32,
    ) -> (tempfile::TempDir, rusqlite::Connection, i64) {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::store::open_rw(&dir.path().join("hark.db")).unwrap();
        let account = crate::store::ingest::ensure_account(&conn, "a", "chirp", "@brand").unwrap();
        let item = crate::store::ingest::Incoming::from(crate::domain::NewItem {
            external_id: "x1".into(),
            kind: crate::domain::ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: None,
            author: crate::domain::NewAuthor {
                external_id: "u".into(),
                handle: "@dana".into(),
                display_name: "Dana".into(),
                followers: Some(48_000),
            },
            body: "readers report illness after the cold brew".into(),
            url: None,
            created_at: 100,
            raw_json: None,
            room: None,
        });
        let report = crate::store::ingest::ingest(&mut conn, account, &[item], None, 100).unwrap();
        let config = protocol_config(Some(command), Some(webhook), max_attempts);
        let id = open(
            &conn,
            &NewEscalation {
                item_id: Some(report.inserted[0]),
                linked: vec![],
                severity: Severity::Critical,
                reason: "press".into(),
                actor: "user".into(),
                topic: Default::default(),
            },
            &config,
            200,
        )
        .unwrap()
        .incident;
        (dir, conn, id)
    }

    #[test]
    fn opening_writes_one_notification_per_channel_with_the_payload() {
        let (_dir, conn, id) = store_with_escalation("true", "http://127.0.0.1:1/hook", 3);
        let due = notify::due(&conn, 200).unwrap();
        assert_eq!(due.len(), 2);
        // The rows name the protocol step, never the command or the URL.
        assert_eq!(due[0].step, "critical/command");
        assert_eq!(due[1].step, "critical/webhook");
        let payload: serde_json::Value = serde_json::from_str(&due[0].payload).unwrap();
        assert_eq!(payload["incident_id"], id);
        assert_eq!(payload["notice"], "opened");
        assert_eq!(payload["severity"], "critical");
        assert_eq!(payload["added"][0]["author"], "@dana");
        assert_eq!(payload["checklist"][0]["step"], "call the SMM");
        assert_eq!(payload["next_step"], "call the SMM");
        let event = crate::store::peek::event_details(&conn, "escalation").join("\n");
        assert!(event.contains("\"op\":\"open\""), "{event}");
    }

    #[test]
    fn failures_are_retried_with_backoff_then_kept_as_failed_until_retried() {
        let (_dir, mut conn, _) = store_with_escalation("false", "http://127.0.0.1:1/hook", 2);
        let fail = Attempt {
            ok: false,
            exit_status: Some(1),
            http_status: None,
            error: Some("the notify command exited with 1".into()),
        };
        let first = notify::due(&conn, 200).unwrap()[0].id;
        notify::record(&mut conn, first, &fail, 200).unwrap();
        // Not due again until the backoff passes.
        assert!(notify::due(&conn, 200)
            .unwrap()
            .iter()
            .all(|d| d.id != first));
        let retry_at = 200 + notify::retry_delay(1);
        assert!(notify::due(&conn, retry_at)
            .unwrap()
            .iter()
            .any(|d| d.id == first));
        notify::record(&mut conn, first, &fail, retry_at).unwrap();
        let row = crate::store::peek::notification(&conn, first);
        let (state, attempts, error) =
            (row.state, row.attempts, row.last_error.unwrap_or_default());
        assert_eq!((state.as_str(), attempts), ("failed", 2));
        assert!(error.contains("exited with 1"));
        let tries = crate::store::peek::attempt_exit_statuses(&conn, first)
            .into_iter()
            .filter(|status| *status == Some(1))
            .count();
        assert_eq!(tries, 2, "every try is on record with its exit status");
        let listed = open_list(&conn).unwrap();
        assert_eq!(listed[0].failed_notifications, 1, "the failure is visible");
        assert!(notify::due(&conn, 1_000_000)
            .unwrap()
            .iter()
            .all(|d| d.id != first));
        let config = protocol_config(Some("false"), None, 2);
        assert_eq!(
            notify::retry_failed(&conn, &config, 5_000).unwrap().queued,
            1
        );
        assert!(notify::due(&conn, 5_000)
            .unwrap()
            .iter()
            .any(|d| d.id == first));
        notify::record(
            &mut conn,
            first,
            &Attempt {
                ok: true,
                exit_status: Some(0),
                ..Attempt::default()
            },
            5_000,
        )
        .unwrap();
        let state = crate::store::peek::notification(&conn, first).state;
        assert_eq!(state, "sent");
    }

    #[tokio::test]
    async fn the_notifier_sends_due_rows_through_the_writer_and_survives_a_restart() {
        use wiremock::matchers::method;
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .expect(1)
            .mount(&server)
            .await;
        let hook = format!("{}/h", server.uri());
        let (dir, conn, _) = store_with_escalation("exit 0", &hook, 3);
        drop(conn);
        // A restart: a new writer on the same file finds the pending rows.
        let writer = crate::store::Writer::spawn(&dir.path().join("hark.db")).unwrap();
        let notifier = notify::Notifier::new(protocol_config(Some("exit 0"), Some(&hook), 3));
        let sent = notifier.run_once(&writer.handle()).await.unwrap();
        assert_eq!(sent, 2);
        let states: Vec<String> = writer
            .handle()
            .call(|c| Ok(crate::store::peek::notifications(c)))
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.state)
            .collect();
        assert_eq!(states, vec!["sent", "sent"]);
    }

    #[test]
    fn resolving_closes_the_items_escalations_with_an_outcome() {
        let (_dir, mut conn, id) = store_with_escalation("true", "http://127.0.0.1:1/h", 3);
        let item = crate::store::peek::escalation(&conn, id).item_id.unwrap();
        assert_eq!(open_list(&conn).unwrap().len(), 1);
        assert_eq!(
            resolve_items(
                &mut conn,
                &[item],
                "statement published",
                "user",
                &EscalationConfig::default(),
                900
            )
            .unwrap(),
            1
        );
        assert!(open_list(&conn).unwrap().is_empty());
        let row = crate::store::peek::escalation(&conn, id);
        let (resolved_at, outcome) = (row.resolved_at.unwrap(), row.outcome.unwrap());
        assert_eq!(
            (resolved_at, outcome.as_str()),
            (900, "statement published")
        );
        assert_eq!(
            resolve_items(
                &mut conn,
                &[item],
                "again",
                "user",
                &EscalationConfig::default(),
                901
            )
            .unwrap(),
            0
        );
    }

    #[test]
    fn a_bad_protocol_is_a_config_error() {
        let err = crate::config::Config::parse(
            "[escalation.protocol.critical]\nwebhook = \"ftp://x\"\n",
            std::path::Path::new("c.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("not an http(s) URL"), "{err}");
        let err = crate::config::Config::parse(
            "[escalation.spike]\nmin_count = 3\n",
            std::path::Path::new("c.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("set `multiple` or `z_score`"), "{err}");
    }

    /// Two processes share the data directory (the TUI and `hark poll --once`): each
    /// notification is claimed by one of them and runs once, even when the hook is slow.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_notifiers_on_one_file_send_each_notification_once() {
        use wiremock::matchers::method;
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(800)))
            .mount(&server)
            .await;
        let hook = format!("{}/h", server.uri());
        let dir = tempfile::tempdir().unwrap();
        let count = dir.path().join("runs");
        let command = format!("echo run >> '{}'", count.display());
        let (dir_, conn, _) = store_with_escalation(&command, &hook, 3);
        drop(conn);
        let path = dir_.path().join("hark.db");
        let (w1, w2) = (
            crate::store::Writer::spawn(&path).unwrap(),
            crate::store::Writer::spawn(&path).unwrap(),
        );
        let config = protocol_config(Some(&command), Some(&hook), 3);
        let (a, b) = (
            notify::Notifier::new(config.clone()),
            notify::Notifier::new(config),
        );
        let (ha, hb) = (w1.handle(), w2.handle());
        let (ra, rb) = tokio::join!(a.run_once(&ha), b.run_once(&hb));
        assert_eq!(
            ra.unwrap() + rb.unwrap(),
            2,
            "two notifications, each tried once"
        );
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
        let runs = std::fs::read_to_string(&count).unwrap_or_default();
        assert_eq!(runs.lines().count(), 1, "the command ran once");
    }

    /// A notification whose claimer died mid-run is sent again once its lease runs out,
    /// never while it lives.
    #[test]
    fn an_expired_notification_claim_is_sent_again_and_a_live_one_is_left_alone() {
        use crate::outbox::lease::Owner;
        let (_dir, mut conn, _) = store_with_escalation("true", "http://127.0.0.1:1/h", 3);
        let id = crate::store::peek::notifications(&conn)[0].id;
        let now = crate::domain::now();
        assert!(notify::claim(&mut conn, id, &Owner::new(), now, 60).unwrap());
        assert!(
            !notify::claim(&mut conn, id, &Owner::new(), now + 1, 60).unwrap(),
            "claimed once"
        );
        assert_eq!(notify::reconcile(&mut conn, now + 30).unwrap(), 0);
        assert_eq!(notify::reconcile(&mut conn, now + 61).unwrap(), 1);
        // (a lease holds through its last second: now + 60)
        let state = crate::store::peek::notification(&conn, id).state;
        assert_eq!(state, "pending");
    }
}
