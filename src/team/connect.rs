//! Reaching the team's PostgreSQL: the URL's `sslmode` as libpq reads it (with
//! `verify-ca` and `verify-full`, which tokio-postgres alone does not know), TLS by rustls
//! (the TLS the HTTP client already uses), and the password from `password_env` /
//! `password_cmd`, never from the file. No error here quotes the password.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::config::TeamConfig;
use crate::secrets::{resolve_token, Secret, TokenSource};

/// How the connection is protected, as `sslmode` in the URL says (libpq's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    Disable,
    /// TLS when the server offers it; the certificate is not checked (libpq's default).
    Prefer,
    /// TLS or nothing; the certificate is not checked.
    Require,
    /// TLS, the certificate signed by a trusted CA.
    VerifyCa,
    /// TLS, the certificate signed by a trusted CA and naming the host.
    VerifyFull,
}

impl TlsMode {
    fn parse(text: &str) -> Result<TlsMode, TeamError> {
        Ok(match text {
            "disable" | "allow" => TlsMode::Disable,
            "prefer" => TlsMode::Prefer,
            "require" => TlsMode::Require,
            "verify-ca" => TlsMode::VerifyCa,
            "verify-full" => TlsMode::VerifyFull,
            other => {
                return Err(TeamError::Config(format!(
                    "sslmode={other} is not one of disable, prefer, require, verify-ca, verify-full"
                )))
            }
        })
    }
}

/// Why the team database could not be used; never holds the password.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("[team] database: {0}")]
    Config(String),
    #[error("[team] password: {0}")]
    Password(String),
    #[error("cannot reach the team database {at}: {reason}")]
    Connect { at: String, reason: String },
    #[error("the team database {at}: {reason}")]
    Query { at: String, reason: String },
}

/// Where the team database is and how to reach it, resolved once at start-up.
#[derive(Clone)]
pub struct TeamDb {
    config: tokio_postgres::Config,
    tls: MakeRustlsConnect,
    /// `user@host:port/db`, for messages.
    at: String,
}

impl std::fmt::Debug for TeamDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TeamDb({})", self.at)
    }
}

/// A connection to drive (the TLS stream type is private to the connector crate).
pub type Connection = tokio_postgres::Connection<
    tokio_postgres::Socket,
    <MakeRustlsConnect as tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>>::Stream,
>;

impl TeamDb {
    /// Reads the URL and the password source of `[team]`.
    pub fn from_config(team: &TeamConfig) -> Result<TeamDb, TeamError> {
        let password = password(team)?;
        TeamDb::new(&team.database, password.as_ref(), team.ca_file.as_deref())
    }

    /// The URL, a password (when the server asks for one) and a CA file.
    pub fn new(
        database: &str,
        password: Option<&Secret>,
        ca_file: Option<&Path>,
    ) -> Result<TeamDb, TeamError> {
        let mut url = url::Url::parse(database)
            .map_err(|e| TeamError::Config(format!("not a postgres:// URL ({e})")))?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(TeamError::Config(format!(
                "the URL starts with {}://, not postgres://",
                url.scheme()
            )));
        }
        if url.password().is_some() {
            return Err(TeamError::Config(
                "the URL holds a password: remove it and set password_env or password_cmd".into(),
            ));
        }
        // sslmode and sslrootcert are ours to read; tokio-postgres gets the rest.
        let mut mode = TlsMode::Prefer;
        let mut root: Option<PathBuf> = ca_file.map(Path::to_path_buf);
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter_map(|(k, v)| match k.as_ref() {
                "sslmode" => {
                    mode = match TlsMode::parse(&v) {
                        Ok(m) => m,
                        Err(_) => return Some(("sslmode".into(), v.into_owned())),
                    };
                    None
                }
                "sslrootcert" => {
                    root = Some(PathBuf::from(v.as_ref()));
                    None
                }
                _ => Some((k.into_owned(), v.into_owned())),
            })
            .collect();
        if let Some((_, bad)) = kept.iter().find(|(k, _)| k == "sslmode") {
            TlsMode::parse(bad)?;
        }
        url.set_query(None);
        if !kept.is_empty() {
            url.query_pairs_mut().extend_pairs(kept);
        }
        let mut config: tokio_postgres::Config = url
            .as_str()
            .parse()
            .map_err(|e| TeamError::Config(format!("{e}")))?;
        config.ssl_mode(match mode {
            TlsMode::Disable => SslMode::Disable,
            TlsMode::Prefer => SslMode::Prefer,
            _ => SslMode::Require,
        });
        if config.get_application_name().is_none() {
            config.application_name("hark");
        }
        if let Some(p) = password {
            config.password(p.expose());
        }
        let at = describe(&config);
        let tls = MakeRustlsConnect::new(tls_config(mode, root.as_deref())?);
        Ok(TeamDb { config, tls, at })
    }

    /// `user@host:port/db`, for messages (never the password).
    pub fn at(&self) -> &str {
        &self.at
    }

    /// A connection whose messages the caller drives (the listener reads notifications).
    pub async fn connect_raw(&self) -> Result<(tokio_postgres::Client, Connection), TeamError> {
        self.config
            .connect(self.tls.clone())
            .await
            .map_err(|e| TeamError::Connect {
                at: self.at.clone(),
                reason: reason(&e),
            })
    }

    /// A connection for LISTEN: its notifications wake `heard`; `closed` says why the
    /// connection ended. The task reading its messages stops with the guard.
    pub async fn listener(&self) -> Result<Listener, TeamError> {
        use futures::StreamExt;
        let (client, mut connection) = self.connect_raw().await?;
        let heard = Arc::new(tokio::sync::Notify::new());
        let wake = heard.clone();
        let (closed_tx, closed) = tokio::sync::oneshot::channel::<String>();
        let driver = tokio::spawn(async move {
            let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(message) = messages.next().await {
                match message {
                    Ok(tokio_postgres::AsyncMessage::Notification(_)) => wake.notify_one(),
                    Ok(_) => {}
                    Err(e) => {
                        let _ = closed_tx.send(reason(&e));
                        return;
                    }
                }
            }
            let _ = closed_tx.send("the server closed the connection".into());
        });
        Ok(Listener {
            client,
            heard,
            closed,
            driver: AbortOnDrop(driver),
        })
    }

    /// A connection driven by a task of its own.
    pub async fn connect(&self) -> Result<tokio_postgres::Client, TeamError> {
        let (client, connection) = self.connect_raw().await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %reason(&e), "team database connection closed");
            }
        });
        Ok(client)
    }

    /// A failed query, said about this database.
    pub fn query_error(&self, e: &tokio_postgres::Error) -> TeamError {
        TeamError::Query {
            at: self.at.clone(),
            reason: reason(e),
        }
    }
}

