//! Rules for `hooks` (config.md, "POSIX-platform Hooks").

use super::text::claims_at_least;
use crate::rule::{Ctx, Finding, Rule, Scope};
use oci_check_model::Level;

pub static PRESTART_DEPRECATED: Rule = Rule {
    id: "lint.hooks.prestart.deprecated",
    level: Level::Warning,
    requirements: &[],
    summary: "the config uses no prestart hooks, deprecated since runtime-spec 1.0.2 in favour of \
              createRuntime, createContainer and startContainer (configs claiming 1.0.0 or 1.0.1 \
              are exempt: those releases had no replacement)",
    scope: Scope::Config,
    check: Some(check_prestart),
    doc: Some(("config.md", "Prestart")),
};

fn check_prestart(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(prestart) = ctx.at("/hooks/prestart") else {
        return;
    };
    if !claims_at_least(ctx, (1, 0, 2)) {
        return;
    }
    if prestart.as_array().is_some_and(Vec::is_empty) {
        return; // declares nothing
    }
    out.push(
        Finding::new(
            &PRESTART_DEPRECATED,
            "/hooks/prestart",
            "hooks.prestart is deprecated in favour of createRuntime, createContainer and \
             startContainer, which say more precisely when each hook runs",
        )
        .expected("createRuntime, createContainer or startContainer hooks")
        .observed("prestart hooks")
        .hint("move the hooks to createRuntime: it runs at the same point of create, in the runtime namespace, right after prestart would"),
    );
}

pub static RULES: &[&Rule] = &[&PRESTART_DEPRECATED];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn run(config: Value) -> usize {
        let ctx = Ctx::new(&config, None);
        let mut out = Vec::new();
        check_prestart(&ctx, &mut out);
        out.len()
    }

    #[test]
    fn prestart_by_version() {
        let hooks = json!({"prestart": [{"path": "/bin/true"}]});
        assert_eq!(run(json!({"ociVersion": "1.3.0", "hooks": hooks})), 1);
        assert_eq!(run(json!({"ociVersion": "1.0.2-dev", "hooks": hooks})), 1);
        assert_eq!(run(json!({"ociVersion": "1.0.1", "hooks": hooks})), 0);
        assert_eq!(
            run(json!({"ociVersion": "1.3.0", "hooks": {"prestart": []}})),
            0
        );
        assert_eq!(run(json!({"ociVersion": "1.3.0", "hooks": {}})), 0);
    }
}
