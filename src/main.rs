//! The `ravel` binary: parse the command line, run the library, map outcomes to exit codes.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use clap::Parser as _;
use termcolor::{ColorChoice, NoColor, StandardStream, WriteColor};

use ravel::baseline::Baseline;
use ravel::check::Limits;
use ravel::cli::{CheckArgs, Cli, ColorWhen, Command, OutputFormat};
use ravel::config::Overrides;
use ravel::report::{concise, github, json, sarif, text};
use ravel::rule::set::RuleSet;
use ravel::run::{Options, RunResult, run};

/// No findings.
const EXIT_CLEAN: u8 = 0;
/// Findings.
const EXIT_FINDINGS: u8 = 1;
/// Usage error, missing path, bad configuration or rule file, or internal error.
const EXIT_ERROR: u8 = 2;

/// mimalloc: the engine allocates many small vectors per file; glibc's allocator makes
/// threads contend for them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        Command::Check(args) => run_check(*args),
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

/// Colour for a stream: `--color always|never` decide; under `auto`, NO_COLOR turns colour
/// off, FORCE_COLOR turns it on, and otherwise colour follows whether it is a terminal.
fn color_choice(when: ColorWhen, is_terminal: bool) -> ColorChoice {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    match when {
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
        ColorWhen::Auto if set("NO_COLOR") => ColorChoice::Never,
        ColorWhen::Auto if set("FORCE_COLOR") => ColorChoice::Always,
        ColorWhen::Auto if is_terminal => ColorChoice::Auto,
        ColorWhen::Auto => ColorChoice::Never,
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
    if !(args.parse_timeout.is_finite() && args.parse_timeout > 0.0) {
        return Err(format!(
            "--parse-timeout must be a positive number of seconds, not {}",
            args.parse_timeout
        ));
    }
    if args.statistics
        && matches!(
            args.output_format,
            OutputFormat::Sarif | OutputFormat::Github
        )
    {
        return Err(format!(
            "--statistics prints a table (JSON with --output-format json), not {}; write SARIF alongside with --sarif-output FILE",
            if args.output_format == OutputFormat::Sarif {
                "SARIF"
            } else {
                "GitHub annotations"
            }
        ));
    }
    // `.` and `-` (what editors and wrappers often add) mean standard input here too.
    if args.stdin_filename.is_some()
        && args
            .paths
            .iter()
            .any(|p| p.as_os_str() != "." && p.as_os_str() != "-")
    {
        return Err(
            "--stdin-filename checks standard input: give it no paths to check as well".into(),
        );
    }
    let stdin = match &args.stdin_filename {
        Some(path) => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            Some((path.clone(), bytes))
        }
        None => None,
    };
    let baseline = match &args.baseline {
        Some(p) => Some(Baseline::load(p)?),
        None => None,
    };
    let options = Options {
        paths: if args.paths.is_empty() {
            vec![std::path::PathBuf::from(".")]
        } else {
            args.paths.clone()
        },
        rule_dirs: args.rules.clone(),
        threads: args.threads,
        limits: Limits {
            max_file_size: args.max_file_size,
            parse_timeout: std::time::Duration::from_secs_f64(args.parse_timeout),
        },
        overrides: Overrides {
            select: args.select.clone(),
            ignore: args.ignore.clone(),
            extend_select: args.extend_select.clone(),
        },
        config: args.config.clone(),
        force_exclude: args.force_exclude,
        stdin,
        baseline,
        progress: !args.quiet
            && std::io::stderr().is_terminal()
            && std::env::var_os("CI").is_none(),
    };
    let result = run(options)?;

    if let Some(path) = &args.write_baseline {
        let n = ravel::baseline::write(
            path,
            result
                .files
                .iter()
                .map(|f| (f.source.as_str(), f.diagnostics.as_slice())),
        )?;
        if !args.quiet {
            eprintln!("wrote {n} findings to the baseline {}", path.display());
        }
        return Ok(if result.failed {
            EXIT_ERROR
        } else {
            EXIT_CLEAN
        });
    }
    if let Some(path) = &args.sarif_output {
        let mut file = std::fs::File::create(path)
            .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
        sarif::emit(&mut file, &result).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let human = matches!(
        args.output_format,
        OutputFormat::Full | OutputFormat::Concise
    );
    // Warnings about inputs go to stderr; the summary goes with human output, to stderr
    // for machine formats so stdout stays parseable.
    if !args.quiet {
        for n in &result.notifications {
            let level = if n.level == ravel::diagnostic::Severity::Error {
                "error"
            } else {
                "warning"
            };
            if n.path.as_os_str().is_empty() {
                eprintln!("{level}: {}", n.message);
            } else {
                eprintln!("{level}: {}: {}", n.path.display(), n.message);
            }
        }
    }
    match &args.output_file {
        Some(path) => {
            let mut file = std::fs::File::create(path)
                .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            emit(&mut NoColor::new(&mut file), &args, &result, human)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        None => {
            let choice = color_choice(args.color, std::io::stdout().is_terminal());
            let mut out = StandardStream::stdout(choice);
            emit(&mut out, &args, &result, human).map_err(|e| e.to_string())?;
            out.flush().map_err(|e| e.to_string())?;
        }
    }
    if !args.quiet && !human {
        eprintln!("{}", result.summary.render());
    }
    Ok(if result.failed {
        EXIT_ERROR
    } else if result.summary.total() > 0 && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

fn emit(
    out: &mut dyn WriteColor,
    args: &CheckArgs,
    result: &RunResult,
    human: bool,
) -> std::io::Result<()> {
    if args.statistics {
        statistics(out, result, args.output_format == OutputFormat::Json)?;
    } else {
        match args.output_format {
            OutputFormat::Full => {
                for f in &result.files {
                    text::emit(
                        out,
                        &f.path.display().to_string(),
                        &f.source,
                        &f.diagnostics,
                    )?;
                }
            }
            OutputFormat::Concise => concise::emit(out, &result.files)?,
            OutputFormat::Json => json::emit(out, &result.files)?,
            OutputFormat::Sarif => sarif::emit(out, result)?,
            OutputFormat::Github => github::emit(out, &result.files)?,
        }
    }
    if human && !args.quiet {
        text::line(out, &result.summary.render())?;
    }
    Ok(())
}

/// `--statistics`: findings per rule, most frequent first.
fn statistics(out: &mut dyn WriteColor, result: &RunResult, as_json: bool) -> std::io::Result<()> {
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for f in &result.files {
        for d in &f.diagnostics {
            *counts
                .entry((d.rule.as_str(), d.severity.as_str()))
                .or_default() += 1;
        }
    }
    let mut rows: Vec<((&str, &str), usize)> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if as_json {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(
                |((rule, sev), n)| serde_json::json!({ "rule": rule, "severity": sev, "count": n }),
            )
            .collect();
        serde_json::to_writer_pretty(&mut *out, &v).map_err(std::io::Error::other)?;
        return writeln!(out);
    }
    let width = rows.iter().map(|((r, _), _)| r.len()).max().unwrap_or(0);
    for ((rule, sev), n) in rows {
        writeln!(out, "{n:>5}  {rule:width$}  {sev}")?;
    }
    Ok(())
}
