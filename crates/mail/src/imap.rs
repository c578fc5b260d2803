//! Reading a project's mailbox over IMAP (`mail.imap_url`): fetch what is not yet
//! handled, and mark a message handled — with a keyword, or by moving it — only once
//! the caller says it was stored. Waits for new mail with IDLE where the server has
//! it, and by polling where it doesn't.

use crate::smtp::{SettingsError, is_loopback, percent_decode, read_ca_file};
use async_imap::extensions::idle::IdleResponse;
use futures_util::TryStreamExt;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

const SETTING: &str = "mail.imap_url";

/// The keyword a handled message gets (unless it is moved).
pub const STORED_KEYWORD: &str = "$EmbargoStored";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapTls {
    /// `imaps://` (port 993).
    Implicit,
    /// `imap://…?tls=starttls` (port 143).
    StartTls,
    /// `imap://` to a loopback address only, for a server on the same host.
    None,
}

/// What marks a message as handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterStored {
    /// Set the [`STORED_KEYWORD`] keyword; the message stays where it is.
    Flag,
    /// Move it to this mailbox (`?move_to=Archive`), which must exist.
    MoveTo(String),
}

/// Parsed from `imaps://user:pass@host:993/INBOX` or
/// `imap://user:pass@host/INBOX?tls=starttls`; parameters `move_to=MAILBOX` and
/// `idle=no` (poll even where the server has IDLE). `Debug` and `Display` hide the
/// password.
#[derive(Clone, PartialEq, Eq)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    pub tls: ImapTls,
    pub user: String,
    password: String,
    pub mailbox: String,
    pub after_stored: AfterStored,
    pub use_idle: bool,
    /// `?ca_file=/path/ca.pem`: a CA to trust besides the system's.
    pub ca_file: Option<std::path::PathBuf>,
}

impl fmt::Debug for ImapSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("mailbox", &self.mailbox)
            .field("after_stored", &self.after_stored)
            .field("use_idle", &self.use_idle)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl fmt::Display for ImapSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.tls {
            ImapTls::Implicit => "imaps",
            ImapTls::StartTls | ImapTls::None => "imap",
        };
        write!(
            f,
            "{scheme}://{}:<redacted>@{}:{}/{}",
            self.user, self.host, self.port, self.mailbox
        )?;
        if self.tls == ImapTls::StartTls {
            f.write_str("?tls=starttls")?;
        }
        Ok(())
    }
}

