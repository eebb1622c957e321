//! `RuleFile` → `Rule`: every field checked, every error naming the file and the field.

use std::fmt;

use regex::Regex;

use super::file::RuleFile;
use super::{CaptureConstraints, GUIDE_SECTIONS, Guide, PATTERNS, Rule};
use crate::engine::constraint::{
    CHAIN_PLACEHOLDER, Constraint, Context, Property, Selector, Stop, Target, WORDS,
};
use crate::engine::names::NameSet;
use crate::language::Language;

/// A rule that cannot be loaded: its file, the field at fault, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The rule file.
    pub origin: String,
    /// The field, dotted (`where.callee.resolves-to`), or empty for the whole file.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.origin, self.message)
        } else {
            write!(f, "{}: `{}`: {}", self.origin, self.field, self.message)
        }
    }
}

impl std::error::Error for RuleError {}

/// Parse and validate one rule file. `rel` is its path under the rules root: `<dir>/<id>.toml`.
pub fn compile(origin: &str, rel: &str, text: &str) -> Result<Rule, RuleError> {
    let err = |field: &str, message: String| RuleError {
        origin: origin.to_string(),
        field: field.to_string(),
        message,
    };
    let (dir, stem) = split_rel(rel).ok_or_else(|| {
        err(
            "",
            "rule files live at <language>/<rule-id>.toml under a rules directory".into(),
        )
    })?;
    if Language::for_rule_dir(dir).is_empty() {
        let known = Language::all_rule_dirs().join(", ");
        return Err(err(
            "",
            format!("unknown language directory `{dir}` (known: {known})"),
        ));
    }
    let file: RuleFile =
        toml::from_str(text).map_err(|e| err("", e.to_string().trim_end().to_string()))?;
    if file.id != stem {
        return Err(err(
            "id",
            format!("`{}` must equal the file name `{stem}`", file.id),
        ));
    }
    if !is_kebab(&file.id) {
        return Err(err("id", format!("`{}` is not kebab-case", file.id)));
    }
    if !PATTERNS.iter().any(|(slug, _)| *slug == file.pattern) {
        let known: Vec<&str> = PATTERNS.iter().map(|(s, _)| *s).collect();
        return Err(err(
            "pattern",
            format!(
                "unknown guide pattern `{}` (known: {})",
                file.pattern,
                known.join(", ")
            ),
        ));
    }
    if file.message.trim().is_empty() || file.message.contains('\n') {
        return Err(err("message", "must be one non-empty line".into()));
    }
    let section = &file.guide.section;
    if !GUIDE_SECTIONS
        .iter()
        .any(|s| section == s || section.starts_with(&format!("{s}: ")))
    {
        return Err(err(
            "guide.section",
            format!(
                "`{section}` does not start with a guide section ({})",
                GUIDE_SECTIONS.join(", ")
            ),
        ));
    }
    let mut constraints = Vec::new();
    for (capture, table) in &file.where_ {
        let mut list = Vec::new();
        for (word, value) in table {
            let field = format!("where.{capture}.{word}");
            list.push(constraint(word, value).map_err(|m| err(&field, m))?);
        }
        constraints.push(CaptureConstraints {
            capture: capture.clone(),
            constraints: list,
        });
    }
    let version = |field: &str, v: &Option<String>| match v {
        Some(v) => crate::project::Version::parse(v).map(Some).ok_or_else(|| {
            err(
                field,
                format!("`{v}` is not a version such as \"21\" or \"3.11\""),
            )
        }),
        None => Ok(None),
    };
    let min_version = version("min-version", &file.min_version)?;
    let max_version = version("max-version", &file.max_version)?;
    let since = version("guide.since", &file.guide.since)?;
    if file.guide.older.is_some() && since.is_none() {
        return Err(err(
            "guide.older",
            "advice for older targets needs `since`, the version the main advice needs".into(),
        ));
    }
    let rule = Rule {
        min_version,
        max_version,
        unknown_version: file.unknown_version.unwrap_or_default(),
        dir: dir.to_string(),
        id: file.id.clone(),
        full_id: format!("{dir}/{}", file.id),
        pattern: file.pattern,
        severity: file.severity,
        summary: match file.summary {
            Some(s) => s.split_whitespace().collect::<Vec<_>>().join(" "),
            // Without a summary, the message with its placeholders named.
            None => file.message.replace(['{', '}'], ""),
        },
        message: file.message,
        query: file.query,
        constraints,
        labels: file.labels.into_iter().collect(),
        guide: Guide {
            section: file.guide.section,
            why: file.guide.why.trim().to_string(),
            help: file.guide.help.trim().to_string(),
            correct: file.guide.correct.trim_matches('\n').to_string(),
            since,
            older: file.guide.older.map(|o| crate::rule::file::OlderAdvice {
                help: o.help.trim().to_string(),
                correct: o.correct.trim_matches('\n').to_string(),
            }),
        },
        origin: origin.to_string(),
    };
    Ok(rule)
}

