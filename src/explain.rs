//! The one renderer of rule help: `ravel explain`, `ravel rules`, `docs/rules/**.md`, and the
//! help text of machine-readable output all come from here.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::language::Language;
use crate::rule::example::bad_example;
use crate::rule::{PATTERNS, Rule, version_name};

/// The Markdown code-fence tag of a language.
fn fence(lang: Language) -> &'static str {
    match lang {
        Language::Python => "python",
        Language::JavaScript => "javascript",
        Language::TypeScript => "typescript",
        Language::Tsx => "tsx",
        Language::Java => "java",
        Language::Rust => "rust",
        Language::Go => "go",
        Language::CSharp => "csharp",
    }
}

/// The guide pattern's title for a slug.
pub fn pattern_title(slug: &str) -> &'static str {
    PATTERNS
        .iter()
        .find(|(s, _)| *s == slug)
        .map_or("", |(_, t)| *t)
}

/// The languages a rule runs on, by name: `JavaScript, TypeScript`.
fn language_names(rule: &Rule) -> String {
    let mut names: Vec<&str> = Language::for_rule_dir(&rule.dir)
        .iter()
        .map(|l| l.name())
        .collect();
    names.dedup();
    names.join(", ")
}

/// The full help of one rule, as Markdown: what it finds, why, a bad example, the correct
/// pattern, the versions it applies to, and how to suppress it.
pub fn rule_markdown(rule: &Rule) -> String {
    let lang = Language::for_rule_dir(&rule.dir)
        .first()
        .copied()
        .unwrap_or(Language::Python);
    let comment = lang.line_comment();
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", rule.full_id);
    let _ = writeln!(
        out,
        "{} · {} (`{}`) · {}\n",
        rule.severity.as_str(),
        pattern_title(&rule.pattern),
        rule.pattern,
        language_names(rule)
    );
    let _ = writeln!(out, "## What it finds\n\n{}\n", rule.summary);
    let _ = writeln!(
        out,
        "## Why it matters\n\n{}\n\nGuide: *{}*.\n",
        rule.guide.why, rule.guide.section
    );
    if let Some((example_lang, code)) = bad_example(rule) {
        let _ = writeln!(
            out,
            "## Example\n\n```{}\n{}\n```\n",
            fence(example_lang),
            code
        );
    }
    let _ = writeln!(
        out,
        "## Correct pattern\n\n{}\n\n```{}\n{}\n```\n",
        rule.guide.help,
        fence(lang),
        rule.guide.correct
    );
    if let Some(since) = rule.guide.since
        && rule.min_version.is_none_or(|m| m < since)
    {
        let _ = writeln!(
            out,
            "This needs {} {since} or later.\n",
            version_name(&rule.dir)
        );
        if let Some(older) = &rule.guide.older {
            let _ = writeln!(
                out,
                "Before {} {since}: {}\n\n```{}\n{}\n```\n",
                version_name(&rule.dir),
                older.help,
                fence(lang),
                older.correct
            );
        }
    }
    if let Some(range) = version_range(rule) {
        let _ = writeln!(out, "## Versions\n\n{range}\n");
    }
    let _ = writeln!(
        out,
        "## Suppressing it\n\n\
         Fix the code where you can. Where the finding is intended, say so on the line, or on \
         its own line just before it, with a reason after `--`:\n\n\
         ```{fence}\n{comment} ravel: ignore[{id}] -- why this is fine here\n```\n\n\
         A comment `{comment} ravel: ignore-file[{id}]` anywhere in a file turns the rule off \
         for that file.",
        fence = fence(lang),
        id = rule.id,
    );
    out
}

/// The same help as plain text (SARIF `help.text`): no fences, heading marks, backticks or
/// emphasis; code blocks indented by four spaces.
pub fn rule_text(rule: &Rule) -> String {
    plain_text(&rule_markdown(rule))
}

