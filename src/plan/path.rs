//! Attribute paths inside a resource's values (`tags["Name"]`, `disk[0].size`).
//!
//! Displayed the way Terraform writes them; [`Path::shape`] drops list
//! indices so that paths compare across environments whose lists differ in
//! length.

use std::fmt;

use serde_json::Value;

/// One step of a path: an attribute or map key, or a list index.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// A path from the root of a resource's value to one attribute.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path(pub Vec<Step>);

impl Path {
    pub fn root() -> Path {
        Path(Vec::new())
    }

    pub fn child_key(&self, key: &str) -> Path {
        let mut steps = self.0.clone();
        steps.push(Step::Key(key.to_owned()));
        Path(steps)
    }

    pub fn child_index(&self, index: usize) -> Path {
        let mut steps = self.0.clone();
        steps.push(Step::Index(index));
        Path(steps)
    }

    /// The path as the change's shape sees it: list indices written `*`.
    pub fn shape(&self) -> String {
        let mut out = String::new();
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(k) => write_key(&mut out, k, i == 0),
                Step::Index(_) => out.push_str("[*]"),
            }
        }
        out
    }

    /// Parses one element of `replace_paths` (`["list", 1, "name"]`).
    pub fn from_json(steps: &Value) -> Option<Path> {
        let steps = steps.as_array()?;
        let mut out = Vec::with_capacity(steps.len());
        for s in steps {
            match s {
                Value::String(k) => out.push(Step::Key(k.clone())),
                Value::Number(n) => out.push(Step::Index(usize::try_from(n.as_u64()?).ok()?)),
                _ => return None,
            }
        }
        Some(Path(out))
    }

    /// Whether `self` is `other` or lies below it.
    pub fn starts_with(&self, other: &Path) -> bool {
        self.0.starts_with(&other.0)
    }
}

fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn write_key(out: &mut String, key: &str, first: bool) {
    if is_identifier(key) {
        if !first {
            out.push('.');
        }
        out.push_str(key);
    } else {
        out.push('[');
        out.push_str(&serde_json::to_string(key).unwrap_or_default());
        out.push(']');
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(k) => write_key(&mut out, k, i == 0),
                Step::Index(n) => {
                    out.push('[');
                    out.push_str(&n.to_string());
                    out.push(']');
                }
            }
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn displays_like_terraform() {
        let p = Path::from_json(&json!(["tags", "kubernetes.io/role", "x"])).unwrap();
        assert_eq!(p.to_string(), r#"tags["kubernetes.io/role"].x"#);
        let p = Path::from_json(&json!(["disk", 0, "size"])).unwrap();
        assert_eq!(p.to_string(), "disk[0].size");
        assert_eq!(p.shape(), "disk[*].size");
    }

    #[test]
    fn rejects_non_path_json() {
        assert!(Path::from_json(&json!({"a": 1})).is_none());
        assert!(Path::from_json(&json!([true])).is_none());
        assert!(Path::from_json(&json!([-1])).is_none());
    }
}
