//! What sealing a report at rest costs in process (issue 11, item 3; docs/at-rest.md):
//! sealing and opening a case's projection, and the keyed search tokens of a report,
//! against the clear words they replace. Sizes are printed before the timings.

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use embargo_store::sealing::{open_text, query_token, seal_text, search_tokens};
use embargo_store::search_words;

const KEY: [u8; 32] = [7; 32];

/// A report of a usual length (about 1.5 KB of prose), the same every run.
fn report() -> String {
    let sentence = "A crafted HTTP/2 frame with a zero-length trailer makes the connect-go \
                    server panic in the decoder; the handler goroutine dies and the process \
                    restarts, so a remote client can stop the service without credentials. ";
    sentence.repeat(6)
}

/// A case's projection of about 4 KB of JSON. It repeats one sentence, so it deflates far
/// better than a real case does (a seeded case's projection deflates to about 45 % of its
/// JSON; docs/performance.md, "Bytes per case: deflated, contentless").
fn projection() -> String {
    format!("{{\"report\":{:?},\"events\":{:?}}}", report(), report())
}

fn main() {
    let words = search_words(&report());
    let clear = words.join(" ");
    let tokens = search_tokens(&KEY, &words);
    let sealed = seal_text(&KEY, "connect", "case", &projection());
    println!(
        "report: {} bytes, {} words; search text in clear {} bytes, keyed tokens {} bytes ({} tokens, {:.1}x); projection {} bytes, sealed {} bytes ({:.2}x)",
        report().len(),
        words.len(),
        clear.len(),
        tokens.len(),
        tokens.split(' ').count(),
        tokens.len() as f64 / clear.len() as f64,
        projection().len(),
        sealed.len(),
        sealed.len() as f64 / projection().len() as f64,
    );
    divan::main();
}

#[divan::bench]
fn seal_a_projection(b: Bencher) {
    let plain = projection();
    b.counter(BytesCount::new(plain.len()))
        .bench(|| seal_text(&KEY, "connect", "case", black_box(&plain)));
}

#[divan::bench]
fn open_a_projection(b: Bencher) {
    let plain = projection();
    let sealed = seal_text(&KEY, "connect", "case", &plain);
    b.counter(BytesCount::new(plain.len()))
        .bench(|| open_text(&KEY, "case", black_box(&sealed)).unwrap());
}

#[divan::bench]
fn clear_search_words(b: Bencher) {
    let text = report();
    b.bench(|| search_words(black_box(&text)).join(" "));
}

#[divan::bench]
fn keyed_search_tokens(b: Bencher) {
    let text = report();
    b.bench(|| search_tokens(&KEY, &search_words(black_box(&text))));
}

#[divan::bench]
fn a_query_token(b: Bencher) {
    b.bench(|| query_token(&KEY, black_box("overflow")));
}
