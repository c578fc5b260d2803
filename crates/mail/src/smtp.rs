//! Sending over SMTP with lettre's async transport (tokio, rustls with `ring`), set up
//! from one URL, `mail.smtp_url`. A failed send says whether a retrying worker should
//! try again (4xx, connection trouble, the operator's credentials) or give up (5xx).

use crate::outgoing::BuiltMail;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::fmt;
use std::time::Duration;

const SETTING: &str = "mail.smtp_url";

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("`{setting}`: {problem}")]
pub struct SettingsError {
    pub setting: &'static str,
    pub problem: String,
}

impl SettingsError {
    pub(crate) fn new(setting: &'static str, problem: impl Into<String>) -> SettingsError {
        SettingsError {
            setting,
            problem: problem.into(),
        }
    }
}

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// `smtp://` — plain text; for a relay on the same host or network.
    None,
    /// `smtp://…?tls=starttls` — STARTTLS, required.
    StartTls,
    /// `smtps://` — TLS from the first byte (port 465).
    Implicit,
}

/// Parsed from `smtp://host:port`, `smtp://host:port?tls=starttls` or
/// `smtps://user:pass@host:465`. `Debug` and `Display` never show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub user: Option<String>,
    password: Option<String>,
    /// Per SMTP command; a server slower than this counts as connection trouble.
    pub timeout: Duration,
    /// `?ca_file=/path/ca.pem`: a CA to trust besides the system's, for a relay with a
    /// certificate from a private CA.
    pub ca_file: Option<std::path::PathBuf>,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl fmt::Display for SmtpSettings {
    /// The URL without the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.tls {
            SmtpTls::Implicit => "smtps",
            SmtpTls::None | SmtpTls::StartTls => "smtp",
        };
        write!(f, "{scheme}://")?;
        if let Some(user) = &self.user {
            write!(f, "{user}:<redacted>@")?;
        }
        write!(f, "{}:{}", self.host, self.port)?;
        if self.tls == SmtpTls::StartTls {
            f.write_str("?tls=starttls")?;
        }
        Ok(())
    }
}

impl SmtpSettings {
    pub fn parse(url: &str) -> Result<SmtpSettings, SettingsError> {
        let bad = |problem: String| SettingsError::new(SETTING, problem);
        let parsed = url::Url::parse(url.trim()).map_err(|e| {
            bad(format!(
                "not a URL ({e}); expected e.g. `smtp://localhost:25`, \
                 `smtp://host:587?tls=starttls` or `smtps://user:pass@host:465`"
            ))
        })?;
        let mut ca_file = None;
        let mut tls = match parsed.scheme() {
            "smtp" => SmtpTls::None,
            "smtps" => SmtpTls::Implicit,
            other => {
                return Err(bad(format!("scheme `{other}` is not `smtp` or `smtps`")));
            }
        };
        for (key, value) in parsed.query_pairs() {
            match (key.as_ref(), value.as_ref(), tls) {
                ("tls", "starttls", SmtpTls::None | SmtpTls::StartTls) => {
                    tls = SmtpTls::StartTls;
                }
                ("tls", "none", SmtpTls::None) => {}
                ("tls", value, _) => {
                    return Err(bad(format!(
                        "`tls={value}` is not `starttls` or `none` (with `smtps://` TLS is \
                         always on)"
                    )));
                }
                ("ca_file", path, _) if !path.is_empty() => {
                    ca_file = Some(std::path::PathBuf::from(path));
                }
                (key, _, _) => {
                    return Err(bad(format!(
                        "unknown parameter `{key}`; parameters are `tls` and `ca_file`"
                    )));
                }
            }
        }
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("the URL has no host".to_owned()))?
            .trim_matches(['[', ']'])
            .to_owned();
        if parsed.path() != "" && parsed.path() != "/" {
            return Err(bad(format!(
                "a path (`{}`) means nothing here",
                parsed.path()
            )));
        }
        let port = parsed.port().unwrap_or(match tls {
            SmtpTls::Implicit => 465,
            SmtpTls::StartTls => 587,
            SmtpTls::None => 25,
        });
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| bad("the user or password is not valid UTF-8".into()))
        };
        let user = match parsed.username() {
            "" => None,
            u => Some(decode(u)?),
        };
        let password = parsed.password().map(decode).transpose()?;
        if password.is_some() && user.is_none() {
            return Err(bad(
                "a password needs a user name (`smtps://user:pass@host`)".into(),
            ));
        }
        if ca_file.is_some() && tls == SmtpTls::None {
            return Err(bad(
                "`ca_file` needs TLS: use `smtps://` or `?tls=starttls`".into(),
            ));
        }
        if user.is_some() && tls == SmtpTls::None && !is_loopback(&host) {
            return Err(bad(
                "credentials would cross the network unencrypted: use `smtps://` or \
                 `?tls=starttls`"
                    .into(),
            ));
        }
        Ok(SmtpSettings {
            host,
            port,
            tls,
            user,
            password,
            timeout: Duration::from_secs(60),
            ca_file,
        })
    }
}

