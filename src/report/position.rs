//! Positions of byte offsets: 1-based lines, columns in characters or UTF-16 code units.

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
/// scan from the top of the file. Columns are counted from the line's start, or on a long
/// line (a minified bundle) from the nearest of checkpoints taken every `STRIDE` bytes, so
/// many findings on one line stay linear too.
pub struct Lines<'s> {
    source: &'s str,
    /// Byte offset of each line's start.
    starts: Vec<usize>,
    /// (offset, position) every `STRIDE` bytes or so, made the first time a long line is asked.
    checkpoints: std::cell::OnceCell<Vec<(usize, Position)>>,
}

/// Bytes between checkpoints; a line longer than this is counted from one.
const STRIDE: usize = 1024;

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
        Lines {
            source,
            starts,
            checkpoints: std::cell::OnceCell::new(),
        }
    }

    fn checkpoints(&self) -> &[(usize, Position)] {
        self.checkpoints.get_or_init(|| {
            let mut out = Vec::new();
            let mut p = Position {
                line: 1,
                column: 1,
                utf16_column: 1,
            };
            let mut next = 0;
            for (i, c) in self.source.char_indices() {
                if i >= next {
                    out.push((i, p));
                    next = i + STRIDE;
                }
                if c == '\n' {
                    p = Position {
                        line: p.line + 1,
                        column: 1,
                        utf16_column: 1,
                    };
                } else {
                    p.column += 1;
                    p.utf16_column += c.len_utf16();
                }
            }
            out
        })
    }

    /// The 0-based line holding a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        self.starts.partition_point(|s| *s <= offset) - 1
    }

    /// The byte range of a 0-based line, its newline included; None past the last line.
    pub fn line_range(&self, line_index: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.starts.get(line_index)?;
        let end = self
            .starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(self.source.len());
        Some(start..end)
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
        let line_start = self.starts[line - 1];
        let (from, column, utf16_column) = if offset - line_start > STRIDE {
            let checkpoints = self.checkpoints();
            let (at, p) = checkpoints[checkpoints.partition_point(|(o, _)| *o <= offset) - 1];
            if at >= line_start {
                (at, p.column, p.utf16_column)
            } else {
                (line_start, 1, 1)
            }
        } else {
            (line_start, 1, 1)
        };
        let text = &source[from..offset];
        Position {
            line,
            column: column + text.chars().count(),
            utf16_column: utf16_column + text.encode_utf16().count(),
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

    #[test]
    fn columns_counted_from_checkpoints_match_a_count_from_the_line_start() {
        // Long lines of mixed widths, so checkpoints fall inside them.
        let mut src = "aé😀b".repeat(700);
        src.push('\n');
        src.push_str(&"cπd😀e".repeat(900));
        src.push_str("\n\nfg");
        let src = src.as_str();
        let fresh = |o: usize| {
            let start = src[..o].rfind('\n').map_or(0, |p| p + 1);
            let text = &src[start..o];
            Position {
                line: src[..o].matches('\n').count() + 1,
                column: text.chars().count() + 1,
                utf16_column: text.encode_utf16().count() + 1,
            }
        };
        let lines = Lines::new(src);
        let offsets: Vec<usize> = (0..=src.len())
            .filter(|o| src.is_char_boundary(*o))
            .collect();
        // Forwards, backwards and jumping about: always what a fresh index says.
        let mut order = offsets.clone();
        order.extend(offsets.iter().rev());
        order.extend(offsets.iter().step_by(3));
        order.extend(offsets.iter().rev().step_by(2));
        for o in order {
            assert_eq!(lines.position(o), fresh(o), "offset {o}");
        }
    }
}