impl ImapSettings {
    pub fn parse(url: &str) -> Result<ImapSettings, SettingsError> {
        let bad = |problem: String| SettingsError::new(SETTING, problem);
        let parsed = url::Url::parse(url.trim()).map_err(|e| {
            bad(format!(
                "not a URL ({e}); expected e.g. `imaps://user:pass@imap.example:993/INBOX`"
            ))
        })?;
        let mut tls = match parsed.scheme() {
            "imaps" => ImapTls::Implicit,
            "imap" => ImapTls::None,
            other => return Err(bad(format!("scheme `{other}` is not `imap` or `imaps`"))),
        };
        let mut after_stored = AfterStored::Flag;
        let mut use_idle = true;
        let mut ca_file = None;
        for (key, value) in parsed.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("tls", "starttls") if tls != ImapTls::Implicit => tls = ImapTls::StartTls,
                ("tls", "none") if tls != ImapTls::Implicit => {}
                ("tls", v) => {
                    return Err(bad(format!(
                        "`tls={v}` is not `starttls` or `none` (with `imaps://` TLS is always on)"
                    )));
                }
                ("move_to", v) if !v.trim().is_empty() => {
                    after_stored = AfterStored::MoveTo(v.to_owned());
                }
                ("idle", "no") => use_idle = false,
                ("ca_file", v) if !v.is_empty() => ca_file = Some(std::path::PathBuf::from(v)),
                ("idle", "yes") => use_idle = true,
                (k, v) => {
                    return Err(bad(format!(
                        "`{k}={v}` is not understood; parameters are `tls=starttls`, \
                         `move_to=MAILBOX`, `idle=no`, `ca_file=PATH`"
                    )));
                }
            }
        }
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("the URL has no host".into()))?
            .trim_matches(['[', ']'])
            .to_owned();
        if ca_file.is_some() && tls == ImapTls::None {
            return Err(bad(
                "`ca_file` needs TLS: use `imaps://` or `?tls=starttls`".into(),
            ));
        }
        if tls == ImapTls::None && !is_loopback(&host) {
            return Err(bad(
                "the password would cross the network unencrypted: use `imaps://` or \
                 `?tls=starttls`"
                    .into(),
            ));
        }
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| bad("the user or password is not valid UTF-8".into()))
        };
        let user = decode(parsed.username())?;
        let password = parsed
            .password()
            .map(decode)
            .transpose()?
            .unwrap_or_default();
        if user.is_empty() || password.is_empty() {
            return Err(bad(
                "a user and password are needed (`imaps://user:pass@host/INBOX`)".into(),
            ));
        }
        let mailbox = decode(parsed.path().trim_start_matches('/'))?;
        let mailbox = if mailbox.is_empty() {
            "INBOX".to_owned()
        } else {
            mailbox
        };
        let port = parsed.port().unwrap_or(match tls {
            ImapTls::Implicit => 993,
            ImapTls::StartTls | ImapTls::None => 143,
        });
        Ok(ImapSettings {
            host,
            port,
            tls,
            user,
            password,
            mailbox,
            after_stored,
            use_idle,
            ca_file,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("IMAP: cannot connect to {server}: {detail}")]
    Connect { server: String, detail: String },
    #[error("IMAP: {server} refused the login for `{user}` in `mail.imap_url`: {detail}")]
    Login {
        server: String,
        user: String,
        detail: String,
    },
    #[error("IMAP: mailbox `{mailbox}` cannot be opened: {detail}")]
    Mailbox { mailbox: String, detail: String },
    #[error("IMAP: {0}")]
    Protocol(String),
}

fn protocol(e: impl fmt::Display) -> ImapError {
    ImapError::Protocol(e.to_string())
}

/// A message fetched from the mailbox, not yet handled.
#[derive(Clone, PartialEq, Eq)]
pub struct FetchedMail {
    /// Its IMAP UID, to mark it stored with.
    pub uid: u32,
    pub bytes: Vec<u8>,
}

impl fmt::Debug for FetchedMail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchedMail")
            .field("uid", &self.uid)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// Why [`ImapInbox::wait_for_mail`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wakeup {
    /// The server said the mailbox changed (IDLE), or unhandled mail was already there.
    Changed,
    /// The interval passed (polling, or IDLE with nothing new): look again.
    Interval,
}

type Session = async_imap::Session<Connection>;

/// A logged-in connection with the mailbox selected.
pub struct ImapInbox {
    session: Option<Session>,
    settings: ImapSettings,
    idle: bool,
}

impl fmt::Debug for ImapInbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapInbox")
            .field("settings", &self.settings)
            .field("idle", &self.idle)
            .finish()
    }
}

