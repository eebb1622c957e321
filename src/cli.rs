//! Command-line definitions (clap) and nothing else.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// ravel: a fast, polyglot linter for concurrency anti-patterns.
#[derive(Debug, Parser)]
#[command(name = "ravel", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check files and directories for concurrency anti-patterns.
    Check(CheckArgs),
    /// List every rule: full id, severity, guide pattern and what it finds.
    Rules {
        /// A directory of extra rules laid out as <language>/<rule-id>.toml (repeatable).
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
    /// Explain a rule: what it finds, why, a bad example, the correct pattern, how to suppress it.
    Explain {
        /// The rule: full id (`python/unlocked-shared-counter`) or bare id when unambiguous.
        rule: String,
        /// A directory of extra rules laid out as <language>/<rule-id>.toml (repeatable).
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
    /// Print a file's syntax tree with fields and anonymous tokens (for rule authors).
    DumpTree {
        /// The file to parse.
        file: PathBuf,
    },
}

/// When to colour output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Arguments of `ravel check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to check.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// A directory of extra rules laid out as <language>/<rule-id>.toml (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Skip files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_file_size: u64,
    /// When to colour output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorWhen,
}
