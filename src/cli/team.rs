//! `hark team init` and `hark team status`.

use anyhow::Context;

use crate::store::team_pg;
use crate::team::connect::TeamDb;
use crate::workspace::Workspace;

/// A machine heard from within this many seconds is online.
const ONLINE_SECS: i64 = 60;

fn team_db(workspace: &Workspace) -> anyhow::Result<(TeamDb, &crate::team::config::TeamConfig)> {
    let team = workspace.config.team.as_ref().context(
        "no [team] section in the config: team mode is off (see the README's Team mode)",
    )?;
    Ok((TeamDb::from_config(team)?, team))
}

/// Creates or updates the team schema.
pub fn init(workspace: &Workspace) -> anyhow::Result<()> {
    let (db, _) = team_db(workspace)?;
    super::runtime()?.block_on(async {
        let mut client = db.connect().await?;
        let (found, now) = team_pg::migrate(&mut client)
            .await
            .map_err(|e| db.query_error(&e))?;
        if found == now {
            println!("the team database {} is up to date (schema {now})", db.at());
        } else {
            println!(
                "the team database {} is ready (schema {found} -> {now})",
                db.at()
            );
        }
        Ok(())
    })
}

/// Who is online, and which machine polls each account.
pub fn status(workspace: &Workspace, out: &mut impl std::io::Write) -> anyhow::Result<()> {
    let (db, team) = team_db(workspace)?;
    let me = crate::team::machine_name(team);
    super::runtime()?.block_on(async {
        let client = db.connect().await?;
        if team_pg::version(&client)
            .await
            .map_err(|e| db.query_error(&e))?
            == 0
        {
            anyhow::bail!(
                "the team database {} has no hark schema yet: run `hark team init`",
                db.at()
            );
        }
        let machines = team_pg::machines(&client)
            .await
            .map_err(|e| db.query_error(&e))?;
        let away = team_pg::away(&client)
            .await
            .map_err(|e| db.query_error(&e))?;
        writeln!(out, "team database {} · this machine: {me}", db.at())?;
        writeln!(out, "machines:")?;
        if machines.is_empty() {
            writeln!(out, "  none has run hark on this team yet")?;
        }
        for m in &machines {
            let state = if m.silent_secs <= ONLINE_SECS {
                "online".to_string()
            } else {
                format!("offline (last seen {})", ago(m.silent_secs))
            };
            let away = if away.contains(&m.cm) { " · away" } else { "" };
            writeln!(out, "  {:<20} {:<12} {state}{away}", m.machine, m.cm)?;
        }
        if !away.is_empty() {
            writeln!(out, "away (round-robin skips them): {}", away.join(", "))?;
        }
        writeln!(out, "pollers:")?;
        let leases = team_pg::poll_leases(&client)
            .await
            .map_err(|e| db.query_error(&e))?;
        if leases.is_empty() {
            writeln!(out, "  no account is polled by the team yet")?;
        }
        for (account, machine, cm, left) in leases {
            let held = if left >= 0 {
                format!("polled by {machine} ({cm})")
            } else {
                format!("nobody (the lease of {machine} ran out {} ago)", ago(-left))
            };
            writeln!(out, "  {account:<20} {held}")?;
        }
        if let Some(line) = cache_line(workspace) {
            writeln!(out, "{line}")?;
        }
        Ok(())
    })
}

/// What this machine's cache says about following the team, when there is something to
/// say: the changes that wait for rows it has not received yet.
fn cache_line(workspace: &Workspace) -> Option<String> {
    let path = workspace.db_path();
    if !path.exists() {
        return None;
    }
    let counted =
        crate::store::open_ro(&path).and_then(|conn| crate::store::team_parked::count(&conn));
    match counted {
        Ok(n) => parked_line(n),
        Err(e) => Some(format!("this cache: cannot be read ({e})")),
    }
}

fn parked_line(waiting: i64) -> Option<String> {
    match waiting {
        0 => None,
        1 => {
            Some("this cache: 1 team change waits for a row this cache has not received yet".into())
        }
        n => Some(format!(
            "this cache: {n} team changes wait for rows this cache has not received yet"
        )),
    }
}

fn ago(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s => format!("{} h", s / 3600),
    }
}

/// Starts team mode when the config has `[team]`; `None` (and nothing started) without
/// it. The accounts offered for poll leases are those configured here (this machine holds
/// their tokens), polled as often as the most eager of them.
pub async fn start_in(
    workspace: &crate::workspace::Workspace,
    writer: crate::store::WriterHandle,
) -> anyhow::Result<Option<crate::team::Team>> {
    let Some(team) = workspace.config.team.as_ref() else {
        return Ok(None);
    };
    let accounts: Vec<String> = workspace
        .config
        .accounts
        .iter()
        .map(|a| a.name.clone())
        .collect();
    let interval = workspace
        .config
        .accounts
        .iter()
        .map(|a| workspace.config.poll.interval_for(a))
        .min()
        .unwrap_or(workspace.config.poll.interval);
    Ok(Some(
        crate::team::Team::start(team, writer, accounts, interval).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::team_sync::{apply, Incoming, Schema};

    fn workspace(dir: &std::path::Path) -> Workspace {
        Workspace::new(
            crate::config::Config::default(),
            dir.join("config.toml"),
            dir.to_path_buf(),
        )
    }

    /// A tag for an item of an account this cache has never seen.
    fn tag_of_a_stranger(seq: i64) -> Incoming {
        let account = serde_json::json!(["elsewhere"]).to_string();
        let item = serde_json::json!([account, format!("x{seq}")]).to_string();
        Incoming {
            seq,
            tbl: "tags".into(),
            key: serde_json::json!([item, "vip"]).to_string(),
            fields: serde_json::Map::new(),
            changed: Vec::new(),
            deleted: false,
            conflicts: Vec::new(),
            at: 1_000,
            elsewhere: true,
        }
    }

    #[test]
    fn status_says_how_many_team_changes_wait_for_rows_this_cache_has_not_received() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace(dir.path());
        assert_eq!(cache_line(&ws), None, "no cache yet: nothing to say");
        let mut conn = crate::store::open_rw(&ws.db_path()).unwrap();
        let schema = Schema::read(&conn).unwrap();
        crate::store::team_sync::install_capture(&conn, &schema).unwrap();
        assert_eq!(cache_line(&ws), None, "nothing waits: nothing to say");
        apply(&mut conn, &schema, "sam-laptop", &[tag_of_a_stranger(1)]).unwrap();
        assert_eq!(
            cache_line(&ws).as_deref(),
            Some("this cache: 1 team change waits for a row this cache has not received yet")
        );
        apply(
            &mut conn,
            &schema,
            "sam-laptop",
            &[tag_of_a_stranger(2), tag_of_a_stranger(3)],
        )
        .unwrap();
        assert_eq!(
            cache_line(&ws).as_deref(),
            Some("this cache: 3 team changes wait for rows this cache has not received yet")
        );
    }
}
