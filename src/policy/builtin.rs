//! The built-in default pack: the repository's `policies/*.toml`, compiled
//! into the binary.

/// `(file name, contents)` of every built-in policy file, in load order.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("defaults.toml", include_str!("../../policies/defaults.toml")),
];
