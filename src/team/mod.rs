//! Team mode: several community managers share one inbox through PostgreSQL (`[team]`).
//!
//! Without a `[team]` section hark is a single CM's tool and nothing here runs.

pub mod config;

use config::TeamConfig;

/// What of `[team]` the cache keeps for this machine (who this CM is, the members in
/// round-robin order, the moderators), or why the section cannot be used.
pub fn local(team: &TeamConfig) -> anyhow::Result<crate::store::team::Local> {
    let me = team.me.trim();
    if me.is_empty() {
        anyhow::bail!("[team] me is empty: write this CM's name (me = \"sam\")");
    }
    if let Some(how) = team.auto_assign.as_deref() {
        if how != crate::store::team::ROUND_ROBIN {
            anyhow::bail!(
                "[team] auto_assign = \"{}\" is not known: the one way is \"round-robin\"",
                crate::sanitize::inert_line(how)
            );
        }
    }
    let known = |name: &String| name == me || team.members.contains(name);
    if let Some(stranger) = team.moderators.iter().find(|m| !known(m)) {
        anyhow::bail!(
            "[team] moderators names `{}`, who is not in members",
            crate::sanitize::inert_line(stranger)
        );
    }
    Ok(crate::store::team::Local {
        me: me.to_string(),
        members: team.members.clone(),
        moderators: team.moderators.clone(),
        auto_assign: team.auto_assign.clone(),
    })
}

/// Every name `A` may assign to: the members, and this CM if not listed.
pub fn names(team: &TeamConfig) -> Vec<String> {
    let mut names = team.members.clone();
    if !names.iter().any(|n| n == &team.me) {
        names.push(team.me.clone());
    }
    names
}

/// Rules that assign (`then = { assign = "ana" }`) name a CM of `[team]`; without
/// `[team]` no rule may assign.
pub fn check_rules(
    rules: &[crate::rules::RuleConfig],
    team: Option<&TeamConfig>,
) -> anyhow::Result<()> {
    for rule in rules {
        let Some(cm) = &rule.then.assign else {
            continue;
        };
        let name = crate::sanitize::inert_line(&rule.name);
        match team {
            None => anyhow::bail!(
                "rule `{name}`: `assign` needs team mode (a [team] section with its members)"
            ),
            Some(team) if !names(team).contains(cm) => anyhow::bail!(
                "rule `{name}`: assigns to `{}`, who is not in [team] members",
                crate::sanitize::inert_line(cm)
            ),
            Some(_) => {}
        }
    }
    Ok(())
}
