//! Tree-sitter query text compiled into patterns for our own matcher (see `matcher`).
//!
//! The matcher runs every pattern of a language over one walk of the tree, starting each
//! pattern only at nodes of its root kind, which costs a fraction of a tree-sitter query
//! cursor. It understands the query syntax rules are written in: node and anonymous-node
//! patterns, `_` and `(_)`, fields, negated fields, anchors, alternations, `?` `*` `+`,
//! captures, a parenthesised pattern with predicates, and the text predicates `#eq?`,
//! `#match?`, `#any-of?` with their `not-` and `any-` forms. Anything else (supertypes,
//! `ERROR`, `MISSING`, sibling sequences, other predicates) returns `None`, and the caller
//! runs tree-sitter's own query cursor instead, so every valid query still works.

use tree_sitter::Language as Grammar;

/// A node test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A named node of this kind id.
    Named(u16),
    /// An anonymous node of this kind id.
    Anonymous(u16),
    /// `(_)`: any named node.
    AnyNamed,
    /// `_`: any node.
    Any,
}

/// How many times an element repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantifier {
    /// Exactly once.
    One,
    /// `?`
    ZeroOrOne,
    /// `*`
    ZeroOrMore,
    /// `+`
    OneOrMore,
}

/// A node pattern or an alternation, with its captures and quantifier.
#[derive(Clone, Debug)]
pub struct Elem {
    /// What it matches.
    pub item: Item,
    /// Capture ids given to the matched node.
    pub captures: Vec<u32>,
    /// Repetition.
    pub quantifier: Quantifier,
}

/// The body of an element.
#[derive(Clone, Debug)]
pub enum Item {
    /// `(kind children...)`, `"text"`, `_`.
    Node {
        /// Node test.
        kind: Kind,
        /// Child patterns in order.
        children: Vec<Child>,
        /// `!field`: the node has no child in these fields.
        negated: Vec<u16>,
        /// A `.` after the last child: it must be the last named child.
        anchored_end: bool,
        /// Children the node must have (from `children`), checked before the slower match of
        /// the child list so most nodes that cannot match are turned away at once.
        needs: Vec<Need>,
    },
    /// `[a b ...]`: the first of these that matches (each is tried).
    Alternation(Vec<Elem>),
}

/// A child a node must have: in this field (0: any) and of one of these kinds (empty: any).
#[derive(Clone, Debug)]
pub struct Need {
    /// Field id, or 0.
    pub field: u16,
    /// Kind ids, or empty.
    pub kinds: Vec<u16>,
}

/// What `children` require of a node's children: one `Need` per child that must occur
/// (neither `?` nor `*`) and says something about it (a field or a kind).
fn needs(children: &[Child]) -> Vec<Need> {
    children
        .iter()
        .filter(|c| matches!(c.elem.quantifier, Quantifier::One | Quantifier::OneOrMore))
        .filter_map(|c| {
            let mut kinds = Vec::new();
            if !root_kinds(&c.elem, &mut kinds) {
                kinds.clear();
            }
            let field = c.field.unwrap_or(0);
            (field != 0 || !kinds.is_empty()).then_some(Need { field, kinds })
        })
        .collect()
}

/// A child pattern.
#[derive(Clone, Debug)]
pub struct Child {
    /// The pattern.
    pub elem: Elem,
    /// `field:` the child must hold.
    pub field: Option<u16>,
    /// A `.` before it: no named sibling between it and the previous match (or the start).
    pub anchored: bool,
}

