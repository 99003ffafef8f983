//! docs/image.md lists the rule catalogue between two markers; this keeps it current.
//! Regenerate with `OCI_CHECK_BLESS_DOCS=1 cargo test -p oci-check-image --test docs`.

use std::path::Path;

const BEGIN: &str = "<!-- rules:begin (generated from image/src/rules.rs) -->\n";
const END: &str = "<!-- rules:end -->";

#[test]
fn docs_image_md_lists_the_current_catalogue() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/image.md");
    let page = std::fs::read_to_string(&path).unwrap();
    let start = page.find(BEGIN).expect("begin marker") + BEGIN.len();
    let end = page.find(END).expect("end marker");
    let table = oci_check_image::rules::markdown_table();
    if page[start..end] == table {
        return;
    }
    if std::env::var_os("OCI_CHECK_BLESS_DOCS").is_some() {
        std::fs::write(&path, format!("{}{table}{}", &page[..start], &page[end..])).unwrap();
        return;
    }
    let diff = similar::TextDiff::from_lines(&page[start..end], &table)
        .unified_diff()
        .header("docs/image.md", "rules.rs")
        .to_string();
    panic!("docs/image.md is stale; regenerate with\n  OCI_CHECK_BLESS_DOCS=1 cargo test -p oci-check-image --test docs\n{diff}");
}
