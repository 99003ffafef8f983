//! Static validation of OCI runtime bundles and `config.json` files.
//!
//! Order of work for one config: the bytes (size, encoding, JSON syntax, duplicate keys), then
//! our JSON Schema (`schema/config-schema.json`, embedded), then every semantic rule of the
//! catalogue, then, for a bundle, the files on disk. Nothing from the bundle is ever run.

pub mod bundle;
pub mod json;
pub mod requirements;
pub mod rule;
pub mod rules;
pub mod runtime_docs;
pub mod schema;
mod validate;

pub use rule::{BundleCtx, Ctx, Finding, Rule, Scope};
pub use validate::{validate_bundle, validate_bytes, validate_config_file, Error, Options, Report};
