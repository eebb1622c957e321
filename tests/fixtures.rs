//! The fixture harness: every fixture under fixtures/ runs its own rule and must match its
//! annotations exactly; every rule needs a fixture with at least three `expect` and three `ok`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ravel::fixture::check_fixture;
use ravel::rule::set::RuleSet;

/// Minimum annotations per rule, across its fixtures.
const MIN_EXPECT: usize = 3;
const MIN_OK: usize = 3;

fn fixtures(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)
            .expect("read fixtures dir")
            .flatten()
        {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn main() -> ExitCode {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rules = match RuleSet::embedded() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rule set failed to load: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut passed = 0;
    let mut failed = 0;
    let mut per_rule: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for path in fixtures(&root.join("fixtures")) {
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        if filter
            .as_ref()
            .is_some_and(|f| !rel.to_string_lossy().contains(f.as_str()))
        {
            continue;
        }
        let result = check_fixture(&rules, &rel_or_abs(root, &rel));
        let entry = per_rule.entry(result.rule.clone()).or_default();
        entry.0 += result.counts.0;
        entry.1 += result.counts.1;
        if result.problems.is_empty() {
            println!("fixture {} ... ok", rel.display());
            passed += 1;
        } else {
            println!("fixture {} ... FAILED", rel.display());
            for p in &result.problems {
                println!("    {p}");
            }
            failed += 1;
        }
    }
    if filter.is_none() {
        for rule in rules.rules() {
            let (e, o) = per_rule.get(&rule.full_id).copied().unwrap_or_default();
            let name = format!("rule {} has enough cases", rule.full_id);
            if !per_rule.contains_key(&rule.full_id) {
                println!(
                    "{name} ... FAILED\n    no fixture: add fixtures/{}.<ext>",
                    rule.full_id
                );
                failed += 1;
            } else if e < MIN_EXPECT || o < MIN_OK {
                println!(
                    "{name} ... FAILED\n    {e} expect and {o} ok annotations; need {MIN_EXPECT} and {MIN_OK}"
                );
                failed += 1;
            } else {
                println!("{name} ... ok");
                passed += 1;
            }
        }
    }
    println!();
    println!("fixtures: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn rel_or_abs(root: &Path, rel: &Path) -> PathBuf {
    // Fixtures are shown relative to the crate, but read from the absolute path.
    let abs = root.join(rel);
    if abs.exists() { abs } else { rel.to_path_buf() }
}