pub(crate) fn read_ca_file(
    setting: &'static str,
    path: &std::path::Path,
) -> Result<Vec<u8>, SettingsError> {
    std::fs::read(path).map_err(|e| {
        SettingsError::new(
            setting,
            format!("`ca_file` {} cannot be read: {e}", path.display()),
        )
    })
}

pub(crate) fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

pub(crate) fn percent_decode(s: &str) -> Option<String> {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
}

/// The server took the mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The server's answer to the end of `DATA`, e.g. `2.0.0 Ok: queued as 4B1C2`.
    pub server_answer: String,
}

/// A send that did not go through.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Try again later: a 4xx answer, a connection, TLS or timeout problem, or
    /// credentials the operator must fix.
    #[error("SMTP: {reason} (will retry)")]
    Retry { reason: String },
    /// Don't: the server refused this mail for good (5xx), e.g. an unknown recipient.
    #[error("SMTP: {reason} (permanent)")]
    GiveUp { reason: String },
}

impl SendError {
    pub fn should_retry(&self) -> bool {
        matches!(self, SendError::Retry { .. })
    }
}

/// A connection pool to one SMTP server.
#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    settings: SmtpSettings,
}

impl fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSender")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl SmtpSender {
    /// Builds the transport; connects only when sending.
    pub fn new(settings: &SmtpSettings) -> Result<SmtpSender, SettingsError> {
        let tls = match settings.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::StartTls | SmtpTls::Implicit => {
                let mut builder = TlsParameters::builder(settings.host.clone());
                if let Some(path) = &settings.ca_file {
                    let pem = read_ca_file(SETTING, path)?;
                    let ca = lettre::transport::smtp::client::Certificate::from_pem(&pem).map_err(
                        |e| {
                            SettingsError::new(
                                SETTING,
                                format!(
                                    "`ca_file` {} is not a PEM certificate: {e}",
                                    path.display()
                                ),
                            )
                        },
                    )?;
                    builder = builder.add_root_certificate(ca);
                }
                let parameters = builder
                    .build_rustls()
                    .map_err(|e| SettingsError::new(SETTING, format!("TLS setup failed: {e}")))?;
                match settings.tls {
                    SmtpTls::Implicit => Tls::Wrapper(parameters),
                    _ => Tls::Required(parameters),
                }
            }
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone())
                .port(settings.port)
                .tls(tls)
                .timeout(Some(settings.timeout));
        if let (Some(user), Some(password)) = (&settings.user, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(SmtpSender {
            transport: builder.build(),
            settings: settings.clone(),
        })
    }

    pub async fn send(&self, mail: &BuiltMail) -> Result<Accepted, SendError> {
        let from = mail.envelope_from.parse().map_err(|e| SendError::GiveUp {
            reason: format!("the sender `{}` is not an address: {e}", mail.envelope_from),
        })?;
        let to = mail
            .envelope_to
            .iter()
            .map(|t| t.parse())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SendError::GiveUp {
                reason: format!("a recipient is not an address: {e}"),
            })?;
        let envelope = Envelope::new(Some(from), to).map_err(|e| SendError::GiveUp {
            reason: format!("no envelope: {e}"),
        })?;
        match self.transport.send_raw(&envelope, &mail.bytes).await {
            Ok(response) => Ok(Accepted {
                server_answer: response.message().collect::<Vec<_>>().join(" "),
            }),
            Err(e) => Err(classify(&self.settings, &e)),
        }
    }
}

