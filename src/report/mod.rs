//! Reporters: every one consumes only `Diagnostic`s and the run summary.

pub mod summary;
pub mod text;
