//! Reporters: every one consumes only `Diagnostic`s and the run summary.

pub mod concise;
pub mod github;
pub mod json;
pub mod position;
pub mod progress;
pub mod sarif;
pub mod summary;
pub mod text;
