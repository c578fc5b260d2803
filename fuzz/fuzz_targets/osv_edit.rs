//! libFuzzer entry point; the checks are in `embargo_fuzz::osv`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| embargo_fuzz::osv::check_edits(data));
