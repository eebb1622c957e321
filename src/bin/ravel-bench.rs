//! The benchmark: `ravel-bench generate DIR --files N` writes a synthetic polyglot corpus of
//! our own code; `ravel-bench run PATH...` measures, on the same files in the same run,
//! reading only, reading and parsing (the floor), the full check, and the full check with
//! every rule replicated ten times, on one thread and on all cores.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use ravel::check::{Limits, check_path, decode, parse};
use ravel::discover::discover;
use ravel::engine::Engine;
use ravel::language::Language;
use ravel::rng::Rng;
use ravel::rule::set::RuleSet;

/// mimalloc: the engine allocates many small vectors per file; glibc's allocator makes
/// threads contend for them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("generate") => generate(&args[1..]),
        Some("run") => run(&args[1..]),
        _ => Err(USAGE.to_string()),
    };
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(2);
    }
}

const USAGE: &str = "usage:
  ravel-bench generate <DIR> [--files N] [--seed S]   write a synthetic corpus (default 2000 files)
  ravel-bench run <PATH>... [--repeat N]              measure (best of N runs, default 3)";

fn flag(args: &[String], name: &str, default: u64) -> Result<u64, String> {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{name} needs a number")),
        None => Ok(default),
    }
}

fn positional(args: &[String]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
        } else if a.starts_with("--") {
            skip = true;
        } else {
            out.push(PathBuf::from(a));
        }
    }
    out
}

/// One unit of code per language; `{n}` becomes a unique number. Mostly ordinary code, with
/// an occasional anti-pattern, as in real repositories.
const UNITS: &[(&str, &str)] = &[
    (
        "py",
        r#"
import asyncio
import threading
import time

counter_{n} = 0
lock_{n} = threading.Lock()


class Service{n}:
    def __init__(self, name, size):
        self.name = name
        self.items = [i * {n} for i in range(size)]

    def total(self):
        return sum(x for x in self.items if x % 3 == 0)

    async def fetch(self, session, url):
        async with session.get(url) as resp:
            return await resp.text()


def bump_{n}():
    global counter_{n}
    with lock_{n}:
        counter_{n} += 1


async def handler_{n}(request):
    data = await request.json()
    if data.get("slow"):
        time.sleep(0.1)
    return {"ok": True, "n": {n}}


threading.Thread(target=bump_{n}).start()
"#,
    ),
    (
        "js",
        r#"
const fs = require("fs");
const express = require("express");
const app{n} = express();

function parse{n}(text) {
  return text.split("\n").map((l) => l.trim()).filter(Boolean);
}

app{n}.get("/items/{n}", async (req, res) => {
  const rows = await req.db.query("select * from items where id = $1", [req.params.id]);
  res.json(rows.map((r) => ({ id: r.id, name: r.name })));
});

app{n}.get("/config/{n}", (req, res) => {
  const text = fs.readFileSync("config.json", "utf8");
  res.send(parse{n}(text));
});

module.exports = { parse{n} };
"#,
    ),
    (
        "ts",
        r#"
import { readFile } from "node:fs/promises";

interface Item{n} {
  id: number;
  name: string;
}

export class Store{n} {
  private items: Map<number, Item{n}> = new Map();

  add(item: Item{n}): void {
    this.items.set(item.id, item);
  }

  async load(path: string): Promise<number> {
    const text = await readFile(path, "utf8");
    for (const line of text.split("\n")) {
      const [id, name] = line.split(",");
      this.add({ id: Number(id), name });
    }
    return this.items.size;
  }
}
"#,
    ),
    (
        "java",
        r#"
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

class Worker{n} {
    private final AtomicInteger done = new AtomicInteger();
    private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();

    int sum(List<Integer> xs) {
        int total = 0;
        for (int x : xs) {
            total += x * {n};
        }
        return total;
    }

    void run(List<String> urls) {
        for (String url : urls) {
            pool.submit(() -> {
                fetch(url);
                done.incrementAndGet();
            });
        }
    }

    private String fetch(String url) {
        return url.toUpperCase();
    }
}
"#,
    ),
    (
        "rs",
        r#"
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct Cache{n} {
    inner: Arc<Mutex<HashMap<String, u64>>>,
}

impl Cache{n} {
    pub fn new() -> Self {
        Cache{n} { inner: Arc::new(Mutex::new(HashMap::new())) }
    }

    pub fn bump(&self, key: &str) -> u64 {
        let mut map = self.inner.lock().unwrap();
        let v = map.entry(key.to_string()).or_insert(0);
        *v += {n};
        *v
    }

    pub async fn load(&self, path: &str) -> std::io::Result<usize> {
        let text = tokio::fs::read_to_string(path).await?;
        Ok(text.lines().count())
    }
}
"#,
    ),
    (
        "go",
        r#"
package corpus

import (
	"strings"
	"sync"
)

type Counter{n} struct {
	mu    sync.Mutex
	count map[string]int
}

func (c *Counter{n}) Add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.count[strings.ToLower(key)] += {n}
}

func Fan{n}(keys []string) *Counter{n} {
	c := &Counter{n}{count: map[string]int{}}
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Add(1)
		go func(k string) {
			defer wg.Done()
			c.Add(k)
		}(k)
	}
	wg.Wait()
	return c
}
"#,
    ),
    (
        "cs",
        r#"
using System;
using System.Collections.Generic;
using System.Threading.Tasks;

public class Orders{n}
{
    private readonly object _gate = new object();
    private int _count;

    public async Task<int> LoadAsync(IEnumerable<string> ids)
    {
        var total = 0;
        foreach (var id in ids)
        {
            total += id.Length * {n};
        }
        await Task.Delay(1);
        return total;
    }

    public void Record()
    {
        lock (_gate)
        {
            _count++;
        }
    }
}
"#,
    ),
];

