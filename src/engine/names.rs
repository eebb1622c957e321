//! Qualified-name patterns: globs over resolved names such as `fs.*Sync`.

use regex::Regex;

/// A set of name globs compiled into one anchored regex; `*` matches any run of characters.
#[derive(Clone, Debug)]
pub struct NameSet {
    regex: Regex,
    globs: Vec<String>,
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
        Ok(NameSet {
            regex,
            globs: globs.to_vec(),
        })
    }

    /// Does any glob match this name?
    pub fn matches(&self, name: &str) -> bool {
        self.regex.is_match(name)
    }

    /// Does any glob match any of these candidate names?
    pub fn matches_any<S: AsRef<str>>(&self, names: &[S]) -> bool {
        names.iter().any(|n| self.matches(n.as_ref()))
    }

    /// The globs as written.
    pub fn globs(&self) -> &[String] {
        &self.globs
    }
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
    fn metacharacters_are_rejected() {
        assert!(NameSet::new(&["a|b".to_string()]).is_err());
        assert!(NameSet::new(&["".to_string()]).is_err());
    }
}
