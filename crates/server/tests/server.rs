//! Behaviour through the real interfaces: a server on a free port, a real database,
//! HTTP over loopback.

mod server {
    pub mod support;

    mod advisories;
    mod api_errors;
    mod api_flow;
    mod browser;
    mod cve;
    mod documents;
    mod fast_paths;
    mod fixes;
    mod listings;
    mod mail;
    mod mail_in;
    mod metrics;
    mod openapi;
    mod permissions;
    mod policy;
    mod release;
    mod reminders;
    mod scenario;
    mod scoring;
    mod spans;
    mod web;
    mod worker;
}
