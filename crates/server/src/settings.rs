//! Settings: built-in defaults, then a TOML file (`--config`, `EMBARGO_CONFIG`), then
//! `EMBARGO_*` environment variables, then command-line flags. A bad setting stops
//! start-up with a message that names it.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// Where the embedded SQLite database lives (created on first start).
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite database.
    pub database_url: Option<String>,
    /// The address people reach Embargo at, for links in pages and e-mails; defaults
    /// to `http://` + `listen`.
    pub public_url: Option<String>,
    pub limits: Limits,
    pub auth: Auth,
    pub log: Log,
    pub cve_services: CveServicesSettings,
    pub csaf: CsafSettings,
    pub mail: MailSettings,
    pub integrity: IntegritySettings,
    pub encryption: EncryptionSettings,
    pub metrics: MetricsSettings,
    pub webhooks: WebhookSettings,
}

/// Notices to chat and webhooks (`docs/notify.md`): what outbound HTTP may reach.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// Addresses or CIDR ranges a channel may reach although they are not public
    /// (loopback, private, link-local…), e.g. `["127.0.0.1/32"]`. Keep them narrow.
    pub allow_private: Vec<String>,
}

/// The keys that make the event log tamper-evident and where its signed checkpoints go
/// (`crate::integrity`). Unset paths are under `data_dir`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntegritySettings {
    /// The event chain's HMAC key, 64 hex digits; made on first start if missing.
    /// Default `data_dir/keys/chain.key`.
    pub key_file: Option<PathBuf>,
    /// The Ed25519 key checkpoints are signed with (its 32-byte seed in hex); made on
    /// first start if missing. Default `data_dir/keys/checkpoint.key`.
    pub signing_key_file: Option<PathBuf>,
    /// Where checkpoints are written. Default `data_dir/checkpoints`.
    pub checkpoint_dir: Option<PathBuf>,
    /// Minutes between checkpoints while the server runs.
    pub checkpoint_minutes: u32,
    /// Checkpoints kept (older ones are removed).
    pub keep_checkpoints: u32,
    /// An address that gets a copy of every checkpoint by mail (needs `mail.smtp_url`
    /// and `mail.from`): a copy off this machine that no one with the database and the
    /// checkpoint folder can rewrite.
    pub checkpoint_mail: Option<String>,
    /// A URL every checkpoint is posted to (its signed JSON), through the webhooks'
    /// guard (`webhooks.allow_private`).
    pub checkpoint_webhook: Option<String>,
}

impl Default for IntegritySettings {
    fn default() -> Self {
        IntegritySettings {
            key_file: None,
            signing_key_file: None,
            checkpoint_dir: None,
            checkpoint_minutes: 60,
            keep_checkpoints: 48,
            checkpoint_mail: None,
            checkpoint_webhook: None,
        }
    }
}

/// Files at rest (`embargo_store::sealing`): the master key their projects' data keys
/// are wrapped under, kept outside the database.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EncryptionSettings {
    /// The master key, 64 hex digits; made on first start if missing. Default
    /// `data_dir/keys/data.key`. `embargo admin rotate-key` replaces it.
    pub key_file: Option<PathBuf>,
}

/// Prometheus counts at `/metrics` (cases per stage, overdue clocks per project):
/// off, answering 404, until a token is set; then only a request bearing it is
/// answered.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    /// The bearer token a scraper sends (`Authorization: Bearer …`): a secret, best
    /// given as `EMBARGO_METRICS__TOKEN`; never logged or printed.
    pub token: Option<String>,
}

impl std::fmt::Debug for MetricsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsSettings")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Mail: the reporter's receipt and the news of their case (C1, C4), and mail in.
/// While `smtp_url` is unset, mail waits in the outbox until it is set.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    /// `smtp://host:port`, `smtp://host:587?tls=starttls` or
    /// `smtps://user:pass@host:465`; the password is a secret, never logged.
    pub smtp_url: Option<String>,
    /// The address mail comes from; required with `smtp_url`.
    pub from: Option<String>,
    /// A mailbox the worker reads reports from (C1): `imaps://user:pass@host/INBOX`,
    /// `imap://…?tls=starttls`; `&move_to=Archive`, `&idle=no`. The password is a
    /// secret, never logged.
    pub imap_url: Option<String>,
}

impl MailSettings {
    /// The SMTP server and sender address, if mail is set up (and checked: `check`
    /// refused bad values at start-up).
    pub fn outgoing(&self) -> Option<(embargo_mail::smtp::SmtpSettings, String)> {
        let smtp = embargo_mail::smtp::SmtpSettings::parse(self.smtp_url.as_deref()?).ok()?;
        Some((smtp, self.from.clone()?))
    }

    /// The mailbox to read, if one is set (checked at start-up).
    pub fn incoming(&self) -> Option<embargo_mail::imap::ImapSettings> {
        embargo_mail::imap::ImapSettings::parse(self.imap_url.as_deref()?).ok()
    }

