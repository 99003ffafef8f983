//! The report `oci-probe` writes, as a Rust type shared with the harness.