/// A text predicate on captures.
#[derive(Clone, Debug)]
pub enum Predicate {
    /// `#eq?` family against a string.
    EqString {
        /// Capture.
        capture: u32,
        /// Text.
        text: String,
        /// `eq` (true) or `not-eq` (false).
        positive: bool,
        /// Every captured node must satisfy it (`eq?`) or one (`any-eq?`).
        all: bool,
    },
    /// `#eq?` family between two captures.
    EqCapture {
        /// Left capture.
        left: u32,
        /// Right capture.
        right: u32,
        /// `eq` (true) or `not-eq` (false).
        positive: bool,
        /// Every pair must satisfy it or one.
        all: bool,
    },
    /// `#match?` family.
    Match {
        /// Capture.
        capture: u32,
        /// Compiled expression.
        regex: regex::bytes::Regex,
        /// `match` (true) or `not-match` (false).
        positive: bool,
        /// Every captured node must satisfy it or one.
        all: bool,
    },
    /// `#any-of?` / `#not-any-of?`.
    AnyOf {
        /// Capture.
        capture: u32,
        /// Accepted texts.
        values: Vec<String>,
        /// `any-of` (true) or `not-any-of` (false).
        positive: bool,
    },
}

impl Predicate {
    /// The capture ids the predicate tests, in order.
    fn captures_mut(&mut self) -> impl Iterator<Item = &mut u32> {
        let (first, second) = match self {
            Predicate::EqString { capture, .. }
            | Predicate::Match { capture, .. }
            | Predicate::AnyOf { capture, .. } => (capture, None),
            Predicate::EqCapture { left, right, .. } => (left, Some(right)),
        };
        std::iter::once(first).chain(second)
    }
}

/// One top-level pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// Byte offset of the pattern in the query text.
    pub start_byte: usize,
    /// The root element.
    pub root: Elem,
    /// Predicates that every match must satisfy.
    pub predicates: Vec<Predicate>,
    /// Capture ids the pattern can produce.
    pub captures: Vec<u32>,
    /// No repetition anywhere, and alternations only of childless nodes: the matcher may try
    /// the quick path, which follows the only child that can match at each step.
    pub direct: bool,
    /// Every match binds the same captures (no repetition, no capture inside an
    /// alternative), so matches differ only in the nodes they bind.
    pub uniform: bool,
    /// The fields the root's children must be in (`flat::field_bit`s): a node whose
    /// children lack one is turned away before any matching.
    pub child_fields: u64,
}

/// The fields `elem`'s children must be in, for a node pattern; 0 for an alternation.
fn required_child_fields(elem: &Elem) -> u64 {
    match &elem.item {
        Item::Node { children, .. } => children
            .iter()
            .filter(|c| matches!(c.elem.quantifier, Quantifier::One | Quantifier::OneOrMore))
            .filter_map(|c| c.field)
            .fold(0, |mask, f| mask | super::flat::field_bit(f)),
        Item::Alternation(_) => 0,
    }
}

/// Whether every match of `elem` binds the same captures.
fn is_uniform(elem: &Elem) -> bool {
    elem.quantifier == Quantifier::One
        && match &elem.item {
            Item::Node { children, .. } => children.iter().all(|c| is_uniform(&c.elem)),
            Item::Alternation(alts) => alts.iter().all(|a| {
                fn no_captures(e: &Elem) -> bool {
                    e.captures.is_empty()
                        && match &e.item {
                            Item::Node { children, .. } => {
                                children.iter().all(|c| no_captures(&c.elem))
                            }
                            Item::Alternation(alts) => alts.iter().all(no_captures),
                        }
                }
                a.quantifier == Quantifier::One && no_captures(a)
            }),
        }
}

/// Whether `elem` and everything below it can be matched by following one child at a time:
/// no quantifier, and alternations only of plain childless nodes.
fn is_direct(elem: &Elem) -> bool {
    elem.quantifier == Quantifier::One
        && match &elem.item {
            Item::Node { children, .. } => children.iter().all(|c| is_direct(&c.elem)),
            Item::Alternation(alts) => alts.iter().all(|a| {
                a.quantifier == Quantifier::One
                    && matches!(&a.item, Item::Node { children, negated, .. }
                        if children.is_empty() && negated.is_empty())
            }),
        }
}

impl Pattern {
    /// Whether some element repeats or is optional (`?`, `*`, `+`).
    pub fn has_quantifier(&self) -> bool {
        fn walk(e: &Elem) -> bool {
            e.quantifier != Quantifier::One
                || match &e.item {
                    Item::Node { children, .. } => children.iter().any(|c| walk(&c.elem)),
                    Item::Alternation(alts) => alts.iter().any(walk),
                }
        }
        walk(&self.root)
    }
}

