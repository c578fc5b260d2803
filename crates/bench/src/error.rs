//! The bench's one error type: what is missing, what failed, and which file or command.

use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug)]
pub enum Error {
    /// Something the bench needs is not there: a tool (wrk, pgbench), a binary, a
    /// PostgreSQL server. The message says how to get it.
    Missing(String),
    /// A process or server under test did not do what it must (exit status, an answer
    /// that is not the expected one). The message names the step.
    Failed(String),
    /// Reading or writing a file, or starting a process.
    Io {
        context: String,
        source: std::io::Error,
    },
    /// A bad command-line value; the message names the option.
    Usage(String),
}

impl Error {
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let context = context.into();
        move |source| Error::Io { context, source }
    }

    pub fn failed(message: impl Into<String>) -> Error {
        Error::Failed(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Missing(m) | Error::Failed(m) | Error::Usage(m) => f.write_str(m),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Missing(_) | Error::Failed(_) | Error::Usage(_) => None,
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Failed(format!("database: {e}"))
    }
}
