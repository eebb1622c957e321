//! The engine: one combined query per language, matches dispatched by pattern index,
//! constraints evaluated against per-file facts gathered in the same pass.

pub mod constraint;
pub mod context;
pub mod flat;
pub mod matcher;
pub mod names;
pub mod pattern;
pub mod semantics;
pub mod syntax;

use std::collections::HashSet;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use tree_sitter::{Node, Query, QueryCursor, StreamingIterator, Tree};

use crate::diagnostic::Label;
use crate::language::Language;
use crate::rule::Rule;
use crate::rule::compile::{RuleError, check_against, check_words, fills_chain, placeholders};
use crate::rule::set::RuleSet;
use constraint::Constraint;
use context::Ctx;
use semantics::{Captures, FileFacts};

/// What the engine knows of a file besides its tree: its role and its project's target version.
#[derive(Clone, Debug, Default)]
pub struct FileInfo {
    /// Test or script code.
    pub role: context::FileRole,
    /// The project's target language version, when its build files say.
    pub target_version: Option<crate::project::Version>,
    /// Rule matching stops at this instant (a pathological file cannot hang a run).
    pub deadline: Option<std::time::Instant>,
}

impl FileInfo {
    /// Whether the target version is inside the rule's `min-version`..=`max-version` range.
    pub fn version_allows(&self, rule: &Rule) -> bool {
        let bounded = rule.min_version.is_some() || rule.max_version.is_some();
        match &self.target_version {
            None => !bounded || rule.unknown_version == crate::rule::file::UnknownVersion::Run,
            Some(target) => {
                rule.min_version.is_none_or(|min| *target >= min)
                    && rule.max_version.is_none_or(|max| *target <= max)
            }
        }
    }
}

/// Partial matches the query cursor keeps at once. Ordinary code needs a few dozen; deep
/// nesting beyond this is cut short and reported, together with the matching deadline.
pub const MATCH_LIMIT: u32 = 1024;

/// A finding before it is placed in a file: rule, primary range, message, labels.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The rule that fired.
    pub rule: Arc<Rule>,
    /// Primary byte range.
    pub range: Range<usize>,
    /// Rendered message.
    pub message: String,
    /// Secondary labels.
    pub labels: Vec<Label>,
}

/// A rule bound to capture indices of its language's combined query.
struct BoundRule {
    rule: Arc<Rule>,
    match_capture: u32,
    /// (capture, constraint id, constraint): the id is shared by every rule that states the
    /// same constraint, so its result on a node is computed once per file.
    constraints: Vec<(u32, usize, Constraint)>,
    labels: Vec<(u32, String)>,
}

/// What a constraint that holds contributes: its labels and, for `reaches`, the chain.
type Contribution = (Vec<Label>, Option<String>);

/// Results of constraints within one file: the labels a constraint contributes and, for
/// `reaches`, the chain; None when it fails.
#[derive(Default)]
struct Memo {
    /// By (constraint id, node id).
    by_node: foldhash::HashMap<(usize, usize), Option<Contribution>>,
    /// By (constraint id, innermost function id) for constraints that look only at
    /// functions (`Constraint::per_function`): every call in a handler shares one answer.
    by_function: foldhash::HashMap<(usize, Option<usize>), Option<Vec<Label>>>,
}

/// A language's combined query: our own matcher when it understands the text, otherwise
/// tree-sitter's query cursor.
enum Compiled {
    Own(pattern::Patterns),
    Cursor(Query),
}

impl Compiled {
    fn capture_names(&self) -> Vec<&str> {
        match self {
            Compiled::Own(p) => p.capture_names.iter().map(|s| s.as_str()).collect(),
            Compiled::Cursor(q) => q.capture_names().to_vec(),
        }
    }

    fn pattern_count(&self) -> usize {
        match self {
            Compiled::Own(p) => p.patterns.len(),
            Compiled::Cursor(q) => q.pattern_count(),
        }
    }

    fn start_byte_for_pattern(&self, pattern: usize) -> usize {
        match self {
            Compiled::Own(p) => p.patterns[pattern].start_byte,
            Compiled::Cursor(q) => q.start_byte_for_pattern(pattern),
        }
    }

    /// Names of the captures `pattern` can produce.
    fn pattern_captures(&self, pattern: usize) -> Vec<&str> {
        match self {
            Compiled::Own(p) => p.patterns[pattern]
                .captures
                .iter()
                .map(|c| p.capture_names[*c as usize].as_str())
                .collect(),
            Compiled::Cursor(q) => q
                .capture_quantifiers(pattern)
                .iter()
                .zip(q.capture_names())
                .filter(|(q, _)| **q != tree_sitter::CaptureQuantifier::Zero)
                .map(|(_, n)| *n)
                .collect(),
        }
    }

