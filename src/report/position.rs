//! Positions for output formats: 1-based lines, columns in characters or UTF-16 code units.

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in Unicode scalar values.
    pub column: usize,
    /// 1-based column in UTF-16 code units (SARIF's `utf16CodeUnits`, editors' LSP default).
    pub utf16_column: usize,
}

/// The position of a byte offset in `source`.
pub fn position(source: &str, offset: usize) -> Position {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let text = &source[line_start..offset];
    Position {
        line: before.matches('\n').count() + 1,
        column: text.chars().count() + 1,
        utf16_column: text.encode_utf16().count() + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_utf16_units() {
        let src = "x\nπ😀 = f()";
        let at = src.find('=').unwrap();
        let p = position(src, at);
        assert_eq!((p.line, p.column, p.utf16_column), (2, 4, 5));
    }
}