/// Check a rule against one language's grammar: the query compiles, captures and kinds exist,
/// and the language implements every semantic word the rule uses.
pub fn check_against(rule: &Rule, lang: Language) -> Result<tree_sitter::Query, RuleError> {
    let err = |field: &str, message: String| RuleError {
        origin: rule.origin.clone(),
        field: field.to_string(),
        message,
    };
    let grammar = lang.grammar();
    let query = tree_sitter::Query::new(&grammar, &rule.query).map_err(|e| {
        err(
            "query",
            format!(
                "{} grammar: line {}, column {}: {:?} error: {}",
                lang.name(),
                e.row + 1,
                e.column + 1,
                e.kind,
                e.message.trim()
            ),
        )
    })?;
    let names = query.capture_names();
    if !names.contains(&"match") {
        return Err(err(
            "query",
            "the query must capture the reported node as `@match`".into(),
        ));
    }
    if let Some(bad) = names.iter().find(|n| n.starts_with("ravel.")) {
        return Err(err(
            "query",
            format!("capture `@{bad}`: names starting with `ravel.` are reserved"),
        ));
    }
    for pattern in 0..query.pattern_count() {
        let has_match = query
            .capture_quantifiers(pattern)
            .iter()
            .zip(names)
            .any(|(q, n)| *n == "match" && *q != tree_sitter::CaptureQuantifier::Zero);
        if !has_match {
            return Err(err(
                "query",
                format!("pattern {} does not capture `@match`", pattern + 1),
            ));
        }
    }
    for c in &rule.constraints {
        if !names.contains(&c.capture.as_str()) {
            return Err(err(
                &format!("where.{}", c.capture),
                format!(
                    "unknown capture `@{}` (the query captures: {})",
                    c.capture,
                    names.join(", ")
                ),
            ));
        }
    }
    check_words(rule, lang)?;
    for (capture, _) in &rule.labels {
        if !names.contains(&capture.as_str()) {
            return Err(err(
                &format!("labels.{capture}"),
                format!("unknown capture `@{capture}`"),
            ));
        }
    }
    for placeholder in placeholders(&rule.message) {
        if !names.contains(&placeholder.as_str()) && !fills_chain(rule, &placeholder) {
            return Err(err(
                "message",
                format!("placeholder `{{{placeholder}}}` names no capture"),
            ));
        }
    }
    Ok(query)
}

/// Check the node kinds and semantic words a rule uses exist for `lang`.
pub fn check_words(rule: &Rule, lang: Language) -> Result<(), RuleError> {
    for c in &rule.constraints {
        for k in &c.constraints {
            check_constraint(k, lang).map_err(|message| RuleError {
                origin: rule.origin.clone(),
                field: format!("where.{}", c.capture),
                message,
            })?;
        }
    }
    Ok(())
}

