//! The bot's permissions in a channel, computed as Discord documents it (developer docs,
//! "Permissions" → "Permission Overwrites"): the guild owner has all; else `@everyone`'s
//! role OR the member's roles; ADMINISTRATOR has all; then the channel's `@everyone`
//! overwrite, the member's roles' overwrites together, and the member's own overwrite,
//! each as `(perms & !deny) | allow`.

use serde_json::Value;

pub const KICK_MEMBERS: u64 = 1 << 1;
pub const BAN_MEMBERS: u64 = 1 << 2;
pub const ADMINISTRATOR: u64 = 1 << 3;
pub const VIEW_CHANNEL: u64 = 1 << 10;
pub const SEND_MESSAGES: u64 = 1 << 11;
pub const MANAGE_MESSAGES: u64 = 1 << 13;
pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
pub const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;
pub const MODERATE_MEMBERS: u64 = 1 << 40;
pub const ALL: u64 = u64::MAX;

/// The guild-level facts the computation needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guild {
    pub id: String,
    pub owner_id: String,
    /// Role id → its permissions (the `@everyone` role's id is the guild's).
    pub roles: Vec<(String, u64)>,
}

/// The member the permissions are for (the bot).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Member {
    pub user_id: String,
    pub roles: Vec<String>,
}

/// One entry of a channel's `permission_overwrites` (type 0 a role, 1 a member).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overwrite {
    pub id: String,
    pub member: bool,
    pub allow: u64,
    pub deny: u64,
}

/// Permissions are strings of a big integer (API v8 and above).
pub fn bits(v: &Value) -> u64 {
    match v {
        Value::String(s) => s.trim().parse().unwrap_or(0),
        Value::Number(n) => n.as_u64().unwrap_or(0),
        _ => 0,
    }
}

impl Guild {
    /// From a guild object (`GET /guilds/{id}`).
    pub fn from_json(g: &Value) -> Guild {
        Guild {
            id: g["id"].as_str().unwrap_or_default().to_string(),
            owner_id: g["owner_id"].as_str().unwrap_or_default().to_string(),
            roles: g["roles"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| Some((r["id"].as_str()?.to_string(), bits(&r["permissions"]))))
                .collect(),
        }
    }

    fn role(&self, id: &str) -> u64 {
        self.roles
            .iter()
            .find(|(r, _)| r == id)
            .map_or(0, |(_, p)| *p)
    }

    /// The member's guild-wide permissions.
    pub fn base(&self, member: &Member) -> u64 {
        if member.user_id == self.owner_id {
            return ALL;
        }
        let mut perms = self.role(&self.id);
        for role in &member.roles {
            perms |= self.role(role);
        }
        if perms & ADMINISTRATOR != 0 {
            return ALL;
        }
        perms
    }

    /// The member's permissions in a channel with `overwrites`.
    pub fn in_channel(&self, member: &Member, overwrites: &[Overwrite]) -> u64 {
        let base = self.base(member);
        if base == ALL {
            return ALL;
        }
        let mut perms = base;
        if let Some(everyone) = overwrites.iter().find(|o| !o.member && o.id == self.id) {
            perms = (perms & !everyone.deny) | everyone.allow;
        }
        let (mut allow, mut deny) = (0, 0);
        for o in overwrites
            .iter()
            .filter(|o| !o.member && member.roles.contains(&o.id))
        {
            allow |= o.allow;
            deny |= o.deny;
        }
        perms = (perms & !deny) | allow;
        if let Some(own) = overwrites
            .iter()
            .find(|o| o.member && o.id == member.user_id)
        {
            perms = (perms & !own.deny) | own.allow;
        }
        perms
    }
}

