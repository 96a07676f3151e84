//! Runs a notify command: `sh -c` in its own process group, the escalation on stdin,
//! stopped at its timeout with everything it started.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::notify::Attempt;

/// The most of the command's stderr kept for the error message.
const STDERR_KEEP: usize = 16 * 1024;

pub async fn run(command: &str, payload: &str, timeout: Duration) -> Attempt {
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
        // Its own group, so a timeout stops what the shell started too.
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return fail(format!("cannot start the notify command: {e}")),
    };
    let group = child.id();
    // The payload is written beside the wait: a command that does not read its input
    // (a full pipe) must not hold the timeout off, and EPIPE is not an error.
    let stdin = child.stdin.take();
    let payload = payload.as_bytes().to_vec();
    let writer = tokio::spawn(async move {
        if let Some(mut stdin) = stdin {
            let _ = stdin.write_all(&payload).await;
        }
    });
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let reader = child.stderr.take().map(|mut pipe| {
        let stderr = stderr.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buf).await {
                let mut kept = stderr.lock().unwrap_or_else(|e| e.into_inner());
                kept.extend_from_slice(&buf[..n]);
                let excess = kept.len().saturating_sub(STDERR_KEEP);
                kept.drain(..excess);
            }
        })
    });
    let status = tokio::time::timeout(timeout, child.wait()).await;
    writer.abort();
    if let Err(_) | Ok(Err(_)) = status {
        kill_group(group);
        let _ = child.wait().await;
    }
    if let Some(reader) = reader {
        // Something the command left running may hold stderr open: wait a moment only.
        if tokio::time::timeout(Duration::from_millis(500), reader)
            .await
            .is_err()
        {
            tracing::debug!("notify command: stderr still open after it exited");
        }
    }
    let status = match status {
        Err(_) => {
            return fail(format!(
                "the notify command timed out: it did not finish within {}s and was stopped",
                timeout.as_secs()
            ))
        }
        Ok(Err(e)) => return fail(format!("the notify command failed: {e}")),
        Ok(Ok(status)) => status,
    };
    let code = status.code();
    if status.success() {
        return Attempt {
            ok: true,
            exit_status: code,
            ..Attempt::default()
        };
    }
    let stderr = stderr.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let stderr = String::from_utf8_lossy(&stderr);
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

/// SIGKILL to the command's whole process group.
fn kill_group(group: Option<u32>) {
    let Some(pgid) = group.and_then(|g| libc::pid_t::try_from(g).ok()) else {
        return;
    };
    // SAFETY: killpg only sends a signal; the group is the one the command was spawned
    // in (process_group(0) makes its id the shell's pid, which we have not reaped yet).
    let _ = unsafe { libc::killpg(pgid, libc::SIGKILL) };
}
