//! The `[team]` section: where the team's PostgreSQL is, who this CM is, and how the team
//! works (members, moderators, assignment).

use serde::Deserialize;

/// `[team]`. Absent: hark runs alone on its cache, exactly as without team mode.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TeamConfig {
    /// `postgres://user@host:port/db?sslmode=verify-full`: never with a password in it.
    pub database: String,
    /// An environment variable holding the database password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// A command printing the database password (a keychain or password manager).
    #[serde(default)]
    pub password_cmd: Option<String>,
    /// The CA certificate(s), PEM, that sign the server's certificate (for
    /// `sslmode=verify-ca` / `verify-full`); without it, the public web CAs. `sslrootcert` in
    /// the URL does the same.
    #[serde(default)]
    pub ca_file: Option<std::path::PathBuf>,
    /// This machine's name in the team (default: the host name): who polls which account.
    #[serde(default)]
    pub machine: Option<String>,
    /// This CM's name in the team ("sam").
    pub me: String,
    /// The team's CMs, for assignment and its Tab completion.
    #[serde(default)]
    pub members: Vec<String>,
    /// CMs who may delete, block and report; others' destructive moderation waits for one.
    #[serde(default)]
    pub moderators: Vec<String>,
    /// `"round-robin"` assigns new items needing a reply among CMs who are not away.
    #[serde(default)]
    pub auto_assign: Option<String>,
    /// With false, DMs stay in the cache of the machine that polled them.
    #[serde(default = "default_share_dms")]
    pub share_dms: bool,
}

fn default_share_dms() -> bool {
    true
}
