//! libFuzzer entry point; the checks are in `embargo_fuzz::markdown`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| embargo_fuzz::markdown::check(data));
