//! `oci-check image DIR...`: OCI image layouts, reported with the same result model, formats
//! and exit codes as `oci-check bundle` (0 clean, 1 a finding that fails the run, 2 could not run).

use super::{merge, write_report, OutputArgs};
use oci_check_image::{validate_layout, Options};
use std::path::PathBuf;
use std::process::ExitCode;

pub fn main(dirs: &[PathBuf], out: &OutputArgs) -> ExitCode {
    let opts = Options {
        max_size: out.max_size,
    };
    let mut runs = Vec::new();
    for dir in dirs {
        match validate_layout(dir, &opts) {
            Ok(report) => runs.push(report.to_run(&dir.display().to_string())),
            Err(e) => {
                eprintln!("oci-check: error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    write_report(&merge(runs), &out.report)
}
