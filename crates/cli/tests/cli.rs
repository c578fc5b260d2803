//! The `embargo` binary, run as a user runs it.

mod cli {
    pub mod support;

    mod admin;
    mod at_rest;
    mod backup;
    mod cvss;
    mod durability;
    mod export;
    mod import;
    mod integrity;
    mod mail;
    mod pgp;
    mod policy;
    mod seed;
}