    fn check(&self) -> Result<(), SettingsError> {
        if let Some(url) = &self.imap_url {
            embargo_mail::imap::ImapSettings::parse(url)
                .map_err(|e| SettingsError::Invalid(e.to_string()))?;
        }
        let Some(url) = &self.smtp_url else {
            return Ok(());
        };
        // The mail crate's errors name `mail.smtp_url` and never show the password.
        embargo_mail::smtp::SmtpSettings::parse(url)
            .map_err(|e| SettingsError::Invalid(e.to_string()))?;
        let Some(from) = &self.from else {
            return Err(SettingsError::Invalid(
                "`mail.from`: required when `mail.smtp_url` is set, e.g. security@example.org"
                    .into(),
            ));
        };
        embargo_core::text::email("mail.from", from)
            .map_err(|_| {
                SettingsError::Invalid(format!(
                    "`mail.from`: `{from}` is not an e-mail address like security@example.org"
                ))
            })
            .map(drop)
    }
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let smtp = self.smtp_url.as_deref().map(|u| {
            embargo_mail::smtp::SmtpSettings::parse(u)
                .map_or_else(|_| "<unreadable>".to_owned(), |s| s.to_string())
        });
        let imap = self.imap_url.as_deref().map(|u| {
            embargo_mail::imap::ImapSettings::parse(u)
                .map_or_else(|_| "<unreadable>".to_owned(), |s| s.to_string())
        });
        f.debug_struct("MailSettings")
            .field("smtp_url", &smtp)
            .field("from", &self.from)
            .field("imap_url", &imap)
            .finish()
    }
}

/// Publishing CSAF documents (CSAF 2.0 section 7).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CsafSettings {
    /// An ASCII-armored OpenPGP secret key without a passphrase (protect the file):
    /// documents are signed with it and the instance serves as a
    /// `csaf_trusted_provider`. Unset: a `csaf_provider`, unsigned.
    pub signing_key_file: Option<PathBuf>,
    /// The project whose provider metadata is also served at
    /// `/.well-known/csaf/provider-metadata.json` (CSAF 2.0 requirement 9), the one
    /// place aggregators look for a domain's provider. Unset: each project's metadata
    /// stays under `/p/{slug}/csaf/`, found through `/.well-known/security.txt`.
    pub well_known_project: Option<String>,
}

/// The project's account at CVE Services, for reserving IDs and publishing records
/// (policy step C14). Off while `base_url` is empty; coordinators then enter IDs
/// assigned elsewhere.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CveServicesSettings {
    /// e.g. `https://cveawg.mitre.org/api` (or `https://cveawg-test.mitre.org/api`).
    pub base_url: String,
    /// The CNA's short name as CVE Services knows it (the `CVE-API-ORG` header).
    pub org: String,
    /// The CVE Services user (the `CVE-API-USER` header).
    pub user: String,
    /// The user's API key: a secret. Best given as `EMBARGO_CVE_SERVICES__API_KEY`;
    /// never logged or printed.
    pub api_key: String,
    /// Allows `http://` and local addresses, for a test double of CVE Services.
    pub allow_local_http: bool,
}

impl CveServicesSettings {
    pub fn enabled(&self) -> bool {
        !self.base_url.is_empty()
    }

    /// The client these settings describe; `Err` says what is wrong with them.
    pub fn client(&self) -> Result<embargo_cve_services::CveServices, String> {
        use embargo_cve_services::{ApiKey, Credentials, CveServices};
        if !self.enabled() {
            return Err(
                "CVE Services is not configured on this instance (cve_services.base_url)".into(),
            );
        }
        let credentials = Credentials::new(
            self.org.clone(),
            self.user.clone(),
            ApiKey::new(self.api_key.clone()),
        );
        let mut builder = CveServices::builder(&self.base_url, credentials);
        if self.allow_local_http {
            builder = builder.allow_local_http();
        }
        builder.build().map_err(|e| e.to_string())
    }
}

impl std::fmt::Debug for CveServicesSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CveServicesSettings")
            .field("base_url", &self.base_url)
            .field("org", &self.org)
            .field("user", &self.user)
            .field("api_key", &"<redacted>")
            .field("allow_local_http", &self.allow_local_http)
            .finish()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest JSON request body, in bytes.
    pub json_body_bytes: usize,
    /// Largest single attachment, in bytes.
    pub attachment_bytes: usize,
    /// Most attachments in one upload (the report form or one reply).
    pub attachments_per_upload: usize,
    /// Uploads (multipart requests) taken at once; more wait for none of them and are
    /// answered 503 with `Retry-After`.
    pub concurrent_uploads: usize,
    /// Reports one client address may submit per hour.
    pub reports_per_hour: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Auth {
    /// How long a sign-in lasts.
    pub session_hours: u32,
    /// Sign-in attempts per minute, per client address and per account.
    pub login_attempts_per_minute: u32,
    /// Requests with a bad API or tracking token per minute, per client address.
    pub bad_tokens_per_minute: u32,
    /// How long invitation and first-admin links stay valid.
    pub link_hours: u32,
    /// Behind a reverse proxy, the header carrying the client address (e.g.
    /// `x-forwarded-for`; the last address in it is used). Empty: the peer address.
    pub client_ip_header: String,
    /// OpenID Connect providers people may sign in with (`[[auth.oidc]]`).
    pub oidc: Vec<OidcProvider>,
}

/// One sign-in provider: an OpenID Connect provider found by its issuer's discovery
/// document, or GitHub; it signs people in to the account with one of the provider's
/// verified e-mail addresses.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProvider {
    /// `oidc` (the default) or `github`.
    #[serde(default)]
    pub kind: ProviderKind,
    /// In URLs (`/login/oidc/{id}`): lower-case letters, digits and `-`.
    pub id: String,
    /// On the sign-in button: "Sign in with {name}".
    pub name: String,
    /// OpenID Connect: the issuer URL, e.g. `https://gitlab.com` or a Keycloak realm's
    /// URL. GitHub: the server, `https://github.com` (the default) or a GitHub
    /// Enterprise Server's URL.
    #[serde(default)]
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    /// A file holding the client secret (instead of `client_secret`).
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// Accept an `http://` issuer (a provider on this machine, for tests only).
    #[serde(default)]
    pub allow_http: bool,
}

