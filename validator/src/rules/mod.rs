//! The rule catalogue.
//!
//! Each submodule holds the rules of one area of config.json as `pub static` [`Rule`]s, the
//! check functions behind them, and a `pub static RULES: &[&Rule]` listing them. [`catalogue`]
//! joins those lists; [`UNCHECKABLE`] gives the reason for each static MUST/SHOULD requirement
//! that no rule covers.

use crate::bundle;
use crate::rule::Rule;
use std::sync::OnceLock;

pub mod annotations;
pub mod document;
pub mod hooks;
pub mod lint;
pub mod linux;
pub mod mounts;
pub mod process;
pub mod root;
pub mod schema_rules;
pub mod seccomp;
mod text;
pub mod version;

/// Every rule, in the order reports list them.
pub fn catalogue() -> &'static [&'static Rule] {
    static ALL: OnceLock<Vec<&'static Rule>> = OnceLock::new();
    ALL.get_or_init(|| {
        [
            document::RULES,
            bundle::RULES,
            schema_rules::RULES,
            version::RULES,
            root::RULES,
            mounts::RULES,
            process::RULES,
            hooks::RULES,
            annotations::RULES,
            linux::RULES,
            seccomp::RULES,
            lint::RULES,
        ]
        .concat()
    })
}

/// Find a rule by ID.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    catalogue().iter().copied().find(|r| r.id == id)
}

/// Static MUST/SHOULD requirements that no rule checks, each with the reason.
pub static UNCHECKABLE: &[(&str, &str)] = &[
    (
        "config.annotations.oci.image.os.version.value",
        "the image spec says valid os.version values are implementation-defined, so no string \
         can be shown invalid (that the value is a string is config.annotations.values_strings)",
    ),
    (
        "config.annotations.oci.image.os.features.value",
        "os.features is an array of strings in the image spec, but neither spec says how an \
         array is written as a string annotation value (converters join with commas, some write \
         JSON), so every string is the encoding of some array",
    ),
    (
        "config.annotations.oci.image.author.value",
        "the image spec's author is a free-form string (a name and/or e-mail address), so every \
         string is a valid value",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{Ctx, Scope};
    use serde_json::{json, Value};

    /// Rules must never assume the schema passed: every check runs on values of the wrong type
    /// at every place without panicking.
    #[test]
    fn config_rules_tolerate_wrong_types() {
        let odd = [
            json!(null),
            json!(7),
            json!(-1.5),
            json!("x"),
            json!([1, "a", null, {}]),
            json!({"a": [], "type": 3}),
        ];
        let places = [
            "ociVersion",
            "root",
            "mounts",
            "process",
            "hooks",
            "annotations",
            "linux",
            "domainname",
        ];
        let mut configs: Vec<Value> = odd.to_vec();
        for place in places {
            for v in &odd {
                configs.push(json!({ "ociVersion": "1.0.0", place: v }));
                configs.push(json!({ "ociVersion": "1.3.0", "linux": { place: v }, "process": { place: v } }));
                configs.push(json!({
                    "ociVersion": "1.3.0",
                    "mounts": [{ "destination": v, "options": [v], "uidMappings": v }],
                    "annotations": { "org.opencontainers.image.created": v, place: v },
                    "linux": {
                        "namespaces": [{ "type": v }],
                        "seccomp": { "defaultAction": v, "defaultErrnoRet": v, "syscalls": [{ "names": v, "action": v, "errnoRet": v }] },
                        "resources": { "cpu": { "quota": v, "burst": v }, "memory": { "kernel": v } },
                        "intelRdt": { "l3CacheSchema": v },
                        "devices": [{ "type": v, "major": v, "minor": v }, v]
                    },
                    "process": { "capabilities": { "bounding": v }, "rlimits": [v, { "type": v }], "ioPriority": { "priority": v } }
                }));
            }
        }
        for config in &configs {
            let ctx = Ctx::new(config, None);
            for rule in catalogue().iter().filter(|r| r.scope == Scope::Config) {
                if let Some(check) = rule.check {
                    let mut out = Vec::new();
                    check(&ctx, &mut out);
                    for f in &out {
                        assert!(
                            f.expected.is_some() && f.observed.is_some(),
                            "{}: finding without expected/observed",
                            f.rule.id
                        );
                    }
                }
            }
        }
    }
}
