//! The `ravel` binary: parse the command line, run the library, map outcomes to exit codes.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser as _;
use rayon::prelude::*;
use termcolor::{ColorChoice, StandardStream};

use ravel::check::{Limits, Outcome, check_path};
use ravel::cli::{CheckArgs, Cli, ColorWhen, Command};
use ravel::discover::{WalkProblem, discover};
use ravel::engine::Engine;
use ravel::report::summary::Summary;
use ravel::report::text;
use ravel::rule::set::RuleSet;

/// No findings.
const EXIT_CLEAN: u8 = 0;
/// Findings.
const EXIT_FINDINGS: u8 = 1;
/// Usage error, missing path, bad rule file or internal error.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Check(args) => run_check(args),
        Command::Rules { rules } => load_rules(&rules).map(|set| {
            print!("{}", ravel::explain::rules_table(set.rules()));
            EXIT_CLEAN
        }),
        Command::Explain { rule, rules } => load_rules(&rules).and_then(|set| {
            let found = ravel::explain::find(set.rules(), &rule)?;
            print!("{}", ravel::explain::rule_markdown(found));
            Ok(EXIT_CLEAN)
        }),
        Command::DumpTree { file } => ravel::dump::dump_file(&file).map(|()| EXIT_CLEAN),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn color_choice(when: ColorWhen) -> ColorChoice {
    match when {
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
        ColorWhen::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            if std::io::stdout().is_terminal() && !no_color {
                ColorChoice::Auto
            } else {
                ColorChoice::Never
            }
        }
    }
}

/// The embedded rules plus rule directories given with `--rules`.
fn load_rules(dirs: &[std::path::PathBuf]) -> Result<RuleSet, String> {
    let mut rules = RuleSet::embedded().map_err(|e| e.to_string())?;
    for dir in dirs {
        rules.add_dir(dir).map_err(|e| e.to_string())?;
    }
    Ok(rules)
}

fn run_check(args: CheckArgs) -> Result<u8, String> {
    let rules = load_rules(&args.rules)?;
    let engine = Engine::new(rules);
    let limits = Limits {
        max_file_size: args.max_file_size,
        ..Limits::default()
    };
    let found = discover(&args.paths);
    let mut failed = false;
    for problem in &found.problems {
        match problem {
            WalkProblem::Missing(p) => {
                eprintln!("error: {}: no such file or directory", p.display());
                failed = true;
            }
            WalkProblem::UnknownLanguage(p) => {
                eprintln!(
                    "warning: {}: not a file of a supported language; skipped",
                    p.display()
                );
            }
            WalkProblem::Error(e) => eprintln!("warning: {e}"),
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .stack_size(16 * 1024 * 1024)
        .build()
        .map_err(|e| e.to_string())?;
    let outcomes: Vec<Outcome> = pool.install(|| {
        found
            .jobs
            .par_iter()
            .map(|job| check_path(&engine, &job.path, job.language, &limits))
            .collect()
    });

    let mut out = StandardStream::stdout(color_choice(args.color));
    let mut summary = Summary::default();
    for problem in &found.problems {
        if matches!(problem, WalkProblem::UnknownLanguage(_)) {
            *summary
                .skipped
                .entry("unsupported language".into())
                .or_default() += 1;
        } else if matches!(problem, WalkProblem::Error(_)) {
            *summary.skipped.entry("unreadable".into()).or_default() += 1;
        }
    }
    for (job, outcome) in found.jobs.iter().zip(outcomes) {
        let shown = job.path.display().to_string();
        match outcome {
            Outcome::Checked {
                source,
                mut diagnostics,
                lossy,
                syntax_errors,
            } => {
                summary.checked += 1;
                summary.lossy += usize::from(lossy);
                summary.syntax_errors += usize::from(syntax_errors);
                diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
                for d in &diagnostics {
                    *summary.findings.entry(d.severity).or_default() += 1;
                }
                text::emit(&mut out, &shown, &source, &diagnostics).map_err(|e| e.to_string())?;
            }
            Outcome::Skipped(reason, detail) => {
                eprintln!("warning: {shown}: skipped ({}): {detail}", reason.as_str());
                *summary
                    .skipped
                    .entry(reason.as_str().to_string())
                    .or_default() += 1;
            }
            Outcome::RuleError(e) => {
                out.flush().ok();
                eprintln!("error: {e}");
                return Ok(EXIT_ERROR);
            }
        }
    }
    text::line(&mut out, &summary.render()).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    Ok(if failed {
        EXIT_ERROR
    } else if summary.total() > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}
