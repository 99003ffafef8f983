//! The rule catalogue.
//!
//! Each submodule holds the rules of one area of config.json as `pub static` [`Rule`]s, the
//! check functions behind them, and a `pub static RULES: &[&Rule]` listing them. [`catalogue`]
//! joins those lists; [`UNCHECKABLE`] gives the reason for each static MUST/SHOULD requirement
//! that no rule covers.

use crate::bundle;
use crate::rule::Rule;
use std::sync::OnceLock;

pub mod document;
pub mod process;
pub mod schema_rules;

/// Every rule, in the order reports list them.
pub fn catalogue() -> &'static [&'static Rule] {
    static ALL: OnceLock<Vec<&'static Rule>> = OnceLock::new();
    ALL.get_or_init(|| {
        [
            document::RULES,
            bundle::RULES,
            schema_rules::RULES,
            process::RULES,
        ]
        .concat()
    })
}

/// Find a rule by ID.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    catalogue().iter().copied().find(|r| r.id == id)
}

/// Static MUST/SHOULD requirements that no rule checks, each with the reason.
pub static UNCHECKABLE: &[(&str, &str)] = &[];
