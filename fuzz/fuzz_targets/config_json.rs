//! Arbitrary bytes as config.json: the path `oci-check config FILE` takes after reading.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    oci_check_fuzz::validate_and_render(data);
});