impl ImapInbox {
    pub async fn connect(settings: &ImapSettings) -> Result<ImapInbox, ImapError> {
        let server = format!("{}:{}", settings.host, settings.port);
        let connect = |e: &dyn fmt::Display| ImapError::Connect {
            server: server.clone(),
            detail: e.to_string(),
        };
        let extra_roots = match &settings.ca_file {
            Some(path) => {
                let pem = read_ca_file(SETTING, path).map_err(|e| connect(&e))?;
                CertificateDer::pem_slice_iter(&pem)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| {
                        connect(&format!("`ca_file` {} is not PEM: {e}", path.display()))
                    })?
            }
            None => Vec::new(),
        };
        let tcp = TcpStream::connect((settings.host.as_str(), settings.port))
            .await
            .map_err(|e| connect(&e))?;
        let stream = match settings.tls {
            ImapTls::Implicit => Connection(Box::new(
                tls_connect(&settings.host, tcp, &extra_roots)
                    .await
                    .map_err(|e| connect(&e))?,
            )),
            ImapTls::None => Connection(Box::new(tcp)),
            ImapTls::StartTls => {
                let mut client = async_imap::Client::new(Connection(Box::new(tcp)));
                client.read_response().await.map_err(|e| connect(&e))?;
                client
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|e| connect(&e))?;
                let Connection(inner) = client.into_inner();
                let tcp = inner
                    .into_tcp()
                    .ok_or_else(|| connect(&"STARTTLS on TLS"))?;
                Connection(Box::new(
                    tls_connect(&settings.host, tcp, &extra_roots)
                        .await
                        .map_err(|e| connect(&e))?,
                ))
            }
        };
        let mut client = async_imap::Client::new(stream);
        if settings.tls != ImapTls::StartTls {
            // The greeting; after STARTTLS there is none.
            client.read_response().await.map_err(|e| connect(&e))?;
        }
        let mut session = client
            .login(&settings.user, &settings.password)
            .await
            .map_err(|(e, _)| ImapError::Login {
                server: server.clone(),
                user: settings.user.clone(),
                detail: e.to_string(),
            })?;
        let idle = settings.use_idle
            && session
                .capabilities()
                .await
                .map_err(protocol)?
                .has_str("IDLE");
        session
            .select(&settings.mailbox)
            .await
            .map_err(|e| ImapError::Mailbox {
                mailbox: settings.mailbox.clone(),
                detail: e.to_string(),
            })?;
        Ok(ImapInbox {
            session: Some(session),
            settings: settings.clone(),
            idle,
        })
    }

    /// Whether [`ImapInbox::wait_for_mail`] uses IDLE.
    pub fn uses_idle(&self) -> bool {
        self.idle
    }

    fn session(&mut self) -> Result<&mut Session, ImapError> {
        self.session
            .as_mut()
            .ok_or_else(|| ImapError::Protocol("the connection was lost during IDLE".into()))
    }

    /// Up to `max` messages not yet handled, oldest first. Reading does not mark them
    /// (not even `\Seen`).
    pub async fn unhandled(&mut self, max: usize) -> Result<Vec<FetchedMail>, ImapError> {
        let session = self.session()?;
        let query = format!("UNDELETED UNKEYWORD {STORED_KEYWORD}");
        let mut uids: Vec<u32> = session
            .uid_search(query)
            .await
            .map_err(protocol)?
            .into_iter()
            .collect();
        uids.sort_unstable();
        uids.truncate(max);
        let mut fetched = Vec::with_capacity(uids.len());
        for uid in uids {
            let messages: Vec<_> = session
                .uid_fetch(uid.to_string(), "(UID BODY.PEEK[])")
                .await
                .map_err(protocol)?
                .try_collect()
                .await
                .map_err(protocol)?;
            for message in messages {
                if let (Some(uid), Some(body)) = (message.uid, message.body()) {
                    fetched.push(FetchedMail {
                        uid,
                        bytes: body.to_vec(),
                    });
                }
            }
        }
        Ok(fetched)
    }

    /// Marks one message handled, after the caller stored it.
    pub async fn mark_stored(&mut self, uid: u32) -> Result<(), ImapError> {
        let after = self.settings.after_stored.clone();
        let session = self.session()?;
        match after {
            AfterStored::Flag => {
                let _: Vec<_> = session
                    .uid_store(uid.to_string(), format!("+FLAGS.SILENT ({STORED_KEYWORD})"))
                    .await
                    .map_err(protocol)?
                    .try_collect()
                    .await
                    .map_err(protocol)?;
            }
            AfterStored::MoveTo(mailbox) => {
                session
                    .uid_mv(uid.to_string(), &mailbox)
                    .await
                    .map_err(|e| ImapError::Mailbox {
                        mailbox,
                        detail: e.to_string(),
                    })?;
            }
        }
        Ok(())
    }

    /// Adds a message to the mailbox (`APPEND`), e.g. to keep a copy.
    pub async fn append(&mut self, bytes: &[u8]) -> Result<(), ImapError> {
        let mailbox = self.settings.mailbox.clone();
        self.session()?
            .append(&mailbox, None, None, bytes)
            .await
            .map_err(protocol)
    }

    /// Returns when there may be new mail: at once if unhandled mail is waiting, when
    /// the server reports a change (IDLE), or after `interval` (polling, or IDLE with
    /// nothing new; IDLE is renewed at least every 25 minutes).
    pub async fn wait_for_mail(&mut self, interval: Duration) -> Result<Wakeup, ImapError> {
        let query = format!("UNDELETED UNKEYWORD {STORED_KEYWORD}");
        if !self
            .session()?
            .uid_search(query)
            .await
            .map_err(protocol)?
            .is_empty()
        {
            return Ok(Wakeup::Changed);
        }
        if !self.idle {
            tokio::time::sleep(interval).await;
            self.session()?.noop().await.map_err(protocol)?;
            return Ok(Wakeup::Interval);
        }
        let session = self
            .session
            .take()
            .ok_or_else(|| ImapError::Protocol("the connection was lost during IDLE".into()))?;
        let mut idle = session.idle();
        idle.init().await.map_err(protocol)?;
        let (wait, _stop) = idle.wait_with_timeout(interval.min(Duration::from_secs(25 * 60)));
        let response = wait.await.map_err(protocol)?;
        self.session = Some(idle.done().await.map_err(protocol)?);
        Ok(match response {
            IdleResponse::NewData(_) => Wakeup::Changed,
            IdleResponse::Timeout | IdleResponse::ManualInterrupt => Wakeup::Interval,
        })
    }

    pub async fn logout(mut self) -> Result<(), ImapError> {
        if let Some(mut session) = self.session.take() {
            session.logout().await.map_err(protocol)?;
        }
        Ok(())
    }
}

