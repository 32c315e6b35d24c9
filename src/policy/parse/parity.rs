//! Parsing `[[parity]]` and `[[one_way]]` entries (see `policy::parity`).

use std::ops::Range;

use toml_edit::Value;

use super::{Fields, FileCtx, Loader, quoted_list};
use crate::policy::parity::{AttrPath, Comparison, DIRECTIONS, Direction, OUTCOMES, OneWay, Outcome, Parity};

impl Loader {
    pub(super) fn parity(&mut self, ctx: &FileCtx, f: &Fields<'_>, span: &Option<Range<usize>>) {
        let type_ = self.required_type(ctx, f, span, "parity");
        let mut attributes = Vec::new();
        match f.str_list(self, ctx, "attributes") {
            Some(list) if !list.is_empty() => {
                for (a, sp) in list {
                    match AttrPath::new(&a) {
                        Ok(p) => attributes.push(p),
                        Err(e) => self.problem(ctx, &sp, e),
                    }
                }
            }
            Some(_) => self.problem(ctx, span, "`attributes` must name at least one attribute".into()),
            None if f.has("attributes") => {}
            None => self.problem(ctx, span, "a `[[parity]]` entry needs `attributes` (kind attributes)".into()),
        }
        let compare = match f.opt_str(self, ctx, "compare") {
            None => Some("exact".to_owned()),
            Some((c, sp)) => match c.as_str() {
                "exact" | "major" | "presence" => Some(c),
                _ => {
                    self.problem(
                        ctx,
                        &sp,
                        format!("unknown comparison `{c}`; expected `exact`, `major` or `presence`"),
                    );
                    None
                }
            },
        };
        let parts = match f.get("parts") {
            None => Some(None),
            Some((Value::Integer(n), sp)) => match u8::try_from(*n.value()) {
                Ok(n @ 1..=4) => Some(Some(n)),
                _ => {
                    self.problem(ctx, &sp, "`parts` must be 1 to 4 (how many leading version numbers)".into());
                    None
                }
            },
            Some((_, sp)) => {
                self.problem(ctx, &sp, "`parts` must be an integer: `parts = 1`".into());
                None
            }
        };
        let compare = match (compare.as_deref(), parts) {
            (Some("major"), Some(p)) => Some(Comparison::Major(p)),
            (Some(_), Some(Some(_))) => {
                self.problem(ctx, span, "`parts` only goes with `compare = \"major\"`".into());
                None
            }
            (Some("exact"), Some(None)) => Some(Comparison::Exact),
            (Some("presence"), Some(None)) => Some(Comparison::Presence),
            _ => None,
        };
        let reason = f.req_text(self, ctx, span, "reason", "parity");
        let source = f.opt_str(self, ctx, "source").map(|(s, _)| s);
        if let (Some(type_), Some(compare), Some(reason), false) = (type_, compare, reason, attributes.is_empty()) {
            self.policy.parity.push(Parity { type_, attributes, compare, reason, source, origin: ctx.origin(span) });
        }
    }

    pub(super) fn one_way(&mut self, ctx: &FileCtx, f: &Fields<'_>, span: &Option<Range<usize>>) {
        let type_ = self.required_type(ctx, f, span, "one_way");
        let path = match f.opt_str(self, ctx, "path") {
            Some((p, sp)) => AttrPath::new(&p).map_err(|e| self.problem(ctx, &sp, e)).ok(),
            None if f.has("path") => None,
            None => {
                self.problem(ctx, span, "a `[[one_way]]` entry needs `path` (the attribute, dotted)".into());
                None
            }
        };
        let direction = match f.opt_str(self, ctx, "direction") {
            Some((d, sp)) => Direction::parse(&d).or_else(|| {
                self.problem(ctx, &sp, format!("unknown direction `{d}`; expected one of {}", quoted_list(DIRECTIONS)));
                None
            }),
            None if f.has("direction") => None,
            None => {
                self.problem(
                    ctx,
                    span,
                    format!("a `[[one_way]]` entry needs `direction` ({})", quoted_list(DIRECTIONS)),
                );
                None
            }
        };
        let outcome = match f.opt_str(self, ctx, "outcome") {
            Some((o, sp)) => Outcome::parse(&o).or_else(|| {
                self.problem(ctx, &sp, format!("unknown outcome `{o}`; expected one of {}", quoted_list(OUTCOMES)));
                None
            }),
            None if f.has("outcome") => None,
            None => {
                self.problem(ctx, span, format!("a `[[one_way]]` entry needs `outcome` ({})", quoted_list(OUTCOMES)));
                None
            }
        };
        let from = self.values(ctx, f, "from");
        let to = self.values(ctx, f, "to");
        let reason = f.req_text(self, ctx, span, "reason", "one_way");
        let source = f.req_text(self, ctx, span, "source", "one_way");
        if let (Some(type_), Some(path), Some(direction), Some(outcome), Some(reason), Some(source)) =
            (type_, path, direction, outcome, reason, source)
        {
            self.policy.one_way.push(OneWay {
                type_,
                path,
                direction,
                from,
                to,
                outcome,
                reason,
                source,
                origin: ctx.origin(span),
            });
        }
    }

