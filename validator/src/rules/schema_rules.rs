//! Rules decided by our JSON Schema (`schema/config-schema.json`): one per `.required` row and
//! per structural MUST the schema expresses. They have no check function: `crate::schema` maps
//! each schema error to one of them (an `x-rule` annotation, or the `.required` naming rule).

use crate::rule::Rule;

pub static RULES: &[&Rule] = &[];