/// A listening connection (see [`TeamDb::listener`]).
pub struct Listener {
    pub client: tokio_postgres::Client,
    pub heard: Arc<tokio::sync::Notify>,
    pub closed: tokio::sync::oneshot::Receiver<String>,
    driver: AbortOnDrop,
}

impl Listener {
    /// The parts, with the guard that keeps the connection read while it lives.
    pub fn parts(
        self,
    ) -> (
        tokio_postgres::Client,
        Arc<tokio::sync::Notify>,
        tokio::sync::oneshot::Receiver<String>,
        AbortOnDrop,
    ) {
        (self.client, self.heard, self.closed, self.driver)
    }
}

/// Stops a task when dropped.
pub struct AbortOnDrop(pub tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The server's words when it said something, else what went wrong on the way.
pub fn reason(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.message().to_string();
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

fn describe(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("");
    let db = config.get_dbname().unwrap_or(user);
    format!("{user}@{host}:{port}/{db}")
}

/// The password from `password_env` or `password_cmd`; none when neither is set (a
/// server that trusts the network or uses certificates asks for none).
fn password(team: &TeamConfig) -> Result<Option<Secret>, TeamError> {
    if team.password_env.is_none() && team.password_cmd.is_none() {
        return Ok(None);
    }
    let source = TokenSource {
        account: "[team]",
        env: team.password_env.as_deref(),
        cmd: team.password_cmd.as_deref(),
    };
    resolve_token(source, None)
        .map(Some)
        .map_err(|e| TeamError::Password(e.to_string()))
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots(ca_file: Option<&Path>) -> Result<RootCertStore, TeamError> {
    let Some(path) = ca_file else {
        return Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
    };
    use rustls::pki_types::pem::PemObject;
    let mut store = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path).map_err(|e| {
        TeamError::Config(format!("cannot read the CA file {}: {e}", path.display()))
    })?;
    for cert in certs {
        let cert = cert.map_err(|e| {
            TeamError::Config(format!("the CA file {} is not PEM: {e}", path.display()))
        })?;
        store
            .add(cert)
            .map_err(|e| TeamError::Config(format!("the CA file {}: {e}", path.display())))?;
    }
    if store.is_empty() {
        return Err(TeamError::Config(format!(
            "the CA file {} holds no certificate",
            path.display()
        )));
    }
    Ok(store)
}

fn tls_config(mode: TlsMode, ca_file: Option<&Path>) -> Result<rustls::ClientConfig, TeamError> {
    let provider = provider();
    let verifier: Arc<dyn ServerCertVerifier> = match mode {
        TlsMode::Disable | TlsMode::Prefer | TlsMode::Require => Arc::new(Unchecked {
            provider: provider.clone(),
        }),
        TlsMode::VerifyCa | TlsMode::VerifyFull => {
            let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots(ca_file)?),
                provider.clone(),
            )
            .build()
            .map_err(|e| TeamError::Config(format!("TLS: {e}")))?;
            if mode == TlsMode::VerifyFull {
                webpki
            } else {
                Arc::new(AnyName(webpki))
            }
        }
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TeamError::Config(format!("TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// `prefer` / `require`: encrypted, the certificate not checked (as libpq does); the
/// handshake's signatures are still verified.
#[derive(Debug)]
struct Unchecked {
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted CA; the name in it is not checked.
#[derive(Debug)]
struct AnyName(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_the_url_is_refused_without_quoting_it() {
        let err = TeamDb::new("postgres://sam:hunter2@db.example:5432/team", None, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds a password"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn sslmode_verify_full_is_read_and_an_unknown_mode_named() {
        let db = TeamDb::new(
            "postgres://sam@db.example:6543/team?sslmode=verify-full&connect_timeout=3",
            None,
            None,
        )
        .unwrap();
        assert_eq!(db.at(), "sam@db.example:6543/team");
        let err = TeamDb::new(
            "postgres://sam@db.example/team?sslmode=sometimes",
            None,
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("sslmode=sometimes"), "{err}");
    }

    #[test]
    fn a_missing_ca_file_is_named() {
        let err = TeamDb::new(
            "postgres://sam@db.example/team?sslmode=verify-full&sslrootcert=no-such-dir/ca.pem",
            None,
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("cannot read the CA file"), "{err}");
    }
}
