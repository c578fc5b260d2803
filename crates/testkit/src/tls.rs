//! The test run's TLS material: a throwaway CA and a certificate for `localhost` and
//! `127.0.0.1` it signed, made by `scripts/test` and named by EMBARGO_TEST_TLS_CA,
//! EMBARGO_TEST_TLS_CERT and EMBARGO_TEST_TLS_KEY.

use std::path::PathBuf;

fn path(name: &str) -> PathBuf {
    let value = std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: the TLS tests need the certificates `scripts/test` makes. Run \
             them with `scripts/test` (e.g. `scripts/test -p embargo-mail`)."
        )
    });
    PathBuf::from(value)
}

/// The CA certificate (PEM) that clients must trust.
pub fn ca_file() -> PathBuf {
    path("EMBARGO_TEST_TLS_CA")
}

/// The server certificate (PEM), for `localhost` and `127.0.0.1`.
pub fn cert_file() -> PathBuf {
    path("EMBARGO_TEST_TLS_CERT")
}

/// The server certificate's private key (PEM).
pub fn key_file() -> PathBuf {
    path("EMBARGO_TEST_TLS_KEY")
}