fn classify(settings: &SmtpSettings, e: &lettre::transport::smtp::Error) -> SendError {
    let server = format!("{}:{}", settings.host, settings.port);
    let code = e.status().map(|c| c.to_string());
    // 530/534/535/538 are about our login, not this mail: the operator fixes
    // `mail.smtp_url` and the mail goes out then.
    let login = matches!(code.as_deref(), Some("530" | "534" | "535" | "538"));
    if e.is_permanent() && !login {
        SendError::GiveUp {
            reason: format!("{server} refused the mail: {e}"),
        }
    } else if login {
        SendError::Retry {
            reason: format!("{server} refused the login in `{SETTING}`: {e}"),
        }
    } else {
        SendError::Retry {
            reason: format!("sending through {server} failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_url_forms_parse() {
        let plain = SmtpSettings::parse("smtp://localhost:2525").unwrap();
        assert_eq!(
            (plain.host.as_str(), plain.port, plain.tls),
            ("localhost", 2525, SmtpTls::None)
        );
        let starttls = SmtpSettings::parse("smtp://mail.example:587?tls=starttls").unwrap();
        assert_eq!(starttls.tls, SmtpTls::StartTls);
        let implicit =
            SmtpSettings::parse("smtps://me%40x.example:p%40ss%2Bw@mail.example").unwrap();
        assert_eq!((implicit.port, implicit.tls), (465, SmtpTls::Implicit));
        assert_eq!(implicit.user.as_deref(), Some("me@x.example"));
        assert_eq!(implicit.password.as_deref(), Some("p@ss+w"));
        assert_eq!(SmtpSettings::parse("smtp://[::1]").unwrap().host, "::1");
    }

    #[test]
    fn the_password_is_never_shown() {
        let s = SmtpSettings::parse("smtps://me:hunter2@mail.example:465").unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!s.to_string().contains("hunter2"));
        assert_eq!(s.to_string(), "smtps://me:<redacted>@mail.example:465");
        let sender = SmtpSender::new(&s).unwrap();
        assert!(!format!("{sender:?}").contains("hunter2"));
    }

    #[test]
    fn bad_urls_name_the_setting_and_the_rule() {
        for (url, words) in [
            ("localhost:25", "scheme"),
            ("http://mail.example", "scheme `http`"),
            ("not a url", "not a URL"),
            ("smtp://mail.example?tls=yes", "`tls=yes`"),
            ("smtps://mail.example?tls=starttls", "`tls=starttls`"),
            ("smtp://mail.example?pool=3", "unknown parameter `pool`"),
            ("smtp://mail.example?ca_file=/ca.pem", "`ca_file` needs TLS"),
            ("smtp://user:pw@mail.example:25", "unencrypted"),
            ("smtp://mail.example/path", "path"),
            ("smtp://:pw@localhost", "needs a user"),
        ] {
            let e = SmtpSettings::parse(url).unwrap_err();
            assert_eq!(e.setting, "mail.smtp_url");
            assert!(e.to_string().starts_with("`mail.smtp_url`: "), "{e}");
            assert!(e.to_string().contains(words), "{url}: {e}");
        }
        // Loopback relays may take credentials in plain text.
        assert!(SmtpSettings::parse("smtp://u:p@127.0.0.1:2525").is_ok());
    }
}
