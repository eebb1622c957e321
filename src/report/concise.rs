//! `--output-format concise`: one `path:line:col: rule message` line per finding.

use std::io::{self, Write};

use crate::run::FileReport;

/// Write every finding of `files` as one line.
pub fn emit(out: &mut dyn Write, files: &[FileReport]) -> io::Result<()> {
    for f in files {
        for d in &f.diagnostics {
            writeln!(
                out,
                "{}:{}:{}: {} {}",
                f.path.display(),
                d.line,
                d.column,
                d.rule,
                d.message
            )?;
        }
    }
    Ok(())
}
