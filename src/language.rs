//! The one language table: every per-language fact that is not semantics lives here.

use std::path::Path;

use crate::engine::semantics::{self, Semantics};

/// Declares the `Language` enum and its table from one row per language.
macro_rules! languages {
    ($(
        $variant:ident {
            id: $id:literal,
            name: $name:literal,
            grammar: $grammar:expr,
            extensions: [$($ext:literal),* $(,)?],
            rule_dirs: [$($dir:literal),* $(,)?],
            line_comment: $comment:literal,
            semantics: $sem:expr $(,)?
        }
    ),* $(,)?) => {
        /// A language ravel parses; TypeScript and TSX are two rows backed by one crate.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Language { $($variant),* }

        impl Language {
            /// Every language, in table order.
            pub const ALL: &'static [Language] = &[$(Language::$variant),*];

            /// Stable lower-case id used in output and rule ids.
            pub fn id(self) -> &'static str {
                match self { $(Language::$variant => $id),* }
            }

            /// Human-readable name.
            pub fn name(self) -> &'static str {
                match self { $(Language::$variant => $name),* }
            }

            /// The tree-sitter grammar.
            pub fn grammar(self) -> tree_sitter::Language {
                match self { $(Language::$variant => $grammar.into()),* }
            }

            /// File extensions (without the dot) that select this language.
            pub fn extensions(self) -> &'static [&'static str] {
                match self { $(Language::$variant => &[$($ext),*]),* }
            }

            /// Rule directories (`rules/<dir>/`) whose rules run on this language.
            pub fn rule_dirs(self) -> &'static [&'static str] {
                match self { $(Language::$variant => &[$($dir),*]),* }
            }

            /// The line-comment token, used by fixture annotations and suppressions.
            pub fn line_comment(self) -> &'static str {
                match self { $(Language::$variant => $comment),* }
            }

            /// Per-language semantics: scopes, imports, async, threads, locks.
            pub fn semantics(self) -> &'static Semantics {
                match self { $(Language::$variant => $sem),* }
            }
        }
    };
}

languages! {
    Python {
        id: "python", name: "Python",
        grammar: tree_sitter_python::LANGUAGE,
        extensions: ["py", "pyi"],
        rule_dirs: ["python"],
        line_comment: "#",
        semantics: &semantics::python::SEMANTICS,
    },
    JavaScript {
        id: "javascript", name: "JavaScript",
        grammar: tree_sitter_javascript::LANGUAGE,
        extensions: ["js", "mjs", "cjs", "jsx"],
        rule_dirs: ["javascript"],
        line_comment: "//",
        semantics: &semantics::javascript::SEMANTICS,
    },
    TypeScript {
        id: "typescript", name: "TypeScript",
        grammar: tree_sitter_typescript::LANGUAGE_TYPESCRIPT,
        extensions: ["ts", "mts", "cts"],
        rule_dirs: ["javascript", "typescript"],
        line_comment: "//",
        semantics: &semantics::javascript::SEMANTICS,
    },
    Tsx {
        id: "tsx", name: "TSX",
        grammar: tree_sitter_typescript::LANGUAGE_TSX,
        extensions: ["tsx"],
        rule_dirs: ["javascript", "typescript"],
        line_comment: "//",
        semantics: &semantics::javascript::SEMANTICS,
    },
    Java {
        id: "java", name: "Java",
        grammar: tree_sitter_java::LANGUAGE,
        extensions: ["java"],
        rule_dirs: ["java"],
        line_comment: "//",
        semantics: &semantics::java::SEMANTICS,
    },
    Rust {
        id: "rust", name: "Rust",
        grammar: tree_sitter_rust::LANGUAGE,
        extensions: ["rs"],
        rule_dirs: ["rust"],
        line_comment: "//",
        semantics: &semantics::rust::SEMANTICS,
    },
    Go {
        id: "go", name: "Go",
        grammar: tree_sitter_go::LANGUAGE,
        extensions: ["go"],
        rule_dirs: ["go"],
        line_comment: "//",
        semantics: &semantics::go::SEMANTICS,
    },
    CSharp {
        id: "csharp", name: "C#",
        grammar: tree_sitter_c_sharp::LANGUAGE,
        extensions: ["cs"],
        rule_dirs: ["csharp"],
        line_comment: "//",
        semantics: &semantics::csharp::SEMANTICS,
    },
}

impl Language {
    /// The language a path's extension selects, if any.
    pub fn from_path(path: &Path) -> Option<Language> {
        let ext = path.extension()?.to_str()?;
        Language::ALL
            .iter()
            .copied()
            .find(|l| l.extensions().iter().any(|e| e.eq_ignore_ascii_case(ext)))
    }

    /// Languages whose rule directories include `dir`.
    pub fn for_rule_dir(dir: &str) -> Vec<Language> {
        Language::ALL
            .iter()
            .copied()
            .filter(|l| l.rule_dirs().contains(&dir))
            .collect()
    }

    /// Every rule directory name, deduplicated, in table order.
    pub fn all_rule_dirs() -> Vec<&'static str> {
        let mut dirs: Vec<&'static str> = Vec::new();
        for l in Language::ALL {
            for d in l.rule_dirs() {
                if !dirs.contains(d) {
                    dirs.push(d);
                }
            }
        }
        dirs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grammar_loads_and_parses() {
        for lang in Language::ALL {
            let mut parser = tree_sitter::Parser::new();
            parser
                .set_language(&lang.grammar())
                .unwrap_or_else(|e| panic!("{}: {e}", lang.id()));
            let tree = parser.parse("x", None).expect("parse");
            assert!(tree.root_node().end_byte() > 0, "{}", lang.id());
        }
    }

    #[test]
    fn extensions_pick_languages() {
        assert_eq!(
            Language::from_path(Path::new("a/b.py")),
            Some(Language::Python)
        );
        assert_eq!(
            Language::from_path(Path::new("x.MJS")),
            Some(Language::JavaScript)
        );
        assert_eq!(
            Language::from_path(Path::new("x.cts")),
            Some(Language::TypeScript)
        );
        assert_eq!(Language::from_path(Path::new("x.tsx")), Some(Language::Tsx));
        assert_eq!(
            Language::from_path(Path::new("x.cs")),
            Some(Language::CSharp)
        );
        assert_eq!(Language::from_path(Path::new("Makefile")), None);
    }
}
