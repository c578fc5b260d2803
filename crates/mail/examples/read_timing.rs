//! Times `Reader::read` on hostile and large inputs:
//! `cargo run -p embargo-mail --example read_timing [--release]`.

use embargo_mail::{Inbound, Limits, Reader};
use std::time::Instant;

fn many_parts(parts: usize) -> Vec<u8> {
    let mut raw = String::from(
        "From: a@x.example\r\nSubject: parts\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n",
    );
    for i in 0..parts {
        raw.push_str(&format!(
            "--b\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n"
        ));
    }
    raw.push_str("--b--\r\n");
    raw.into_bytes()
}

fn large_attachment(bytes: usize) -> Vec<u8> {
    let mut raw = String::from(
        "From: a@x.example\r\nSubject: big\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain\r\n\r\nsee the log\r\n--b\r\n\
         Content-Type: application/octet-stream; name=\"log.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n",
    );
    let line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n";
    for _ in 0..bytes / 57 {
        raw.push_str(line);
    }
    raw.push_str("--b--\r\n");
    raw.into_bytes()
}

fn time(label: &str, reader: &Reader, raw: &[u8]) {
    let runs = 5;
    let started = Instant::now();
    let mut kind = "";
    for _ in 0..runs {
        kind = match reader.read(raw) {
            Inbound::Report(_) => "report",
            Inbound::AutoReply(_) => "auto-reply",
            Inbound::Bounce(_) => "bounce",
            Inbound::Quarantine(_) => "quarantine",
        };
    }
    let each = started.elapsed() / runs;
    println!(
        "{label:<52} {:>9} bytes  {each:>10.2?} per read  → {kind}",
        raw.len()
    );
}

fn main() {
    let default = Reader::default();
    let generous = Reader::new(Limits {
        parts: 200_000,
        attachments: 200_000,
        ..Limits::default()
    });
    time(
        "10,000 parts, default limits (pre-scan)",
        &default,
        &many_parts(10_000),
    );
    time(
        "10,000 parts, limits that allow them (full parse)",
        &generous,
        &many_parts(10_000),
    );
    time(
        "100,000 parts, limits that allow them",
        &generous,
        &many_parts(100_000),
    );
    time(
        "9 MiB attachment (base64)",
        &default,
        &large_attachment(9 * 1024 * 1024),
    );
    time(
        "30 MiB message, over the size limit",
        &default,
        &large_attachment(30 * 1024 * 1024),
    );
}
