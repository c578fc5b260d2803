//! Why a message was held back for a person to review instead of becoming a case.

use std::fmt;

/// What must not become a case by itself but must not be lost either. Every reason
/// reads as advice to the security team reviewing the quarantine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuarantineReason {
    /// The bytes are not an RFC 5322 message mail-parser can read.
    Unparseable,
    TooLarge {
        bytes: usize,
        limit: usize,
    },
    TooManyParts {
        limit: usize,
    },
    TooManyAttachments {
        count: usize,
        limit: usize,
    },
    AttachmentTooLarge {
        name: String,
        bytes: usize,
        limit: usize,
    },
    /// A spam filter upstream flagged it; `header` is the header that said so.
    Spam {
        header: String,
    },
    NoSender,
    /// OpenPGP-encrypted, and this project has no key.
    EncryptedWithoutKey,
    /// OpenPGP-encrypted, and the project's key could not open it (another key, or
    /// damaged data); `detail` is rPGP's word.
    Undecryptable {
        detail: String,
    },
}

impl fmt::Display for QuarantineReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuarantineReason::Unparseable => f.write_str(
                "the message is not readable as e-mail (RFC 5322); open the original and, if \
                 it is a report, create the case by hand",
            ),
            QuarantineReason::TooLarge { bytes, limit } => write!(
                f,
                "the message has {bytes} bytes, over the limit of {limit}; ask the sender to \
                 share large files another way, or release it if it is a report"
            ),
            QuarantineReason::TooManyParts { limit } => write!(
                f,
                "the message has more than {limit} MIME parts; that is not how people write \
                 reports, so check it before releasing it"
            ),
            QuarantineReason::TooManyAttachments { count, limit } => write!(
                f,
                "the message has {count} attachments, over the limit of {limit}; ask the \
                 sender to bundle them, or release it if it is a report"
            ),
            QuarantineReason::AttachmentTooLarge { name, bytes, limit } => write!(
                f,
                "attachment `{name}` has {bytes} bytes, over the limit of {limit}; ask the \
                 sender to share it another way, or release it if it is a report"
            ),
            QuarantineReason::Spam { header } => write!(
                f,
                "the spam filter flagged the message ({header}); release it if it is a real \
                 report, otherwise delete it"
            ),
            QuarantineReason::NoSender => f.write_str(
                "the message has no sender address (`From`), so nobody could be answered; \
                 release it only if the text says who to contact",
            ),
            QuarantineReason::EncryptedWithoutKey => f.write_str(
                "the message is encrypted with OpenPGP but the project has no key; generate \
                 or import the project's key and ask the sender to use it",
            ),
            QuarantineReason::Undecryptable { detail } => write!(
                f,
                "the message is encrypted with OpenPGP but the project's key cannot open it \
                 ({detail}); the sender may have used an old or wrong key: point them to the \
                 project's current public key"
            ),
        }
    }
}
