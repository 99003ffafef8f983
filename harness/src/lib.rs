//! The runtime harness of oci-check: drives any runtime that speaks the OCI command line
//! (runc, crun, youki, ...) through the spec's lifecycle, state, error and kill scenarios, with
//! the static `oci-probe` as the container's program, and reports each scenario as a result of
//! the shared model.
//!
//! Pieces: [`exec`] runs one command with a deadline; [`runtime`] is the driver for the OCI
//! command line; [`bundle`] writes bundles; [`janitor`] guarantees clean-up; [`host`] finds what
//! the host can do (the basis of every SKIP); [`scenario`] is the context a scenario runs in;
//! [`scenarios`] are the checks; [`runner`] selects, runs in parallel, and applies the
//! known-deviation baseline.

pub mod bundle;
pub mod coverage;
pub mod diff;
pub mod exec;
pub mod fuzz;
pub mod host;
pub mod janitor;
pub mod runner;
pub mod runtime;
pub mod scenario;
pub mod scenarios;
pub mod since;
