//! Our own query matcher: one walk flattens the tree, then each pattern is tried only at the
//! nodes of its root kind, with backtracking over children. It yields the matches a
//! tree-sitter query cursor would (every way a pattern matches a node, the longest when
//! quantifiers allow several, predicates applied), which a test checks on every fixture.

use super::flat::{Flat, NONE};
use super::pattern::{Child, Elem, Item, Kind, Need, Pattern, Patterns, Predicate, Quantifier};

/// Repetitions in progress at once (of every quantified child of a pattern) beyond which
/// matching is cut short (and reported).
const REPEAT_LIMIT: usize = 10_000;

/// Bounds on the work for one pattern at one node, so a query that can match in very many
/// ways (`(comment)* @a (comment)* @b` over thousands of comments) cannot stall a run: node
/// tests tried, matches kept, and captures held. Past any of them matching there is cut
/// short and reported; ordinary patterns stay far below (a few dozen tests, a few matches).
const STEP_LIMIT: usize = 200_000;
const MATCHES_PER_ROOT: usize = 256;
const CAPTURES_PER_ROOT: usize = 200_000;
/// Matches kept at one node for a pattern whose matches all bind the same captures
/// (`Pattern::uniform`): one per argument of a call with thousands of arguments is ordinary,
/// and telling duplicates apart costs a hash each, not a comparison with every other match.
const UNIFORM_MATCHES_PER_ROOT: usize = 65_536;

/// Captures of one match: (capture id, node index in the flat tree).
pub type Caps = Vec<(u32, u32)>;

/// Run every pattern over `flat`, calling `emit(pattern index, captures)` for each match, in
/// pre-order of the match's root node and then pattern order. Returns true when matching was
/// cut short: `stop` (asked every thousand nodes) said so, or a repetition reached
/// `REPEAT_LIMIT`.
pub fn run<'t>(
    patterns: &Patterns,
    flat: &Flat<'t>,
    src: &[u8],
    mut stop: impl FnMut() -> bool,
    mut emit: impl FnMut(usize, &[(u32, u32)]),
) -> bool {
    let mut m = Matcher {
        flat,
        cut: false,
        steps: 0,
        repeats: 0,
        found: Vec::new(),
        ends: Vec::new(),
    };
    let mut caps = Caps::new();
    let mut keep: Vec<std::ops::Range<usize>> = Vec::new();
    // Matches at the current node of patterns that later ones repeat (`Patterns::same_as`):
    // (pattern, its matches' ranges in `saved_ranges`, whether they were sorted).
    let mut saved: Vec<(u32, std::ops::Range<usize>, bool)> = Vec::new();
    let mut saved_ranges: Vec<std::ops::Range<usize>> = Vec::new();
    let mut saved_caps: Vec<(u32, u32)> = Vec::new();
    let mut renamed: Vec<(u32, u32)> = Vec::new();
    for i in 0..flat.len() as u32 {
        if i % 1024 == 1023 && stop() {
            return true;
        }
        let Some(list) = patterns.by_kind.get(flat.at(i).kind as usize) else {
            continue;
        };
        if !saved.is_empty() {
            saved.clear();
            saved_ranges.clear();
            saved_caps.clear();
        }
        let child_fields = flat.child_fields(i);
        for &p in list {
            if let Some(alias) = &patterns.same_as[p as usize] {
                // The pattern it repeats came earlier in this list (the same root kinds).
                let Some((_, ranges, sorted)) = saved.iter().find(|s| s.0 == alias.pattern) else {
                    continue;
                };
                for range in &saved_ranges[ranges.clone()] {
                    renamed.clear();
                    renamed.extend(saved_caps[range.clone()].iter().map(|(c, n)| {
                        let at = alias.renames.partition_point(|r| r.0 < *c);
                        (alias.renames.get(at).map_or(*c, |r| r.1), *n)
                    }));
                    // As `longest` leaves several matches: in document order.
                    if *sorted {
                        renamed.sort_unstable_by_key(|(c, n)| (*n, *c));
                    }
                    emit(p as usize, &renamed);
                }
                continue;
            }
            let pattern = &patterns.patterns[p as usize];
            if pattern.child_fields & child_fields != pattern.child_fields {
                continue;
            }
            m.found.clear();
            m.ends.clear();
            m.steps = 0;
            caps.clear();
            match pattern
                .direct
                .then(|| m.direct(&pattern.root, i, &mut caps))
                .flatten()
            {
                Some(true) => {
                    m.found.extend_from_slice(&caps);
                    m.ends.push(m.found.len());
                }
                Some(false) => continue,
                None => {
                    caps.clear();
                    m.root(pattern, i, &mut caps);
                }
            }
            if m.ends.is_empty() {
                continue;
            }
            longest(&mut m.found, &m.ends, &mut keep, pattern.uniform);
            let first_saved = saved_ranges.len();
            for range in &keep {
                let found = &m.found[range.clone()];
                if !predicates_hold(pattern, found, flat, src) {
                    continue;
                }
                if patterns.repeated[p as usize] {
                    let start = saved_caps.len();
                    saved_caps.extend_from_slice(found);
                    saved_ranges.push(start..saved_caps.len());
                }
                emit(p as usize, found);
            }
            if patterns.repeated[p as usize] {
                saved.push((p, first_saved..saved_ranges.len(), m.ends.len() >= 2));
            }
        }
    }
    m.cut
}

