//! `embargo cvss`: score and explain CVSS vectors given as arguments or on stdin.
//!
//! Every input is processed; the exit code is 1 if any was invalid, 0 otherwise (2 is
//! clap's for usage errors). Text mode reports an invalid vector on stderr. `--json`
//! writes one line per input to stdout, an error object in place of a result, so that
//! output line N always belongs to input N; stderr then only gets a final count.
//! A closed stdout (`| head`) ends the run quietly.

use embargo_cvss::{Assessment, ParseError, assess};
use serde::Serialize;
use std::borrow::Cow;
use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CvssArgs {
    /// Print one JSON object per vector (JSON Lines) instead of text.
    #[arg(long)]
    json: bool,
    /// Vectors to score (v2.0, or prefixed `CVSS:3.0/`, `CVSS:3.1/`, `CVSS:4.0/`);
    /// `-` alone reads one vector per line from stdin.
    #[arg(required = true, value_name = "VECTOR")]
    vectors: Vec<String>,
}

/// Large enough that a stream of millions of lines costs few system calls.
const INPUT_BUFFER: usize = 64 * 1024;

/// Output is gathered in memory and written in chunks of about this size. Through a
/// pipe, 256 KiB writes cost a third fewer context switches than 64 KiB ones and make
/// `embargo cvss --json - | …` about 12 % faster (docs/cvss.md).
const OUTPUT_CHUNK: usize = 256 * 1024;

pub fn run(args: CvssArgs) -> ExitCode {
    let from_stdin = args.vectors == ["-"];
    if !from_stdin && args.vectors.iter().any(|v| v == "-") {
        eprintln!("error: `-` (read vectors from stdin) must be the only VECTOR argument");
        return ExitCode::from(2);
    }
    let mut out = Output {
        pending: Vec::with_capacity(OUTPUT_CHUNK + 16 * 1024),
        sink: io::stdout().lock(),
    };
    let mut tally = Tally {
        json: args.json,
        seen: 0,
        invalid: 0,
    };
    let written = if from_stdin {
        tally.stream(
            BufReader::with_capacity(INPUT_BUFFER, io::stdin().lock()),
            &mut out,
        )
    } else {
        args.vectors
            .iter()
            .try_for_each(|v| tally.one(v, &mut out))
            .map_err(Failure::Write)
    };
    match written.and_then(|()| out.flush().map_err(Failure::Write)) {
        Ok(()) => {}
        // The reader went away: nobody is left to tell.
        Err(Failure::Write(e)) if e.kind() == ErrorKind::BrokenPipe => return tally.exit_code(),
        Err(Failure::Write(e)) => {
            eprintln!("error: cannot write the results: {e}");
            return ExitCode::FAILURE;
        }
        Err(Failure::Read(e)) => {
            eprintln!("error: cannot read vectors from stdin: {e}");
            return ExitCode::FAILURE;
        }
    }
    if tally.invalid > 0 {
        eprintln!(
            "embargo cvss: {} of {} vectors invalid",
            tally.invalid, tally.seen
        );
    }
    tally.exit_code()
}

/// Results waiting to be written: each is formatted straight into `pending`, which
/// goes to `sink` once it holds [`OUTPUT_CHUNK`] bytes or when asked.
struct Output<W: Write> {
    pending: Vec<u8>,
    sink: W,
}

impl<W: Write> Output<W> {
    /// Writes what is pending if there is enough of it.
    fn result_done(&mut self) -> io::Result<()> {
        if self.pending.len() >= OUTPUT_CHUNK {
            self.sink.write_all(&self.pending)?;
            self.pending.clear();
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sink.write_all(&self.pending)?;
        self.pending.clear();
        self.sink.flush()
    }
}

enum Failure {
    Read(io::Error),
    Write(io::Error),
}

struct Tally {
    json: bool,
    seen: u64,
    invalid: u64,
}

impl Tally {
    fn exit_code(&self) -> ExitCode {
        if self.invalid > 0 {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    }

    /// One vector per line; blank lines are skipped. The line buffer is reused, and
    /// output is flushed whenever the input has nothing more buffered, so a slow
    /// producer sees each answer at once while a bulk one gets large writes.
    fn stream<W: Write>(
        &mut self,
        mut input: BufReader<impl Read>,
        out: &mut Output<W>,
    ) -> Result<(), Failure> {
        let mut line = Vec::with_capacity(256);
        loop {
            line.clear();
            if input.read_until(b'\n', &mut line).map_err(Failure::Read)? == 0 {
                return Ok(());
            }
            // Invalid UTF-8 becomes U+FFFD and then a precise parse error.
            let text = match std::str::from_utf8(&line) {
                Ok(text) => Cow::Borrowed(text),
                Err(_) => String::from_utf8_lossy(&line),
            };
            let text = text.trim();
            if !text.is_empty() {
                self.one(text, out).map_err(Failure::Write)?;
            }
            if input.buffer().is_empty() {
                out.flush().map_err(Failure::Write)?;
            }
        }
    }

    fn one<W: Write>(&mut self, input: &str, out: &mut Output<W>) -> io::Result<()> {
        self.seen += 1;
        let result = assess(input);
        if result.is_err() {
            self.invalid += 1;
        }
        let pending = &mut out.pending;
        match (result, self.json) {
            (Ok(a), false) => write_text(&a, pending)?,
            (Ok(a), true) => {
                a.write_json(pending);
                pending.push(b'\n');
            }
            (Err(e), false) => {
                eprintln!("embargo cvss: `{}`: {e} [{}]", input.trim(), e.rule());
            }
            (Err(e), true) => {
                serde_json::to_writer(&mut *pending, &ErrorLine::new(input.trim(), &e))?;
                pending.push(b'\n');
            }
        }
        out.result_done()
    }
}

/// ```text
/// CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U
/// version   3.1
/// score     8.5 (base 9.8, temporal 8.5)
/// severity  High
/// AV:N  Attack Vector: Network
/// …
/// ```
fn write_text(a: &Assessment, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "{}", a.vector)?;
    writeln!(out, "version   {}", a.vector.version())?;
    write!(out, "score     {}", a.score)?;
    let parts = [
        ("base", a.base_score),
        ("temporal", a.temporal_score),
        ("environmental", a.environmental_score),
    ];
    let mut sep = " (";
    for (name, score) in parts {
        if let Some(score) = score {
            write!(out, "{sep}{name} {score}")?;
            sep = ", ";
        }
    }
    if let Some(n) = a.nomenclature {
        write!(out, "{sep}{n}")?;
        sep = ", ";
    }
    if sep == ", " {
        write!(out, ")")?;
    }
    writeln!(out)?;
    writeln!(out, "severity  {}", a.severity)?;
    let width = a
        .vector
        .metrics()
        .map(|m| m.metric.abbr.len() + 1 + m.value.abbr.len())
        .max()
        .unwrap_or(0);
    for m in a.vector.metrics() {
        let pad = width - (m.metric.abbr.len() + 1 + m.value.abbr.len());
        writeln!(out, "{m}{:pad$}  {}: {}", "", m.metric.name, m.value.name)?;
    }
    writeln!(out)
}

#[derive(Serialize)]
struct ErrorLine<'a> {
    vector: &'a str,
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'static str,
    message: String,
    field: Option<&'a str>,
}

impl<'a> ErrorLine<'a> {
    fn new(vector: &'a str, e: &'a ParseError) -> Self {
        ErrorLine {
            vector,
            error: ErrorBody {
                code: e.rule(),
                message: e.to_string(),
                field: e.field(),
            },
        }
    }
}
