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
    Check(Box<CheckArgs>),
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

/// Output formats of `ravel check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Diagnostics with source snippets, labels, help and the guide section.
    Full,
    /// One `path:line:col: rule message` line per finding.
    Concise,
    /// A JSON array, one object per finding (see README, JSON output).
    Json,
    /// SARIF 2.1.0, for code scanning and SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (annotations on pull requests).
    Github,
}

/// Arguments of `ravel check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to check (default: the working directory).
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
    /// Skip a file whose parse takes longer than this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub parse_timeout: f64,
    /// When to colour output (NO_COLOR and FORCE_COLOR are honoured under `auto`).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorWhen,
    /// Output format.
    #[arg(long, value_enum, default_value = "full")]
    pub output_format: OutputFormat,
    /// Write the output to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Also write SARIF to this file, whatever the output format.
    #[arg(long, value_name = "FILE")]
    pub sarif_output: Option<PathBuf>,
    /// Use this configuration file for every checked file instead of discovering them.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Rules to run (replaces the configuration's `select`): full id, bare id, guide pattern
    /// or language; comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub select: Option<Vec<String>>,
    /// Rules not to run (replaces the configuration's `ignore`).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Option<Vec<String>>,
    /// Rules to run in addition to the selection.
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub extend_select: Vec<String>,
    /// Apply the configuration's excludes to files named on the command line too
    /// (for pre-commit, which passes files by name).
    #[arg(long)]
    pub force_exclude: bool,
    /// Read the source from standard input and check it as if it were this file (editors).
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Print findings only: no summary line, no warnings about skipped files.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Print how many findings each rule has instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Exit 0 even when there are findings (errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Record the current findings in this file, to adopt ravel on existing code.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
}