/// The matches to keep out of `found` (split at `ends`): those whose captures are not a
/// subset of another's (tree-sitter's longest match for quantified patterns); identical
/// matches are kept once. Each kept match's captures are left in document order.
fn longest(
    found: &mut [(u32, u32)],
    ends: &[usize],
    keep: &mut Vec<std::ops::Range<usize>>,
    uniform: bool,
) {
    keep.clear();
    let mut start = 0;
    for end in ends {
        keep.push(start..*end);
        start = *end;
    }
    if keep.len() < 2 {
        return;
    }
    if uniform {
        // Matches of equal size: one is inside another only when they are equal. Keep the
        // first of each, captures in document order (what the general case below gives).
        for r in keep.iter() {
            found[r.clone()].sort_unstable_by_key(|(c, n)| (*n, *c));
        }
        let found = &*found;
        let mut seen = foldhash::HashSet::default();
        keep.retain(|r| seen.insert(&found[r.clone()]));
        return;
    }
    for r in keep.iter() {
        found[r.clone()].sort_unstable();
    }
    let subset = |a: &[(u32, u32)], b: &[(u32, u32)]| {
        a.len() <= b.len() && a.iter().all(|x| b.binary_search(x).is_ok())
    };
    let mut dropped = vec![false; keep.len()];
    for i in 0..keep.len() {
        for j in 0..keep.len() {
            if i == j || dropped[j] {
                continue;
            }
            let (a, b) = (&found[keep[i].clone()], &found[keep[j].clone()]);
            // i goes if it is inside j (of two identical ones, the later goes).
            if subset(a, b) && (a.len() < b.len() || i > j) {
                dropped[i] = true;
                break;
            }
        }
    }
    let mut d = dropped.iter();
    keep.retain(|_| !*d.next().unwrap());
    for r in keep.iter() {
        found[r.clone()].sort_unstable_by_key(|(c, n)| (*n, *c));
    }
}

fn text<'s>(flat: &Flat<'_>, n: u32, src: &'s [u8]) -> &'s [u8] {
    let r = flat.node(n).byte_range();
    src.get(r).unwrap_or(&[])
}

