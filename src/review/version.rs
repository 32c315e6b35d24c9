//! Versions and quantities as plan values spell them, compared the way the
//! parity and one-way checks need.
//!
//! A version is an optional engine token, numeric parts and optional edition
//! tokens: `15.4`, `9.6.12`, `1.29.1-gke.1589018`, `5.7.mysql_aurora.2.03.2`,
//! `6.x`, `OpenSearch_2.11`, and the token spelling of Cloud SQL and
//! Memorystore (`POSTGRES_15`, `MYSQL_8_0_37`, `SQLSERVER_2022_STANDARD`,
//! `REDIS_7_0`). A missing part or an `x` matches anything (RDS accepts the
//! prefix `16` for any 16.x). Parsing never fails loudly: a value that is not
//! a version is `None` and the caller compares it exactly.

use std::cmp::Ordering;

/// One numeric part, or a wildcard (`x`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Num(u64),
    Any,
}

/// A parsed version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// Leading engine token, lowercased (`postgres`, `opensearch`), or empty.
    engine: String,
    parts: Vec<Part>,
    /// Trailing tokens of the token spelling, lowercased (`standard`).
    edition: Vec<String>,
}

fn part(s: &str) -> Option<Part> {
    if s.eq_ignore_ascii_case("x") {
        return Some(Part::Any);
    }
    if !s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok().map(Part::Num);
    }
    None
}

impl Version {
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim();
        let s = s.strip_prefix(['v', 'V']).filter(|r| r.starts_with(|c: char| c.is_ascii_digit())).unwrap_or(s);
        if s.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Version::parse_tokens(s);
        }
        let mut parts = Vec::new();
        for piece in s.split('.') {
            match part(piece) {
                Some(p) => parts.push(p),
                None => {
                    // `1-gke` in `1.29.1-gke.1589018`: keep the digits, stop.
                    let digits: String = piece.chars().take_while(char::is_ascii_digit).collect();
                    if let Some(p) = part(&digits) {
                        parts.push(p);
                    }
                    break;
                }
            }
        }
        if parts.is_empty() || parts == [Part::Any] {
            return None;
        }
        Some(Version { engine: String::new(), parts, edition: Vec::new() })
    }

    /// `POSTGRES_15`, `MYSQL_8_0_37`, `SQLSERVER_2022_STANDARD`, `REDIS_6_X`,
    /// `OpenSearch_2.11`.
    fn parse_tokens(s: &str) -> Option<Version> {
        let tokens: Vec<&str> = s.split('_').collect();
        let first_number = tokens.iter().position(|t| t.starts_with(|c: char| c.is_ascii_digit()))?;
        let engine = tokens[..first_number].join("_").to_ascii_lowercase();
        if engine.is_empty() {
            return None;
        }
        let rest = &tokens[first_number..];
        // `OpenSearch_2.11`: one dotted version after the engine.
        if rest.len() == 1 && rest[0].contains('.') {
            let v = Version::parse(rest[0])?;
            return Some(Version { engine, ..v });
        }
        let mut parts = Vec::new();
        let mut edition = Vec::new();
        for t in rest {
            match part(t) {
                Some(p) if edition.is_empty() => parts.push(p),
                _ => edition.push(t.to_ascii_lowercase()),
            }
        }
        Some(Version { engine, parts, edition })
    }

    /// How many leading parts make the major version when not told: one
    /// from 10 on (PostgreSQL 15, SQL Server 2022), else two (PostgreSQL
    /// 9.6, MySQL 8.0, Kubernetes 1.29).
    fn auto_parts(&self) -> usize {
        match self.parts.first() {
            Some(Part::Num(n)) if *n >= 10 => 1,
            _ => 2,
        }
    }

    /// Whether two versions have the same major version: the same engine
    /// and edition, and the leading `parts` numbers (or the family rule)
    /// equal wherever both have them.
    pub fn same_major(&self, other: &Version, parts: Option<u8>) -> bool {
        if self.engine != other.engine || self.edition != other.edition {
            return false;
        }
        let n = parts.map_or_else(|| self.auto_parts().max(other.auto_parts()), usize::from);
        self.parts.iter().zip(&other.parts).take(n).all(|pair| match pair {
            (Part::Num(a), Part::Num(b)) => a == b,
            _ => true,
        })
    }

    /// Orders two versions of the same engine and edition part by part; a
    /// missing part or a wildcard ends the comparison as equal. `None` when
    /// the engines or editions differ (that is a change of kind, not an
    /// upgrade).
    pub fn compare(&self, other: &Version) -> Option<Ordering> {
        if self.engine != other.engine || self.edition != other.edition {
            return None;
        }
        for pair in self.parts.iter().zip(&other.parts) {
            match pair {
                (Part::Num(a), Part::Num(b)) if a != b => return Some(a.cmp(b)),
                (Part::Num(_), Part::Num(_)) => {}
                _ => return Some(Ordering::Equal),
            }
        }
        Some(Ordering::Equal)
    }
}

