//! The features document (features.md): what a runtime says it supports. Providing one is a
//! MAY; a runtime that provides one must keep its promises.

use super::must_error;
use crate::scenario::{fail, mismatch, skip, Check, Ctx, Scenario, Stop};
use oci_check_validator::runtime_docs::validate_features;
use serde_json::{json, Value};

pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "features::document_adheres_to_the_features_schema",
            title: "The features document has ociVersionMin and ociVersionMax, min <= max, and only properties the spec defines",
            requirements: &[
                "features.ociVersionMin.required",
                "features.ociVersionMax.required",
                "features.ociVersionMax.ge_min",
                "features.no_undefined_properties",
                "features.annotations.map",
            ],
            run: document_adheres_to_the_features_schema,
        },
        Scenario {
            name: "features::oci_version_min_is_accepted",
            title: "The runtime accepts its ociVersionMin as the ociVersion of config.json",
            requirements: &["features.ociVersionMin.accepted"],
            run: oci_version_min_is_accepted,
        },
        Scenario {
            name: "features::oci_version_max_is_accepted",
            title: "The runtime accepts its ociVersionMax as the ociVersion of config.json",
            requirements: &["features.ociVersionMax.accepted"],
            run: oci_version_max_is_accepted,
        },
    ]
}

/// The runtime's features document, or SKIP when it has none (a MAY).
fn features(ctx: &mut Ctx) -> Result<Value, Stop> {
    let call = ctx.call(&["features"]);
    if !call.succeeded() {
        must_error(&call, "features")
            .map_err(|_| fail(format!("`features` did not end cleanly: {}", call.exit)))?;
        return Err(skip(format!(
            "the runtime provides no features document (`features`: {}); providing one is optional (features.provide)",
            call.exit
        )));
    }
    serde_json::from_str(&call.stdout).map_err(|e| {
        mismatch(
            format!("`features` exited 0 but printed no JSON ({e})"),
            "a features document",
            crate::exec::clip(&call.stdout, 200),
        )
    })
}

fn document_adheres_to_the_features_schema(ctx: &mut Ctx) -> Check {
    let doc = features(ctx)?;
    let errors = validate_features(&doc);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(mismatch(
            "the features document does not adhere to the features schema",
            "a document valid against features-schema.json, with no undefined properties",
            errors.join("\n"),
        ))
    }
}

fn version_is_accepted(ctx: &mut Ctx, key: &str) -> Check {
    let doc = features(ctx)?;
    let Some(version) = doc[key].as_str().map(str::to_string) else {
        return Err(mismatch(
            format!("the features document has no {key}"),
            "a version string",
            doc[key].to_string(),
        ));
    };
    let c = ctx.container(|cfg| {
        cfg.set("/ociVersion", json!(version));
    })?;
    ctx.notes.push(format!("ociVersion {version:?}"));
    ctx.running(&c)
}

fn oci_version_min_is_accepted(ctx: &mut Ctx) -> Check {
    version_is_accepted(ctx, "ociVersionMin")
}

fn oci_version_max_is_accepted(ctx: &mut Ctx) -> Check {
    version_is_accepted(ctx, "ociVersionMax")
}