/// Tree-sitter's text predicates, with its rules for captures holding several nodes or none.
fn predicates_hold(pattern: &Pattern, caps: &[(u32, u32)], flat: &Flat<'_>, src: &[u8]) -> bool {
    let nodes = |c: u32| caps.iter().filter(move |(i, _)| *i == c).map(|(_, n)| *n);
    let each = |c: u32, positive: bool, all: bool, test: &dyn Fn(&[u8]) -> bool| -> bool {
        for n in nodes(c) {
            let ok = test(text(flat, n, src));
            if ok != positive && all {
                return false;
            }
            if ok == positive && !all {
                return true;
            }
        }
        true
    };
    pattern.predicates.iter().all(|p| match p {
        Predicate::EqString {
            capture,
            text: want,
            positive,
            all,
        } => each(*capture, *positive, *all, &|t| t == want.as_bytes()),
        Predicate::Match {
            capture,
            regex,
            positive,
            all,
        } => each(*capture, *positive, *all, &|t| regex.is_match(t)),
        Predicate::AnyOf {
            capture,
            values,
            positive,
        } => nodes(*capture)
            .all(|n| values.iter().any(|v| v.as_bytes() == text(flat, n, src)) == *positive),
        Predicate::EqCapture {
            left,
            right,
            positive,
            all,
        } => {
            let mut l = nodes(*left).peekable();
            let mut r = nodes(*right).peekable();
            while l.peek().is_some() && r.peek().is_some() {
                let (a, b) = (l.next().unwrap(), r.next().unwrap());
                let ok = text(flat, a, src) == text(flat, b, src);
                if ok != *positive && *all {
                    return false;
                }
                if ok == *positive && !*all {
                    return true;
                }
            }
            l.next().is_none() && r.next().is_none()
        }
    })
}

/// What must hold between the previous match in a child list and the next one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gap {
    /// Any siblings may lie between.
    Any,
    /// No named sibling between (an anchor).
    NoNamed,
    /// No sibling at all between (an anchor after `_`).
    Nothing,
}

struct Matcher<'f, 't> {
    flat: &'f Flat<'t>,
    cut: bool,
    /// Node tests tried for the current pattern and node.
    steps: usize,
    /// Repetitions in progress (nested calls of `repeat`).
    repeats: usize,
    /// Captures of every match found at the current root, one after another.
    found: Vec<(u32, u32)>,
    /// Where each match's captures end in `found`.
    ends: Vec<usize>,
}

/// Continuation: called with the captures so far once the rest of a pattern matched.
type Then<'a> = &'a mut dyn FnMut(&mut Matcher<'_, '_>, &mut Caps);

impl Matcher<'_, '_> {
    fn root(&mut self, pattern: &Pattern, i: u32, caps: &mut Caps) {
        let limit = if pattern.uniform {
            UNIFORM_MATCHES_PER_ROOT
        } else {
            MATCHES_PER_ROOT
        };
        self.one(&pattern.root, i, caps, &mut |m, caps| {
            if m.ends.len() >= limit || m.found.len() + caps.len() > CAPTURES_PER_ROOT {
                m.cut = true;
                m.steps = STEP_LIMIT; // stop exploring this root
                return;
            }
            m.found.extend_from_slice(caps);
            m.ends.push(m.found.len());
        });
    }

    /// Match one occurrence of `elem` at node `i`.
    fn one(&mut self, elem: &Elem, i: u32, caps: &mut Caps, then: Then<'_>) {
        self.steps += 1;
        if self.steps > STEP_LIMIT {
            self.cut = true;
            return;
        }
        let mark = caps.len();
        caps.extend(elem.captures.iter().map(|c| (*c, i)));
        match &elem.item {
            Item::Node {
                kind,
                children,
                negated,
                anchored_end,
                needs,
            } => {
                if self.flat.kind_ok(*kind, i)
                    && self.has_needed(i, needs)
                    && !self.has_negated_field(i, negated)
                {
                    let first = self.flat.at(i).first_child;
                    let gap = match children.first() {
                        Some(c) if c.anchored => Gap::NoNamed,
                        _ => Gap::Any,
                    };
                    self.seq(children, *anchored_end, first, gap, caps, then);
                }
            }
            Item::Alternation(alts) => {
                for alt in alts {
                    self.one(alt, i, caps, &mut *then);
                }
            }
        }
        caps.truncate(mark);
    }

