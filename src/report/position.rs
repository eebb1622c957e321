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

/// A file's line starts, found once, so placing each finding costs a search rather than a
/// scan from the top of the file (a large file with many findings stays linear).
pub struct Lines<'s> {
    source: &'s str,
    /// Byte offset of each line's start.
    starts: Vec<usize>,
}

impl<'s> Lines<'s> {
    /// Index `source`'s lines.
    pub fn new(source: &'s str) -> Lines<'s> {
        let mut starts = vec![0];
        starts.extend(
            source
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Lines { source, starts }
    }

    /// The position of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        let source = self.source;
        let mut offset = offset.min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        // The last line start at or before the offset.
        let line = self.starts.partition_point(|s| *s <= offset);
        let text = &source[self.starts[line - 1]..offset];
        Position {
            line,
            column: text.chars().count() + 1,
            utf16_column: text.encode_utf16().count() + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_utf16_units() {
        let src = "x\nπ😀 = f()";
        let at = src.find('=').unwrap();
        let p = Lines::new(src).position(at);
        assert_eq!((p.line, p.column, p.utf16_column), (2, 4, 5));
    }

    #[test]
    fn lines_start_after_each_newline() {
        let src = "ab\n\ncd\n";
        let lines = Lines::new(src);
        let at = |o| {
            let p = lines.position(o);
            (p.line, p.column)
        };
        assert_eq!(at(0), (1, 1));
        assert_eq!(at(2), (1, 3));
        assert_eq!(at(3), (2, 1));
        assert_eq!(at(4), (3, 1));
        assert_eq!(at(5), (3, 2));
        assert_eq!(at(7), (4, 1));
        assert_eq!(at(100), (4, 1));
    }
}
