//! A real SMTP server for tests, run inside the test binary on a free loopback port:
//! the protocol is the `mailin` library's, over plain TCP. It keeps what it accepts in
//! memory, for the test to read once the client's send has returned (the message is
//! stored before the server answers `250`, so there is nothing to wait for).
//!
//! Recipients steer it: a local part starting with `reject` gets `550 5.1.1`, one
//! starting with `tempfail` gets `451 4.3.0`. [`SmtpReceiver::start_with_login`] starts
//! one that requires AUTH (PLAIN or LOGIN) as [`SmtpReceiver::USER`] with
//! [`SmtpReceiver::PASSWORD`]; each message records who sent it.
//! [`SmtpReceiver::start_starttls`] and [`SmtpReceiver::start_implicit_tls`] speak TLS
//! with the test run's certificate (`crate::tls`), rustls with `ring`.

use mailin::{Action, Handler, Response, SessionBuilder};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone)]
enum Encryption {
    None,
    StartTls(Arc<rustls::ServerConfig>),
    Implicit(Arc<rustls::ServerConfig>),
}

/// One message as the server took it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// `MAIL FROM`.
    pub from: String,
    /// `RCPT TO`, accepted ones only.
    pub to: Vec<String>,
    /// The message, dot-unstuffed, as sent after `DATA`.
    pub data: Vec<u8>,
    /// The user of a successful AUTH on this connection.
    pub authenticated_as: Option<String>,
    /// The queue id the server answered with.
    pub queue_id: String,
    /// Whether the message came over TLS.
    pub over_tls: bool,
}

pub struct SmtpReceiver {
    address: SocketAddr,
    inbox: Arc<Mutex<Vec<ReceivedMail>>>,
    refusals: Arc<AtomicUsize>,
}

impl SmtpReceiver {
    pub const USER: &'static str = "embargo";
    pub const PASSWORD: &'static str = "s3cret pass";

    /// Listens on `127.0.0.1` on a free port until the test binary exits; no login.
    pub fn start() -> SmtpReceiver {
        SmtpReceiver::listen(false, Encryption::None)
    }

    /// Like [`SmtpReceiver::start`], but mail is only taken after a login.
    pub fn start_with_login() -> SmtpReceiver {
        SmtpReceiver::listen(true, Encryption::None)
    }

    /// Offers STARTTLS (and takes mail without it too, so a test can tell).
    pub fn start_starttls() -> SmtpReceiver {
        SmtpReceiver::listen(false, Encryption::StartTls(server_config()))
    }

    /// TLS from the first byte, as on port 465.
    pub fn start_implicit_tls() -> SmtpReceiver {
        SmtpReceiver::listen(false, Encryption::Implicit(server_config()))
    }

