//! Tokens and passwords: where they come from, and keeping them out of logs.
//!
//! A secret is taken from an environment variable (`token_env`), a command's standard output
//! (`token_cmd`), or a token file in the data directory that only its owner can read.
//! [`Secret`] never shows its value in `Debug` or `Display`, and no error
//! here quotes a value, so a secret cannot reach a log, an error line or test output by
//! accident; code that needs the value asks for it with [`Secret::expose`].

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A secret value; formatting it prints `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that sends it (an HTTP header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Why a secret could not be found; never contains the secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("account `{account}`: environment variable {var} is not set or empty")]
    EnvMissing { account: String, var: String },
    #[error("account `{account}`: token_cmd could not run: {reason}")]
    CommandFailed { account: String, reason: String },
    #[error("account `{account}`: token_cmd printed nothing")]
    CommandEmpty { account: String },
    #[error("account `{account}`: token file {path} can be read by others; run `chmod 600` on it")]
    FileTooOpen { account: String, path: PathBuf },
    #[error("account `{account}`: cannot read token file {path}: {reason}")]
    FileUnreadable {
        account: String,
        path: PathBuf,
        reason: String,
    },
    #[error(
        "account `{account}`: no token (set token_env or token_cmd in the config, or run `hark account add`)"
    )]
    NoSource { account: String },
}

/// Where `hark account add` keeps an account's token: `<data dir>/tokens/<name>.token`.
pub fn token_file(data_dir: &Path, account: &str) -> PathBuf {
    data_dir.join("tokens").join(format!("{account}.token"))
}

/// Where one account's token comes from: its `token_env` and `token_cmd` (an
/// `[[account]]` gives it with `AccountConfig::token_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSource<'a> {
    pub account: &'a str,
    pub env: Option<&'a str>,
    pub cmd: Option<&'a str>,
}

/// Finds an account's token: `token_env`, then `token_cmd`, then its token file in
/// `data_dir` (when given).
pub fn resolve_token(
    account: TokenSource<'_>,
    data_dir: Option<&Path>,
) -> Result<Secret, SecretError> {
    let name = || account.account.to_string();
    if let Some(var) = account.env {
        return match std::env::var(var) {
            Ok(v) if !v.trim().is_empty() => Ok(Secret(v.trim().to_string())),
            _ => Err(SecretError::EnvMissing {
                account: name(),
                var: var.to_string(),
            }),
        };
    }
    if let Some(cmd) = account.cmd {
        return run_token_cmd(account.account, cmd);
    }
    if let Some(dir) = data_dir {
        let path = token_file(dir, account.account);
        if path.exists() {
            return read_token_file(account.account, &path);
        }
    }
    Err(SecretError::NoSource { account: name() })
}

fn run_token_cmd(account: &str, cmd: &str) -> Result<Secret, SecretError> {
    let failed = |reason: String| SecretError::CommandFailed {
        account: account.to_string(),
        reason,
    };
    // stderr goes to a null sink rather than the terminal or our errors: some password
    // managers echo what they were asked for.
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .map_err(|e| failed(e.to_string()))?;
    if !output.status.success() {
        return Err(failed(format!("it exited with {}", output.status)));
    }
    let text =
        String::from_utf8(output.stdout).map_err(|_| failed("its output is not UTF-8".into()))?;
    // `pass` prints the password on the first line and may add notes below.
    let first = text.lines().next().unwrap_or("").trim();
    if first.is_empty() {
        return Err(SecretError::CommandEmpty {
            account: account.to_string(),
        });
    }
    Ok(Secret(first.to_string()))
}

fn read_token_file(account: &str, path: &Path) -> Result<Secret, SecretError> {
    let unreadable = |reason: String| SecretError::FileUnreadable {
        account: account.to_string(),
        path: path.to_path_buf(),
        reason,
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| unreadable(e.to_string()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(SecretError::FileTooOpen {
                account: account.to_string(),
                path: path.to_path_buf(),
            });
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
    let value = text.trim();
    if value.is_empty() {
        return Err(unreadable("the file is empty".into()));
    }
    Ok(Secret(value.to_string()))
}

/// Writes an account's token file, readable by its owner only (0600), replacing any
/// earlier one. Returns its path.
pub fn store_token_file(
    data_dir: &Path,
    account: &str,
    secret: &Secret,
) -> std::io::Result<PathBuf> {
    let path = token_file(data_dir, account);
    let dir = path.parent().expect("a token file has a parent directory");
    crate::private_fs::create_private_dir(dir).map_err(std::io::Error::other)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    // Write beside it, then rename, so a crash never leaves half a token.
    let temp = dir.join(format!(".{account}.token.tmp"));
    {
        let mut file = options.open(&temp)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(secret.expose().as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
    }
    std::fs::rename(&temp, &path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::AccountConfig;

    fn account(name: &str) -> AccountConfig {
        AccountConfig {
            name: name.into(),
            platform: "mastodon".into(),
            handle: String::new(),
            interval: None,
            server: None,
            token_env: None,
            token_cmd: None,
            network: None,
            allow_insecure: false,
            chat: None,
            graph: None,
            linkedin: None,
            discord: None,
            slack: None,
        }
    }

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("hunter2-token");
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert!(!format!("{secret}").contains("hunter2"));
        assert_eq!(secret.expose(), "hunter2-token");
    }

    #[test]
    fn the_environment_variable_wins_and_a_missing_one_is_named_not_quoted() {
        let mut a = account("env");
        a.token_env = Some("HARK_TEST_SECRETS_ENV_TOKEN".into());
        a.token_cmd = Some("echo from-cmd".into());
        std::env::set_var("HARK_TEST_SECRETS_ENV_TOKEN", " tok-env \n");
        assert_eq!(
            resolve_token(a.token_source(), None).unwrap().expose(),
            "tok-env"
        );
        a.token_env = Some("HARK_TEST_SECRETS_UNSET".into());
        let err = resolve_token(a.token_source(), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("HARK_TEST_SECRETS_UNSET"), "{err}");
    }

    #[test]
    fn a_command_gives_its_first_line_and_a_failing_one_keeps_its_output_out_of_the_error() {
        let mut a = account("cmd");
        a.token_cmd = Some("printf 'tok-cmd\\nnotes: x\\n'".into());
        assert_eq!(
            resolve_token(a.token_source(), None).unwrap().expose(),
            "tok-cmd"
        );
        a.token_cmd = Some("echo leaked-secret; echo leaked-secret >&2; exit 3".into());
        let err = resolve_token(a.token_source(), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("exit"), "{err}");
        assert!(!err.contains("leaked-secret"), "{err}");
        a.token_cmd = Some("true".into());
        assert!(resolve_token(a.token_source(), None)
            .unwrap_err()
            .to_string()
            .contains("printed nothing"));
    }

    #[cfg(unix)]
    #[test]
    fn a_stored_token_file_is_private_and_an_open_one_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let a = account("masto");
        let path = store_token_file(dir.path(), "masto", &Secret::new("tok-file")).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            resolve_token(a.token_source(), Some(dir.path()))
                .unwrap()
                .expose(),
            "tok-file"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = resolve_token(a.token_source(), Some(dir.path()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("chmod 600"), "{err}");
        assert!(!err.contains("tok-file"), "{err}");
    }

    #[test]
    fn no_source_says_how_to_add_one() {
        let dir = tempfile::tempdir().unwrap();
        let err = resolve_token(account("none").token_source(), Some(dir.path()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("hark account add"), "{err}");
    }
}