/// Markdown to plain text, for the subset `rule_markdown` writes.
fn plain_text(markdown: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for line in markdown.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            let _ = writeln!(out, "    {line}");
            continue;
        }
        let line = line.trim_start_matches('#').trim_start();
        let mut in_tick = false;
        for c in line.chars() {
            match c {
                '`' => in_tick = !in_tick,
                '*' if !in_tick => {}
                c => out.push(c),
            }
        }
        out.push('\n');
    }
    out
}

/// When a version-bounded rule runs, in words.
fn version_range(rule: &Rule) -> Option<String> {
    let name = version_name(&rule.dir);
    let range = match (rule.min_version, rule.max_version) {
        (Some(min), Some(max)) => format!("{name} {min} to {max}"),
        (Some(min), None) => format!("{name} {min} or later"),
        (None, Some(max)) => format!("{name} {max} or earlier"),
        (None, None) => return None,
    };
    let unknown = match rule.unknown_version {
        crate::rule::file::UnknownVersion::Run => "runs",
        crate::rule::file::UnknownVersion::Skip => "is skipped",
    };
    Some(format!(
        "Runs on projects that target {range} (read from the project's build files); it \
         {unknown} when no build file names a version."
    ))
}

/// `ravel rules`: one line per rule, aligned: full id, severity, guide pattern, summary.
pub fn rules_table(rules: &[Arc<Rule>]) -> String {
    let id_w = rules.iter().map(|r| r.full_id.len()).max().unwrap_or(0);
    let pat_w = rules.iter().map(|r| r.pattern.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in rules {
        let _ = writeln!(
            out,
            "{:id_w$}  {:7}  {:pat_w$}  {}",
            r.full_id,
            r.severity.as_str(),
            r.pattern,
            r.summary
        );
    }
    out
}

/// `docs/rules/README.md`: every rule by language, linked to its page.
pub fn index_markdown(rules: &[Arc<Rule>]) -> String {
    let mut out = String::from(
        "# Rules\n\n\
         Generated by the renderer behind `ravel explain` (`src/explain.rs`); do not edit. \
         Regenerate with `RAVEL_UPDATE_DOCS=1 cargo test --test docs`.\n\n\
         | rule | severity | guide pattern | finds |\n| --- | --- | --- | --- |\n",
    );
    for r in rules {
        let _ = writeln!(
            out,
            "| [`{id}`]({id}.md) | {} | `{}` | {} |",
            r.severity.as_str(),
            r.pattern,
            r.summary.replace('|', "\\|"),
            id = r.full_id
        );
    }
    out
}

/// Find a rule by full id (`python/x`) or bare id (`x`, when only one language has it).
pub fn find<'r>(rules: &'r [Arc<Rule>], name: &str) -> Result<&'r Arc<Rule>, String> {
    if let Some(r) = rules.iter().find(|r| r.full_id == name) {
        return Ok(r);
    }
    let bare: Vec<&Arc<Rule>> = rules.iter().filter(|r| r.id == name).collect();
    match bare.as_slice() {
        [one] => Ok(one),
        [] => {
            let near: Vec<&str> = rules
                .iter()
                .filter(|r| r.full_id.contains(name) || name.contains(r.id.as_str()))
                .map(|r| r.full_id.as_str())
                .collect();
            Err(if near.is_empty() {
                format!("no rule `{name}`; `ravel rules` lists them")
            } else {
                format!("no rule `{name}`; did you mean {}?", near.join(", "))
            })
        }
        many => Err(format!(
            "`{name}` is a rule in several languages; name one: {}",
            many.iter()
                .map(|r| r.full_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_markup_but_keeps_code() {
        let md = "# go/x\n\n## Why\n\nUse `fs.*Sync` *never*.\n\n```go\nx := *p\n```\n";
        assert_eq!(
            plain_text(md),
            "go/x\n\nWhy\n\nUse fs.*Sync never.\n\n    x := *p\n"
        );
    }
}
