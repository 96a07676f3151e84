//! Logs go to a daily file in the data directory, never to the terminal (the TUI owns it).

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// The environment variable that sets the log level (`HARK_LOG=debug`).
pub const LOG_ENV: &str = "HARK_LOG";

/// Starts logging into `dir/hark.log.<date>`; keep the guard alive until exit so the last
/// lines are written.
pub fn init(dir: &Path) -> anyhow::Result<WorkerGuard> {
    crate::private_fs::create_private_dir(dir)?;
    // The builder reports a log file it cannot create; `rolling::daily` would panic.
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("hark.log")
        .build(dir)
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot write hark's log in {}: {}",
                dir.display(),
                std::error::Error::source(&e)
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| e.to_string())
            )
        })?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new("info"));
    // A second init (tests) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init();
    Ok(guard)
}
