//! libFuzzer entry point; the checks are in `embargo_fuzz::multipart`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| embargo_fuzz::multipart::check(data));
