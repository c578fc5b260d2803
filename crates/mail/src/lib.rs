//! Mail for Embargo, without the database or the server: incoming mail read and
//! classified ([`inbound`]), reply addresses and threading ([`reply`]), outgoing mail
//! built ([`outgoing`]) and sent over SMTP ([`smtp`]), a mailbox read over IMAP
//! ([`imap`]), and OpenPGP ([`openpgp`]). Its types are its own; the app maps them onto
//! `core`'s.

pub mod attachment;
mod automatic;
pub mod imap;
pub mod inbound;
pub mod openpgp;
pub mod outgoing;
pub mod quarantine;
pub mod reply;
pub mod smtp;

pub use attachment::Attachment;
pub use inbound::{
    AutoReply, Bounce, Inbound, Limits, Mailbox, Quarantine, Reader, Report, Threading,
};
pub use openpgp::{PgpError, ProjectKey, PublicKey};
pub use quarantine::QuarantineReason;
