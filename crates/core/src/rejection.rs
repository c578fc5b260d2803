//! Why a command was refused. Every variant carries a message a person can act on; the
//! shells map them to HTTP statuses, CLI exit codes and form errors, never the reverse.
//!
//! A case the actor may not see is [`Rejection::NotFound`], exactly as a missing one.

use crate::case::{Blocker, Stage};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The thing does not exist, or the actor may not know that it does.
    #[error("not found")]
    NotFound,
    /// The actor sees the case but this action needs more standing.
    #[error("{action} needs {needs}")]
    Forbidden {
        action: &'static str,
        needs: &'static str,
    },
    /// Input that breaks a rule; the first one is the headline.
    #[error("{}", .0.first().map(|i| i.message.as_str()).unwrap_or("invalid input"))]
    Invalid(Vec<Invalid>),
    /// The command is well-formed but not possible in the case's current state.
    #[error("cannot {action} a case in stage {stage}: {reason}")]
    IllegalTransition {
        action: &'static str,
        stage: Stage,
        reason: String,
    },
    /// The command is possible in the case's stage, but things it needs are missing:
    /// every one is named (disclosure's gate).
    #[error("cannot {action} the case yet: {}", .blockers.iter().map(|b| b.message()).collect::<Vec<_>>().join("; "))]
    Blocked {
        action: &'static str,
        blockers: Vec<Blocker>,
    },
    /// The command would create something that already exists.
    #[error("{message}")]
    Conflict { field: String, message: String },
}

impl Rejection {
    pub fn invalid(field: impl Into<String>, rule: Rule, message: impl Into<String>) -> Self {
        Rejection::Invalid(vec![Invalid::new(field, rule, message)])
    }
}

/// One broken rule on one field. `field` uses the API's field names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub rule: Rule,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, rule: Rule, message: impl Into<String>) -> Self {
        Invalid {
            field: field.into(),
            rule,
            message: message.into(),
        }
    }
}

/// The rule a value broke; its `code` is part of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Required,
    TooLong,
    NotSingleLine,
    /// A direction override or an invisible character in a line (a title, a name, a
    /// file name), where it could make the text read other than it is.
    InvisibleCharacter,
    InvalidEmail,
    InvalidUrl,
    InvalidFormat,
    UnknownComponent,
    /// A branch the project's component does not have.
    UnknownBranch,
    UnknownMember,
    UnknownCase,
    NotAllowed,
    /// A CVSS vector broke a rule of its specification; the code is the CVSS
    /// library's (e.g. `cvss.unknown_metric`), the same as `embargo cvss` prints.
    Cvss(&'static str),
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Rule::Required => "required",
            Rule::TooLong => "too_long",
            Rule::NotSingleLine => "not_single_line",
            Rule::InvisibleCharacter => "invisible_character",
            Rule::InvalidEmail => "invalid_email",
            Rule::InvalidUrl => "invalid_url",
            Rule::InvalidFormat => "invalid_format",
            Rule::UnknownComponent => "unknown_component",
            Rule::UnknownBranch => "unknown_branch",
            Rule::UnknownMember => "unknown_member",
            Rule::UnknownCase => "unknown_case",
            Rule::NotAllowed => "not_allowed",
            Rule::Cvss(code) => code,
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
