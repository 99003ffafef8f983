//! What both fuzz targets do with a config once they have its bytes: everything the validator
//! does for `oci-check config FILE`, then every report format, so that a panic in a writer (a
//! code frame at a line:column past the end, an odd character in XML or HTML) is found too.

use oci_check_reports::{render, Format, Options};
use oci_check_validator::validate_bytes;

/// Every writer of a single run.
const FORMATS: [Format; 7] = [
    Format::Human,
    Format::Json,
    Format::Tap,
    Format::Junit,
    Format::Sarif,
    Format::Html,
    Format::Markdown,
];

/// Parse, schema, rules, line:column lookups (inside `validate_bytes`), then every format.
pub fn validate_and_render(bytes: &[u8]) {
    let run = validate_to_run(bytes);
    for format in FORMATS {
        render_checked(&run, format);
    }
    render_loud(&run);
}

/// The same with one format, picked by `pick`: every format still gets its share of the
/// executions, at a seventh of the rendering cost (for the structured target, whose every input
/// is a whole config with findings to draw code frames for).
pub fn validate_and_render_one(bytes: &[u8], pick: u8) {
    let run = validate_to_run(bytes);
    let format = FORMATS[pick as usize % FORMATS.len()];
    render_checked(&run, format);
    if matches!(format, Format::Human | Format::Tap) {
        render_loud(&run);
    }
}

fn validate_to_run(bytes: &[u8]) -> oci_check_model::Run {
    let report = validate_bytes("config.json", bytes, None);
    check_positions(&report);
    let mut run = report.to_run("config.json");
    // The passing and skipped results are the catalogue's fixed text, the same for every input
    // (the golden tests render them); only the failing ones carry what the input put there.
    // Dropping the rest makes an execution about three times faster.
    run.results
        .retain(|r| r.outcome == oci_check_model::Outcome::Fail);
    run
}

fn render_checked(run: &oci_check_model::Run, format: Format) {
    let text = render(run, format, &Options::default());
    assert!(!text.is_empty(), "{} wrote nothing", format.name());
}

/// Verbose human output and TAP 14; colour exercises the ANSI paths.
fn render_loud(run: &oci_check_model::Run) {
    let loud = Options {
        strict: true,
        color: true,
        tap_version: 14,
        verbose: true,
    };
    render(run, Format::Human, &loud);
    render(run, Format::Tap, &loud);
}

/// A finding's line:column must lie inside the text it points into (a position past the end
/// would make a code frame lie, or a writer slice out of bounds).
fn check_positions(report: &oci_check_validator::Report) {
    let Some(text) = &report.text else { return };
    let lines: Vec<&str> = text.split('\n').collect();
    for l in &report.findings {
        if let Some(line) = l.line {
            assert!(
                line >= 1 && (line as usize) <= lines.len(),
                "line {line} of a {}-line text for {}",
                lines.len(),
                l.finding.pointer
            );
        }
    }
}