    /// The quick path for a pattern without repetition (`Pattern::direct`): at each step the
    /// child pattern can go to one child only, so there is at most one match and no
    /// backtracking. `None` when some step has several children (or alternatives) to try:
    /// the caller then runs the full match. Anchors and captures work as in the full match,
    /// and captures are pushed in the order it gives.
    fn direct(&mut self, elem: &Elem, i: u32, caps: &mut Caps) -> Option<bool> {
        let (kind, children, negated, anchored_end) = match &elem.item {
            Item::Node {
                kind,
                children,
                negated,
                anchored_end,
                ..
            } => (*kind, children, negated, *anchored_end),
            Item::Alternation(alts) => {
                // Childless alternatives (`is_direct`): the one whose node test passes.
                let mut passing = alts.iter().filter(|a| self.test(a, i));
                let Some(alt) = passing.next() else {
                    return Some(false);
                };
                if passing.next().is_some() {
                    return None;
                }
                caps.extend(elem.captures.iter().map(|c| (*c, i)));
                caps.extend(alt.captures.iter().map(|c| (*c, i)));
                return Some(true);
            }
        };
        // No `needs` test: the search for each child's one candidate below is that test.
        if !self.flat.kind_ok(kind, i) || self.has_negated_field(i, negated) {
            return Some(false);
        }
        caps.extend(elem.captures.iter().map(|c| (*c, i)));
        let mut from = self.flat.at(i).first_child;
        let mut gap = match children.first() {
            Some(c) if c.anchored => Gap::NoNamed,
            _ => Gap::Any,
        };
        for (k, child) in children.iter().enumerate() {
            let mut only = NONE;
            let mut s = from;
            while s != NONE {
                let e = self.flat.at(s);
                if child.field.is_none_or(|f| e.field == f) && self.test(&child.elem, s) {
                    if only != NONE {
                        return None;
                    }
                    only = s;
                }
                let blocks = match gap {
                    Gap::Any => false,
                    Gap::NoNamed => e.named,
                    Gap::Nothing => true,
                };
                if blocks {
                    break;
                }
                s = e.next_sibling;
            }
            if only == NONE {
                return Some(false);
            }
            match &child.elem.item {
                // A bare node test (`(identifier) @name`), which `test` just passed: only its
                // captures are left to record.
                Item::Node {
                    children,
                    negated,
                    anchored_end: false,
                    ..
                } if children.is_empty() && negated.is_empty() => {
                    caps.extend(child.elem.captures.iter().map(|c| (*c, only)));
                }
                _ => {
                    if !self.direct(&child.elem, only, caps)? {
                        return Some(false);
                    }
                }
            }
            from = self.flat.at(only).next_sibling;
            gap = self.gap_after(&child.elem, children.get(k + 1));
        }
        Some(!anchored_end || self.no_named_from(from))
    }

    /// The node test of `elem` (any alternative's, for an alternation) at node `i`.
    fn test(&self, elem: &Elem, i: u32) -> bool {
        match &elem.item {
            Item::Node { kind, .. } => self.flat.kind_ok(*kind, i),
            Item::Alternation(alts) => alts.iter().any(|a| self.test(a, i)),
        }
    }

    /// Whether node `i` has a child for each of `needs` (a cheap test before the full one).
    fn has_needed(&self, i: u32, needs: &[Need]) -> bool {
        needs.iter().all(|need| {
            let mut c = self.flat.at(i).first_child;
            while c != NONE {
                let e = self.flat.at(c);
                if (need.field == 0 || e.field == need.field)
                    && (need.kinds.is_empty() || need.kinds.contains(&e.kind))
                {
                    return true;
                }
                c = e.next_sibling;
            }
            false
        })
    }

    fn has_negated_field(&self, i: u32, negated: &[u16]) -> bool {
        if negated.is_empty() {
            return false;
        }
        let mut c = self.flat.at(i).first_child;
        while c != NONE {
            if negated.contains(&self.flat.at(c).field) {
                return true;
            }
            c = self.flat.at(c).next_sibling;
        }
        false
    }