/// How a provider proves who signed in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// OpenID Connect: a signed ID token, checked against the provider's keys.
    #[default]
    Oidc,
    /// GitHub's OAuth 2.0 (no ID token): the account's id and verified addresses are
    /// read from GitHub's REST API with the access token.
    Github,
}

/// GitHub's own server, where `kind = "github"` signs in unless `issuer` says otherwise.
pub const GITHUB_COM: &str = "https://github.com";

impl OidcProvider {
    /// The issuer URL, or for GitHub the server's URL (github.com by default), without a
    /// trailing `/`.
    pub fn issuer(&self) -> &str {
        match (self.kind, self.issuer.trim()) {
            (ProviderKind::Github, "") => GITHUB_COM,
            (_, issuer) => issuer.trim_end_matches('/'),
        }
    }

    /// The client secret, read from its file if it is kept in one.
    pub fn secret(&self) -> Result<Option<String>, String> {
        match (&self.client_secret, &self.client_secret_file) {
            (Some(s), _) => Ok(Some(s.clone())),
            (None, Some(path)) => std::fs::read_to_string(path)
                .map(|s| Some(s.trim().to_owned()))
                .map_err(|e| format!("{}: {e}", path.display())),
            (None, None) => Ok(None),
        }
    }

    fn check(&self) -> Result<(), SettingsError> {
        let bad = |what: String| Err(SettingsError::Invalid(what));
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 32
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            return bad(format!(
                "`auth.oidc.id`: `{}` must be 1 to 32 lower-case letters, digits or -, e.g. gitlab",
                self.id
            ));
        }
        if self.name.trim().is_empty() {
            return bad(format!(
                "`auth.oidc.name` ({}): required, e.g. GitLab",
                self.id
            ));
        }
        if self.client_id.trim().is_empty() {
            return bad(format!("`auth.oidc.client_id` ({}): required", self.id));
        }
        let issuer = self.issuer();
        let scheme_ok =
            issuer.starts_with("https://") || (self.allow_http && issuer.starts_with("http://"));
        if !scheme_ok || issuer.contains(char::is_whitespace) {
            let example = match self.kind {
                ProviderKind::Oidc => "https://gitlab.com",
                ProviderKind::Github => {
                    "https://github.example.org, or leave it out for github.com"
                }
            };
            return bad(format!(
                "`auth.oidc.issuer` ({}): must be an https:// URL, e.g. {example}",
                self.id
            ));
        }
        if self.kind == ProviderKind::Github
            && self.client_secret.is_none()
            && self.client_secret_file.is_none()
        {
            // GitHub's token endpoint takes no public clients.
            return bad(format!(
                "`auth.oidc.client_secret` ({}): required for GitHub (the OAuth app's client secret)",
                self.id
            ));
        }
        if self.client_secret.is_some() && self.client_secret_file.is_some() {
            return bad(format!(
                "`auth.oidc.client_secret` ({}): give client_secret or client_secret_file, not both",
                self.id
            ));
        }
        Ok(())
    }
}

// Client secrets are never printed.
impl std::fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProvider")
            .field("kind", &self.kind)
            .field("id", &self.id)
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("client_secret_file", &self.client_secret_file)
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Log {
    /// `error`, `warn`, `info`, `debug` or `trace`.
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("embargo-data"),
            database_url: None,
            public_url: None,
            limits: Limits::default(),
            auth: Auth::default(),
            log: Log::default(),
            cve_services: CveServicesSettings::default(),
            csaf: CsafSettings::default(),
            mail: MailSettings::default(),
            integrity: IntegritySettings::default(),
            encryption: EncryptionSettings::default(),
            metrics: MetricsSettings::default(),
            webhooks: WebhookSettings::default(),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            json_body_bytes: 1024 * 1024,
            attachment_bytes: 10 * 1024 * 1024,
            attachments_per_upload: 5,
            concurrent_uploads: 8,
            reports_per_hour: 30,
        }
    }
}

impl Default for Auth {
    fn default() -> Self {
        Auth {
            session_hours: 12,
            login_attempts_per_minute: 10,
            bad_tokens_per_minute: 30,
            link_hours: 72,
            client_ip_header: String::new(),
            oidc: Vec::new(),
        }
    }
}

impl Default for Log {
    fn default() -> Self {
        Log {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

// The database URL may carry a password: never print it.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "<redacted>"),
            )
            .field("public_url", &self.public_url)
            .field("limits", &self.limits)
            .field("auth", &self.auth)
            .field("log", &self.log)
            .field("cve_services", &self.cve_services)
            .field("csaf", &self.csaf)
            .field("mail", &self.mail)
            .field("integrity", &self.integrity)
            .field("metrics", &self.metrics)
            .finish()
    }
}

/// Values given on the command line; they win over everything else.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("config file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("setting {0}")]
    Invalid(String),
}

