//! Reading resource instance addresses by their grammar, never by
//! substring: `module.NAME[KEY].` repeated, then `data.` for a data source,
//! then `TYPE.NAME[KEY]`. Keys are numbers or quoted strings, which may hold
//! any character (`"eu.data.x"`, `"]"`), so a dot or a bracket inside one
//! means nothing.

use super::Mode;

/// The address split at its top-level dots (outside instance keys), each
/// part with its instance key, if any.
fn parts(address: &str) -> Vec<&str> {
    let bytes = address.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    let mut in_key = false;
    let mut in_string = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' if in_key => in_string = !in_string,
            b'[' if !in_string => in_key = true,
            b']' if !in_string => in_key = false,
            b'.' if !in_key => {
                out.push(&address[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&address[start..]);
    out
}

/// The parts after the module path (`module.NAME[KEY]` pairs).
fn resource_parts(address: &str) -> Vec<&str> {
    let parts = parts(address);
    let mut i = 0;
    while i + 2 < parts.len() && parts[i] == "module" {
        i += 2;
    }
    parts[i..].to_vec()
}

/// The mode an address names: a data source only when `data.` follows the
/// module path; anything else (or anything unclear) is managed.
pub fn mode_of(address: &str) -> Mode {
    let rest = resource_parts(address);
    if rest.len() == 3 && rest[0] == "data" { Mode::Data } else { Mode::Managed }
}

/// The resource type an address names, for trimmed plans that lack `type`.
pub fn type_of(address: &str) -> &str {
    let rest = resource_parts(address);
    let rest = if rest.len() == 3 && rest[0] == "data" { &rest[1..] } else { &rest[..] };
    if rest.len() >= 2 { rest[rest.len() - 2] } else { "" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_sources_only_where_the_grammar_says_so() {
        for (address, mode, type_) in [
            ("data.aws_ami.x", Mode::Data, "aws_ami"),
            ("module.a.data.aws_ami.x", Mode::Data, "aws_ami"),
            ("module.a[\"k\"].module.b[0].data.aws_ami.x[1]", Mode::Data, "aws_ami"),
            ("module.data.aws_db_instance.x", Mode::Managed, "aws_db_instance"),
            ("aws_db_instance.x[\"eu.data.x\"]", Mode::Managed, "aws_db_instance"),
            ("module.m[\"a.data.b.c\"].aws_s3_bucket.data", Mode::Managed, "aws_s3_bucket"),
            ("module.m[\"]\\\".data.\"].aws_s3_bucket.b", Mode::Managed, "aws_s3_bucket"),
            ("aws_instance.web", Mode::Managed, "aws_instance"),
            ("data", Mode::Managed, ""),
        ] {
            assert_eq!(mode_of(address), mode, "{address}");
            assert_eq!(type_of(address), type_, "{address}");
        }
    }
}