fn check_constraint(k: &Constraint, lang: Language) -> Result<(), String> {
    let sem = lang.semantics();
    let kinds_exist = |kinds: &[String]| -> Result<(), String> {
        let grammar = lang.grammar();
        for kind in kinds {
            if grammar.id_for_node_kind(kind, true) == 0 {
                return Err(format!(
                    "node kind `{kind}` does not exist in the {} grammar",
                    lang.name()
                ));
            }
        }
        Ok(())
    };
    match k {
        Constraint::Inside(sels, _) | Constraint::Has(sels, _) | Constraint::HeldAcross(sels) => {
            for s in sels {
                if let Target::Kinds(kinds) = &s.target {
                    kinds_exist(kinds)?;
                }
            }
        }
        Constraint::Is(props, _)
            if props.contains(&Property::SharedState) && sem.shared_state.is_none() =>
        {
            return Err(format!(
                "`shared-state` is not implemented for {} yet",
                lang.name()
            ));
        }
        Constraint::Is(props, _) => {
            for p in props {
                if let Some(langs) = p.languages()
                    && !langs.contains(&lang.id())
                {
                    let word = Property::ALL.iter().find(|(_, q)| q == p).map(|(w, _)| *w);
                    return Err(format!(
                        "`{}` is not implemented for {} yet",
                        word.unwrap_or(""),
                        lang.name()
                    ));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// `{chain}` names no capture: a `reaches` constraint fills it.
pub fn fills_chain(rule: &Rule, placeholder: &str) -> bool {
    placeholder == CHAIN_PLACEHOLDER
        && rule
            .constraints
            .iter()
            .flat_map(|c| &c.constraints)
            .any(|k| matches!(k, Constraint::Reaches(_)))
}

/// `{name}` placeholders of a message template.
pub fn placeholders(message: &str) -> Vec<String> {
    let re = Regex::new(r"\{([A-Za-z_][A-Za-z0-9_.-]*)\}").expect("static regex");
    re.captures_iter(message)
        .map(|c| c[1].to_string())
        .collect()
}

fn split_rel(rel: &str) -> Option<(&str, &str)> {
    let (dir, file) = rel.split_once('/')?;
    let stem = file.strip_suffix(".toml")?;
    (!stem.contains('/')).then_some((dir, stem))
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn strings(value: &toml::Value) -> Result<Vec<String>, String> {
    match value {
        toml::Value::String(s) => Ok(vec![s.clone()]),
        toml::Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| "expected a list of strings".to_string())
            })
            .collect(),
        _ => Err("expected a string or a list of strings".into()),
    }
}

fn constraint(word: &str, value: &toml::Value) -> Result<Constraint, String> {
    let names = |v| NameSet::new(&strings(v)?);
    Ok(match word {
        "regex" | "not-regex" => {
            let s = value.as_str().ok_or("expected a string")?;
            Constraint::Regex(
                Regex::new(s).map_err(|e| e.to_string())?,
                word == "not-regex",
            )
        }
        "any-of" | "not-any-of" => Constraint::AnyOf(strings(value)?, word == "not-any-of"),
        "resolves-to" | "not-resolves-to" => {
            Constraint::ResolvesTo(names(value)?, word == "not-resolves-to")
        }
        "created-by" => Constraint::CreatedBy(names(value)?),
        "wraps" => Constraint::Wraps(names(value)?),
        "reaches" => Constraint::Reaches(names(value)?),
        "not-silenced-by" => Constraint::SilencedBy(strings(value)?),
        "inside" | "not-inside" => {
            Constraint::Inside(selectors(value, true)?, word == "not-inside")
        }
        "has" | "not-has" => Constraint::Has(selectors(value, false)?, word == "not-has"),
        "held-across" => Constraint::HeldAcross(selectors(value, false)?),
        "is" | "is-not" => {
            let mut props = Vec::new();
            for w in strings(value)? {
                props.push(Property::parse(&w).ok_or_else(|| {
                    let known: Vec<&str> = Property::ALL.iter().map(|(w, _)| *w).collect();
                    format!("unknown property `{w}` (known: {})", known.join(", "))
                })?);
            }
            Constraint::Is(props, word == "is-not")
        }
        _ => {
            return Err(format!(
                "unknown constraint word `{word}` (known: {})",
                WORDS.join(", ")
            ));
        }
    })
}

/// `inside = "async-function"`, `inside = ["a", "b"]`, `has = { calls = [...], follow-calls = true }`.
fn selectors(value: &toml::Value, inside: bool) -> Result<Vec<Selector>, String> {
    let items: Vec<&toml::Value> = match value {
        toml::Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    items.into_iter().map(|v| selector(v, inside)).collect()
}

fn selector(value: &toml::Value, inside: bool) -> Result<Selector, String> {
    let contexts = || {
        Context::ALL
            .iter()
            .map(|(w, _)| *w)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match value {
        toml::Value::String(word) => {
            if !inside {
                return Err(format!(
                    "`has` takes a table such as {{ kind = [...] }} or {{ calls = [...] }}, not `{word}`"
                ));
            }
            let ctx = Context::parse(word)
                .ok_or_else(|| format!("unknown context `{word}` (known: {})", contexts()))?;
            Ok(Selector {
                target: Target::Context(ctx),
                stop: Stop::Function,
                follow_calls: false,
                source: word.clone(),
            })
        }
        toml::Value::Table(t) => {
            let mut target = None;
            let mut stop = if inside { Stop::Function } else { Stop::None };
            let mut follow_calls = false;
            for (key, v) in t {
                match key.as_str() {
                    "context" if inside => {
                        let w = v.as_str().ok_or("`context` takes a string")?;
                        target = Some(Target::Context(Context::parse(w).ok_or_else(|| {
                            format!("unknown context `{w}` (known: {})", contexts())
                        })?));
                    }
                    "kind" => target = Some(Target::Kinds(strings(v)?)),
                    "calls" => target = Some(Target::Calls(NameSet::new(&strings(v)?)?)),
                    "argument-of" if inside => {
                        target = Some(Target::ArgumentOf(NameSet::new(&strings(v)?)?))
                    }
                    "stop" => {
                        stop = match v.as_str() {
                            Some("function") => Stop::Function,
                            Some("none") => Stop::None,
                            _ => return Err("`stop` is \"function\" or \"none\"".into()),
                        }
                    }
                    "follow-calls" if !inside => {
                        follow_calls = v.as_bool().ok_or("`follow-calls` takes true or false")?
                    }
                    other => {
                        let keys = if inside {
                            "context, kind, calls, argument-of, stop"
                        } else {
                            "kind, calls, stop, follow-calls"
                        };
                        return Err(format!("unknown selector key `{other}` (known: {keys})"));
                    }
                }
            }
            let target = target.ok_or_else(|| {
                if inside {
                    "a selector needs `context`, `kind`, `calls` or `argument-of`".to_string()
                } else {
                    "a selector needs `kind` or `calls`".to_string()
                }
            })?;
            Ok(Selector {
                target,
                stop,
                follow_calls,
                source: value.to_string(),
            })
        }
        _ => Err("expected a context word, a selector table, or a list of them".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_takes_calls_selectors() {
        let value: toml::Value = toml::from_str(
            r#"v = { calls = ["System.Threading.Tasks.Parallel.*"], stop = "none" }"#,
        )
        .unwrap();
        let c = constraint("inside", &value["v"]).unwrap();
        let Constraint::Inside(selectors, false) = c else {
            panic!("not an inside constraint");
        };
        assert!(matches!(selectors[0].target, Target::Calls(_)));
        assert_eq!(selectors[0].stop, Stop::None);
        let bad: toml::Value =
            toml::from_str(r#"v = { follow-calls = true, calls = ["x"] }"#).unwrap();
        assert!(constraint("inside", &bad["v"]).is_err());
    }
}

#[cfg(test)]
mod held_across_tests {
    use super::*;

    #[test]
    fn held_across_takes_has_selectors() {
        let v: toml::Value =
            toml::from_str("x = { kind = [\"await_expression\"], stop = \"function\" }")
                .map(|t: toml::Table| t["x"].clone())
                .unwrap();
        match constraint("held-across", &v) {
            Ok(Constraint::HeldAcross(sels)) => {
                assert_eq!(sels.len(), 1);
                assert_eq!(sels[0].stop, Stop::Function);
                assert!(matches!(&sels[0].target, Target::Kinds(k) if k == &["await_expression"]));
            }
            other => panic!("{other:?}"),
        }
        let word = toml::Value::String("lock-held".into());
        assert!(constraint("held-across", &word).is_err());
    }
}