/// The environment variables read, besides the `EMBARGO_<SECTION>__<KEY>` ones.
const TOP_LEVEL: [&str; 5] = ["listen", "data_dir", "database_url", "public_url", "config"];
const SECTIONS: [&str; 8] = [
    "limits",
    "auth",
    "log",
    "cve_services",
    "csaf",
    "mail",
    "integrity",
    "metrics",
];

/// `setting `limits.attachment_bytes`: invalid type … (from EMBARGO_… environment variable)`.
fn describe(e: figment::Error) -> SettingsError {
    let key = e.path.join(".").to_ascii_lowercase();
    let source = match e.metadata.as_ref() {
        Some(m) => match &m.source {
            Some(figment::Source::File(path)) => format!("config file {}", path.display()),
            _ if m.name.contains("environment") => format!(
                "environment variable EMBARGO_{}",
                key.replace('.', "__").to_ascii_uppercase()
            ),
            _ => m.name.to_string(),
        },
        None => "settings".into(),
    };
    let key = if key.is_empty() {
        "(top level)".to_owned()
    } else {
        key
    };
    SettingsError::Invalid(format!("`{key}`: {} (from {source})", e.kind))
}

impl Settings {
    /// Loads settings from `environment` (`EMBARGO_*` pairs, passed in so tests need
    /// not touch the process environment) and the overrides.
    pub fn load(overrides: &Overrides) -> Result<Settings, SettingsError> {
        Self::load_from(overrides, Env::prefixed("EMBARGO_"))
    }