    /// Match `children` against the siblings from `from` on; `gap` constrains the first.
    fn seq(
        &mut self,
        children: &[Child],
        anchored_end: bool,
        from: u32,
        gap: Gap,
        caps: &mut Caps,
        then: Then<'_>,
    ) {
        let Some((child, rest)) = children.split_first() else {
            if !anchored_end || self.no_named_from(from) {
                then(self, caps);
            }
            return;
        };
        self.repeat(child, rest, anchored_end, from, gap, 0, caps, then);
    }

    fn no_named_from(&self, mut s: u32) -> bool {
        while s != NONE {
            if self.flat.at(s).named {
                return false;
            }
            s = self.flat.at(s).next_sibling;
        }
        true
    }

    /// Gap before the child after `child`, once `child` matched node `last`.
    fn gap_after(&self, child: &Elem, next: Option<&Child>) -> Gap {
        match next {
            Some(n) if n.anchored => {
                if matches!(
                    child.item,
                    Item::Node {
                        kind: Kind::Any,
                        ..
                    }
                ) {
                    Gap::Nothing
                } else {
                    Gap::NoNamed
                }
            }
            _ => Gap::Any,
        }
    }

    /// `child` has matched `count` times so far; match more or move on. Each repetition
    /// goes one call deeper (matching goes on in a callback), so the stack is grown on
    /// demand: a thousand comments in a row must not overflow a thread's stack.
    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &mut self,
        child: &Child,
        rest: &[Child],
        anchored_end: bool,
        from: u32,
        gap: Gap,
        count: usize,
        caps: &mut Caps,
        then: Then<'_>,
    ) {
        stacker::maybe_grow(64 * 1024, 2 * 1024 * 1024, || {
            let (min, max) = match child.elem.quantifier {
                Quantifier::One => (1, 1),
                Quantifier::ZeroOrOne => (0, 1),
                Quantifier::ZeroOrMore => (0, usize::MAX),
                Quantifier::OneOrMore => (1, usize::MAX),
            };
            if self.repeats >= REPEAT_LIMIT {
                self.cut = true;
                return;
            }
            self.repeats += 1;
            if count < max {
                let mut s = from;
                while s != NONE {
                    if child.field.is_none_or(|f| self.flat.at(s).field == f) {
                        let next = self.flat.at(s).next_sibling;
                        self.one(&child.elem, s, caps, &mut |m, caps| {
                            if count + 1 < max {
                                // Repetitions after the first keep the child's own anchor.
                                let again = if child.anchored {
                                    m.gap_after(&child.elem, Some(child))
                                } else {
                                    Gap::Any
                                };
                                m.repeat(
                                    child,
                                    rest,
                                    anchored_end,
                                    next,
                                    again,
                                    count + 1,
                                    caps,
                                    &mut *then,
                                );
                            } else {
                                let g = m.gap_after(&child.elem, rest.first());
                                m.seq(rest, anchored_end, next, g, caps, &mut *then);
                            }
                        });
                    }
                    let blocks = match gap {
                        Gap::Any => false,
                        Gap::NoNamed => self.flat.at(s).named,
                        Gap::Nothing => true,
                    };
                    if blocks {
                        break;
                    }
                    s = self.flat.at(s).next_sibling;
                }
            }
            if count >= min {
                // Stop repeating here.
                if count == 0 {
                    // Nothing matched: a leading anchor on the skipped child carries over to the
                    // next one; without one, the next child's anchor has nothing to hold to.
                    let g = if child.anchored { gap } else { Gap::Any };
                    self.seq(rest, anchored_end, from, g, caps, then);
                } else {
                    let g = self.gap_after(&child.elem, rest.first());
                    self.seq(rest, anchored_end, from, g, caps, then);
                }
            }
            self.repeats -= 1;
        })
    }
}