fn generate(args: &[String]) -> Result<(), String> {
    let dir = positional(args)
        .into_iter()
        .next()
        .ok_or_else(|| USAGE.to_string())?;
    let files = flag(args, "--files", 2000)?;
    let mut rng = Rng(flag(args, "--seed", 42)? | 1);
    let mut bytes = 0usize;
    for i in 0..files {
        let (ext, unit) = UNITS[(i % UNITS.len() as u64) as usize];
        let sub = dir.join(format!("pkg{:03}", i / 50));
        std::fs::create_dir_all(&sub).map_err(|e| format!("{}: {e}", sub.display()))?;
        let units = 2 + rng.below(10);
        let mut text = String::new();
        for u in 0..units {
            let n = (i * 16 + u).to_string();
            let body = unit.replace("{n}", &n);
            // Go allows one package clause per file; later units drop it and the imports.
            if ext == "go" && u > 0 {
                text.push_str(body.split_once("\n)\n").map_or(&body, |(_, b)| b));
            } else {
                text.push_str(&body);
            }
        }
        bytes += text.len();
        let path = sub.join(format!("file{i}.{ext}"));
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    println!(
        "wrote {files} files, {:.1} MB, to {}",
        bytes as f64 / 1e6,
        dir.display()
    );
    Ok(())
}

/// Peak resident memory of this process so far, in MB (Linux; 0 elsewhere).
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn best_of<T>(repeat: u64, mut f: impl FnMut() -> T) -> Duration {
    (0..repeat.max(1))
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .min()
        .expect("at least one run")
}

/// One measured phase: a parallel pass over the corpus returning a checksum.
type Phase<'a> = Box<dyn Fn() -> usize + Sync + 'a>;

fn run(args: &[String]) -> Result<(), String> {
    let paths = positional(args);
    if paths.is_empty() {
        return Err(USAGE.to_string());
    }
    let repeat = flag(args, "--repeat", 3)?;
    let found = discover(&paths);
    let jobs: Vec<(PathBuf, Language)> = found
        .jobs
        .into_iter()
        .map(|j| (j.path, j.language))
        .collect();
    let bytes: u64 = jobs
        .iter()
        .filter_map(|(p, _)| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let limits = Limits::default();
    let rules = RuleSet::embedded().map_err(|e| e.to_string())?;
    let replicated = rules.replicated(10);
    let engine = Engine::new(rules.clone());
    let engine10 = Engine::new(replicated);
    // Compile every language's query before timing.
    for lang in Language::ALL {
        engine.language(*lang).map_err(|e| e.to_string())?;
        engine10.language(*lang).map_err(|e| e.to_string())?;
    }
    let read = |p: &Path| std::fs::read(p).map(|b| b.len()).unwrap_or(0);
    let parse_one = |p: &Path, lang: Language| {
        let Ok(b) = std::fs::read(p) else { return 0 };
        let Some((text, _)) = decode(b) else { return 0 };
        parse(lang, &text, limits.parse_timeout).map_or(0, |t| t.root_node().child_count() as usize)
    };
    let check_one =
        |e: &Engine, p: &Path, lang: Language| match check_path(e, p, lang, &limits, None) {
            ravel::check::Outcome::Checked { diagnostics, .. } => diagnostics.len(),
            _ => 0,
        };
    // Warm the page cache.
    jobs.iter().for_each(|(p, _)| {
        read(p);
    });
    println!(
        "corpus: {} files, {:.1} MB ({} rules; 10x: {})",
        jobs.len(),
        bytes as f64 / 1e6,
        rules.rules().len(),
        rules.rules().len() * 10
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut floor = [Duration::ZERO; 2];
    println!(
        "{:<22} {:>7} {:>10} {:>9} {:>11} {:>8}",
        "phase", "threads", "seconds", "MB/s", "files/s", "x floor"
    );
    for (ti, threads) in [1usize, cores].into_iter().enumerate() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(16 * 1024 * 1024)
            .build()
            .map_err(|e| e.to_string())?;
        let phases: [(&str, Phase); 4] = [
            (
                "read",
                Box::new(|| jobs.par_iter().map(|(p, _)| read(p)).sum()),
            ),
            (
                "read+parse (floor)",
                Box::new(|| jobs.par_iter().map(|(p, l)| parse_one(p, *l)).sum()),
            ),
            (
                "full check",
                Box::new(|| {
                    jobs.par_iter()
                        .map(|(p, l)| check_one(&engine, p, *l))
                        .sum()
                }),
            ),
            (
                "full check, 10x rules",
                Box::new(|| {
                    jobs.par_iter()
                        .map(|(p, l)| check_one(&engine10, p, *l))
                        .sum()
                }),
            ),
        ];
        for (name, f) in &phases {
            let d = pool.install(|| best_of(repeat, f));
            if *name == "read+parse (floor)" {
                floor[ti] = d;
            }
            let secs = d.as_secs_f64();
            let ratio = if floor[ti].is_zero() {
                String::from("-")
            } else {
                format!("{:.2}", secs / floor[ti].as_secs_f64())
            };
            println!(
                "{:<22} {:>7} {:>10.3} {:>9.1} {:>11.0} {:>8}",
                name,
                threads,
                secs,
                bytes as f64 / 1e6 / secs,
                jobs.len() as f64 / secs,
                ratio
            );
        }
    }
    println!("peak memory: {:.0} MB", peak_mb());
    Ok(())
}
