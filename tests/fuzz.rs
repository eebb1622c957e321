//! A property test of the whole per-file pipeline: arbitrary bytes and mutated fixtures, in
//! every language, through decoding, parsing, every rule, suppressions and all output formats
//! must never panic, and every position must stay inside the file.
//! `RAVEL_FUZZ_ITERATIONS=N` (default 4) sets the mutations per fixture and the random inputs
//! per language (32 times N); `RAVEL_FUZZ_SEED=S` (default 0) explores other inputs, for long
//! runs. A failure names the seed, the input and the file that reproduce it.

use std::path::Path;

use ravel::check::{Limits, Outcome, check_bytes};
use ravel::engine::Engine;
use ravel::language::Language;
use ravel::rng::Rng;
use ravel::rule::set::{EMBEDDED_FIXTURES, RuleSet};

/// Random choices from a seeded generator, so a failure names a seed that reproduces it.
struct Choices(Rng);

impl Choices {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn below(&mut self, n: usize) -> usize {
        self.0.below(n as u64) as usize
    }
}

/// Tokens that stress parsers and rules: brackets, quotes, keywords, comments, suppressions,
/// invalid UTF-8, NUL, CR, BOMs.
const TOKENS: &[&[u8]] = &[
    b"(",
    b")",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"'",
    b"`",
    b"\n",
    b"\r\n",
    b"\t",
    b"async ",
    b"await ",
    b"def ",
    b"fn ",
    b"go ",
    b"func ",
    b"lock",
    b"synchronized",
    b"# ravel: ignore[",
    b"// ravel: ignore-file[x]",
    b"\xff",
    b"\xc3",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xf0\x9f\x98\x80",
    b"time.sleep(1)",
    b"fs.readFileSync(p)",
    b"Thread.Sleep(1)",
    b"x += 1",
    b"go func() {",
];

fn mutate(rng: &mut Choices, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(out.len() + 1);
        match rng.below(5) {
            0 if !out.is_empty() => {
                let end = (at + rng.below(64)).min(out.len());
                out.drain(at.min(end)..end);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                out.splice(at..at, t.iter().copied());
            }
            2 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = rng.next() as u8;
            }
            3 if !out.is_empty() => {
                // Duplicate a slice somewhere else: deepens nesting, repeats constructs.
                let from = rng.below(out.len());
                let end = (from + rng.below(200)).min(out.len());
                let piece = out[from..end].to_vec();
                out.splice(at..at, piece);
            }
            _ => out.truncate(at),
        }
    }
    out
}

fn check_one(engine: &Engine, lang: Language, path: &Path, bytes: Vec<u8>, what: &str) {
    let len = bytes.len();
    let outcome = check_bytes(engine, path, lang, bytes, &Limits::default());
    if let Outcome::Checked {
        source,
        diagnostics,
        ..
    } = &outcome
    {
        for d in diagnostics {
            assert!(
                d.range.start <= d.range.end && d.range.end <= source.len(),
                "{what}: range {:?} outside {} bytes",
                d.range,
                len
            );
            assert!(
                source.is_char_boundary(d.range.start),
                "{what}: range inside a character"
            );
            for l in &d.labels {
                assert!(
                    l.range.end <= source.len(),
                    "{what}: label outside the file"
                );
            }
        }
        // Every output format renders it.
        let report = ravel::run::FileReport {
            path: path.to_path_buf(),
            language: lang,
            source: source.clone(),
            diagnostics: diagnostics.clone(),
        };
        let files = [report];
        let mut sink = termcolor::NoColor::new(Vec::new());
        ravel::report::text::emit(&mut sink, "f", source, diagnostics).unwrap();
        ravel::report::concise::emit(&mut sink, &files).unwrap();
        ravel::report::json::emit(&mut sink, &files).unwrap();
        ravel::report::github::emit(&mut sink, &files).unwrap();
    }
}

#[test]
fn arbitrary_bytes_and_mutated_fixtures_never_break_a_check() {
    let n: usize = std::env::var("RAVEL_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let base: u64 = std::env::var("RAVEL_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let engine = Engine::new(RuleSet::embedded().unwrap());
    let mut executions = 0usize;
    for (seed, (rel, text)) in EMBEDDED_FIXTURES.iter().enumerate() {
        let Some(lang) = Language::from_path(Path::new(rel)) else {
            continue;
        };
        let path = Path::new("src").join(rel);
        let mut rng = Choices(Rng(0x9e37_79b9_7f4a_7c15
            ^ (seed as u64 + 1)
            ^ base.rotate_left(32)));
        for i in 0..n {
            let bytes = mutate(&mut rng, text.as_bytes());
            check_one(
                &engine,
                lang,
                &path,
                bytes,
                &format!("{rel} mutation {i} (seed {base})"),
            );
            executions += 1;
        }
    }
    for (k, lang) in Language::ALL.iter().enumerate() {
        let ext = lang.extensions()[0];
        let path = Path::new("src").join(format!("random.{ext}"));
        let mut rng = Choices(Rng((0x5151_5151 + k as u64) ^ base.rotate_left(32)));
        for i in 0..32 * n {
            let len = rng.below(400);
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    if rng.below(3) == 0 {
                        rng.next() as u8
                    } else {
                        TOKENS[rng.below(TOKENS.len())][0]
                    }
                })
                .collect();
            check_one(
                &engine,
                *lang,
                &path,
                bytes,
                &format!("random {} input {i} (seed {base})", lang.id()),
            );
            executions += 1;
        }
    }
    eprintln!("fuzz: {executions} executions (seed {base}), no failures");
}