    fn listen(login: bool, tls: Encryption) -> SmtpReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the test SMTP server");
        let address = listener
            .local_addr()
            .expect("the test SMTP server's address");
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let refusals = Arc::new(AtomicUsize::new(0));
        let shared = inbox.clone();
        let shared_refusals = refusals.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let inbox = shared.clone();
                let refusals = shared_refusals.clone();
                let tls = tls.clone();
                std::thread::spawn(move || {
                    // A client that hangs up mid-session is its own business.
                    let _ = serve(stream, inbox, refusals, login, tls);
                });
            }
        });
        SmtpReceiver {
            address,
            inbox,
            refusals,
        }
    }

    /// Answers the next `n` recipients `451 4.3.0` (try again later), whoever they are,
    /// as a greylisting or overloaded server does.
    pub fn refuse_next(&self, n: usize) {
        self.refusals.store(n, Ordering::SeqCst);
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `smtp://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    /// Everything accepted so far, oldest first.
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.inbox.lock().expect("the test SMTP inbox").clone()
    }
}

struct Session {
    inbox: Arc<Mutex<Vec<ReceivedMail>>>,
    refusals: Arc<AtomicUsize>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
    user: Option<String>,
    // Set by `serve` once the connection is TLS (mailin keeps the handler to itself).
    over_tls: Arc<AtomicBool>,
}

impl Handler for Session {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        self.from = from.to_owned();
        self.to.clear();
        self.data.clear();
        mailin::response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        let local = to
            .trim_matches(['<', '>'])
            .split('@')
            .next()
            .unwrap_or_default();
        let refused = self
            .refusals
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if refused || local.starts_with("tempfail") {
            Response::custom(451, "4.3.0 Try again later".to_owned())
        } else if local.starts_with("reject") {
            Response::custom(550, "5.1.1 No such user here".to_owned())
        } else {
            self.to.push(to.to_owned());
            mailin::response::OK
        }
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mut inbox = self.inbox.lock().expect("the test SMTP inbox");
        let queue_id = format!("TEST{:05}", inbox.len() + 1);
        inbox.push(ReceivedMail {
            from: self.from.clone(),
            to: std::mem::take(&mut self.to),
            data: std::mem::take(&mut self.data),
            authenticated_as: self.user.clone(),
            queue_id: queue_id.clone(),
            over_tls: self.over_tls.load(Ordering::Relaxed),
        });
        Response::custom(250, format!("2.0.0 Ok: queued as {queue_id}"))
    }

    fn auth_plain(&mut self, _authz: &str, user: &str, password: &str) -> Response {
        self.check(user, password)
    }

    fn auth_login(&mut self, user: &str, password: &str) -> Response {
        self.check(user, password)
    }
}

impl Session {
    fn check(&mut self, user: &str, password: &str) -> Response {
        if user == SmtpReceiver::USER && password == SmtpReceiver::PASSWORD {
            self.user = Some(user.to_owned());
            mailin::response::AUTH_OK
        } else {
            mailin::response::INVALID_CREDENTIALS
        }
    }
}

fn server_config() -> Arc<rustls::ServerConfig> {
    let (cert, key) = (crate::tls::cert_file(), crate::tls::key_file());
    let certs = CertificateDer::pem_file_iter(&cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .unwrap_or_else(|e| panic!("reading {}: {e}", cert.display()));
    let key = PrivateKeyDer::from_pem_file(&key)
        .unwrap_or_else(|e| panic!("reading {}: {e}", key.display()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("the test certificate and key match");
    Arc::new(config)
}

type TlsStream = rustls::StreamOwned<rustls::ServerConnection, TcpStream>;

fn tls_stream(config: &Arc<rustls::ServerConfig>, stream: TcpStream) -> std::io::Result<TlsStream> {
    let connection =
        rustls::ServerConnection::new(config.clone()).map_err(std::io::Error::other)?;
    Ok(rustls::StreamOwned::new(connection, stream))
}

fn serve(
    stream: TcpStream,
    inbox: Arc<Mutex<Vec<ReceivedMail>>>,
    refusals: Arc<AtomicUsize>,
    login: bool,
    tls: Encryption,
) -> std::io::Result<()> {
    let peer = stream.peer_addr()?.ip();
    let mut builder = SessionBuilder::new("embargo-test-smtp");
    if login {
        builder
            .enable_auth(mailin::AuthMechanism::Plain)
            .enable_auth(mailin::AuthMechanism::Login)
            // Loopback only: AUTH without TLS is fine here.
            .insecure_enable_plaintext_auth();
    }
    if let Encryption::StartTls(_) = tls {
        builder.enable_start_tls();
    }
    let over_tls = Arc::new(AtomicBool::new(false));
    let handler = Session {
        inbox,
        refusals,
        from: String::new(),
        to: Vec::new(),
        data: Vec::new(),
        user: None,
        over_tls: over_tls.clone(),
    };
    let mut session = builder.build(peer, handler);
    match tls {
        Encryption::None => {
            converse(&mut session, stream, true)?;
        }
        Encryption::Implicit(config) => {
            session.tls_active();
            over_tls.store(true, Ordering::Relaxed);
            converse(&mut session, tls_stream(&config, stream)?, true)?;
        }
        Encryption::StartTls(config) => {
            if let Some(stream) = converse(&mut session, stream, true)? {
                session.tls_active();
                over_tls.store(true, Ordering::Relaxed);
                // No new greeting after STARTTLS: the client sends EHLO again.
                converse(&mut session, tls_stream(&config, stream)?, false)?;
            }
        }
    }
    Ok(())
}

/// Talks SMTP until the client quits (`None`) or asks for STARTTLS (`Some(stream)`,
/// to be wrapped in TLS).
fn converse<S: Read + Write>(
    session: &mut mailin::Session<Session>,
    stream: S,
    greet: bool,
) -> std::io::Result<Option<S>> {
    let mut reader = BufReader::new(stream);
    if greet {
        session.greeting().write_to(reader.get_mut())?;
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        let response = session.process(&line);
        let writer = reader.get_mut();
        match response.action {
            Action::Reply => response.write_to(writer)?,
            Action::Close => {
                response.write_to(writer)?;
                writer.flush()?;
                return Ok(None);
            }
            Action::UpgradeTls => {
                response.write_to(writer)?;
                writer.flush()?;
                // The client waits for the answer before its handshake, so nothing is
                // left in the buffer.
                return Ok(Some(reader.into_inner()));
            }
            Action::NoReply => {}
        }
        reader.get_mut().flush()?;
    }
}
