//! libFuzzer entry point; the checks are in `embargo_fuzz::api_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| embargo_fuzz::api_json::check(data));
