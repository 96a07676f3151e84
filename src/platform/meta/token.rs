//! The token inspecting itself with `debug_token`
//! (developers.facebook.com/docs/graph-api/reference/debug_token): whether it is valid,
//! which permissions it carries, and when it (or its data access) expires.

use serde::Deserialize;

use super::graph::{Graph, Purpose};
use super::Network;
use crate::platform::PlatformError;

/// What `debug_token` says of a token.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct TokenInfo {
    #[serde(default)]
    pub is_valid: bool,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub application: Option<String>,
    /// Unix seconds; 0 for a token that does not expire.
    #[serde(default)]
    pub expires_at: i64,
    /// Unix seconds after which the token reads nothing until renewed; 0 or absent for none.
    #[serde(default)]
    pub data_access_expires_at: i64,
    /// The Page a Page token belongs to.
    #[serde(default)]
    pub profile_id: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// The permissions each network needs, with what each is for.
pub fn required(network: Network) -> &'static [(&'static str, &'static str)] {
    match network {
        Network::Facebook => &[
            (
                "pages_read_engagement",
                "read the Page's posts and comments",
            ),
            (
                "pages_read_user_content",
                "read visitor posts and people's comments",
            ),
            (
                "pages_manage_engagement",
                "reply to, hide and delete comments",
            ),
        ],
        Network::Instagram => &[
            ("instagram_basic", "read the account's media"),
            (
                "instagram_manage_comments",
                "read, reply to, hide and delete comments",
            ),
            (
                "pages_read_engagement",
                "reach the account through its Facebook Page",
            ),
            (
                "instagram_manage_messages",
                "read and answer direct messages",
            ),
            (
                "pages_manage_metadata",
                "read direct messages through the linked Page",
            ),
        ],
    }
}

/// The permissions direct messages need: without them the rest still works, and the
/// status bar says once why DMs do not come in.
pub fn for_messages(network: Network) -> &'static [(&'static str, &'static str)] {
    match network {
        Network::Facebook => &[("pages_messaging", "read and answer Messenger conversations")],
        Network::Instagram => &[
            (
                "instagram_manage_messages",
                "read and answer direct messages",
            ),
            (
                "pages_manage_metadata",
                "read direct messages through the linked Page",
            ),
        ],
    }
}

/// The permissions of `list` that `info` lacks.
pub fn lacking(
    info: &TokenInfo,
    list: &'static [(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    list.iter()
        .filter(|(scope, _)| !info.scopes.iter().any(|s| s == scope))
        .copied()
        .collect()
}

/// The required permissions `info` lacks, each with what it is for.
pub fn missing(info: &TokenInfo, network: Network) -> Vec<(&'static str, &'static str)> {
    required(network)
        .iter()
        .filter(|(scope, _)| !info.scopes.iter().any(|s| s == scope))
        .copied()
        .collect()
}

/// Calls `debug_token` with the token itself.
pub async fn inspect(graph: &Graph) -> Result<TokenInfo, PlatformError> {
    #[derive(Deserialize)]
    struct Envelope {
        data: TokenInfo,
    }
    let body = graph
        .send("debug_token", Purpose::Write, graph.debug_token())
        .await?;
    serde_json::from_value::<Envelope>(body)
        .map(|e| e.data)
        .map_err(|e| PlatformError::Malformed(format!("debug_token: {e}")))
}

/// When the token stops working: the earlier of its expiry and its data access expiry.
pub fn ends_at(info: &TokenInfo) -> Option<i64> {
    [info.expires_at, info.data_access_expires_at]
        .into_iter()
        .filter(|t| *t > 0)
        .min()
}

/// The status bar's line when the token stops working within a week of `now`.
pub fn expiry_notice(info: &TokenInfo, network: Network, now: i64) -> Option<String> {
    let end = ends_at(info)?;
    if end - now > super::EXPIRY_WARNING {
        return None;
    }
    let when = crate::platform::rate_limit::clock_in(end, now, &jiff::tz::TimeZone::system());
    Some(if end <= now {
        format!(
            "{} token expired {when}: create a new one and run `hark account add {}`",
            network.name(),
            network.name()
        )
    } else {
        let days = (end - now) / 86_400;
        let left = match days {
            0 => "today".to_string(),
            1 => "in 1 day".to_string(),
            n => format!("in {n} days"),
        };
        format!(
            "{} token expires {when} ({left}): create a new one and run `hark account add {}`",
            network.name(),
            network.name()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000;

    fn info(expires_at: i64, data: i64) -> TokenInfo {
        TokenInfo {
            is_valid: true,
            expires_at,
            data_access_expires_at: data,
            scopes: vec!["pages_read_engagement".into()],
            ..TokenInfo::default()
        }
    }

    #[test]
    fn a_token_is_announced_a_week_before_it_ends_and_not_before() {
        assert_eq!(expiry_notice(&info(0, 0), Network::Facebook, NOW), None);
        assert_eq!(
            expiry_notice(&info(NOW + 8 * 86_400, 0), Network::Facebook, NOW),
            None
        );
        let soon = expiry_notice(&info(0, NOW + 5 * 86_400 + 60), Network::Instagram, NOW).unwrap();
        assert!(soon.starts_with("instagram token expires"), "{soon}");
        assert!(soon.contains("(in 5 days)"), "{soon}");
        let gone = expiry_notice(&info(NOW - 10, 0), Network::Facebook, NOW).unwrap();
        assert!(gone.starts_with("facebook token expired"), "{gone}");
    }

    #[test]
    fn missing_permissions_are_named_with_what_they_are_for() {
        let names: Vec<&str> = missing(&info(0, 0), Network::Facebook)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(
            names,
            ["pages_read_user_content", "pages_manage_engagement"]
        );
    }
}
