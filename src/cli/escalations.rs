//! `hark escalations`: open escalations; `--retry` requeues failed notifications (the
//! one write).

use super::cache::read_only;
use crate::domain::now;
use crate::sanitize::inert_line;
use crate::workspace::Workspace;

pub fn run(workspace: &Workspace, retry: bool) -> anyhow::Result<()> {
    if retry {
        let writer = workspace.open_store()?;
        let config = workspace.config.escalation.clone();
        let retried = writer.handle().call_blocking(move |conn| {
            crate::escalation::notify::retry_failed(conn, &config, now())
        })?;
        println!("{retried}");
        return Ok(());
    }
    let conn = read_only(workspace)?;
    let open = crate::escalation::open_list(&conn)?;
    if open.is_empty() {
        println!("no open escalations");
    }
    let t = now();
    for e in open {
        println!(
            "#{} {:<8} {:>4} old  {} ({} item{}){}",
            e.id,
            e.severity,
            crate::tui::format::age(t, e.opened_at),
            inert_line(&e.reason),
            e.items,
            if e.items == 1 { "" } else { "s" },
            if e.failed_notifications > 0 {
                format!(
                    "  · {} notification(s) FAILED: hark escalations --retry",
                    e.failed_notifications
                )
            } else {
                String::new()
            }
        );
    }
    Ok(())
}
