//! `--output-format github`: GitHub Actions workflow commands, which annotate the pull request.

use std::io::{self, Write};

use super::position::Lines;
use crate::diagnostic::Severity;
use crate::run::FileReport;

/// Escape a command's message: `%`, CR and LF.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a command's property value: as messages, plus `:` and `,`.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Write one workflow command per finding.
pub fn emit(out: &mut dyn Write, files: &[FileReport]) -> io::Result<()> {
    for f in files {
        let lines = Lines::new(&f.source);
        for d in &f.diagnostics {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let end = lines.position(d.range.end);
            writeln!(
                out,
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                // GitHub places annotations by path from the repository root.
                property(&crate::paths::relative_path(&f.path)),
                d.line,
                d.column,
                end.line,
                end.column,
                property(&format!("ravel ({})", d.rule)),
                data(&d.message)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_messages_and_properties() {
        assert_eq!(data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
