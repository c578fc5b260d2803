//! The mail crate against real servers: the test SMTP server (`testkit::smtp`, over
//! TCP), Dovecot over IMAP (`testkit::imap`, started by `scripts/test`) and GnuPG.

use embargo_mail::outgoing::{Address, OutgoingMail, Protection};
use embargo_mail::smtp::{SmtpSender, SmtpSettings};
use embargo_mail::{Inbound, Limits, ProjectKey, PublicKey, QuarantineReason, Reader};
use embargo_testkit::smtp::SmtpReceiver;

fn notification(to: &str) -> OutgoingMail {
    OutgoingMail {
        from: Address::named("Connect Security", "security@connect.example"),
        to: vec![Address::named("Alice", to)],
        reply_to: Some(Address::new(
            "security+abcdefghijklmnopqrstuvwxyz@connect.example",
        )),
        subject: "[connect] CASE-7: we received your report".into(),
        text: "Thank you for your report.\n.\nA line with a lone dot above.\n".into(),
        html: None,
        message_id: embargo_mail::reply::new_message_id("connect.example").unwrap(),
        in_reply_to: Some("report-1@reporter.example".into()),
        references: vec!["report-1@reporter.example".into()],
        headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
    }
}

// ---- SMTP ----------------------------------------------------------------------

#[tokio::test]
async fn c4_a_mail_sent_over_smtp_arrives_whole() {
    let server = SmtpReceiver::start();
    let sender = SmtpSender::new(&SmtpSettings::parse(&server.url()).unwrap()).unwrap();
    let mail = notification("alice@reporter.example")
        .build(Protection::None)
        .unwrap();
    let accepted = sender.send(&mail).await.unwrap();
    let received = server.received();
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(
        accepted.server_answer,
        format!("2.0.0 Ok: queued as {}", got.queue_id)
    );
    assert_eq!(got.from, "security@connect.example");
    assert_eq!(got.to, ["alice@reporter.example"]);
    assert_eq!(got.authenticated_as, None);
    // Byte for byte (the lone dot stuffed and unstuffed on the way), but for the blank
    // line lettre's end of data adds.
    let trimmed = |b: &[u8]| String::from_utf8_lossy(b).trim_end().to_owned();
    assert_eq!(trimmed(&got.data), trimmed(&mail.bytes));
    assert!(trimmed(&got.data).contains("\r\n.\r\nA line with a lone dot above."));
    // And it reads back as the auto-generated mail it is (never answered).
    let Inbound::AutoReply(auto) = Reader::default().read(&got.data) else {
        panic!("not recognised as automatic")
    };
    assert_eq!(
        auto.threading.message_id.as_deref(),
        Some(mail.message_id.as_str())
    );
}