    /// Every match over `tree`, in the order the matcher finds them; true when matching was
    /// cut short (too many partial matches, or `stop` said so).
    fn for_each_match<'t>(
        &self,
        flat: &flat::Flat<'t>,
        tree: &'t Tree,
        src: &[u8],
        stop: &dyn Fn() -> bool,
        mut emit: impl FnMut(usize, &[(u32, u32)]),
    ) -> bool {
        match self {
            Compiled::Own(p) => matcher::run(p, flat, src, stop, |i, caps| emit(i, caps)),
            Compiled::Cursor(query) => {
                let mut cursor = QueryCursor::new();
                cursor.set_match_limit(MATCH_LIMIT);
                let stopped = std::cell::Cell::new(false);
                let mut progress = |_: &tree_sitter::QueryCursorState| {
                    if stop() {
                        stopped.set(true);
                        std::ops::ControlFlow::Break(())
                    } else {
                        std::ops::ControlFlow::Continue(())
                    }
                };
                let options =
                    tree_sitter::QueryCursorOptions::new().progress_callback(&mut progress);
                let mut matches =
                    cursor.matches_with_options(query, tree.root_node(), src, options);
                let mut caps = Vec::new();
                while let Some(m) = matches.next() {
                    caps.clear();
                    // Nodes of this tree are always in its flat tree.
                    caps.extend(
                        m.captures()
                            .iter()
                            .filter_map(|c| Some((c.index, flat.index_of(c.node)?))),
                    );
                    emit(m.pattern_index, &caps);
                }
                drop(matches);
                cursor.did_exceed_match_limit() || stopped.get()
            }
        }
    }
}

/// Every rule of one language compiled into one query, with the semantic patterns first.
pub struct LanguageQuery {
    lang: Language,
    query: Compiled,
    semantic_patterns: usize,
    /// Rule pattern index (after the semantic ones) → the rules that wrote that pattern.
    pattern_rules: Vec<Vec<usize>>,
    rules: Vec<BoundRule>,
    /// Constraint id → whether more than one (rule, pattern) states it, so that a result
    /// kept in the memo may be read again; others are computed without keeping them.
    shared: Vec<bool>,
}

