//! The `server` of an `[[account]]`: an address with its scheme, and plain http only where
//! nothing crosses a network (the token travels with every request).

use std::net::IpAddr;

/// Checks `server` and returns it without a trailing `/`. `allow_insecure` is the
/// account's opt-in to plain http on a non-loopback host.
pub fn check(server: &str, allow_insecure: bool) -> Result<String, String> {
    let trimmed = server.trim();
    if !trimmed.contains("://") {
        return Err(format!(
            "server `{trimmed}` needs a scheme: https://{}",
            trimmed.trim_start_matches('/')
        ));
    }
    let url = url::Url::parse(trimmed)
        .map_err(|e| format!("server `{trimmed}` is not an address: {e}"))?;
    let host = match (url.scheme(), url.host()) {
        ("https" | "http", Some(host)) => host,
        _ => return Err(format!("server `{trimmed}` is not an http(s) address")),
    };
    if url.scheme() == "http" && !allow_insecure && !is_loopback(&host) {
        return Err(format!(
            "server `{trimmed}` is plain http: the token would cross the network unencrypted. \
             Use https://{}, or set `allow_insecure = true` on the account",
            trimmed["http://".len()..].trim_end_matches('/')
        ));
    }
    Ok(trimmed.trim_end_matches('/').to_string())
}

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        url::Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        url::Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn a_server_without_a_scheme_is_told_which_one_to_write() {
        let err = check("mastodon.social", false).unwrap_err();
        assert_eq!(
            err,
            "server `mastodon.social` needs a scheme: https://mastodon.social"
        );
        assert_eq!(
            check("https://mastodon.social/", false).unwrap(),
            "https://mastodon.social"
        );
        assert!(check("ftp://mastodon.social", true).is_err());
        assert!(check("https://", false).is_err());
    }

    #[test]
    fn plain_http_is_for_loopback_unless_the_account_allows_it() {
        for ok in [
            "http://127.0.0.1:3000",
            "http://127.8.9.10",
            "http://[::1]:8080",
            "http://localhost:2583",
            "http://LOCALHOST.",
        ] {
            assert!(check(ok, false).is_ok(), "{ok}");
        }
        for refused in [
            "http://mastodon.social",
            "http://10.0.0.5",
            "http://[::2]",
            "http://localhost.evil.example",
            "http://128.0.0.1",
        ] {
            let err = check(refused, false).unwrap_err();
            assert!(err.contains("allow_insecure = true"), "{refused}: {err}");
        }
        assert!(check("http://mastodon.social", true).is_ok());
        assert!(check("http://mastodon.social", false)
            .unwrap_err()
            .contains("https://mastodon.social"));
    }
}
