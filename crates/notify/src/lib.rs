//! Notices to chat and webhooks, without the database or the server: a [`Notice`]
//! turned into the payload each [`Channel`] kind takes (Slack-compatible incoming
//! webhooks, Discord webhooks, generic webhooks signed per Standard Webhooks), and
//! [`deliver`]ed through a [`Guard`] that keeps outbound HTTP away from loopback,
//! private and metadata addresses (SSRF). Its types are its own; the app maps them onto
//! `core`'s. `docs/notify.md` has the payloads, the signature scheme and the guard's
//! rules.
//!
//! Errors. Policy: [`NoticeError`] and [`ChannelError`] come from parsing what a
//! person typed and name the field; nothing was sent. [`Refusal`] is the guard saying
//! no before anything is sent. [`DeliveryError`] says whether an outbox worker should
//! try again. None of them ever contains a channel's URL path (Slack and Discord put
//! their tokens there) or a webhook secret.

mod channel;
mod deliver;
mod discord;
mod fit;
mod guard;
mod notice;
mod secret;
mod slack;
mod webhook;

pub use channel::{Channel, ChannelError, ChannelKind, EndpointUrl, Payload};
pub use deliver::{Delivered, DeliveryError, deliver, post};
pub use guard::{
    AddressKind, Checked, Guard, Limits, Refusal, Resolve, Resolving, SettingsError, forbidden_kind,
};
pub use notice::{Link, Notice, NoticeDraft, NoticeError, NoticeKind};
pub use secret::{SecretError, WebhookSecret};
