//! Qualified-name patterns: globs over resolved names such as `fs.*Sync`.

use regex::Regex;

/// A set of name globs; `*` matches any run of characters.
///
/// Rule files compile their globs into one anchored regex once, at load; the semantics
/// tables' static lists are matched directly, so the hot path never compiles anything.
#[derive(Clone, Debug)]
pub enum NameSet {
    /// Globs from a rule file, compiled.
    Compiled {
        /// One anchored alternation of all globs.
        regex: Regex,
        /// The globs as written.
        globs: Vec<String>,
    },
    /// A static list from a semantics table.
    Static(&'static [&'static str]),
}

impl NameSet {
    /// Compile globs; an empty glob or one with regex metacharacters other than `*` is an error.
    pub fn new(globs: &[String]) -> Result<NameSet, String> {
        let mut alts = Vec::new();
        for g in globs {
            if g.is_empty() {
                return Err("empty name pattern".into());
            }
            if let Some(c) = g.chars().find(|c| "()[]{}|+?^$\\ ".contains(*c)) {
                return Err(format!(
                    "name pattern `{g}` contains `{c}`; only `*` is special"
                ));
            }
            let parts: Vec<String> = g.split('*').map(regex::escape).collect();
            alts.push(parts.join(".*"));
        }
        let regex = Regex::new(&format!("^(?:{})$", alts.join("|"))).map_err(|e| e.to_string())?;
        Ok(NameSet::Compiled {
            regex,
            globs: globs.to_vec(),
        })
    }

    /// Does any glob match this name?
    pub fn matches(&self, name: &str) -> bool {
        match self {
            NameSet::Compiled { regex, .. } => regex.is_match(name),
            NameSet::Static(globs) => globs.iter().any(|g| glob_match(g, name)),
        }
    }

    /// Does any glob match any of these candidate names?
    pub fn matches_any<S: AsRef<str>>(&self, names: &[S]) -> bool {
        names.iter().any(|n| self.matches(n.as_ref()))
    }

    /// The globs as written.
    pub fn globs(&self) -> Vec<&str> {
        match self {
            NameSet::Compiled { globs, .. } => globs.iter().map(String::as_str).collect(),
            NameSet::Static(globs) => globs.to_vec(),
        }
    }
}

/// Match one glob (`*` = any run of characters) against a whole name, without allocating.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(g: &[&str]) -> NameSet {
        NameSet::new(&g.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn globs_match_whole_names() {
        let s = set(&["fs.*Sync", "time.sleep"]);
        assert!(s.matches("fs.readFileSync"));
        assert!(s.matches("time.sleep"));
        assert!(!s.matches("fs.readFile"));
        assert!(!s.matches("xtime.sleep"));
        assert!(!s.matches("time.sleeper"));
    }

    #[test]
    fn static_lists_match_like_compiled_ones() {
        let globs: &'static [&'static str] = &["fs.*Sync", "time.sleep", "a*b*c", "*.listen"];
        let compiled = set(globs);
        let fixed = NameSet::Static(globs);
        for name in [
            "fs.readFileSync",
            "fs.Sync",
            "time.sleep",
            "abc",
            "aXbYc",
            "acb",
            "app.listen",
            ".listen",
            "listen",
            "fs.readFile",
        ] {
            assert_eq!(compiled.matches(name), fixed.matches(name), "{name}");
        }
    }

    #[test]
    fn metacharacters_are_rejected() {
        assert!(NameSet::new(&["a|b".to_string()]).is_err());
        assert!(NameSet::new(&["".to_string()]).is_err());
    }
}