impl LanguageQuery {
    /// Compile the semantic patterns and `rules` into one query for `lang`.
    pub fn build(lang: Language, rules: &[Arc<Rule>]) -> Result<LanguageQuery, RuleError> {
        let sem = lang.semantics();
        let mut text = String::from(sem.facts_query);
        text.push('\n');
        // Rules with the same query text share its patterns: each distinct text is compiled
        // once and its matches go to every rule that wrote it.
        let mut distinct: Vec<&str> = Vec::new();
        let mut rule_query = Vec::new();
        for rule in rules {
            let q = rule.query.trim();
            let i = distinct.iter().position(|d| *d == q).unwrap_or_else(|| {
                distinct.push(q);
                distinct.len() - 1
            });
            rule_query.push(i);
        }
        let mut starts = Vec::new();
        for q in &distinct {
            starts.push(text.len());
            text.push_str(q);
            text.push('\n');
        }
        let own = if std::env::var_os("RAVEL_QUERY_CURSOR").is_some() {
            None
        } else {
            pattern::Patterns::compile(&lang.grammar(), &text)
        };
        let query = match own {
            Some(p) => Compiled::Own(p),
            None => match Query::new(&lang.grammar(), &text) {
                Ok(q) => Compiled::Cursor(q),
                Err(e) => {
                    // Find the rule at fault and report it by name.
                    for rule in rules {
                        check_against(rule, lang)?;
                    }
                    return Err(RuleError {
                        origin: format!("<{} semantics>", lang.id()),
                        field: "query".into(),
                        message: format!("{:?} error at line {}: {}", e.kind, e.row + 1, e.message),
                    });
                }
            },
        };
        let first_rule_byte = starts.first().copied().unwrap_or(usize::MAX);
        let mut semantic_patterns = 0;
        let mut pattern_query = Vec::new();
        for p in 0..query.pattern_count() {
            let start = query.start_byte_for_pattern(p);
            if start < first_rule_byte {
                semantic_patterns += 1;
            } else {
                let idx = starts
                    .iter()
                    .rposition(|s| *s <= start)
                    .expect("pattern after first rule");
                pattern_query.push(idx);
            }
        }
        let mut query_rules: Vec<Vec<usize>> = vec![Vec::new(); distinct.len()];
        for (i, q) in rule_query.iter().enumerate() {
            query_rules[*q].push(i);
        }
        let pattern_rules: Vec<Vec<usize>> = pattern_query
            .iter()
            .map(|q| query_rules[*q].clone())
            .collect();
        let names = query.capture_names();
        let index = |name: &str| names.iter().position(|n| *n == name).map(|i| i as u32);
        let mut bound = Vec::new();
        // Constraint spelling → id: rules that state the same constraint share its results.
        let mut constraint_ids: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        // Constraint id → how many (rule, pattern) pairs state it.
        let mut uses: Vec<usize> = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            let patterns: Vec<usize> = (0..pattern_query.len())
                .filter(|p| pattern_query[*p] == rule_query[i])
                .map(|p| p + semantic_patterns)
                .collect();
            let own: HashSet<&str> = patterns
                .iter()
                .flat_map(|p| query.pattern_captures(*p))
                .collect();
            let needs_alone = !own.contains("match")
                || own.iter().any(|n| n.starts_with("ravel."))
                || rule
                    .constraints
                    .iter()
                    .any(|c| !own.contains(c.capture.as_str()))
                || rule.labels.iter().any(|(c, _)| !own.contains(c.as_str()))
                || placeholders(&rule.message)
                    .iter()
                    .any(|p| !own.contains(p.as_str()) && !fills_chain(rule, p));
            if needs_alone {
                // Compile alone for a precise message; fall through if it somehow passes.
                check_against(rule, lang)?;
            }
            check_words(rule, lang)?;
            let match_capture = index("match").expect("validated");
            // One constraint per entry, cheapest first: a name test or a context rules most
            // candidates out before a costly word (`reaches`, `has`, `created-by`) runs.
            let mut constraints: Vec<(u32, usize, Constraint)> = Vec::new();
            for c in &rule.constraints {
                let capture = index(&c.capture).expect("validated");
                // Each of the rule's patterns binding the capture asks on its own.
                let asked = patterns
                    .iter()
                    .filter(|p| query.pattern_captures(**p).contains(&c.capture.as_str()))
                    .count();
                for k in &c.constraints {
                    let next = constraint_ids.len();
                    let id = *constraint_ids.entry(format!("{k:?}")).or_insert(next);
                    if uses.len() <= id {
                        uses.resize(id + 1, 0);
                    }
                    uses[id] += asked;
                    constraints.push((capture, id, k.clone()));
                }
            }
            constraints.sort_by_key(|(_, _, c)| c.cost());
            bound.push(BoundRule {
                rule: rule.clone(),
                match_capture,
                constraints,
                labels: rule
                    .labels
                    .iter()
                    .map(|(c, m)| (index(c).expect("validated"), m.clone()))
                    .collect(),
            });
        }
        Ok(LanguageQuery {
            lang,
            query,
            semantic_patterns,
            pattern_rules,
            rules: bound,
            shared: uses.iter().map(|n| *n > 1).collect(),
        })
    }

    /// Run every rule over one parsed file. The flag says matching was cut short: the query
    /// cursor dropped partial matches (over `MATCH_LIMIT` open at once) or the deadline
    /// passed, so findings may be missing; the caller reports it.
    pub fn run(&self, tree: &Tree, src: &[u8], file: &FileInfo) -> (Vec<Finding>, bool) {
        let sem = self.lang.semantics();
        let names = self.query.capture_names();
        let mut facts = FileFacts::new(sem);
        // Matches for rules: (rule, its captures' range in `arena`).
        let mut candidates: Vec<(usize, Range<usize>)> = Vec::new();
        let mut arena: Vec<(u32, u32)> = Vec::new();
        let stop = || file.deadline.is_some_and(|d| std::time::Instant::now() > d);
        let mut list: Vec<(&str, Node)> = Vec::new();
        let flat = flat::Flat::build(tree);
        // Sized from what real code yields (about one rule candidate per five nodes, two
        // captures each), so the vectors rarely grow.
        candidates.reserve(flat.len() / 4);
        arena.reserve(flat.len() / 2);
        let exceeded = stop()
            || self
                .query
                .for_each_match(&flat, tree, src, &stop, |p, captures| {
                    if p < self.semantic_patterns {
                        list.clear();
                        list.extend(
                            captures
                                .iter()
                                .map(|(i, n)| (names[*i as usize], flat.node(*n))),
                        );
                        sem.record(&mut facts, &Captures { list: &list }, src);
                    } else {
                        let start = arena.len();
                        arena.extend_from_slice(captures);
                        for rule in &self.pattern_rules[p - self.semantic_patterns] {
                            if file.version_allows(&self.rules[*rule].rule) {
                                candidates.push((*rule, start..arena.len()));
                            }
                        }
                    }
                });
        if candidates.is_empty() {
            return (Vec::new(), exceeded);
        }
        let ctx = Ctx::new(self.lang, src, tree.root_node(), facts, file.role, flat);
        let mut seen = foldhash::HashSet::default();
        let mut memo = Memo::default();
        let mut out = Vec::new();
        for (rule_idx, range) in candidates {
            let captures = &arena[range];
            let bound = &self.rules[rule_idx];
            let Some(primary) = first(&ctx, captures, bound.match_capture) else {
                continue;
            };
            // One finding per rule and range: several matches may share a primary node.
            if seen.contains(&(rule_idx, primary.byte_range())) {
                continue;
            }
            if let Some(finding) = self.evaluate(&ctx, &mut memo, bound, primary, captures) {
                seen.insert((rule_idx, primary.byte_range()));
                out.push(finding);
            }
        }
        (out, exceeded)
    }

    fn evaluate<'t>(
        &self,
        ctx: &Ctx<'t>,
        memo: &mut Memo,
        bound: &BoundRule,
        primary: Node<'t>,
        captures: &[(u32, u32)],
    ) -> Option<Finding> {
        let mut labels = Vec::new();
        let mut chain = None;
        for (capture, id, c) in &bound.constraints {
            // A capture absent from this match (another pattern of the rule) is not constrained.
            let Some(node) = first(ctx, captures, *capture) else {
                continue;
            };
            let result = if c.text_only() {
                // Cheaper to test again than to look up: no memo.
                ctx.holds(c, node).map(|l| (l, None))
            } else if c.per_function() {
                let key = (*id, ctx.enclosing_function(node).map(|f| f.id()));
                let found = match memo.by_function.get(&key) {
                    Some(r) => r.clone(),
                    None => {
                        let r = ctx.holds(c, node);
                        memo.by_function.insert(key, r.clone());
                        r
                    }
                };
                found.map(|l| (l, None))
            } else {
                let compute = || {
                    if let Constraint::Reaches(names) = c {
                        ctx.reaches(names, node).map(|r| (r.labels, Some(r.chain)))
                    } else {
                        ctx.holds(c, node).map(|l| (l, None))
                    }
                };
                if !self.shared[*id] {
                    // Stated once: nothing would read the memo again.
                    compute()
                } else {
                    let key = (*id, node.id());
                    match memo.by_node.get(&key) {
                        Some(r) => r.clone(),
                        None => {
                            let r = compute();
                            memo.by_node.insert(key, r.clone());
                            r
                        }
                    }
                }
            };
            let (found, reach_chain) = result?;
            labels.extend(found);
            if reach_chain.is_some() {
                chain = reach_chain;
            }
        }
        for (capture, message) in &bound.labels {
            if let Some(node) = first(ctx, captures, *capture) {
                labels.push(Label {
                    range: ctx.head_range(node),
                    message: message.clone(),
                });
            }
        }
        let names = self.query.capture_names();
        let message = render_message(&bound.rule.message, |name| {
            if name == constraint::CHAIN_PLACEHOLDER
                && let Some(chain) = &chain
            {
                return Some(chain.clone());
            }
            let idx = names.iter().position(|n| *n == name)? as u32;
            first(ctx, captures, idx).map(|n| ctx.snippet(n))
        });
        labels.retain(|l| l.range != primary.byte_range());
        labels.sort_by(|a, b| {
            (a.range.start, a.range.end, &a.message).cmp(&(b.range.start, b.range.end, &b.message))
        });
        labels.dedup();
        Some(Finding {
            rule: bound.rule.clone(),
            range: primary.byte_range(),
            message,
            labels,
        })
    }
}

