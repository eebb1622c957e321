//! ravel: a fast, polyglot linter for concurrency anti-patterns.

pub mod baseline;
pub mod check;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod dump;
pub mod engine;
pub mod explain;
pub mod fixture;
pub mod language;
pub mod paths;
pub mod project;
pub mod report;
pub mod rng;
pub mod rule;
pub mod run;
pub mod suppress;
