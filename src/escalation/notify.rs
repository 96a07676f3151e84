//! Sends escalation notifications: a command (the escalation as JSON on stdin, killed
//! after its timeout, exit status recorded) or a webhook (POST JSON). Every try is a row
//! in `notification_attempts`; a failure is retried with backoff until `max_attempts`,
//! then the notification is `failed`, shown to the CM and retryable, never dropped.

use std::process::Stdio;
use std::time::Duration;

use rusqlite::{params, Connection};
use tokio::io::AsyncWriteExt;

use crate::domain::UnixTime;
use crate::store::{Result, WriterHandle};

/// A notification due to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub id: i64,
    pub channel: String,
    pub target: String,
    pub timeout_secs: i64,
    pub payload: String,
}

/// The outcome of one try.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attempt {
    pub ok: bool,
    pub exit_status: Option<i32>,
    pub http_status: Option<u16>,
    pub error: Option<String>,
}

/// Pending notifications whose time has come.
pub fn due(conn: &Connection, now: UnixTime) -> Result<Vec<Due>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, channel, target, timeout_secs, payload FROM notifications
         WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 20",
    )?;
    let rows = stmt.query_map([now], |r| {
        Ok(Due {
            id: r.get(0)?,
            channel: r.get(1)?,
            target: r.get(2)?,
            timeout_secs: r.get(3)?,
            payload: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The wait before try number `attempts + 1`: 30s doubling, at most an hour.
pub fn retry_delay(attempts: u32) -> i64 {
    (30i64 << attempts.saturating_sub(1).min(7)).min(3600)
}

/// Records one try and moves the notification on: sent, retried later, or failed.
pub fn record(conn: &mut Connection, id: i64, attempt: &Attempt, now: UnixTime) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO notification_attempts (notification_id, at, ok, exit_status, http_status, error)
         VALUES (?, ?, ?, ?, ?, ?)",
        params![
            id,
            now,
            attempt.ok,
            attempt.exit_status,
            attempt.http_status,
            attempt.error
        ],
    )?;
    let (attempts, max): (u32, u32) = tx.query_row(
        "UPDATE notifications SET attempts = attempts + 1 WHERE id = ? RETURNING attempts, max_attempts",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if attempt.ok {
        tx.execute(
            "UPDATE notifications SET state = 'sent', sent_at = ?2, last_error = NULL WHERE id = ?1",
            params![id, now],
        )?;
    } else if attempts >= max {
        tx.execute(
            "UPDATE notifications SET state = 'failed', last_error = ?2 WHERE id = ?1",
            params![id, attempt.error],
        )?;
        tracing::error!(
            notification = id,
            attempts,
            "escalation notification failed"
        );
    } else {
        tx.execute(
            "UPDATE notifications SET next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
            params![id, now + retry_delay(attempts), attempt.error],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Puts failed notifications back in the queue; returns how many.
pub fn retry_failed(conn: &Connection, now: UnixTime) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE notifications SET state = 'pending', attempts = 0, next_attempt_at = ?
         WHERE state = 'failed'",
        [now],
    )?)
}

/// Sends one notification once.
pub async fn send(due: &Due, client: &reqwest::Client) -> Attempt {
    let timeout = Duration::from_secs(due.timeout_secs.max(1) as u64);
    match due.channel.as_str() {
        "command" => run_command(&due.target, &due.payload, timeout).await,
        "webhook" => post(client, &due.target, &due.payload, timeout).await,
        other => Attempt {
            error: Some(format!("unknown channel `{other}`")),
            ..Attempt::default()
        },
    }
}

async fn run_command(command: &str, payload: &str, timeout: Duration) -> Attempt {
    let fail = |error: String| Attempt {
        error: Some(error),
        ..Attempt::default()
    };
    let mut child = match tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return fail(format!("cannot start the notify command: {e}")),
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is not an error.
        let _ = stdin.write_all(payload.as_bytes()).await;
    }
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Err(_) => fail(format!(
            "the notify command did not finish within {}s",
            timeout.as_secs()
        )),
        Ok(Err(e)) => fail(format!("the notify command failed: {e}")),
        Ok(Ok(out)) => {
            let code = out.status.code();
            if out.status.success() {
                Attempt {
                    ok: true,
                    exit_status: code,
                    ..Attempt::default()
                }
            } else {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let last = stderr.lines().last().unwrap_or("").trim();
                Attempt {
                    ok: false,
                    exit_status: code,
                    http_status: None,
                    error: Some(match code {
                        Some(c) if last.is_empty() => format!("the notify command exited with {c}"),
                        Some(c) => format!("the notify command exited with {c}: {last}"),
                        None => "the notify command was killed by a signal".into(),
                    }),
                }
            }
        }
    }
}

async fn post(client: &reqwest::Client, url: &str, payload: &str, timeout: Duration) -> Attempt {
    let result = client
        .post(url)
        .header("content-type", "application/json")
        .body(payload.to_string())
        .timeout(timeout)
        .send()
        .await;
    match result {
        Ok(resp) if resp.status().is_success() => Attempt {
            ok: true,
            http_status: Some(resp.status().as_u16()),
            ..Attempt::default()
        },
        Ok(resp) => Attempt {
            ok: false,
            http_status: Some(resp.status().as_u16()),
            exit_status: None,
            error: Some(format!("the webhook answered {}", resp.status())),
        },
        // Without the URL: it may carry a secret token.
        Err(e) => Attempt {
            error: Some(format!(
                "the webhook could not be reached{}",
                if e.is_timeout() { " (timeout)" } else { "" }
            )),
            ..Attempt::default()
        },
    }
}

/// Sends every due notification once; returns how many were tried. Looking for due rows
/// is a read on its own connection: a write job would wake the UI every time.
pub async fn run_once(writer: &WriterHandle, client: &reqwest::Client) -> Result<usize> {
    let now = crate::domain::now();
    let path = writer.path().to_path_buf();
    let due_now = tokio::task::spawn_blocking(move || {
        let conn = crate::store::open_ro(&path)?;
        due(&conn, now)
    })
    .await
    .map_err(|e| crate::store::Error::Invalid(format!("the notifier stopped: {e}")))??;
    let n = due_now.len();
    for item in due_now {
        let attempt = send(&item, client).await;
        if let Some(e) = &attempt.error {
            tracing::warn!(notification = item.id, channel = %item.channel, error = %e, "notification try failed");
        }
        let id = item.id;
        writer
            .call(move |conn| record(conn, id, &attempt, crate::domain::now()))
            .await?;
    }
    Ok(n)
}

/// Runs the notifier until the writer stops.
pub fn spawn(writer: WriterHandle) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = reqwest::Client::new();
        loop {
            match run_once(&writer, &client).await {
                Err(crate::store::Error::WriterGone) => return,
                Err(e) => tracing::error!(error = %e, "notifier"),
                Ok(_) => {}
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    })
}