/// Every pattern of one query text, indexed by the node kinds where each can start.
#[derive(Debug)]
pub struct Patterns {
    /// Patterns in text order.
    pub patterns: Vec<Pattern>,
    /// Capture names by id.
    pub capture_names: Vec<String>,
    /// Kind id → indices of the patterns that can start at a node of that kind (ascending,
    /// wildcard-rooted patterns included).
    pub by_kind: Vec<Vec<u32>>,
    /// Per pattern, the earlier pattern it repeats up to capture names, if any, with the
    /// capture ids to rename (that pattern's id → this one's): its matches are that
    /// pattern's, renamed, so they are found once.
    pub same_as: Vec<Option<Alias>>,
    /// Per pattern, whether a later pattern repeats it (`same_as`).
    pub repeated: Vec<bool>,
}

/// A pattern that repeats an earlier one up to capture names.
#[derive(Clone, Debug)]
pub struct Alias {
    /// Index of the earlier pattern.
    pub pattern: u32,
    /// (its capture id, this pattern's capture id), sorted by the first.
    pub renames: Vec<(u32, u32)>,
}

/// A pattern's text up to capture names, and its capture ids in order of first appearance:
/// two patterns with the same text match the same nodes, binding the i-th ids of each.
fn shape(pattern: &Pattern) -> (String, Vec<u32>) {
    let mut root = pattern.root.clone();
    let mut predicates = pattern.predicates.clone();
    let mut order: Vec<u32> = Vec::new();
    collect_captures(&root, &mut order);
    for p in &mut predicates {
        order.extend(p.captures_mut().map(|c| *c));
    }
    let mut seen = Vec::new();
    order.retain(|c| {
        let new = !seen.contains(c);
        seen.push(*c);
        new
    });
    let rank = |c: u32| order.iter().position(|o| *o == c).unwrap_or(usize::MAX) as u32;
    fn rename(e: &mut Elem, rank: &dyn Fn(u32) -> u32) {
        for c in &mut e.captures {
            *c = rank(*c);
        }
        match &mut e.item {
            Item::Node { children, .. } => {
                for c in children {
                    rename(&mut c.elem, rank);
                }
            }
            Item::Alternation(alts) => {
                for a in alts {
                    rename(a, rank);
                }
            }
        }
    }
    rename(&mut root, &rank);
    for p in &mut predicates {
        for c in p.captures_mut() {
            *c = rank(*c);
        }
    }
    let text = format!("{root:?} {predicates:?}");
    (text, order)
}

/// For each pattern, the earlier one it repeats up to capture names (see `Patterns::same_as`).
fn aliases(patterns: &[Pattern]) -> Vec<Option<Alias>> {
    let mut first: std::collections::HashMap<String, (u32, Vec<u32>)> = Default::default();
    patterns
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (text, order) = shape(p);
            match first.get(&text) {
                Some((earlier, theirs)) => {
                    let mut renames: Vec<(u32, u32)> =
                        theirs.iter().copied().zip(order.iter().copied()).collect();
                    renames.sort_unstable();
                    Some(Alias {
                        pattern: *earlier,
                        renames,
                    })
                }
                None => {
                    first.insert(text, (i as u32, order));
                    None
                }
            }
        })
        .collect()
}

