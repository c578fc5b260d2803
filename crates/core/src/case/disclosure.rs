//! Being public: known to be (C7), or disclosed by the team (C18).

use crate::report::Report;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    /// Set when the vulnerability is known to be public (policy step C7).
    pub public: Option<Publicity>,
    pub disclosed_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publicity {
    pub link: Option<String>,
    pub since: Timestamp,
}

impl Disclosure {
    /// A reporter may say at once that the vulnerability is already public.
    pub(super) fn start(report: &Report, at: Timestamp) -> Self {
        Disclosure {
            public: report.already_public.then(|| Publicity {
                link: report.public_link.clone(),
                since: at,
            }),
            disclosed_at: None,
        }
    }
}