/// A number, or a size such as Kubernetes' `20Gi` / `500M` / `250m`, as a
/// float; `None` for anything else.
pub fn quantity(s: &str) -> Option<f64> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'));
    let (num, unit) = match split {
        // `1e3` is a number; `2E` is a unit (exa).
        _ if s.parse::<f64>().is_ok() => (s, ""),
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    let n: f64 = num.parse().ok()?;
    let scale = match unit {
        "" => 1.0,
        "m" => 1e-3,
        "k" | "K" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    n.is_finite().then_some(n * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    fn same(a: &str, b: &str, parts: Option<u8>) -> bool {
        v(a).same_major(&v(b), parts)
    }

    #[test]
    fn postgres_counts_one_part_from_10_and_two_before() {
        assert!(!same("15.4", "16.1", None));
        assert!(same("15.4", "15.7", None));
        assert!(same("16", "16.3", None), "a prefix matches any minor");
        assert!(!same("9.6.12", "9.5.3", None));
        assert!(same("9.6.12", "9.6.24", None));
        assert!(!same("9.6", "10.1", None));
    }

    #[test]
    fn mysql_and_kubernetes_count_two_parts() {
        assert!(same("8.0.35", "8.0.36", None));
        assert!(!same("8.0", "8.4", None));
        assert!(!same("5.7", "8.0", None));
        assert!(same("5.7.mysql_aurora.2.03.2", "5.7.mysql_aurora.2.11.1", None));
        assert!(!same("1.29", "1.30", Some(2)));
        assert!(same("1.29.1-gke.1589018", "1.29.4-gke.1043002", Some(2)));
        assert!(same("7.2", "7.2.4", Some(2)));
        assert!(same("6.x", "6.2", Some(2)));
        assert!(!same("6.2", "7.0", Some(2)));
    }

    #[test]
    fn token_spelled_versions_read_the_same_way() {
        assert!(!same("POSTGRES_15", "POSTGRES_16", None));
        assert!(same("POSTGRES_15", "POSTGRES_15", None));
        assert!(!same("POSTGRES_9_6", "POSTGRES_9_5", None));
        assert!(same("MYSQL_8_0", "MYSQL_8_0_37", None));
        assert!(same("MYSQL_8_0_28", "MYSQL_8_0_30", None));
        assert!(!same("MYSQL_8_0", "MYSQL_8_4", None));
        assert!(!same("POSTGRES_15", "MYSQL_8_0", None), "another engine");
        assert!(!same("SQLSERVER_2022_STANDARD", "SQLSERVER_2022_ENTERPRISE", None), "another edition");
        assert!(!same("SQLSERVER_2019_STANDARD", "SQLSERVER_2022_STANDARD", None));
        assert!(same("REDIS_6_X", "REDIS_6_2", Some(2)));
        assert!(!same("OpenSearch_2.11", "Elasticsearch_7.10", Some(1)));
        assert!(same("OpenSearch_2.11", "OpenSearch_2.13", Some(1)));
        assert!(
            !same("OpenSearch_2.11", "Elasticsearch_2.13", Some(1)),
            "the engine of a dotted token spelling counts"
        );
        assert_eq!(v("OpenSearch_2.11").compare(&v("Elasticsearch_2.13")), None);
        assert!(!same("15", "POSTGRES_15", None), "a plain number is not a token spelling");
        assert!(
            !same("ENGINE_1.2_A", "ENGINE_1.2_B", None),
            "only a lone dotted version after the engine is the OpenSearch spelling; tokens after one are an edition"
        );
    }

    #[test]
    fn versions_order_as_versions() {
        assert_eq!(v("9.6").compare(&v("10.1")), Some(Ordering::Less));
        assert_eq!(v("1.29").compare(&v("1.30")), Some(Ordering::Less));
        assert_eq!(v("1.30").compare(&v("1.29.8")), Some(Ordering::Greater));
        assert_eq!(v("13.10").compare(&v("13.7")), Some(Ordering::Greater));
        assert_eq!(v("16").compare(&v("16.3")), Some(Ordering::Equal));
        assert_eq!(v("POSTGRES_14").compare(&v("POSTGRES_15")), Some(Ordering::Less));
        assert_eq!(v("REDIS_6_X").compare(&v("REDIS_7_0")), Some(Ordering::Less));
        assert_eq!(v("v1.28").compare(&v("1.29")), Some(Ordering::Less));
        assert_eq!(v("POSTGRES_15").compare(&v("MYSQL_8_0")), None);
    }

    #[test]
    fn non_versions_are_none() {
        for s in ["", "latest", "x", "postgres", "stable", "REGULAR"] {
            assert!(Version::parse(s).is_none(), "{s}");
        }
    }

    #[test]
    fn quantities_read_units() {
        assert_eq!(quantity("20"), Some(20.0));
        assert_eq!(quantity("10Gi"), Some(10.0 * 1024f64.powi(3)));
        assert_eq!(quantity("500M"), Some(5e8));
        assert_eq!(quantity("250m"), Some(0.25));
        assert_eq!(quantity("1.5"), Some(1.5));
        assert!(quantity("20Gi").unwrap() > quantity("10Gi").unwrap());
        assert!(quantity("1Ti").unwrap() > quantity("900Gi").unwrap());
        assert_eq!(quantity("large"), None);
        assert_eq!(quantity("10Qi"), None);
        assert_eq!(quantity("2E"), Some(2e18));
    }

    #[test]
    fn every_unit_scales() {
        let k = 1024f64;
        for (s, want) in [
            ("3", Some(3.0)),
            (" 3 ", Some(3.0)),
            ("-2", Some(-2.0)),
            ("+2", Some(2.0)),
            ("1e3", Some(1e3)),
            ("3m", Some(3e-3)),
            ("3k", Some(3e3)),
            ("3K", Some(3e3)),
            ("3M", Some(3e6)),
            ("3G", Some(3e9)),
            ("3T", Some(3e12)),
            ("3P", Some(3e15)),
            ("3E", Some(3e18)),
            ("3Ki", Some(3.0 * k)),
            ("3Mi", Some(3.0 * k.powi(2))),
            ("3Gi", Some(3.0 * k.powi(3))),
            ("3Ti", Some(3.0 * k.powi(4))),
            ("3Pi", Some(3.0 * k.powi(5))),
            ("3Ei", Some(3.0 * k.powi(6))),
            ("1.5Gi", Some(1.5 * k.powi(3))),
            ("3g", None),
            ("3ki", None),
            ("Gi", None),
            ("inf", None),
            ("NaN", None),
            ("", None),
        ] {
            assert_eq!(quantity(s), want, "{s:?}");
        }
    }
}
