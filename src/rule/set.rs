//! The rule set: embedded rules plus rule directories given with `--rules`.

use std::path::Path;
use std::sync::Arc;

use super::Rule;
use super::compile::{RuleError, check_against, compile};
use crate::language::Language;

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// Every loaded rule, in a stable order (by full id).
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    rules: Vec<Arc<Rule>>,
}

impl RuleSet {
    /// The rules built into ravel.
    pub fn embedded() -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        for (rel, text) in EMBEDDED_RULES {
            set.add(compile(&format!("rules/{rel}"), rel, text)?)?;
        }
        set.sort();
        Ok(set)
    }

    /// Add every `<language>/<id>.toml` under `dir`; each is checked against its grammars now.
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), RuleError> {
        let err = |message: String| RuleError {
            origin: dir.display().to_string(),
            field: String::new(),
            message,
        };
        let entries =
            std::fs::read_dir(dir).map_err(|e| err(format!("cannot read rule directory: {e}")))?;
        let mut files = Vec::new();
        for lang_dir in entries {
            let lang_dir = lang_dir.map_err(|e| err(e.to_string()))?.path();
            if !lang_dir.is_dir() {
                continue;
            }
            for entry in std::fs::read_dir(&lang_dir)
                .map_err(|e| err(format!("{}: {e}", lang_dir.display())))?
            {
                let path = entry.map_err(|e| err(e.to_string()))?.path();
                if path.extension().is_some_and(|e| e == "toml") {
                    files.push(path);
                }
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(err(
                "no rule files found (expected <language>/<rule-id>.toml)".into(),
            ));
        }
        for path in files {
            let origin = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|e| RuleError {
                origin: origin.clone(),
                field: String::new(),
                message: format!("cannot read: {e}"),
            })?;
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let rule = compile(&origin, &rel, &text)?;
            for lang in Language::for_rule_dir(&rule.dir) {
                check_against(&rule, lang)?;
            }
            self.add(rule)?;
        }
        self.sort();
        Ok(())
    }

    fn add(&mut self, rule: Rule) -> Result<(), RuleError> {
        if let Some(other) = self.rules.iter().find(|r| r.full_id == rule.full_id) {
            return Err(RuleError {
                origin: rule.origin.clone(),
                field: "id".into(),
                message: format!("`{}` is already defined by {}", rule.full_id, other.origin),
            });
        }
        self.rules.push(Arc::new(rule));
        Ok(())
    }

    fn sort(&mut self) {
        self.rules.sort_by(|a, b| a.full_id.cmp(&b.full_id));
    }

    /// All rules.
    pub fn rules(&self) -> &[Arc<Rule>] {
        &self.rules
    }

    /// The rules that run on `lang`.
    pub fn for_language(&self, lang: Language) -> Vec<Arc<Rule>> {
        self.rules
            .iter()
            .filter(|r| lang.rule_dirs().contains(&r.dir.as_str()))
            .cloned()
            .collect()
    }

    /// Every rule `times` times under distinct ids (`<id>-copy<k>`): for measuring how the
    /// cost of a run grows with the number of rules.
    pub fn replicated(&self, times: usize) -> RuleSet {
        let mut rules = Vec::new();
        for rule in &self.rules {
            rules.push(rule.clone());
            for k in 1..times {
                let mut copy = Rule::clone(rule);
                copy.id = format!("{}-copy{k}", rule.id);
                copy.full_id = format!("{}/{}", rule.dir, copy.id);
                rules.push(Arc::new(copy));
            }
        }
        let mut set = RuleSet { rules };
        set.sort();
        set
    }

    /// A set holding only the rule with this full id.
    pub fn only(&self, full_id: &str) -> Option<RuleSet> {
        let rule = self.rules.iter().find(|r| r.full_id == full_id)?.clone();
        Some(RuleSet { rules: vec![rule] })
    }
}
