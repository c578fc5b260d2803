//! The IMAP server of the test run: Dovecot, started by `scripts/test` on loopback
//! ports and described by EMBARGO_TEST_IMAP_HOST, EMBARGO_TEST_IMAP_PORT (IMAP, with
//! STARTTLS), EMBARGO_TEST_IMAPS_PORT and EMBARGO_TEST_IMAP_PASSWORD. Any user name logs in with that password and has a
//! mailbox of its own, so each test takes a fresh account and shares nothing.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone)]
pub struct ImapAccount {
    pub host: String,
    pub port: u16,
    pub imaps_port: u16,
    pub user: String,
    pub password: String,
}

impl ImapAccount {
    /// A fresh account on the test run's Dovecot. Panics, naming `scripts/test`, when
    /// the environment does not describe one.
    pub fn fresh() -> ImapAccount {
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!(
                    "{name} is not set: the IMAP tests need the Dovecot that `scripts/test` \
                     starts. Run them with `scripts/test` (e.g. `scripts/test -p embargo-mail`)."
                )
            })
        };
        static N: AtomicU64 = AtomicU64::new(0);
        ImapAccount {
            host: var("EMBARGO_TEST_IMAP_HOST"),
            port: var("EMBARGO_TEST_IMAP_PORT")
                .parse()
                .expect("EMBARGO_TEST_IMAP_PORT is a port number"),
            imaps_port: var("EMBARGO_TEST_IMAPS_PORT")
                .parse()
                .expect("EMBARGO_TEST_IMAPS_PORT is a port number"),
            user: format!(
                "test-{}-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or_default(),
                N.fetch_add(1, Ordering::Relaxed)
            ),
            password: var("EMBARGO_TEST_IMAP_PASSWORD"),
        }
    }

    /// `imap://user:password@host:port/MAILBOX` (plain IMAP: the server is on loopback).
    pub fn url(&self, mailbox: &str) -> String {
        format!(
            "imap://{}:{}@{}:{}/{mailbox}",
            self.user, self.password, self.host, self.port
        )
    }

    /// `imaps://…:<imaps port>/MAILBOX?ca_file=<the test CA>`.
    pub fn imaps_url(&self, mailbox: &str) -> String {
        format!(
            "imaps://{}:{}@{}:{}/{mailbox}?ca_file={}",
            self.user,
            self.password,
            self.host,
            self.imaps_port,
            crate::tls::ca_file().display()
        )
    }

    /// `imap://…:<port>/MAILBOX?tls=starttls&ca_file=<the test CA>`.
    pub fn starttls_url(&self, mailbox: &str) -> String {
        format!(
            "imap://{}:{}@{}:{}/{mailbox}?tls=starttls&ca_file={}",
            self.user,
            self.password,
            self.host,
            self.port,
            crate::tls::ca_file().display()
        )
    }
}