    fn required_type(
        &mut self,
        ctx: &FileCtx,
        f: &Fields<'_>,
        span: &Option<Range<usize>>,
        what: &str,
    ) -> Option<crate::policy::TypeGlob> {
        match f.opt_str(self, ctx, "type") {
            Some((s, sp)) => self.type_glob(ctx, &s, &sp),
            None if f.has("type") => None,
            None => {
                self.problem(ctx, span, format!("a `[[{what}]]` entry needs `type` (a resource type glob)"));
                None
            }
        }
    }

    /// `from` / `to`: one value or a list, each a string, number or boolean,
    /// kept in display form (`"Storage"`, `true`, `7`).
    fn values(&mut self, ctx: &FileCtx, f: &Fields<'_>, key: &str) -> Vec<String> {
        let Some((v, sp)) = f.get(key) else { return Vec::new() };
        let one = |v: &Value| match v {
            Value::String(s) => Some(s.value().clone()),
            Value::Integer(i) => Some(i.value().to_string()),
            Value::Boolean(b) => Some(b.value().to_string()),
            _ => None,
        };
        let list: Vec<Option<String>> = match v {
            Value::Array(a) => a.iter().map(one).collect(),
            v => vec![one(v)],
        };
        if list.iter().any(Option::is_none) || list.is_empty() {
            self.problem(ctx, &sp, format!("`{key}` must be a string, number or boolean, or a list of them"));
            return Vec::new();
        }
        list.into_iter().flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::parity::{Comparison, Direction, Outcome};
    use crate::policy::parse_str;

    fn problems(text: &str) -> Vec<String> {
        match parse_str("p.toml", text) {
            Ok(_) => vec![],
            Err(p) => p.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn parity_entries_parse() {
        let p = parse_str(
            "p.toml",
            r#"
[[parity]]
type = "aws_db_instance"
attributes = ["engine", "storage_encrypted"]
reason = "same engine"

[[parity]]
type = "aws_db_instance"
attributes = ["engine_version"]
compare = "major"
reason = "same major"

[[parity]]
type = "aws_eks_cluster"
attributes = ["version"]
compare = "major"
parts = 2
reason = "same minor"
source = "https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html"
"#,
        )
        .unwrap();
        assert_eq!(p.parity.len(), 3);
        assert_eq!(p.parity[0].compare, Comparison::Exact);
        assert_eq!(p.parity[1].compare, Comparison::Major(None));
        assert_eq!(p.parity[2].compare, Comparison::Major(Some(2)));
        assert_eq!(p.parity[0].attributes[1].text, "storage_encrypted");
    }

    #[test]
    fn parity_mistakes_are_reported() {
        let p = problems(
            r#"
[[parity]]
type = "aws_db_instance"
attributes = ["engine[0]"]
compare = "roughly"
parts = 2
reason = "x"
colour = 1
"#,
        );
        assert!(p.iter().any(|m| m.starts_with("p.toml:4:15: bad attribute `engine[0]`")), "{p:?}");
        assert!(p.iter().any(|m| m.starts_with("p.toml:5:11: unknown comparison `roughly`")), "{p:?}");
        assert!(p.iter().any(|m| m.starts_with("p.toml:8:1: unknown key `colour` in `parity`")), "{p:?}");
        let p = problems(
            "[[parity]]\ntype = \"x\"\nattributes = [\"a\"]\ncompare = \"exact\"\nparts = 1\nreason = \"r\"\n",
        );
        assert_eq!(p, ["p.toml:1:1: `parts` only goes with `compare = \"major\"`"]);
        let p = problems("[[parity]]\ntype = \"x\"\nreason = \"r\"\n");
        assert_eq!(p, ["p.toml:1:1: a `[[parity]]` entry needs `attributes` (kind attributes)"]);
    }

    #[test]
    fn one_way_entries_parse() {
        let p = parse_str(
            "p.toml",
            r#"
[[one_way]]
type = "azurerm_storage_account"
path = "account_kind"
direction = "change"
from = "Storage"
to = ["StorageV2"]
outcome = "replace"
reason = "only Storage -> StorageV2 is in place"
source = "https://example.invalid/src"
"#,
        )
        .unwrap();
        let e = &p.one_way[0];
        assert_eq!((e.direction, e.outcome), (Direction::Change, Outcome::Replace));
        assert_eq!((e.from.as_slice(), e.to.as_slice()), (&["Storage".to_owned()][..], &["StorageV2".to_owned()][..]));
    }

    #[test]
    fn one_way_mistakes_are_reported() {
        let p = problems(
            r#"
[[one_way]]
type = "aws_db_instance"
path = "allocated_storage"
direction = "grow"
outcome = "silent"
reason = "x"
"#,
        );
        assert!(p.iter().any(|m| m.starts_with("p.toml:5:13: unknown direction `grow`")), "{p:?}");
        assert!(p.iter().any(|m| m.starts_with("p.toml:6:11: unknown outcome `silent`")), "{p:?}");
        assert!(p.iter().any(|m| m == "p.toml:2:1: a `[[one_way]]` entry needs `source`"), "{p:?}");
        assert_eq!(p.len(), 3, "{p:?}");
    }
}
