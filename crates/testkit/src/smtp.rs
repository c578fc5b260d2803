//! A real SMTP server for tests, run inside the test binary on a free loopback port:
//! the protocol is the `mailin` library's, over plain TCP. It keeps what it accepts in
//! memory, for the test to read once the client's send has returned (the message is
//! stored before the server answers `250`, so there is nothing to wait for).
//!
//! Recipients steer it: a local part starting with `reject` gets `550 5.1.1`, one
//! starting with `tempfail` gets `451 4.3.0`. [`SmtpReceiver::start_with_login`] starts
//! one that requires AUTH (PLAIN or LOGIN) as [`SmtpReceiver::USER`] with
//! [`SmtpReceiver::PASSWORD`]; each message records who sent it.

use mailin::{Action, Handler, Response, SessionBuilder};
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

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
}

pub struct SmtpReceiver {
    address: SocketAddr,
    inbox: Arc<Mutex<Vec<ReceivedMail>>>,
}

impl SmtpReceiver {
    pub const USER: &'static str = "embargo";
    pub const PASSWORD: &'static str = "s3cret pass";

    /// Listens on `127.0.0.1` on a free port until the test binary exits; no login.
    pub fn start() -> SmtpReceiver {
        SmtpReceiver::listen(false)
    }

    /// Like [`SmtpReceiver::start`], but mail is only taken after a login.
    pub fn start_with_login() -> SmtpReceiver {
        SmtpReceiver::listen(true)
    }

    fn listen(login: bool) -> SmtpReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the test SMTP server");
        let address = listener
            .local_addr()
            .expect("the test SMTP server's address");
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let shared = inbox.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let inbox = shared.clone();
                std::thread::spawn(move || {
                    // A client that hangs up mid-session is its own business.
                    let _ = serve(stream, inbox, login);
                });
            }
        });
        SmtpReceiver { address, inbox }
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
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
    user: Option<String>,
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
        if local.starts_with("reject") {
            Response::custom(550, "5.1.1 No such user here".to_owned())
        } else if local.starts_with("tempfail") {
            Response::custom(451, "4.3.0 Try again later".to_owned())
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

fn serve(
    stream: TcpStream,
    inbox: Arc<Mutex<Vec<ReceivedMail>>>,
    login: bool,
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
    let handler = Session {
        inbox,
        from: String::new(),
        to: Vec::new(),
        data: Vec::new(),
        user: None,
    };
    let mut session = builder.build(peer, handler);
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    session.greeting().write_to(&mut writer)?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let response = session.process(&line);
        match response.action {
            Action::Reply => response.write_to(&mut writer)?,
            Action::Close => {
                response.write_to(&mut writer)?;
                writer.flush()?;
                return Ok(());
            }
            // STARTTLS is not offered.
            Action::UpgradeTls => return Ok(()),
            Action::NoReply => {}
        }
        writer.flush()?;
    }
}
