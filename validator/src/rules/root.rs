//! Rules for `root` (config.md, "Root").

use super::text::quoted;
use crate::rule::{Ctx, Finding, Rule, Scope};
use oci_check_model::Level;
use serde_json::Value;

pub static ROOTFS_CONVENTION: Rule = Rule {
    id: "config.root.path.rootfs_convention",
    level: Level::Warning,
    requirements: &["config.root.path.rootfs_convention"],
    summary: "root.path is the conventional \"rootfs\" (\"./rootfs\" and \"rootfs/\" name the same directory)",
    scope: Scope::Config,
    check: Some(check_rootfs_convention),
    doc: None,
};

/// "The value SHOULD be the conventional `rootfs`."
fn check_rootfs_convention(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(path) = ctx.at("/root/path").and_then(Value::as_str) else {
        return;
    };
    if is_rootfs(path) {
        return;
    }
    out.push(
        Finding::new(
            &ROOTFS_CONVENTION,
            "/root/path",
            format!(
                "root.path is {}; bundles conventionally keep the root filesystem in the \
                 directory \"rootfs\" beside config.json",
                quoted(path)
            ),
        )
        .expected("\"rootfs\"")
        .observed(quoted(path))
        .hint("name the root filesystem directory rootfs and set root.path to \"rootfs\""),
    );
}

/// `rootfs`, written with any number of `./` prefixes and trailing slashes.
fn is_rootfs(path: &str) -> bool {
    let mut p = path;
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.trim_start_matches('/');
    }
    p.trim_end_matches('/') == "rootfs"
}

pub static RULES: &[&Rule] = &[&ROOTFS_CONVENTION];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rootfs_spellings() {
        for ok in ["rootfs", "./rootfs", "rootfs/", ".//rootfs//"] {
            assert!(is_rootfs(ok), "{ok}");
        }
        for other in ["rootfs2", "/rootfs", "/var/lib/c/rootfs", "RootFS", "", "."] {
            assert!(!is_rootfs(other), "{other}");
        }
    }
}
