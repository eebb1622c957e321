//! The default, human output: codespan-reporting diagnostics with help and guide notes.

use std::io::{self, Write};

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config, DisplayStyle};
use termcolor::WriteColor;

use crate::diagnostic::{Diagnostic, Severity};

/// Lines longer than this are shown in the short style (minified code would flood the terminal).
const MAX_RENDERED_LINE: usize = 400;

/// Render one file's diagnostics.
pub fn emit(
    out: &mut dyn WriteColor,
    path: &str,
    source: &str,
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    let file = SimpleFile::new(path, source);
    for d in diagnostics {
        let cs = to_codespan(d);
        let mut config = Config::default();
        if line_len(source, d.range.start) > MAX_RENDERED_LINE {
            config.display_style = DisplayStyle::Medium;
        }
        term::emit_to_write_style(out, &config, &file, &cs).map_err(io::Error::other)?;
    }
    Ok(())
}

fn to_codespan(d: &Diagnostic) -> CsDiagnostic<()> {
    let base = match d.severity {
        Severity::Error => CsDiagnostic::error(),
        Severity::Warning => CsDiagnostic::warning(),
        Severity::Info => CsDiagnostic::note(),
    };
    let mut labels = vec![CsLabel::primary((), d.range.clone())];
    labels.extend(
        d.labels
            .iter()
            .map(|l| CsLabel::secondary((), l.range.clone()).with_message(&l.message)),
    );
    let mut notes = Vec::new();
    let mut help = format!("help: {}", d.help_title);
    for line in d.help.lines() {
        help.push('\n');
        if !line.trim().is_empty() {
            help.push_str("    ");
            help.push_str(line);
        }
    }
    notes.push(help);
    if !d.guide_section.is_empty() {
        notes.push(format!("guide: {}", d.guide_section));
    }
    base.with_code(&d.rule)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

fn line_len(source: &str, offset: usize) -> usize {
    let offset = offset.min(source.len());
    let start = source[..offset].rfind('\n').map_or(0, |p| p + 1);
    let end = source[offset..]
        .find('\n')
        .map_or(source.len(), |p| offset + p);
    end - start
}

/// Write a plain line (used for the summary and problems).
pub fn line(out: &mut dyn Write, text: &str) -> io::Result<()> {
    writeln!(out, "{text}")
}