impl Patterns {
    /// Compile `text` for `grammar`; `None` when it uses syntax the matcher leaves to
    /// tree-sitter (or is not a valid query at all, which tree-sitter then reports).
    pub fn compile(grammar: &Grammar, text: &str) -> Option<Patterns> {
        let mut p = Parser {
            grammar,
            src: text.as_bytes(),
            pos: 0,
            capture_names: Vec::new(),
        };
        let mut patterns = Vec::new();
        loop {
            p.skip_space();
            if p.pos >= p.src.len() {
                break;
            }
            let start_byte = p.pos;
            let mut predicates = Vec::new();
            let root = p.top_level(&mut predicates)?;
            if root.quantifier != Quantifier::One {
                return None;
            }
            let mut captures = Vec::new();
            collect_captures(&root, &mut captures);
            captures.sort_unstable();
            captures.dedup();
            patterns.push(Pattern {
                start_byte,
                direct: is_direct(&root),
                uniform: is_uniform(&root),
                child_fields: required_child_fields(&root),
                root,
                predicates,
                captures,
            });
        }
        let kinds = grammar.node_kind_count();
        let mut by_kind: Vec<Vec<u32>> = vec![Vec::new(); kinds];
        for (i, pattern) in patterns.iter().enumerate() {
            let mut roots = Vec::new();
            if !root_kinds(&pattern.root, &mut roots) {
                // A wildcard root: the pattern may start at any node, or (`(_)`) any named one.
                let named_only = root_named_only(&pattern.root);
                for (k, list) in by_kind.iter_mut().enumerate() {
                    if !named_only || grammar.node_kind_is_named(k as u16) {
                        list.push(i as u32);
                    }
                }
                continue;
            }
            roots.sort_unstable();
            roots.dedup();
            for k in roots {
                by_kind.get_mut(k as usize)?.push(i as u32);
            }
        }
        let same_as = aliases(&patterns);
        let mut repeated = vec![false; patterns.len()];
        for alias in same_as.iter().flatten() {
            repeated[alias.pattern as usize] = true;
        }
        Some(Patterns {
            patterns,
            capture_names: p.capture_names,
            by_kind,
            same_as,
            repeated,
        })
    }
}

/// Kinds where `elem` can start; false when any kind can.
fn root_kinds(elem: &Elem, out: &mut Vec<u16>) -> bool {
    match &elem.item {
        Item::Node { kind, .. } => match kind {
            Kind::Named(k) | Kind::Anonymous(k) => {
                out.push(*k);
                true
            }
            Kind::AnyNamed | Kind::Any => false,
        },
        Item::Alternation(alts) => alts.iter().all(|a| root_kinds(a, out)),
    }
}

/// Whether `elem` can only start at a named node (a `(_)` root, in every alternative).
fn root_named_only(elem: &Elem) -> bool {
    match &elem.item {
        Item::Node { kind, .. } => !matches!(kind, Kind::Any | Kind::Anonymous(_)),
        Item::Alternation(alts) => alts.iter().all(root_named_only),
    }
}

fn collect_captures(elem: &Elem, out: &mut Vec<u32>) {
    out.extend(&elem.captures);
    match &elem.item {
        Item::Node { children, .. } => {
            for c in children {
                collect_captures(&c.elem, out);
            }
        }
        Item::Alternation(alts) => {
            for a in alts {
                collect_captures(a, out);
            }
        }
    }
}

