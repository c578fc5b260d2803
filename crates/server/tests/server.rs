//! Behaviour through the real interfaces: a server on a free port, a real database,
//! HTTP over loopback.

mod server {
    pub mod support;

    mod account_notices;
    mod advisories;
    mod advisory_life;
    mod api_errors;
    mod api_flow;
    mod at_rest;
    mod browser;
    mod case_page;
    mod cve;
    mod documents;
    mod fast_paths;
    mod fixes;
    mod floods;
    mod github;
    mod import;
    mod integrity;
    mod limits;
    mod listings;
    mod mail;
    mod mail_in;
    mod metrics;
    mod notices;
    mod openapi;
    mod permissions;
    mod policy;
    mod privileges;
    mod release;
    mod reminders;
    mod scenario;
    mod scoring;
    mod second_factor;
    mod security_log;
    mod shared_release;
    mod sharing;
    mod spans;
    mod sso;
    mod uploads;
    mod web;
    mod worker;
    mod workspace;
}