/// The first node captured as `index` (captures hold flat-tree indices).
fn first<'t>(ctx: &Ctx<'t>, captures: &[(u32, u32)], index: u32) -> Option<Node<'t>> {
    captures
        .iter()
        .find(|(i, _)| *i == index)
        .map(|(_, n)| ctx.flat_node(*n))
}

/// Replace `{capture}` placeholders using `lookup`.
pub fn render_message(template: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                out.push_str(&lookup(name).unwrap_or_else(|| format!("{{{name}}}")));
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Rules compiled per language on first use and shared by every thread.
pub struct Engine {
    rules: RuleSet,
    /// Target versions read from build files, cached per directory.
    pub projects: crate::project::Projects,
    compiled: Vec<OnceLock<Result<LanguageQuery, RuleError>>>,
}

impl Engine {
    /// An engine over this rule set; queries compile lazily, once per language.
    pub fn new(rules: RuleSet) -> Engine {
        Engine {
            rules,
            projects: Default::default(),
            compiled: Language::ALL.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// The rule set.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The compiled query for `lang` (compiling it on first use).
    pub fn language(&self, lang: Language) -> Result<&LanguageQuery, &RuleError> {
        let slot = Language::ALL
            .iter()
            .position(|l| *l == lang)
            .expect("language in table");
        self.compiled[slot]
            .get_or_init(|| LanguageQuery::build(lang, &self.rules.for_language(lang)))
            .as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_semantic_query_compiles() {
        for lang in Language::ALL {
            if let Err(e) = LanguageQuery::build(*lang, &[]) {
                panic!("{}: {e}", lang.id());
            }
        }
    }

    #[test]
    fn every_embedded_query_runs_on_our_own_matcher() {
        let rules = RuleSet::embedded().expect("embedded rules load");
        for lang in Language::ALL {
            let q = LanguageQuery::build(*lang, &rules.for_language(*lang)).unwrap();
            assert!(
                matches!(q.query, Compiled::Own(_)),
                "{}: the combined query falls back to tree-sitter's cursor",
                lang.id()
            );
        }
    }

    #[test]
    fn every_embedded_rule_compiles_for_its_languages() {
        let rules = RuleSet::embedded().expect("embedded rules load");
        for lang in Language::ALL {
            let mine = rules.for_language(*lang);
            LanguageQuery::build(*lang, &mine).unwrap_or_else(|e| panic!("{}: {e}", lang.id()));
        }
    }

    /// Run one rule (TOML text) over `src` and return (line, message, labels) per finding.
    fn run_rule(lang: Language, dir: &str, rule: &str, src: &str) -> Vec<(usize, String, usize)> {
        let rule = crate::rule::compile::compile("test", &format!("{dir}/t.toml"), rule)
            .unwrap_or_else(|e| panic!("{e}"));
        let q = LanguageQuery::build(lang, &[Arc::new(rule)]).unwrap_or_else(|e| panic!("{e}"));
        let tree = crate::check::parse(lang, src, std::time::Duration::from_secs(5)).unwrap();
        q.run(&tree, src.as_bytes(), &FileInfo::default())
            .0
            .into_iter()
            .map(|f| {
                let line = src[..f.range.start].matches('\n').count() + 1;
                (line, f.message, f.labels.len())
            })
            .collect()
    }

    fn reaches_rule(names: &str, call: &str) -> String {
        format!(
            r#"id = "t"
pattern = "blocking-the-event-loop"
severity = "error"
message = "`{{callee}}` blocks ({{chain}})"
query = '({call} function: (_) @callee) @match'
[where.callee]
reaches = [{names}]
[where.match]
inside = ["async-function"]
[guide]
section = "Anti-Patterns: Blocking the event loop"
why = "w"
help = "h"
correct = "c"
"#
        )
    }

    #[test]
    fn reaches_follows_same_file_sync_helpers_and_shows_the_chain() {
        let rule = reaches_rule(r#""time.sleep""#, "call");
        let src = "import time\n\
def load():\n    time.sleep(1)\n\
def outer():\n    return load()\n\
async def handler():\n    outer()\n    time.sleep(2)\n\
async def fine():\n    await asyncio.to_thread(outer)\n\
async def later():\n    pass\n\
async def calls_async():\n    await later()\n";
        let got = run_rule(Language::Python, "python", &rule, src);
        assert_eq!(
            got,
            vec![
                // Labels: the async function, then one per hop.
                (
                    7,
                    "`outer` blocks (handler → outer → load → time.sleep)".to_string(),
                    3
                ),
                (
                    8,
                    "`time.sleep` blocks (handler → time.sleep)".to_string(),
                    1
                ),
            ]
        );
    }

    #[test]
    fn reaches_works_in_javascript_and_rust() {
        let js = "const fs = require('fs');\n\
function read() { return fs.readFileSync('x'); }\n\
async function handler() { read(); }\n\
async function other() { await fs.promises.readFile('x'); }\n";
        let got = run_rule(
            Language::JavaScript,
            "javascript",
            &reaches_rule(r#""fs.*Sync""#, "call_expression"),
            js,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, "`read` blocks (handler → read → fs.readFileSync)");
        let rs = "use std::thread;\n\
fn pause() { thread::sleep(D); }\n\
async fn serve() { pause(); }\n\
async fn fine() { tokio::task::spawn_blocking(pause).await; }\n";
        let got = run_rule(
            Language::Rust,
            "rust",
            &reaches_rule(r#""std::thread::sleep""#, "call_expression"),
            rs,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, "`pause` blocks (serve → pause → thread::sleep)");
    }

    /// Run `times` copies of python/time-sleep-in-async-function over `src`: the query's
    /// pattern count and the findings.
    fn run_copies(times: usize, src: &str) -> (usize, Vec<Finding>) {
        let rules = RuleSet::embedded().unwrap();
        let one = rules.only("python/time-sleep-in-async-function").unwrap();
        let copies = one.replicated(times);
        let q = LanguageQuery::build(Language::Python, copies.rules()).unwrap();
        let tree =
            crate::check::parse(Language::Python, src, std::time::Duration::from_secs(5)).unwrap();
        let (findings, _) = q.run(&tree, src.as_bytes(), &FileInfo::default());
        (q.query.pattern_count(), findings)
    }

    #[test]
    fn rules_sharing_a_query_share_its_patterns_and_all_report() {
        let src = "import time\n\nasync def f():\n    time.sleep(1)\n";
        let (alone, _) = run_copies(1, src);
        let (patterns, findings) = run_copies(2, src);
        assert_eq!(patterns, alone);
        let mut ids: Vec<&str> = findings.iter().map(|f| f.rule.full_id.as_str()).collect();
        ids.sort();
        assert_eq!(
            ids,
            [
                "python/time-sleep-in-async-function",
                "python/time-sleep-in-async-function-copy1"
            ]
        );
    }

    #[test]
    fn rules_sharing_constraints_get_the_same_labels_and_chain_from_the_memo() {
        let src = "import time\n\ndef nap():\n    time.sleep(1)\n\nasync def f():\n    nap()\n";
        let (_, findings) = run_copies(3, src);
        assert_eq!(findings.len(), 3, "{findings:?}");
        assert!(
            findings[0].message.contains("f → nap → time.sleep"),
            "{}",
            findings[0].message
        );
        assert!(!findings[0].labels.is_empty());
        for f in &findings[1..] {
            assert_eq!(f.message, findings[0].message);
            assert_eq!(f.labels, findings[0].labels);
            assert_eq!(f.range, findings[0].range);
        }
    }

    /// The lines of each finding's labels when a Java rule flagging `pause(..)` inside
    /// `context` runs over `src`, thirty times: every run builds its hash maps with a new
    /// seed, so an answer that followed a map's order would vary.
    fn label_lines_every_run(context: &str, src: &str) -> Vec<Vec<usize>> {
        let text = format!(
            r#"
id = "pause-in-context"
pattern = "fire-and-forget"
severity = "warning"
message = "pause"
summary = "s"
query = '(method_invocation name: (identifier) @match (#eq? @match "pause"))'
[where.match]
inside = [{{ context = "{context}", stop = "none" }}]
[guide]
section = "Step-by-Step Guide: Add error handling and cancellation"
why = "w"
help = "h"
correct = "x"
"#
        );
        let rule = crate::rule::compile::compile("test", "java/pause-in-context.toml", &text);
        let q = LanguageQuery::build(Language::Java, &[Arc::new(rule.unwrap())]).unwrap();
        let tree =
            crate::check::parse(Language::Java, src, std::time::Duration::from_secs(5)).unwrap();
        let line = |at: usize| src[..at].matches('\n').count() + 1;
        let mut seen: Vec<Vec<usize>> = Vec::new();
        for _ in 0..30 {
            let (findings, _) = q.run(&tree, src.as_bytes(), &FileInfo::default());
            let lines: Vec<usize> = findings
                .iter()
                .flat_map(|f| f.labels.iter().map(|l| line(l.range.start)))
                .collect();
            if !seen.contains(&lines) {
                seen.push(lines);
            }
        }
        seen
    }

    #[test]
    fn the_call_a_thread_label_names_is_the_first_in_the_file() {
        // Two thread entries of different names call `save`; the label names the first
        // one's call.
        let src = "class Store {\n    static void save() {\n        pause(5);\n    }\n}\n\
                   class Uploader extends Thread {\n    public Integer call() {\n        save();\n        return 1;\n    }\n}\n\
                   class Reporter extends Thread {\n    public void run() {\n        save();\n    }\n}\n";
        assert_eq!(label_lines_every_run("thread-reachable", src), [vec![2, 8]]);
    }

    #[test]
    fn the_call_a_virtual_thread_label_names_is_the_first_in_the_file() {
        // Tasks on two virtual threads call `load`; the label names the first one's call.
        let src = "import java.util.concurrent.ExecutorService;\n\
                   import java.util.concurrent.Executors;\n\n\
                   class Jobs {\n\
                   \x20   private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();\n\n\
                   \x20   void a() {\n        pool.submit(() -> load());\n    }\n\n\
                   \x20   void b() {\n        pool.submit(() -> load());\n    }\n\n\
                   \x20   void load() {\n        pause();\n    }\n}\n";
        assert_eq!(label_lines_every_run("virtual-thread", src), [vec![8, 15]]);
    }

    #[test]
    fn messages_render_placeholders() {
        let out = render_message("`{a}` and {b} and {missing", |n| {
            (n == "a").then(|| "x".to_string())
        });
        assert_eq!(out, "`x` and {b} and {missing");
    }
}

/// Our matcher against tree-sitter's query cursor on every fixture, cut-short and randomly
/// mutated copies of each (full of ERROR and MISSING nodes): the same matches, pattern by
/// pattern.
#[cfg(test)]
mod matcher_agrees_with_tree_sitter {
    use super::*;

    type Seen = Vec<(usize, Vec<(String, usize, usize)>)>;

    fn matches(compiled: &Compiled, tree: &Tree, src: &[u8]) -> Seen {
        let names = compiled.capture_names();
        let mut out = Vec::new();
        let flat = flat::Flat::build(tree);
        compiled.for_each_match(&flat, tree, src, &|| false, |p, caps| {
            let mut caps: Vec<(String, usize, usize)> = caps
                .iter()
                .map(|(i, n)| {
                    let n = flat.node(*n);
                    (names[*i as usize].to_string(), n.start_byte(), n.end_byte())
                })
                .collect();
            caps.sort();
            out.push((p, caps));
        });
        out.sort();
        out
    }

    /// Delete a span, duplicate a line, or drop in a bracket, quote or keyword: broken code
    /// full of ERROR and MISSING nodes.
    fn mutate(rng: &mut crate::rng::Rng, src: &str) -> String {
        const BITS: &[&str] = &[
            "(", ")", "{", "}", "[", "]", "\"", "\n", "async ", "go ", ".", ",",
        ];
        let mut out = src.to_string();
        for _ in 0..1 + rng.below(6) {
            let mut at = rng.below(out.len() as u64 + 1) as usize;
            while !out.is_char_boundary(at) {
                at -= 1;
            }
            match rng.below(3) {
                0 => {
                    let mut end = (at + rng.below(40) as usize).min(out.len());
                    while !out.is_char_boundary(end) {
                        end -= 1;
                    }
                    out.replace_range(at..end, "");
                }
                1 => {
                    let start = out[..at].rfind('\n').map_or(0, |i| i + 1);
                    let end = out[at..].find('\n').map_or(out.len(), |i| at + i + 1);
                    let line = out[start..end].to_string();
                    out.insert_str(start, &line);
                }
                _ => out.insert_str(at, BITS[rng.below(BITS.len() as u64) as usize]),
            }
        }
        out
    }

    #[test]
    fn on_every_fixture() {
        let rules = RuleSet::embedded().unwrap();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut files = Vec::new();
        for dir in std::fs::read_dir(&root).unwrap() {
            for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
                files.push(f.unwrap().path());
            }
        }
        files.sort();
        let mut compared = 0;
        // More with RAVEL_FUZZ_ITERATIONS (as in tests/fuzz.rs), other inputs with RAVEL_FUZZ_SEED.
        let env = |k: &str, d: u64| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        let mutations = env("RAVEL_FUZZ_ITERATIONS", 4);
        let mut rng =
            crate::rng::Rng(env("RAVEL_FUZZ_SEED", 0).wrapping_add(0x9e37_79b9_7f4a_7c15));
        for lang in Language::ALL {
            let built = LanguageQuery::build(*lang, &rules.for_language(*lang)).unwrap();
            let Compiled::Own(own) = &built.query else {
                panic!("{}: not on our matcher", lang.id());
            };
            // The same text, compiled by tree-sitter.
            let mut text = String::from(lang.semantics().facts_query);
            text.push('\n');
            let mine = rules.for_language(*lang);
            let mut distinct: Vec<&str> = Vec::new();
            for rule in &mine {
                if !distinct.contains(&rule.query.trim()) {
                    distinct.push(rule.query.trim());
                }
            }
            for q in &distinct {
                text.push_str(q);
                text.push('\n');
            }
            let cursor = Compiled::Cursor(Query::new(&lang.grammar(), &text).unwrap());
            assert_eq!(own.patterns.len(), cursor.pattern_count(), "{}", lang.id());
            for path in files
                .iter()
                .filter(|p| Language::from_path(p) == Some(*lang))
            {
                let full = std::fs::read_to_string(path).unwrap();
                let mut inputs: Vec<String> = [full.len(), full.len() / 3, full.len() / 2]
                    .iter()
                    .map(|cut| {
                        let cut = (0..=*cut)
                            .rev()
                            .find(|c| full.is_char_boundary(*c))
                            .unwrap();
                        full[..cut].to_string()
                    })
                    .collect();
                for _ in 0..mutations {
                    inputs.push(mutate(&mut rng, &full));
                }
                for src in &inputs {
                    let tree =
                        crate::check::parse(*lang, src, std::time::Duration::from_secs(5)).unwrap();
                    flat::assert_same_as_cursor(&tree);
                    let a = matches(&built.query, &tree, src.as_bytes());
                    let b = matches(&cursor, &tree, src.as_bytes());
                    // Tree-sitter drops some matches of quantified patterns whose optional
                    // tail matched nothing (a `for` loop of goroutines, then `time.Sleep` as the
                    // last statement); ours keeps them. Anything else must agree exactly.
                    let only_a: Vec<_> = a
                        .iter()
                        .filter(|m| !b.contains(m) && !own.patterns[m.0].has_quantifier())
                        .collect();
                    let only_b: Vec<_> = b.iter().filter(|m| !a.contains(m)).collect();
                    if !only_a.is_empty() || !only_b.is_empty() {
                        panic!(
                            "{}: ours only {only_a:?}\ntree-sitter only {only_b:?}\ninput:\n{src}",
                            path.display()
                        );
                    }
                    compared += 1;
                }
            }
        }
        assert!(compared > 600, "{compared}");
    }
}

#[cfg(test)]
mod matcher_semantics {
    use super::*;

    /// Matches of `query` over `src` as `pattern:capture=text,...`, ours and tree-sitter's.
    fn both(lang: Language, query: &str, src: &str) -> (Vec<String>, Vec<String>) {
        let own = Compiled::Own(pattern::Patterns::compile(&lang.grammar(), query).unwrap());
        let cursor = Compiled::Cursor(Query::new(&lang.grammar(), query).unwrap());
        let tree = crate::check::parse(lang, src, std::time::Duration::from_secs(5)).unwrap();
        let run = |c: &Compiled| {
            let names = c.capture_names();
            let mut out = Vec::new();
            let flat = flat::Flat::build(&tree);
            c.for_each_match(&flat, &tree, src.as_bytes(), &|| false, |p, caps| {
                let caps: Vec<String> = caps
                    .iter()
                    .map(|(i, n)| {
                        let range = flat.node(*n).byte_range();
                        format!("{}={}", names[*i as usize], &src[range])
                    })
                    .collect();
                out.push(format!("{p}:{}", caps.join(",")));
            });
            out.sort();
            out
        };
        (run(&own), run(&cursor))
    }

    fn agree(lang: Language, query: &str, src: &str, want: &[&str]) {
        let (ours, theirs) = both(lang, query, src);
        assert_eq!(ours, theirs, "ours vs tree-sitter for {query}");
        assert_eq!(ours, want, "{query}");
    }

    const PY: &str = "f(a, b)\ng(1)\nx.y(c)\n";

    #[test]
    fn patterns_repeating_another_up_to_capture_names_are_matched_once_and_renamed() {
        // 1 repeats 0 (two matches at `f(a, b)`), and 3 repeats 2 with its two names on one
        // node swapped; 4 differs from 2 in its predicate.
        let q = r#"
(call function: (identifier) @f arguments: (argument_list (identifier) @a))
(call function: (identifier) @g arguments: (argument_list (identifier) @b))
(call function: (identifier) @x @y arguments: (argument_list (identifier) @z) (#eq? @x "h"))
(call function: (identifier) @y @x arguments: (argument_list (identifier) @z) (#eq? @y "h"))
(call function: (identifier) @x @y arguments: (argument_list (identifier) @z) (#eq? @x "g"))
"#;
        let own = pattern::Patterns::compile(&Language::Python.grammar(), q).unwrap();
        let repeats: Vec<Option<u32>> = own
            .same_as
            .iter()
            .map(|a| a.as_ref().map(|a| a.pattern))
            .collect();
        assert_eq!(repeats, [None, Some(0), None, Some(2), None]);
        agree(
            Language::Python,
            q,
            "f(a, b)\nh(c)\n",
            &[
                "0:f=f,a=a",
                "0:f=f,a=b",
                "0:f=h,a=c",
                "1:g=f,b=a",
                "1:g=f,b=b",
                "1:g=h,b=c",
                "2:x=h,y=h,z=c",
                "3:y=h,x=h,z=c",
            ],
        );
    }

    #[test]
    fn every_way_a_pattern_matches_a_node() {
        agree(
            Language::Python,
            "(call arguments: (argument_list (identifier) @arg)) @call",
            PY,
            &[
                "0:call=f(a, b),arg=a",
                "0:call=f(a, b),arg=b",
                "0:call=x.y(c),arg=c",
            ],
        );
    }

    #[test]
    fn anchors_hold_to_the_first_last_and_next_named_child() {
        let q = "(argument_list . (identifier) @first)";
        agree(Language::Python, q, PY, &["0:first=a", "0:first=c"]);
        let q = "(argument_list (identifier) @last .)";
        agree(Language::Python, q, PY, &["0:last=b", "0:last=c"]);
        // The comma between is anonymous: anchors skip it.
        let q = "(argument_list (identifier) @a . (identifier) @b)";
        agree(Language::Python, q, PY, &["0:a=a,b=b"]);
    }

    #[test]
    fn fields_negated_fields_wildcards_and_alternations() {
        agree(
            Language::Python,
            "(call function: [(identifier) (attribute)] @fn)",
            PY,
            &["0:fn=f", "0:fn=g", "0:fn=x.y"],
        );
        agree(
            Language::Python,
            "(call function: (_) @fn arguments: (_ _ @tok))",
            "f(a)\n",
            &["0:fn=f,tok=(", "0:fn=f,tok=)", "0:fn=f,tok=a"],
        );
        agree(
            Language::Python,
            "(function_definition name: (identifier) @n !return_type body: (block . (_) @s))",
            "def a() -> int:\n    return 1\ndef b():\n    pass\n",
            &["0:n=b,s=pass"],
        );
        agree(
            Language::Python,
            "(argument_list \"(\" @open)",
            "f()\n",
            &["0:open=("],
        );
    }

    #[test]
    fn quantifiers_keep_the_longest_match() {
        let src = "def f():\n    x = 1\n    # a\n    # b\n    return 1\n";
        agree(
            Language::Python,
            "(block (comment)* @c . (return_statement) @r)",
            src,
            &["0:c=# a,c=# b,r=return 1"],
        );
        agree(
            Language::Python,
            "(block (comment)? @c (return_statement) @r)",
            "def f():\n    return 1\n",
            &["0:r=return 1"],
        );
        agree(
            Language::Python,
            "(block (comment)+ @c)",
            src,
            &["0:c=# a,c=# b"],
        );
    }

    /// Our matcher alone on `src`: the text of each match's first capture (empty when it has
    /// none), and whether matching was cut short.
    fn own_only(lang: Language, query: &str, src: &str) -> (Vec<String>, bool) {
        let own = Compiled::Own(pattern::Patterns::compile(&lang.grammar(), query).unwrap());
        let tree = crate::check::parse(lang, src, std::time::Duration::from_secs(5)).unwrap();
        let flat = flat::Flat::build(&tree);
        let mut found = Vec::new();
        let cut = own.for_each_match(&flat, &tree, src.as_bytes(), &|| false, |_, caps| {
            found.push(caps.first().map_or(String::new(), |c| {
                src[flat.node(c.1).byte_range()].to_string()
            }))
        });
        (found, cut)
    }

    #[test]
    fn a_pattern_that_matches_in_too_many_ways_is_cut_short_not_stalled() {
        let mut src = String::from("def f():\n    x = 1\n");
        for _ in 0..3000 {
            src.push_str("    # c\n");
        }
        src.push_str("    y = 2\n");
        let query = "(block (comment)* @a (comment)* @b)";
        let (found, cut) = own_only(Language::Python, query, &src);
        assert!(cut, "the run must say matching was cut short");
        assert!(found.len() <= 256, "{}", found.len());
    }

    #[test]
    fn thousands_of_repetitions_match_without_overflowing_the_stack() {
        // `time.Sleep` then 3000 comments before the `return`: the Go rule's `(comment)*`
        // repeats 3000 times, one call deeper each time, on a test thread's small stack.
        let mut src = String::from("package p\nfunc main() {\n\tgo work()\n\ttime.Sleep(1)\n");
        for i in 0..3000 {
            src.push_str(&format!("\t// c{i}\n"));
        }
        src.push_str("\treturn\n}\n");
        let query =
            "(statement_list (expression_statement) @m . (comment)* . (return_statement) .)";
        let (found, cut) = own_only(Language::Go, query, &src);
        assert!(!cut);
        assert_eq!(found, ["time.Sleep(1)"]);
        let (ours, theirs) = both(Language::Go, query, &src);
        assert_eq!(ours, theirs);
    }

    #[test]
    fn a_call_with_thousands_of_arguments_gives_a_match_for_each() {
        // A data table passed to a constructor (a test's `new TestMap("a", "b", ...)`).
        let args: Vec<String> = (0..3000).map(|i| format!("\"v{i}\"")).collect();
        let src = format!(
            "class T {{ Object m = new TestMap({}); }}\n",
            args.join(", ")
        );
        let query = "(argument_list (string_literal) @arg)";
        let (found, cut) = own_only(Language::Java, query, &src);
        assert!(!cut, "an ordinary pattern must not be cut short");
        assert_eq!(found.len(), 3000);
        let (ours, theirs) = both(Language::Java, query, &src);
        assert_eq!(ours, theirs);
    }

    #[test]
    fn text_predicates_filter_matches() {
        agree(
            Language::Python,
            r#"((call function: (identifier) @f) (#eq? @f "g"))
((call function: (identifier) @f) (#not-eq? @f "g"))
((call function: (_) @f) (#match? @f "^x\\."))
((call function: (identifier) @f) (#any-of? @f "f" "z"))
((call function: (identifier) @f arguments: (argument_list (identifier) @a)) (#eq? @f @a))"#,
            "f(a)\ng(g)\nx.y()\n",
            &["0:f=g", "1:f=f", "2:f=x.y", "3:f=f", "4:f=g,a=g"],
        );
    }

    #[test]
    fn syntax_it_does_not_handle_goes_to_tree_sitter() {
        let g = Language::Python.grammar();
        for q in [
            "(ERROR) @e",
            "(expression) @e",
            "((comment) (function_definition))",
            "((identifier) @i (#set! kind \"x\"))",
            "(call (identifier) @i (#is? @i local))",
            "(call",
            "(no_such_kind)",
        ] {
            assert!(pattern::Patterns::compile(&g, q).is_none(), "{q}");
        }
    }
}