impl Member {
    /// From a guild member object.
    pub fn from_json(user_id: &str, m: &Value) -> Member {
        Member {
            user_id: user_id.to_string(),
            roles: m["roles"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect(),
        }
    }
}

/// A channel's overwrites from its channel object.
pub fn overwrites(channel: &Value) -> Vec<Overwrite> {
    channel["permission_overwrites"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| {
            Some(Overwrite {
                id: o["id"].as_str()?.to_string(),
                // Older answers wrote the type as "role" / "member".
                member: o["type"] == 1 || o["type"] == "member",
                allow: bits(&o["allow"]),
                deny: bits(&o["deny"]),
            })
        })
        .collect()
}

/// What the bot can do, in the CM's words, with what it cannot.
pub fn describe(perms: u64) -> String {
    let can = |bit| perms & bit == bit;
    let named = [
        ("read", VIEW_CHANNEL | READ_MESSAGE_HISTORY),
        ("reply", VIEW_CHANNEL | SEND_MESSAGES),
        ("delete", MANAGE_MESSAGES),
        ("time out", MODERATE_MEMBERS),
        ("kick", KICK_MEMBERS),
        ("ban", BAN_MEMBERS),
    ];
    let yes: Vec<&str> = named
        .iter()
        .filter(|(_, b)| can(*b))
        .map(|(n, _)| *n)
        .collect();
    let no: Vec<&str> = named
        .iter()
        .filter(|(_, b)| !can(*b))
        .map(|(n, _)| *n)
        .collect();
    match (yes.is_empty(), no.is_empty()) {
        (true, _) => "nothing (no permission here)".into(),
        (false, true) => yes.join(", "),
        (false, false) => format!("{} (not: {})", yes.join(", "), no.join(", ")),
    }
}

/// The name of the permission a bit stands for, for refusals.
pub fn name(bit: u64) -> &'static str {
    match bit {
        KICK_MEMBERS => "Kick Members",
        BAN_MEMBERS => "Ban Members",
        VIEW_CHANNEL => "View Channel",
        SEND_MESSAGES => "Send Messages",
        MANAGE_MESSAGES => "Manage Messages",
        READ_MESSAGE_HISTORY => "Read Message History",
        SEND_MESSAGES_IN_THREADS => "Send Messages in Threads",
        MODERATE_MEMBERS => "Moderate Members",
        _ => "a permission",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn guild() -> Guild {
        Guild {
            id: "100".into(),
            owner_id: "1".into(),
            roles: vec![
                (
                    "100".into(),
                    VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY,
                ),
                ("200".into(), MANAGE_MESSAGES | MODERATE_MEMBERS),
                ("300".into(), ADMINISTRATOR),
            ],
        }
    }

    fn bot(roles: &[&str]) -> Member {
        Member {
            user_id: "9".into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn roles_add_up_and_the_owner_and_administrators_have_everything() {
        let g = guild();
        assert_eq!(
            g.base(&bot(&["200"])),
            VIEW_CHANNEL
                | SEND_MESSAGES
                | READ_MESSAGE_HISTORY
                | MANAGE_MESSAGES
                | MODERATE_MEMBERS
        );
        assert_eq!(g.base(&bot(&["300"])), ALL);
        let owner = Member {
            user_id: "1".into(),
            roles: vec![],
        };
        assert_eq!(g.base(&owner), ALL);
        let deny_all = [Overwrite {
            id: "100".into(),
            member: false,
            allow: 0,
            deny: ALL,
        }];
        assert_eq!(g.in_channel(&bot(&["300"]), &deny_all), ALL, "admin");
    }

    #[test]
    fn overwrites_apply_everyone_then_roles_together_then_the_member() {
        let g = guild();
        // A read-only announcements channel: @everyone may not send; the mod role may; and
        // this one bot is singled out and may not manage messages.
        let channel = json!({"permission_overwrites": [
            {"id": "100", "type": 0, "allow": "0", "deny": SEND_MESSAGES.to_string()},
            {"id": "200", "type": 0, "allow": SEND_MESSAGES.to_string(), "deny": "0"},
            {"id": "9", "type": 1, "allow": "0", "deny": MANAGE_MESSAGES.to_string()},
        ]});
        let ow = overwrites(&channel);
        let plain = g.in_channel(&bot(&[]), &ow);
        assert_eq!(plain & SEND_MESSAGES, 0);
        assert_ne!(plain & VIEW_CHANNEL, 0);
        let modded = g.in_channel(&bot(&["200"]), &ow);
        assert_ne!(
            modded & SEND_MESSAGES,
            0,
            "a role allow beats @everyone's deny"
        );
        assert_eq!(modded & MANAGE_MESSAGES, 0, "the member's own deny is last");
        assert_eq!(
            describe(plain),
            "read (not: reply, delete, time out, kick, ban)"
        );
        assert_eq!(describe(0), "nothing (no permission here)");
    }
}
