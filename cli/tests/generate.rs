//! `oci-check generate`: man pages and completion scripts come from the clap definition, so
//! they name every subcommand and option the binary has.

use std::process::Command;

fn oci_check(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_oci-check"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn man_pages_cover_the_tool_and_each_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out = oci_check(&["generate", "man", dir.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for page in [
        "oci-check",
        "oci-check-bundle",
        "oci-check-config",
        "oci-check-runtime",
        "oci-check-rules",
    ] {
        let text = std::fs::read_to_string(dir.path().join(format!("{page}.1")))
            .unwrap_or_else(|e| panic!("{page}.1: {e}"));
        assert!(
            text.starts_with(".ie") || text.contains(".TH"),
            "{page}.1 is not roff"
        );
        assert!(text.contains(page), "{page}.1 does not name {page}");
    }
    let runtime = std::fs::read_to_string(dir.path().join("oci-check-runtime.1")).unwrap();
    for option in ["partition", "expect\\-fail", "tap\\-version"] {
        assert!(
            runtime.contains(option),
            "oci-check-runtime.1 lacks --{option}"
        );
    }
}

#[test]
fn completion_scripts_know_the_subcommands_and_options() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = oci_check(&["generate", "completions", shell]);
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        // fish writes long options as `-l NAME`, so the names are looked for without dashes.
        for word in ["runtime", "bundle", "partition", "expect-fail"] {
            assert!(text.contains(word), "{shell} completion lacks {word}");
        }
    }
}

#[test]
fn the_bash_completion_is_valid_bash() {
    let out = oci_check(&["generate", "completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("oci-check.bash");
    std::fs::write(&script, out.stdout).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = oci_check(&["generate", "completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}