    fn load_from(overrides: &Overrides, env: Env) -> Result<Settings, SettingsError> {
        // Only our own variables: test harnesses and other tools set EMBARGO_TEST_* too.
        let env = env
            .filter(|k| {
                let k = k.as_str().to_ascii_lowercase();
                TOP_LEVEL.contains(&k.as_str())
                    || SECTIONS.iter().any(|s| k.starts_with(&format!("{s}__")))
            })
            .split("__")
            .ignore(&["config"]);
        let config_path = overrides
            .config
            .clone()
            .or_else(|| std::env::var_os("EMBARGO_CONFIG").map(PathBuf::from));
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = &config_path {
            if !path.is_file() {
                return Err(SettingsError::File {
                    path: path.display().to_string(),
                    reason: "no such file".into(),
                });
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        figment = figment.merge(env);
        let mut s: Settings = figment.extract().map_err(describe)?;
        if let Some(l) = overrides.listen {
            s.listen = l;
        }
        if let Some(d) = &overrides.data_dir {
            s.data_dir = d.clone();
        }
        if let Some(u) = &overrides.database_url {
            s.database_url = Some(u.clone());
        }
        s.check()?;
        Ok(s)
    }

    fn check(&self) -> Result<(), SettingsError> {
        let bad = |what: &str| Err(SettingsError::Invalid(what.to_owned()));
        if let Some(url) = &self.database_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return bad(
                "`database_url`: must start with postgres:// or postgresql:// (leave it unset for the embedded SQLite database)",
            );
        }
        if let Some(url) = &self.public_url {
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            if rest.is_none_or(|r| r.is_empty() || r.contains(char::is_whitespace)) {
                return bad(
                    "`public_url`: must be an http:// or https:// URL, e.g. https://security.example.org",
                );
            }
        }
        if let Err(e) = embargo_notify::Guard::new().allow_private(&self.webhooks.allow_private) {
            return Err(SettingsError::Invalid(e.to_string()));
        }
        if let Some(address) = &self.integrity.checkpoint_mail {
            embargo_core::text::email("integrity.checkpoint_mail", address)
                .map_err(|e| SettingsError::Invalid(e.message))?;
            if self.mail.outgoing().is_none() {
                return bad(
                    "`integrity.checkpoint_mail`: needs outgoing mail (`mail.smtp_url` and `mail.from`) to send the copies",
                );
            }
        }
        if let Some(url) = &self.integrity.checkpoint_webhook {
            embargo_notify::EndpointUrl::parse(url).map_err(|e| {
                SettingsError::Invalid(format!("`integrity.checkpoint_webhook`: {e}"))
            })?;
        }
        let cve = &self.cve_services;
        if cve.enabled() {
            if !(cve.base_url.starts_with("https://")
                || (cve.allow_local_http && cve.base_url.starts_with("http://")))
            {
                return bad(
                    "`cve_services.base_url`: must be an https:// URL, e.g. https://cveawg.mitre.org/api",
                );
            }
            for (name, value) in [
                ("cve_services.org", &cve.org),
                ("cve_services.user", &cve.user),
                ("cve_services.api_key", &cve.api_key),
            ] {
                if value.trim().is_empty() {
                    return Err(SettingsError::Invalid(format!(
                        "`{name}`: required when `cve_services.base_url` is set"
                    )));
                }
            }
        }
        if let Some(token) = &self.metrics.token
            && token.trim().len() < 16
        {
            return bad(
                "`metrics.token`: at least 16 characters (a scraper's bearer token); leave it unset to turn /metrics off",
            );
        }
        if let Some(slug) = &self.csaf.well_known_project
            && let Err(why) = embargo_core::ids::ProjectSlug::check(slug)
        {
            return Err(SettingsError::Invalid(format!(
                "`csaf.well_known_project`: {why}"
            )));
        }
        self.mail.check()?;
        for (i, p) in self.auth.oidc.iter().enumerate() {
            p.check()?;
            if self.auth.oidc[..i].iter().any(|q| q.id == p.id) {
                return Err(SettingsError::Invalid(format!(
                    "`auth.oidc.id`: `{}` is used by two providers",
                    p.id
                )));
            }
        }
        if !self.auth.oidc.is_empty() && self.public_url.is_none() {
            return bad(
                "`public_url`: required with `auth.oidc` (providers send people back to PUBLIC_URL/login/oidc/ID/callback)",
            );
        }
        if self.data_dir.as_os_str().is_empty() {
            return bad("`data_dir`: must not be empty");
        }
        for (name, v) in [
            ("limits.json_body_bytes", self.limits.json_body_bytes),
            ("limits.attachment_bytes", self.limits.attachment_bytes),
            (
                "limits.attachments_per_upload",
                self.limits.attachments_per_upload,
            ),
            ("limits.concurrent_uploads", self.limits.concurrent_uploads),
            (
                "limits.reports_per_hour",
                self.limits.reports_per_hour as usize,
            ),
            ("auth.session_hours", self.auth.session_hours as usize),
            (
                "auth.login_attempts_per_minute",
                self.auth.login_attempts_per_minute as usize,
            ),
            (
                "auth.bad_tokens_per_minute",
                self.auth.bad_tokens_per_minute as usize,
            ),
            ("auth.link_hours", self.auth.link_hours as usize),
            (
                "integrity.checkpoint_minutes",
                self.integrity.checkpoint_minutes as usize,
            ),
            (
                "integrity.keep_checkpoints",
                self.integrity.keep_checkpoints as usize,
            ),
        ] {
            if v == 0 {
                return Err(SettingsError::Invalid(format!(
                    "`{name}`: must be greater than 0"
                )));
            }
        }
        if !["error", "warn", "info", "debug", "trace"].contains(&self.log.level.as_str()) {
            return bad("`log.level`: must be one of error, warn, info, debug, trace");
        }
        if !["text", "json"].contains(&self.log.format.as_str()) {
            return bad("`log.format`: must be text or json");
        }
        Ok(())
    }

    /// The base of links Embargo hands out, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }

    /// Cookies get `Secure` and the `__Host-` prefix when people reach us over HTTPS.
    pub fn https(&self) -> bool {
        self.public_url().starts_with("https://")
    }

    /// Where data lives, for the start-up banner (no passwords).
    pub fn storage_description(&self) -> String {
        match &self.database_url {
            Some(url) => {
                let host = url
                    .split_once("://")
                    .map(|(_, r)| r.rsplit_once('@').map(|(_, h)| h).unwrap_or(r))
                    .unwrap_or("");
                format!("PostgreSQL at {}", host.split('?').next().unwrap_or(host))
            }
            None => format!("SQLite in {}", self.data_dir.display()),
        }
    }

    pub fn sqlite_dir(&self) -> &Path {
        &self.data_dir
    }
}

/// `embargo config example`: every setting, with its default and what it does.
pub const EXAMPLE: &str = r#"# Embargo configuration. Every value shown is the default.
# Precedence: this file < EMBARGO_* environment variables < command-line flags.
# Environment: EMBARGO_LISTEN, EMBARGO_DATA_DIR, EMBARGO_DATABASE_URL, EMBARGO_PUBLIC_URL,
# and EMBARGO_<SECTION>__<KEY> for the rest, e.g. EMBARGO_LIMITS__ATTACHMENT_BYTES=20971520.

# Address and port to listen on (--listen).
listen = "127.0.0.1:8080"

# Where the embedded SQLite database lives; created on first start (--data-dir).
data_dir = "embargo-data"

# Use PostgreSQL instead of SQLite (--database-url). The database must exist.
# database_url = "postgres://embargo@db.internal:5432/embargo"

# The address people reach Embargo at, used in tracking links and e-mails.
# Defaults to http:// + listen. Set an https:// URL in production: cookies then get
# the Secure flag and the __Host- prefix.
# public_url = "https://security.example.org"

[limits]
# Largest JSON request body, in bytes.
json_body_bytes = 1048576
# Largest single attachment, in bytes.
attachment_bytes = 10485760
# Most attachments in one upload (the report form or one reply).
attachments_per_upload = 5
# Uploads taken at once; more are answered 503 with Retry-After.
concurrent_uploads = 8
# Reports one client address may submit per hour.
reports_per_hour = 30

[auth]
# How long a sign-in lasts, in hours.
session_hours = 12
# Sign-in attempts per minute, per client address and per account.
login_attempts_per_minute = 10
# Requests with a bad API or tracking token per minute, per client address.
bad_tokens_per_minute = 30
# How long invitation and first-admin links stay valid, in hours.
link_hours = 72
# Behind a reverse proxy: the header with the client address, e.g. "x-forwarded-for"
# (the last address in it is used). Empty: the connection's peer address.
client_ip_header = ""
# Single sign-on: one [[auth.oidc]] table per provider: OpenID Connect (GitLab, Google,
# Keycloak, any provider by its issuer URL) or GitHub (kind = "github"); none by default.
# A provider signs people in to the account that has one of its verified e-mail
# addresses; it never creates an account or a project role. Needs `public_url`: register
# PUBLIC_URL/login/oidc/ID/callback as the redirect URI (GitHub: callback URL) there.
# [[auth.oidc]]
# id = "gitlab"                  # in URLs: lower-case letters, digits and -
# name = "GitLab"                # on the button: "Sign in with GitLab"
# issuer = "https://gitlab.com"
# client_id = "..."
# client_secret_file = "/etc/embargo/gitlab-client-secret"   # or client_secret = "..."
#
# [[auth.oidc]]
# kind = "github"                # GitHub's OAuth app sign-in (no ID token)
# id = "github"
# name = "GitHub"
# issuer = "https://github.com"  # the default; or a GitHub Enterprise Server's URL
# client_id = "..."
# client_secret_file = "/etc/embargo/github-client-secret"

[log]
# error, warn, info, debug or trace.
level = "info"
# text or json.
format = "text"

[cve_services]
# The project's CVE Services account, to reserve CVE IDs and publish records.
# Empty: off (coordinators enter IDs assigned elsewhere, e.g. by GitHub as CNA).
# e.g. "https://cveawg.mitre.org/api" or "https://cveawg-test.mitre.org/api".
base_url = ""
# The CNA short name (CVE-API-ORG) and the user (CVE-API-USER).
org = ""
user = ""
# The API key is a secret: set EMBARGO_CVE_SERVICES__API_KEY rather than writing it here.
api_key = ""
# Only for a local test double of CVE Services: allow http:// and local addresses.
allow_local_http = false

[csaf]
# An ASCII-armored OpenPGP secret key without a passphrase (keep the file private) to
# sign CSAF documents with, making this instance a csaf_trusted_provider.
# signing_key_file = "/etc/embargo/csaf-signing-key.asc"
# The project (slug) whose provider metadata is also served at
# /.well-known/csaf/provider-metadata.json, where aggregators look first. Unset: each
# project's metadata is at /p/SLUG/csaf/provider-metadata.json, listed in
# /.well-known/security.txt.
# well_known_project = "connect"

[mail]
# Outgoing mail: the reporter's receipt with their tracking link, and a mail at each
# change of their case they can see. Unset: mail waits in the outbox (the admin page
# says how many) and goes once smtp_url is set; reporters keep the link from the
# report page meanwhile.
# smtp_url = "smtp://localhost:25"                     (plain, e.g. a local MTA)
# smtp_url = "smtp://mail.example.org:587?tls=starttls"
# smtp_url = "smtps://user:password@mail.example.org:465"
# Best given as EMBARGO_MAIL__SMTP_URL when it carries a password.
# The address mail comes from; required with smtp_url.
# from = "security@example.org"
# Mail in (C1): a mailbox the worker reads reports from, with IDLE where the server
# has it (else polling). A message is flagged ($EmbargoStored) or moved (move_to) only
# once it is stored as a case, a reply, or in the quarantine. Each project's
# security_address (`embargo admin project update --security-address`) says which
# project a message is for. Best given as EMBARGO_MAIL__IMAP_URL.
# imap_url = "imaps://security:password@imap.example.org:993/INBOX?move_to=Archive"
# Or pipe mail from the MTA: `|embargo mail ingest` (exit 75 asks it to retry).

[integrity]
# The event log is tamper-evident: every event is linked to the one before with an
# HMAC-SHA256 under this key, and a signed checkpoint of every stream's last event is
# written regularly. Keep both keys (and a copy of them) away from the database and its
# backups: whoever holds the database and the chain key can re-link an edited history.
# Both are made on first start when missing (64 hex digits, readable by the owner only).
# Unset: data_dir/keys/chain.key and data_dir/keys/checkpoint.key.
# key_file = "/etc/embargo/chain.key"
# signing_key_file = "/etc/embargo/checkpoint.key"
# Where checkpoints go: somewhere someone with database access can't write, e.g. another
# volume. The server checks the newest at start-up and refuses to start if a
# checkpointed event was changed. Unset: data_dir/checkpoints.
# checkpoint_dir = "/var/lib/embargo-checkpoints"
# Minutes between checkpoints, and how many to keep.
checkpoint_minutes = 60
keep_checkpoints = 48
# A copy of each checkpoint off this machine, by mail (needs [mail] smtp_url and from)
# and/or posted as JSON to a URL (through the [webhooks] guard). A copy is the signed
# file itself: put it back into checkpoint_dir and `embargo admin verify` checks the
# database against it, whatever happened to the folder meanwhile.
# checkpoint_mail = "integrity@example.org"
# checkpoint_webhook = "https://audit.example.org/embargo/checkpoints"

[encryption]
# Attachments are sealed (AES-256-GCM) under a data key of their project, and the data
# keys are kept in the database only wrapped under this master key: a copy of the
# database or of a backup without this file shows no file's content. Keep the file
# (and a copy of it) away from the database and its backups; without it the files are
# lost. Made on first start when missing. `embargo admin rotate-key` replaces it.
# Unset: data_dir/keys/data.key.
# key_file = "/etc/embargo/data.key"

[webhooks]
# Notices to chat and webhooks never reach loopback, private, link-local or cloud
# metadata addresses (SSRF), unless listed here: addresses or CIDR ranges, e.g.
# ["127.0.0.1/32"] for a receiver on this machine. Keep them narrow.
allow_private = []

[metrics]
# Prometheus counts at /metrics (cases per stage, overdue clocks, disclosed within the
# target; never a title). Unset: /metrics answers 404. A scraper sends
# `Authorization: Bearer TOKEN`. Best given as EMBARGO_METRICS__TOKEN.
# token = "a long random string"
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use figment::Jail;