async fn tls_connect(
    host: &str,
    tcp: TcpStream,
    extra_roots: &[CertificateDer<'static>],
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(
        extra_roots.iter().cloned(),
        provider.clone(),
    )
    .map_err(std::io::Error::other)?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let name =
        rustls::pki_types::ServerName::try_from(host.to_owned()).map_err(std::io::Error::other)?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
}

/// Plain TCP or TLS, one type for async-imap.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {
    fn into_tcp(self: Box<Self>) -> Option<TcpStream>;
}

impl Io for TcpStream {
    fn into_tcp(self: Box<Self>) -> Option<TcpStream> {
        Some(*self)
    }
}

impl Io for tokio_rustls::client::TlsStream<TcpStream> {
    fn into_tcp(self: Box<Self>) -> Option<TcpStream> {
        None
    }
}

struct Connection(Box<dyn Io>);

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Connection")
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imap_urls_parse() {
        let s = ImapSettings::parse("imaps://me%40x.example:pw@imap.example/Security").unwrap();
        assert_eq!(
            (s.port, s.tls, s.user.as_str()),
            (993, ImapTls::Implicit, "me@x.example")
        );
        assert_eq!(
            (s.mailbox.as_str(), &s.after_stored),
            ("Security", &AfterStored::Flag)
        );
        let s = ImapSettings::parse("imap://me:pw@imap.example?tls=starttls&move_to=Done&idle=no")
            .unwrap();
        assert_eq!(
            (s.port, s.tls, s.mailbox.as_str()),
            (143, ImapTls::StartTls, "INBOX")
        );
        assert_eq!(s.after_stored, AfterStored::MoveTo("Done".into()));
        assert!(!s.use_idle);
        assert!(!format!("{s:?} {s}").contains("pw"));
    }

    #[test]
    fn bad_imap_urls_name_the_setting() {
        for (url, words) in [
            ("imap://me:pw@imap.example/INBOX", "unencrypted"),
            ("imaps://imap.example/INBOX", "user and password"),
            ("pop3://me:pw@x.example", "scheme"),
            ("imaps://me:pw@x.example?tls=starttls", "`tls=starttls`"),
            ("imaps://me:pw@x.example?flag=yes", "`flag=yes`"),
            (
                "imap://me:pw@127.0.0.1?ca_file=/ca.pem",
                "`ca_file` needs TLS",
            ),
        ] {
            let e = ImapSettings::parse(url).unwrap_err();
            assert!(e.to_string().starts_with("`mail.imap_url`: "), "{e}");
            assert!(e.to_string().contains(words), "{url}: {e}");
        }
    }
}