#[tokio::test]
async fn credentials_from_the_url_log_in() {
    let server = SmtpReceiver::start_with_login();
    let url = format!(
        "smtp://{}:{}@{}",
        SmtpReceiver::USER,
        SmtpReceiver::PASSWORD.replace(' ', "%20"),
        server.address()
    );
    let sender = SmtpSender::new(&SmtpSettings::parse(&url).unwrap()).unwrap();
    let mail = notification("alice@reporter.example")
        .build(Protection::None)
        .unwrap();
    sender.send(&mail).await.unwrap();
    assert_eq!(
        server.received()[0].authenticated_as.as_deref(),
        Some(SmtpReceiver::USER)
    );

    let wrong = format!("smtp://{}:wrong@{}", SmtpReceiver::USER, server.address());
    let sender = SmtpSender::new(&SmtpSettings::parse(&wrong).unwrap()).unwrap();
    let e = sender.send(&mail).await.unwrap_err();
    // The operator's login is wrong, not the mail: keep it for later.
    assert!(e.should_retry(), "{e}");
    assert!(e.to_string().contains("mail.smtp_url"), "{e}");
    assert!(!e.to_string().contains("wrong"), "{e}");
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_permanent_refusal_gives_up_and_a_temporary_one_retries() {
    let server = SmtpReceiver::start();
    let sender = SmtpSender::new(&SmtpSettings::parse(&server.url()).unwrap()).unwrap();
    let rejected = notification("rejected@reporter.example")
        .build(Protection::None)
        .unwrap();
    let e = sender.send(&rejected).await.unwrap_err();
    assert!(!e.should_retry(), "{e}");
    assert!(e.to_string().contains("5.1.1"), "{e}");
    let delayed = notification("tempfail@reporter.example")
        .build(Protection::None)
        .unwrap();
    let e = sender.send(&delayed).await.unwrap_err();
    assert!(e.should_retry(), "{e}");
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_server_that_is_not_there_is_retried() {
    // A port that was free a moment ago and has no listener now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let settings = SmtpSettings::parse(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let sender = SmtpSender::new(&settings).unwrap();
    let mail = notification("alice@reporter.example")
        .build(Protection::None)
        .unwrap();
    let e = sender.send(&mail).await.unwrap_err();
    assert!(e.should_retry(), "{e}");
}

#[tokio::test]
async fn signed_and_encrypted_mail_travels_over_smtp_and_opens_for_its_recipient() {
    let server = SmtpReceiver::start();
    let sender = SmtpSender::new(&SmtpSettings::parse(&server.url()).unwrap()).unwrap();
    let project = ProjectKey::generate("Connect security <security@connect.example>").unwrap();
    let reporter = ProjectKey::generate("Alice <alice@reporter.example>").unwrap();
    let reporter_public = PublicKey::parse(&reporter.public_key_asc()).unwrap();
    let mut mail = notification("alice@reporter.example");
    mail.headers.clear();
    let built = mail
        .build(Protection::SignAndEncrypt(&project, &reporter_public))
        .unwrap();
    sender.send(&built).await.unwrap();
    let data = &server.received()[0].data;
    assert!(!String::from_utf8_lossy(data).contains("Thank you"));
    let Inbound::Report(r) = Reader::default().with_key(reporter).read(data) else {
        panic!("the reporter cannot read it")
    };
    assert!(
        r.description.starts_with("Thank you for your report."),
        "{}",
        r.description
    );
}

#[tokio::test]
async fn starttls_and_implicit_tls_carry_the_mail_encrypted() {
    let ca = embargo_testkit::tls::ca_file();
    for (server, url) in [
        {
            let server = SmtpReceiver::start_starttls();
            let url = format!(
                "smtp://{}?tls=starttls&ca_file={}",
                server.address(),
                ca.display()
            );
            (server, url)
        },
        {
            let server = SmtpReceiver::start_implicit_tls();
            let url = format!("smtps://{}?ca_file={}", server.address(), ca.display());
            (server, url)
        },
    ] {
        let sender = SmtpSender::new(&SmtpSettings::parse(&url).unwrap()).unwrap();
        let mail = notification("alice@reporter.example")
            .build(Protection::None)
            .unwrap();
        sender
            .send(&mail)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let received = server.received();
        assert_eq!(received.len(), 1, "{url}");
        assert!(received[0].over_tls, "{url}");
    }
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_refused_and_retried() {
    let server = SmtpReceiver::start_implicit_tls();
    // The system's roots only: the test CA is not among them.
    let settings = SmtpSettings::parse(&format!("smtps://{}", server.address())).unwrap();
    let sender = SmtpSender::new(&settings).unwrap();
    let mail = notification("alice@reporter.example")
        .build(Protection::None)
        .unwrap();
    let e = sender.send(&mail).await.unwrap_err();
    assert!(e.should_retry(), "{e}");
    assert!(server.received().is_empty());
}

// ---- Incoming mail: bombs and limits ----------------------------------------------

/// A `multipart/mixed` message with `parts` tiny parts.
fn many_parts(parts: usize) -> Vec<u8> {
    let mut raw = String::from(
        "From: bomb@x.example\r\nTo: security@connect.example\r\nSubject: many parts\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n",
    );
    for i in 0..parts {
        raw.push_str(&format!(
            "--b\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n"
        ));
    }
    raw.push_str("--b--\r\n");
    raw.into_bytes()
}

#[test]
fn a_ten_thousand_part_message_is_quarantined_quickly() {
    let raw = many_parts(10_000);
    let started = std::time::Instant::now();
    let inbound = Reader::default().read(&raw);
    let Inbound::Quarantine(q) = inbound else {
        panic!("{inbound:?}")
    };
    assert_eq!(
        q.reason,
        QuarantineReason::TooManyParts {
            limit: Limits::default().parts
        }
    );
    assert_eq!(q.sender.as_deref(), Some("bomb@x.example"));
    // Not a timing test of the happy path: a bound that only a quadratic or
    // per-part-allocating reader would cross.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // With a limit that allows them, the parts are read, not lost.
    let generous = Limits {
        parts: 20_000,
        attachments: 20_000,
        ..Limits::default()
    };
    assert!(matches!(
        Reader::new(generous).read(&raw),
        Inbound::Report(_)
    ));
}

// ---- IMAP (Dovecot) ---------------------------------------------------------------

use embargo_mail::imap::{ImapInbox, ImapSettings, Wakeup};
use embargo_testkit::imap::ImapAccount;
use std::time::Duration;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/samples/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn inbox(account: &ImapAccount, query: &str) -> ImapInbox {
    let settings = ImapSettings::parse(&format!("{}{query}", account.url("INBOX"))).unwrap();
    ImapInbox::connect(&settings).await.unwrap()
}

#[tokio::test]
async fn c1_mail_appended_over_imap_is_read_and_marked_only_once_stored() {
    let account = ImapAccount::fresh();
    let mut imap = inbox(&account, "").await;
    assert!(imap.unhandled(10).await.unwrap().is_empty());
    let report = sample("report-with-attachment.eml");
    let bounce = sample("bounce-postfix-dsn.eml");
    imap.append(&report).await.unwrap();
    imap.append(&bounce).await.unwrap();

    let fetched = imap.unhandled(10).await.unwrap();
    assert_eq!(fetched.len(), 2);
    // IMAP stores CRLF line ends; the samples have LF.
    let lf = |b: &[u8]| String::from_utf8_lossy(b).replace("\r\n", "\n");
    assert_eq!(lf(&fetched[0].bytes), lf(&report));
    let Inbound::Report(r) = Reader::default().read(&fetched[0].bytes) else {
        panic!()
    };
    assert_eq!(r.sender.address, "alice@reporter.example");
    assert!(matches!(
        Reader::default().read(&fetched[1].bytes),
        Inbound::Bounce(_)
    ));

    // Only the first was stored: the second is still there next time, on a new
    // connection too.
    imap.mark_stored(fetched[0].uid).await.unwrap();
    let again = imap.unhandled(10).await.unwrap();
    assert_eq!(
        again.iter().map(|f| f.uid).collect::<Vec<_>>(),
        [fetched[1].uid]
    );
    imap.logout().await.unwrap();
    let mut other = inbox(&account, "").await;
    assert_eq!(other.unhandled(10).await.unwrap().len(), 1);
    // `max` bounds one batch.
    other.append(&report).await.unwrap();
    assert_eq!(other.unhandled(1).await.unwrap().len(), 1);
}

#[tokio::test]
async fn handled_mail_can_be_moved_instead_of_flagged() {
    let account = ImapAccount::fresh();
    let mut imap = inbox(&account, "?move_to=Archive").await;
    imap.append(&sample("report-html-only.eml")).await.unwrap();
    let fetched = imap.unhandled(10).await.unwrap();
    imap.mark_stored(fetched[0].uid).await.unwrap();
    assert!(imap.unhandled(10).await.unwrap().is_empty());
    let archive = ImapSettings::parse(&account.url("Archive")).unwrap();
    let mut archive = ImapInbox::connect(&archive).await.unwrap();
    let moved = archive.unhandled(10).await.unwrap();
    assert_eq!(moved.len(), 1);
    assert!(String::from_utf8_lossy(&moved[0].bytes).contains("XSS in the admin page"));
}

#[tokio::test]
async fn idle_wakes_up_when_mail_arrives() {
    let account = ImapAccount::fresh();
    let mut waiting = inbox(&account, "").await;
    assert!(waiting.uses_idle());
    let waiter = tokio::spawn(async move {
        let wakeup = waiting
            .wait_for_mail(Duration::from_secs(120))
            .await
            .unwrap();
        (wakeup, waiting)
    });
    let mut writer = inbox(&account, "").await;
    writer
        .append(&sample("report-html-only.eml"))
        .await
        .unwrap();
    let (wakeup, mut waiting) = waiter.await.unwrap();
    assert_eq!(wakeup, Wakeup::Changed);
    // The connection is usable after IDLE.
    assert_eq!(waiting.unhandled(10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn without_idle_the_inbox_polls_at_the_interval() {
    let account = ImapAccount::fresh();
    let mut imap = inbox(&account, "?idle=no").await;
    assert!(!imap.uses_idle());
    assert_eq!(
        imap.wait_for_mail(Duration::from_millis(10)).await.unwrap(),
        Wakeup::Interval
    );
    imap.append(&sample("report-html-only.eml")).await.unwrap();
    // Unhandled mail waiting: no wait at all.
    assert_eq!(
        imap.wait_for_mail(Duration::from_secs(3600)).await.unwrap(),
        Wakeup::Changed
    );
}

#[tokio::test]
async fn imaps_and_starttls_read_the_same_mailbox() {
    let account = ImapAccount::fresh();
    let mut plain = inbox(&account, "").await;
    plain.append(&sample("report-html-only.eml")).await.unwrap();
    for url in [account.imaps_url("INBOX"), account.starttls_url("INBOX")] {
        let settings = ImapSettings::parse(&url).unwrap();
        let mut tls = ImapInbox::connect(&settings)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let fetched = tls.unhandled(10).await.unwrap();
        assert_eq!(fetched.len(), 1, "{url}");
        tls.logout().await.unwrap();
    }
    // Without the test CA the certificate is not trusted.
    let untrusted = account.imaps_url("INBOX");
    let untrusted = &untrusted[..untrusted.find("?ca_file").unwrap()];
    let e = ImapInbox::connect(&ImapSettings::parse(untrusted).unwrap())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("cannot connect"), "{e}");
}

#[tokio::test]
async fn a_wrong_password_is_a_login_error_naming_the_setting() {
    let mut account = ImapAccount::fresh();
    account.password = "wrong".into();
    let settings = ImapSettings::parse(&account.url("INBOX")).unwrap();
    let e = ImapInbox::connect(&settings).await.unwrap_err();
    assert!(e.to_string().contains("mail.imap_url"), "{e}");
    assert!(!e.to_string().contains("wrong"), "{e}");
}

// ---- OpenPGP interoperability with GnuPG ----------------------------------------------

use std::io::Write as _;
use std::process::{Command, Stdio};

/// GnuPG with a home folder of its own, its agent stopped at the end.
struct Gpg {
    home: embargo_testkit::TempDir,
}

impl Gpg {
    fn new() -> Gpg {
        let home = embargo_testkit::temp_dir();
        Gpg { home }
    }

    /// Runs gpg with `args`, `input` on stdin; returns (stdout, status lines).
    fn run(&self, args: &[&str], input: &[u8]) -> (Vec<u8>, String) {
        let mut child = Command::new("gpg")
            .arg("--homedir")
            .arg(self.home.path())
            .args([
                "--batch",
                "--no-tty",
                "--pinentry-mode",
                "loopback",
                "--status-fd",
                "2",
            ])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gpg runs (scripts/test installs gnupg)");
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        let status = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "gpg {args:?} failed:\n{status}");
        (out.stdout, status)
    }

    fn import(&self, armored: &str) {
        self.run(&["--import"], armored.as_bytes());
    }

    /// A new key without a passphrase; returns its fingerprint.
    fn generate(&self, user_id: &str) -> String {
        let (_, status) = self.run(
            &[
                "--passphrase",
                "",
                "--quick-gen-key",
                user_id,
                "default",
                "default",
                "never",
            ],
            b"",
        );
        status
            .lines()
            .find_map(|l| l.strip_prefix("[GNUPG:] KEY_CREATED "))
            .and_then(|rest| rest.split_whitespace().nth(1))
            .expect("gpg says which key it created")
            .to_owned()
    }

    fn encrypt_to(&self, fingerprint: &str, data: &[u8]) -> String {
        let (out, _) = self.run(
            &[
                "--trust-model",
                "always",
                "--armor",
                "--encrypt",
                "--recipient",
                fingerprint,
            ],
            data,
        );
        String::from_utf8(out).unwrap()
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .arg("--homedir")
            .arg(self.home.path())
            .args(["--kill", "gpg-agent"])
            .status();
    }
}

fn pgp_mime(armored: &str) -> Vec<u8> {
    format!(
        "From: Alice <alice@reporter.example>\r\nTo: security@connect.example\r\n\
         Subject: ...\r\nMessage-ID: <enc-1@reporter.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"enc\"\r\n\
         \r\n--enc\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n\
         --enc\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\r\n\
         {armored}\r\n--enc--\r\n"
    )
    .into_bytes()
}

#[test]
fn c1_pgp_mime_mail_gpg_encrypted_to_the_project_key_decrypts_into_a_report() {
    let gpg = Gpg::new();
    let key = ProjectKey::generate("Connect security <security@connect.example>").unwrap();
    gpg.import(&key.public_key_asc());
    // The inner entity carries the real subject (protected headers) and an attachment.
    let inner = "Content-Type: multipart/mixed; boundary=\"in\"\r\n\
                 Subject: RCE in the plugin loader\r\n\r\n\
                 --in\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
                 Loading a crafted plugin runs code.\r\n\
                 --in\r\nContent-Type: text/plain; name=\"poc.txt\"\r\n\
                 Content-Disposition: attachment; filename=\"poc.txt\"\r\n\r\nexploit\r\n--in--\r\n";
    let raw = pgp_mime(&gpg.encrypt_to(&key.fingerprint(), inner.as_bytes()));
    let inbound = Reader::default().with_key(key).read(&raw);
    let Inbound::Report(r) = inbound else {
        panic!("{inbound:?}")
    };
    assert_eq!(r.title, "RCE in the plugin loader");
    assert_eq!(r.description, "Loading a crafted plugin runs code.");
    assert_eq!(r.attachments.len(), 1);
    assert_eq!(r.attachments[0].bytes, b"exploit");
    assert_eq!(r.sender.address, "alice@reporter.example");
    assert_eq!(
        r.threading.message_id.as_deref(),
        Some("enc-1@reporter.example")
    );
    assert_eq!(r.encrypted_original.as_deref(), Some(raw.as_slice()));
}

#[test]
fn inline_pgp_mail_decrypts_and_mail_for_another_key_is_quarantined() {
    let gpg = Gpg::new();
    let key = ProjectKey::generate("Connect security <security@connect.example>").unwrap();
    gpg.import(&key.public_key_asc());
    let armored = gpg.encrypt_to(
        &key.fingerprint(),
        "The token check is skipped.\n".as_bytes(),
    );
    let raw = format!(
        "From: bob@reporter.example\r\nTo: security@connect.example\r\nSubject: auth bypass\r\n\
         Content-Type: text/plain\r\n\r\n{armored}"
    );
    let Inbound::Report(r) = Reader::default().with_key(key).read(raw.as_bytes()) else {
        panic!()
    };
    assert_eq!(r.description, "The token check is skipped.");
    assert_eq!(r.title, "auth bypass");

    let other = ProjectKey::generate("Other <security@other.example>").unwrap();
    let Inbound::Quarantine(q) = Reader::default().with_key(other).read(raw.as_bytes()) else {
        panic!()
    };
    assert!(matches!(q.reason, QuarantineReason::Undecryptable { .. }));
    assert!(
        q.reason
            .to_string()
            .contains("project's current public key")
    );
}

/// The parts of a two-part multipart body, exactly as on the wire.
fn two_parts(raw: &str) -> (String, String) {
    let boundary = raw
        .split("boundary=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a boundary");
    let delimiter = format!("\r\n--{boundary}");
    let body_start = raw.find(&format!("--{boundary}\r\n")).unwrap() + boundary.len() + 4;
    let mut pieces = raw[body_start..].split(delimiter.as_str());
    let first = pieces.next().unwrap().to_owned();
    let second = pieces.next().unwrap().trim_start_matches("\r\n").to_owned();
    (first, second)
}

#[test]
fn c4_mail_we_encrypt_and_sign_decrypts_and_verifies_with_gpg() {
    let gpg = Gpg::new();
    let reporter_fingerprint = gpg.generate("Alice <alice@reporter.example>");
    let (reporter_asc, _) = gpg.run(&["--armor", "--export", &reporter_fingerprint], b"");
    let reporter = PublicKey::parse(&String::from_utf8(reporter_asc).unwrap()).unwrap();
    assert_eq!(reporter.fingerprint(), reporter_fingerprint);
    let project = ProjectKey::generate("Connect security <security@connect.example>").unwrap();
    gpg.import(&project.public_key_asc());

    let mut mail = notification("alice@reporter.example");
    mail.text = "Your report is confirmed: CVE-2026-0001 reserved.\n".into();
    let built = mail
        .build(Protection::SignAndEncrypt(&project, &reporter))
        .unwrap();
    let raw = String::from_utf8(built.bytes).unwrap();
    let (_control, encrypted) = two_parts(&raw);
    let armored = &encrypted[encrypted.find("-----BEGIN PGP MESSAGE-----").unwrap()..];
    let (plain, status) = gpg.run(
        &["--trust-model", "always", "--decrypt"],
        armored.as_bytes(),
    );
    assert!(status.contains("[GNUPG:] DECRYPTION_OKAY"), "{status}");
    assert!(
        status.contains(&format!("[GNUPG:] VALIDSIG {}", project.fingerprint())),
        "{status}"
    );
    assert!(status.contains("[GNUPG:] GOODSIG"), "{status}");
    let plain = String::from_utf8(plain).unwrap();
    assert!(plain.starts_with("Content-Type: text/plain"), "{plain}");
    assert!(plain.contains("CVE-2026-0001 reserved."), "{plain}");
}

#[test]
fn c4_a_signed_mail_verifies_with_gpg() {
    let gpg = Gpg::new();
    let project = ProjectKey::generate("Connect security <security@connect.example>").unwrap();
    gpg.import(&project.public_key_asc());
    let mut mail = notification("alice@reporter.example");
    mail.html = Some("<p>Thank you for your report.</p>".into());
    let built = mail.build(Protection::Sign(&project)).unwrap();
    let raw = String::from_utf8(built.bytes).unwrap();
    assert!(raw.contains("micalg=pgp-sha256") || raw.contains("micalg=\"pgp-sha256\""));
    let (signed, signature_part) = two_parts(&raw);
    let signature = &signature_part[signature_part
        .find("-----BEGIN PGP SIGNATURE-----")
        .unwrap()..];
    let dir = embargo_testkit::temp_dir();
    let (data_path, sig_path) = (dir.path().join("signed"), dir.path().join("signature.asc"));
    std::fs::write(&data_path, signed.as_bytes()).unwrap();
    std::fs::write(&sig_path, signature.as_bytes()).unwrap();
    let (_, status) = gpg.run(
        &[
            "--trust-model",
            "always",
            "--verify",
            sig_path.to_str().unwrap(),
            data_path.to_str().unwrap(),
        ],
        b"",
    );
    assert!(
        status.contains(&format!("[GNUPG:] VALIDSIG {}", project.fingerprint())),
        "{status}"
    );

    // One changed byte in the signed part and gpg says no.
    std::fs::write(&data_path, signed.replace("Thank you", "Thank yov")).unwrap();
    let out = Command::new("gpg")
        .arg("--homedir")
        .arg(gpg.home.path())
        .args(["--batch", "--status-fd", "1", "--verify"])
        .args([&sig_path, &data_path])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("[GNUPG:] BADSIG"));
}

#[test]
fn a_key_generated_by_gpg_imports_and_decrypts() {
    let gpg = Gpg::new();
    let fingerprint = gpg.generate("Connect security <security@connect.example>");
    let (secret, _) = gpg.run(
        &[
            "--passphrase",
            "",
            "--armor",
            "--export-secret-keys",
            &fingerprint,
        ],
        b"",
    );
    let key = ProjectKey::import(&String::from_utf8(secret).unwrap(), None).unwrap();
    assert_eq!(key.fingerprint(), fingerprint);
    assert!(
        key.public_key_asc()
            .starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    );
    let armored = gpg.encrypt_to(
        &fingerprint,
        b"Content-Type: text/plain\r\n\r\nhello from gpg\r\n",
    );
    let Inbound::Report(r) = Reader::default().with_key(key).read(&pgp_mime(&armored)) else {
        panic!()
    };
    assert_eq!(r.description, "hello from gpg");
}

#[test]
fn a_passphrase_protected_gpg_key_imports_only_with_its_passphrase() {
    let gpg = Gpg::new();
    let (_, status) = gpg.run(
        &[
            "--passphrase",
            "correct horse",
            "--quick-gen-key",
            "P <p@connect.example>",
            "default",
            "default",
            "never",
        ],
        b"",
    );
    let fingerprint = status
        .lines()
        .find_map(|l| l.strip_prefix("[GNUPG:] KEY_CREATED "))
        .and_then(|rest| rest.split_whitespace().nth(1))
        .unwrap()
        .to_owned();
    let (secret, _) = gpg.run(
        &[
            "--passphrase",
            "correct horse",
            "--armor",
            "--export-secret-keys",
            &fingerprint,
        ],
        b"",
    );
    let secret = String::from_utf8(secret).unwrap();
    assert_eq!(
        ProjectKey::import(&secret, Some("wrong")).unwrap_err(),
        embargo_mail::PgpError::WrongPassphrase
    );
    let key = ProjectKey::import(&secret, Some("correct horse")).unwrap();
    let armored = gpg.encrypt_to(&fingerprint, b"Content-Type: text/plain\r\n\r\nlocked\r\n");
    let Inbound::Report(r) = Reader::default().with_key(key).read(&pgp_mime(&armored)) else {
        panic!()
    };
    assert_eq!(r.description, "locked");
}

#[test]
fn not_a_key_is_refused_with_a_reason() {
    let e = ProjectKey::import("hello", None).unwrap_err();
    assert!(
        e.to_string().contains("not an armored OpenPGP secret key"),
        "{e}"
    );
    let e = PublicKey::parse(
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("public key"), "{e}");
}

// ---- Never panics -------------------------------------------------------------------

use proptest::prelude::*;

const SAMPLES: &[&str] = &[
    "report-with-attachment.eml",
    "report-html-only.eml",
    "auto-reply-out-of-office.eml",
    "bounce-postfix-dsn.eml",
    "bounce-delayed-dsn.eml",
    "spam-flagged.eml",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn reading_arbitrary_bytes_never_panics(raw in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = Reader::default().read(&raw);
        let small = Limits { message_bytes: 2048, attachment_bytes: 16, attachments: 1, parts: 4 };
        let _ = Reader::new(small).read(&raw);
    }

    #[test]
    fn reading_mutated_real_messages_never_panics(
        sample in 0..SAMPLES.len(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..4u8), 1..24),
    ) {
        let mut raw = sample_bytes(SAMPLES[sample]);
        for (at, byte, kind) in edits {
            let i = at.index(raw.len().max(1));
            match kind {
                0 if i < raw.len() => raw[i] = byte,
                1 => raw.insert(i.min(raw.len()), byte),
                2 if i < raw.len() => { raw.remove(i); }
                _ => raw.truncate(i),
            }
        }
        let inbound = Reader::default().read(&raw);
        // Whatever it is, a quarantine always says why in words.
        if let Inbound::Quarantine(q) = inbound {
            prop_assert!(!q.reason.to_string().is_empty());
        }
    }
}

fn sample_bytes(name: &str) -> Vec<u8> {
    sample(name)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn no_subject_or_name_adds_a_header(subject in "\\PC*[\r\n]?\\PC*", name in "[\\x00-\\x7f]{0,40}") {
        let mut mail = notification("alice@reporter.example");
        mail.subject = format!("{subject}\r\nBcc: victim@evil.example");
        mail.to[0].name = Some(format!("{name}\nX-Injected: 1"));
        let built = mail.build(Protection::None).unwrap();
        let parsed = mail_parser::MessageParser::default().parse(&built.bytes).unwrap();
        let names: Vec<String> = parsed.headers_raw().map(|(n, _)| n.to_ascii_lowercase()).collect();
        prop_assert!(!names.iter().any(|n| n == "bcc" || n == "x-injected"), "{names:?}");
        prop_assert_eq!(names.len(), 12);
        prop_assert_eq!(&built.envelope_to, &vec!["alice@reporter.example".to_owned()]);
    }
}