struct Parser<'a> {
    grammar: &'a Grammar,
    src: &'a [u8],
    pos: usize,
    capture_names: Vec<String>,
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'?' | b'!')
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while let Some(&b) = self.src.get(self.pos) {
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else if b == b';' {
                while self.src.get(self.pos).is_some_and(|b| *b != b'\n') {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.src.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// An identifier (node kind, field, capture or predicate name), without skipping space.
    fn ident(&mut self) -> Option<&str> {
        let start = self.pos;
        while self.src.get(self.pos).is_some_and(|b| is_ident(*b)) {
            self.pos += 1;
        }
        (self.pos > start)
            .then(|| std::str::from_utf8(&self.src[start..self.pos]).ok())
            .flatten()
    }

    fn string(&mut self) -> Option<String> {
        if !self.eat(b'"') {
            return None;
        }
        let mut out = Vec::new();
        loop {
            let b = *self.src.get(self.pos)?;
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let e = *self.src.get(self.pos)?;
                    self.pos += 1;
                    out.push(match e {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'0' => 0,
                        other => other,
                    });
                }
                other => out.push(other),
            }
        }
        String::from_utf8(out).ok()
    }

    fn capture_id(&mut self, name: &str) -> u32 {
        match self.capture_names.iter().position(|n| n == name) {
            Some(i) => i as u32,
            None => {
                self.capture_names.push(name.to_string());
                (self.capture_names.len() - 1) as u32
            }
        }
    }

    /// A top-level pattern; a parenthesised group may hold one pattern and predicates.
    fn top_level(&mut self, predicates: &mut Vec<Predicate>) -> Option<Elem> {
        if self.peek() == Some(b'(') {
            let save = self.pos;
            self.pos += 1;
            let next = self.peek()?;
            if next == b'(' || next == b'[' || next == b'"' {
                // `((pattern) (#pred? ...) ...)`: exactly one pattern.
                let mut root: Option<Elem> = None;
                loop {
                    match self.peek()? {
                        b')' => {
                            self.pos += 1;
                            break;
                        }
                        b'(' if self.src.get(self.pos + 1) == Some(&b'#') => {
                            self.predicate(predicates)?
                        }
                        _ => {
                            if root.is_some() {
                                return None; // a sibling sequence
                            }
                            root = Some(self.elem(predicates)?);
                        }
                    }
                }
                let mut root = root?;
                if root.quantifier != Quantifier::One {
                    return None;
                }
                root.quantifier = self.quantifier();
                self.captures(&mut root.captures)?;
                return Some(root);
            }
            self.pos = save;
        }
        self.elem(predicates)
    }

    fn quantifier(&mut self) -> Quantifier {
        // Quantifiers follow their pattern directly.
        let q = match self.src.get(self.pos) {
            Some(b'?') => Quantifier::ZeroOrOne,
            Some(b'*') => Quantifier::ZeroOrMore,
            Some(b'+') => Quantifier::OneOrMore,
            _ => return Quantifier::One,
        };
        self.pos += 1;
        q
    }

    fn captures(&mut self, out: &mut Vec<u32>) -> Option<()> {
        while self.eat(b'@') {
            let name = self.ident()?.to_string();
            let id = self.capture_id(&name);
            out.push(id);
        }
        Some(())
    }

    /// One element: a node, an anonymous node, a wildcard or an alternation, then its
    /// quantifier and captures.
    fn elem(&mut self, predicates: &mut Vec<Predicate>) -> Option<Elem> {
        let item = match self.peek()? {
            b'[' => {
                self.pos += 1;
                let mut alts = Vec::new();
                while !self.eat(b']') {
                    if self.peek()? == b'(' && self.src.get(self.pos + 1) == Some(&b'#') {
                        self.predicate(predicates)?;
                        continue;
                    }
                    alts.push(self.elem(predicates)?);
                }
                if alts.is_empty() {
                    return None;
                }
                Item::Alternation(alts)
            }
            b'"' => {
                let text = self.string()?;
                let id = self.grammar.id_for_node_kind(&text, false);
                if id == 0 {
                    return None;
                }
                leaf(Kind::Anonymous(id))
            }
            b'_' if !self.src.get(self.pos + 1).is_some_and(|b| is_ident(*b)) => {
                self.pos += 1;
                leaf(Kind::Any)
            }
            b'(' => {
                self.pos += 1;
                self.skip_space();
                let name = self.ident()?.to_string();
                let kind = if name == "_" {
                    Kind::AnyNamed
                } else {
                    if name == "ERROR" || name == "MISSING" || name.contains('/') {
                        return None;
                    }
                    let id = self.grammar.id_for_node_kind(&name, true);
                    if id == 0 || self.grammar.node_kind_is_supertype(id) {
                        return None;
                    }
                    Kind::Named(id)
                };
                self.node_body(kind, predicates)?
            }
            _ => return None,
        };
        let quantifier = self.quantifier();
        let mut elem = Elem {
            item,
            captures: Vec::new(),
            quantifier,
        };
        self.captures(&mut elem.captures)?;
        Some(elem)
    }

    /// Children, fields, anchors and predicates up to the closing parenthesis.
    fn node_body(&mut self, kind: Kind, predicates: &mut Vec<Predicate>) -> Option<Item> {
        let mut children = Vec::new();
        let mut negated = Vec::new();
        let mut anchored = false;
        loop {
            match self.peek()? {
                b')' => {
                    self.pos += 1;
                    break;
                }
                b'.' => {
                    self.pos += 1;
                    anchored = true;
                }
                b'!' => {
                    self.pos += 1;
                    let name = self.ident()?.to_string();
                    negated.push(self.grammar.field_id_for_name(&name)?.get());
                }
                b'(' if self.src.get(self.pos + 1) == Some(&b'#') => self.predicate(predicates)?,
                b'(' | b'[' | b'"' => {
                    let elem = self.elem(predicates)?;
                    children.push(Child {
                        elem,
                        field: None,
                        anchored: std::mem::take(&mut anchored),
                    });
                }
                b'_' if !self.src.get(self.pos + 1).is_some_and(|b| is_ident(*b)) => {
                    let elem = self.elem(predicates)?;
                    children.push(Child {
                        elem,
                        field: None,
                        anchored: std::mem::take(&mut anchored),
                    });
                }
                _ => {
                    // `field: pattern`
                    let name = self.ident()?.to_string();
                    if !self.eat(b':') {
                        return None;
                    }
                    let field = self.grammar.field_id_for_name(&name)?.get();
                    let elem = self.elem(predicates)?;
                    children.push(Child {
                        elem,
                        field: Some(field),
                        anchored: std::mem::take(&mut anchored),
                    });
                }
            }
        }
        Some(Item::Node {
            kind,
            needs: needs(&children),
            children,
            negated,
            anchored_end: anchored,
        })
    }

    /// `(#name? args...)`
    fn predicate(&mut self, out: &mut Vec<Predicate>) -> Option<()> {
        self.pos += 2; // `(#`
        let name = self.ident()?.to_string();
        enum Arg {
            Capture(u32),
            Text(String),
        }
        let mut args = Vec::new();
        loop {
            match self.peek()? {
                b')' => {
                    self.pos += 1;
                    break;
                }
                b'@' => {
                    self.pos += 1;
                    let n = self.ident()?.to_string();
                    args.push(Arg::Capture(self.capture_id(&n)));
                }
                b'"' => args.push(Arg::Text(self.string()?)),
                _ => args.push(Arg::Text(self.ident()?.to_string())),
            }
        }
        let (positive, all, base) = match name.as_str() {
            "eq?" => (true, true, "eq"),
            "not-eq?" => (false, true, "eq"),
            "any-eq?" => (true, false, "eq"),
            "any-not-eq?" => (false, false, "eq"),
            "match?" => (true, true, "match"),
            "not-match?" => (false, true, "match"),
            "any-match?" => (true, false, "match"),
            "any-not-match?" => (false, false, "match"),
            "any-of?" => (true, true, "any-of"),
            "not-any-of?" => (false, true, "any-of"),
            _ => return None,
        };
        let mut args = args.into_iter();
        let Some(Arg::Capture(capture)) = args.next() else {
            return None;
        };
        let rest: Vec<Arg> = args.collect();
        out.push(match (base, rest.as_slice()) {
            ("eq", [Arg::Capture(right)]) => Predicate::EqCapture {
                left: capture,
                right: *right,
                positive,
                all,
            },
            ("eq", [Arg::Text(text)]) => Predicate::EqString {
                capture,
                text: text.clone(),
                positive,
                all,
            },
            ("match", [Arg::Text(re)]) => Predicate::Match {
                capture,
                regex: regex::bytes::Regex::new(re).ok()?,
                positive,
                all,
            },
            ("any-of", values) => Predicate::AnyOf {
                capture,
                values: values
                    .iter()
                    .map(|a| match a {
                        Arg::Text(t) => Some(t.clone()),
                        Arg::Capture(_) => None,
                    })
                    .collect::<Option<Vec<_>>>()?,
                positive,
            },
            _ => return None,
        });
        Some(())
    }
}

fn leaf(kind: Kind) -> Item {
    Item::Node {
        kind,
        children: Vec::new(),
        negated: Vec::new(),
        anchored_end: false,
        needs: Vec::new(),
    }
}