    fn load(o: &Overrides) -> Result<Settings, SettingsError> {
        Settings::load_from(o, Env::prefixed("EMBARGO_"))
    }

    #[test]
    fn the_example_is_the_defaults() {
        let from_example: Settings = Figment::from(Toml::string(EXAMPLE)).extract().unwrap();
        assert_eq!(
            format!("{from_example:?}"),
            format!("{:?}", Settings::default())
        );
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API
    fn layers_apply_in_order_file_env_flags() {
        Jail::expect_with(|jail| {
            jail.create_file("e.toml", "listen = \"127.0.0.1:7000\"\npublic_url = \"https://sec.example.org/\"\n[limits]\nattachment_bytes = 5\n")?;
            jail.set_env("EMBARGO_CONFIG", "e.toml");
            jail.set_env("EMBARGO_LIMITS__ATTACHMENT_BYTES", "7");
            jail.set_env("EMBARGO_DATA_DIR", "/var/lib/embargo");
            // Other tools' variables with our prefix are not settings.
            jail.set_env("EMBARGO_TEST_PG_URL", "postgres://x");
            let s = load(&Overrides::default()).unwrap();
            assert_eq!(s.listen.port(), 7000);
            assert_eq!(s.limits.attachment_bytes, 7, "env beats file");
            assert_eq!(s.data_dir, PathBuf::from("/var/lib/embargo"));
            assert_eq!(s.public_url(), "https://sec.example.org");
            assert!(s.https());
            let s = load(&Overrides {
                listen: Some("127.0.0.1:9999".parse().unwrap()),
                ..Overrides::default()
            })
            .unwrap();
            assert_eq!(s.listen.port(), 9999, "flags beat everything");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API
    fn oidc_providers_are_checked_and_their_secrets_never_printed() {
        Jail::expect_with(|jail| {
            let provider = |id: &str, issuer: &str| {
                format!(
                    "[[auth.oidc]]\nid = \"{id}\"\nname = \"Keycloak\"\nissuer = \"{issuer}\"\n\
                     client_id = \"embargo\"\nclient_secret = \"s3cret-value\"\n"
                )
            };
            let try_file = |jail: &mut Jail, body: String| -> Result<Settings, String> {
                jail.create_file("o.toml", &body).unwrap();
                load(&Overrides {
                    config: Some("o.toml".into()),
                    ..Overrides::default()
                })
                .map_err(|e| e.to_string())
            };
            let good = format!(
                "public_url = \"https://sec.example.org\"\n{}",
                provider("keycloak", "https://id.example.org/realms/oss")
            );
            let s = try_file(jail, good).unwrap();
            assert_eq!(s.auth.oidc[0].id, "keycloak");
            assert_eq!(
                s.auth.oidc[0].secret().unwrap().as_deref(),
                Some("s3cret-value")
            );
            assert!(!format!("{s:?}").contains("s3cret-value"));

            let e = try_file(jail, provider("keycloak", "https://id.example.org")).unwrap_err();
            assert!(e.contains("`public_url`: required with `auth.oidc`"), "{e}");
            let e = try_file(
                jail,
                format!(
                    "public_url = \"https://s.example\"\n{}",
                    provider("keycloak", "http://id.example.org")
                ),
            )
            .unwrap_err();
            assert!(e.contains("`auth.oidc.issuer` (keycloak)"), "{e}");
            let e = try_file(
                jail,
                format!(
                    "public_url = \"https://s.example\"\n{}",
                    provider("Key Cloak", "https://id.example.org")
                ),
            )
            .unwrap_err();
            assert!(e.contains("`auth.oidc.id`"), "{e}");
            let e = try_file(
                jail,
                format!(
                    "public_url = \"https://s.example\"\n{}{}",
                    provider("kc", "https://a.example"),
                    provider("kc", "https://b.example")
                ),
            )
            .unwrap_err();
            assert!(e.contains("used by two providers"), "{e}");

            // GitHub: github.com unless told otherwise, an Enterprise Server by its URL,
            // and never without the OAuth app's secret.
            let github = |extra: &str| {
                format!(
                    "public_url = \"https://s.example\"\n[[auth.oidc]]\nkind = \"github\"\n\
                     id = \"github\"\nname = \"GitHub\"\nclient_id = \"Iv1.abc\"\n{extra}"
                )
            };
            let s = try_file(jail, github("client_secret = \"gh-secret\"\n")).unwrap();
            assert_eq!(s.auth.oidc[0].kind, ProviderKind::Github);
            assert_eq!(s.auth.oidc[0].issuer(), "https://github.com");
            let s = try_file(
                jail,
                github("client_secret = \"x\"\nissuer = \"https://github.example.org/\"\n"),
            )
            .unwrap();
            assert_eq!(s.auth.oidc[0].issuer(), "https://github.example.org");
            let e = try_file(jail, github("")).unwrap_err();
            assert!(e.contains("required for GitHub"), "{e}");
            let e = try_file(
                jail,
                github("client_secret = \"x\"\nissuer = \"http://github.example.org\"\n"),
            )
            .unwrap_err();
            assert!(e.contains("`auth.oidc.issuer` (github)"), "{e}");
            let e = try_file(
                jail,
                github("client_secret = \"x\"\n").replacen("\"github\"", "\"gitee\"", 1),
            )
            .unwrap_err();
            assert!(e.contains("gitee"), "{e}");
            // OpenID Connect has no default issuer.
            let e = try_file(
                jail,
                "public_url = \"https://s.example\"\n[[auth.oidc]]\nid = \"kc\"\nname = \"K\"\n\
                 client_id = \"c\"\n"
                    .into(),
            )
            .unwrap_err();
            assert!(e.contains("`auth.oidc.issuer` (kc)"), "{e}");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API
    fn bad_settings_are_named() {
        Jail::expect_with(|jail| {
            let e = load(&Overrides {
                database_url: Some("mysql://x".into()),
                ..Overrides::default()
            })
            .unwrap_err();
            assert!(e.to_string().contains("`database_url`"), "{e}");

            jail.create_file("typo.toml", "[limits]\nattachment_bytez = 5\n")?;
            let e = load(&Overrides {
                config: Some("typo.toml".into()),
                ..Overrides::default()
            })
            .unwrap_err()
            .to_string();
            assert!(e.contains("attachment_bytez"), "{e}");

            jail.create_file("type.toml", "[auth]\nsession_hours = \"long\"\n")?;
            let e = load(&Overrides {
                config: Some("type.toml".into()),
                ..Overrides::default()
            })
            .unwrap_err()
            .to_string();
            assert!(e.contains("auth.session_hours"), "{e}");

            let e = load(&Overrides {
                config: Some("missing.toml".into()),
                ..Overrides::default()
            })
            .unwrap_err()
            .to_string();
            assert!(
                e.contains("missing.toml") && e.contains("no such file"),
                "{e}"
            );

            jail.set_env("EMBARGO_LISTEN", "not-an-address");
            let e = load(&Overrides::default()).unwrap_err().to_string();
            assert!(e.contains("listen"), "{e}");
            jail.set_env("EMBARGO_LISTEN", "127.0.0.1:8080");

            jail.set_env("EMBARGO_AUTH__SESSION_HOURS", "0");
            let e = load(&Overrides::default()).unwrap_err().to_string();
            assert!(
                e.contains("`auth.session_hours`: must be greater than 0"),
                "{e}"
            );
            jail.set_env("EMBARGO_AUTH__SESSION_HOURS", "12");

            jail.set_env("EMBARGO_CSAF__WELL_KNOWN_PROJECT", "Connect RPC");
            let e = load(&Overrides::default()).unwrap_err().to_string();
            assert!(
                e.contains("`csaf.well_known_project`: may contain only"),
                "{e}"
            );
            jail.set_env("EMBARGO_CSAF__WELL_KNOWN_PROJECT", "connect");

            jail.set_env("EMBARGO_MAIL__SMTP_URL", "smtp://u:pw@mail.example.org:25");
            let e = load(&Overrides::default()).unwrap_err().to_string();
            assert!(e.contains("`mail.smtp_url`"), "{e}");
            assert!(!e.contains("pw@"), "the password stays secret: {e}");
            jail.set_env("EMBARGO_MAIL__SMTP_URL", "http://mail.example.org");
            let e = load(&Overrides::default()).unwrap_err().to_string();
            assert!(e.contains("`mail.smtp_url`") && e.contains("http"), "{e}");
            jail.set_env(
                "EMBARGO_MAIL__SMTP_URL",
                "smtps://u:hunter2@mail.example.org:465",
            );
            let e = load(&Overrides::default()).unwrap_err().to_string();
            assert!(e.contains("`mail.from`: required"), "{e}");
            jail.set_env("EMBARGO_MAIL__FROM", "not an address");
            let e = load(&Overrides::default()).unwrap_err().to_string();
            assert!(
                e.contains("`mail.from`") && e.contains("not an address"),
                "{e}"
            );
            jail.set_env("EMBARGO_MAIL__FROM", "security@example.org");
            let s = load(&Overrides::default()).unwrap();
            assert!(s.mail.outgoing().is_some());
            assert!(!format!("{s:?}").contains("hunter2"), "{s:?}");

            // Checkpoint copies: an address, a usable URL.
            jail.set_env(
                "EMBARGO_INTEGRITY__CHECKPOINT_WEBHOOK",
                "ftp://audit.example.org/",
            );
            let e = load(&Overrides::default()).unwrap_err().to_string();
            assert!(e.contains("`integrity.checkpoint_webhook`"), "{e}");
            jail.set_env(
                "EMBARGO_INTEGRITY__CHECKPOINT_WEBHOOK",
                "https://audit.example.org/in",
            );
            jail.set_env("EMBARGO_INTEGRITY__CHECKPOINT_MAIL", "not an address");
            let e = load(&Overrides::default()).unwrap_err().to_string();
            assert!(e.contains("`integrity.checkpoint_mail`"), "{e}");
            jail.set_env("EMBARGO_INTEGRITY__CHECKPOINT_MAIL", "audit@example.org");
            let s = load(&Overrides::default()).unwrap();
            assert_eq!(
                s.integrity.checkpoint_mail.as_deref(),
                Some("audit@example.org")
            );
            Ok(())
        });
    }

    #[test]
    fn checkpoint_mail_needs_outgoing_mail() {
        let mut s = Settings::default();
        s.integrity.checkpoint_mail = Some("audit@example.org".into());
        let e = s.check().unwrap_err().to_string();
        assert!(
            e.contains("`integrity.checkpoint_mail`: needs outgoing mail"),
            "{e}"
        );
    }

    #[test]
    fn the_database_password_is_never_printed() {
        let s = Settings {
            database_url: Some("postgres://u:hunter2@db:5432/e".into()),
            ..Settings::default()
        };
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.storage_description(), "PostgreSQL at db:5432/e");
    }
}
