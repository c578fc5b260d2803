//! Embargo's HTTP shell: the JSON API under `/api/v1`, the server-rendered pages, and
//! the application layer ([`app::App`]) that both (and the CLI) go through.
//! Only this crate knows HTTP.

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod download;
pub mod http;
pub mod markdown;
pub mod secrets;
pub mod settings;
pub mod signing;
pub mod upload;
pub mod web;
