//! The default, human output: codespan-reporting diagnostics with help and guide notes.

use std::io::{self, Write};

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel};
use codespan_reporting::files::{self, Files};
use codespan_reporting::term::{self, Config, DisplayStyle};
use termcolor::WriteColor;

use super::position::Lines;
use crate::diagnostic::{Diagnostic, Severity};

/// Lines longer than this are shown in the short style (minified code would flood the terminal).
const MAX_RENDERED_LINE: usize = 400;

/// One file for codespan, placed with our line index: codespan's own file counts a column
/// from the line's start every time, which is quadratic for many findings on one long line.
struct File<'s> {
    name: &'s str,
    lines: Lines<'s>,
    source: &'s str,
}

impl<'s> Files<'s> for File<'s> {
    type FileId = ();
    type Name = &'s str;
    type Source = &'s str;

    fn name(&'s self, _: ()) -> Result<&'s str, files::Error> {
        Ok(self.name)
    }

    fn source(&'s self, _: ()) -> Result<&'s str, files::Error> {
        Ok(self.source)
    }

    fn line_index(&'s self, _: (), byte_index: usize) -> Result<usize, files::Error> {
        Ok(self.lines.line_index(byte_index))
    }

    fn line_range(
        &'s self,
        _: (),
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, files::Error> {
        self.lines
            .line_range(line_index)
            .ok_or(files::Error::LineTooLarge {
                given: line_index,
                max: self.lines.line_index(self.source.len()),
            })
    }

    fn column_number(
        &'s self,
        _: (),
        _line_index: usize,
        byte_index: usize,
    ) -> Result<usize, files::Error> {
        Ok(self.lines.position(byte_index).column)
    }
}

/// Render one file's diagnostics.
pub fn emit(
    out: &mut dyn WriteColor,
    path: &str,
    source: &str,
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    let file = File {
        name: path,
        lines: Lines::new(source),
        source,
    };
    for d in diagnostics {
        let cs = to_codespan(d);
        let mut config = Config::default();
        let line = file.lines.line_range(file.lines.line_index(d.range.start));
        // Its length without the newline.
        if line.is_some_and(|l| source[l].trim_end_matches('\n').len() > MAX_RENDERED_LINE) {
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

/// Write a plain line (used for the summary and problems).
pub fn line(out: &mut dyn Write, text: &str) -> io::Result<()> {
    writeln!(out, "{text}")
}
