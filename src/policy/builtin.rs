//! The built-in default pack: the repository's `policies/*.toml`, compiled
//! into the binary.

/// `(file name, contents)` of every built-in policy file, in load order.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("defaults.toml", include_str!("../../policies/defaults.toml")),
    ("aws.toml", include_str!("../../policies/aws.toml")),
    ("google.toml", include_str!("../../policies/google.toml")),
    ("azure.toml", include_str!("../../policies/azure.toml")),
    ("kubernetes.toml", include_str!("../../policies/kubernetes.toml")),
];

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_pack_is_valid() {
        let policy = crate::policy::load_paths(&[], false).expect("the built-in pack parses");
        assert!(policy.stateful.len() > 150);
        assert!(policy.disruptive.len() > 20);
        let types: std::collections::BTreeSet<&str> = policy.parity.iter().map(|p| p.type_.text.as_str()).collect();
        assert!(types.len() >= 40, "{} parity types", types.len());
        assert!(policy.one_way.len() >= 40, "{} one-way entries", policy.one_way.len());
        for prefix in ["aws_", "google_", "azurerm_", "kubernetes_"] {
            assert!(types.iter().any(|t| t.starts_with(prefix)), "no parity entry for {prefix}*");
            assert!(policy.one_way.iter().any(|o| o.type_.text.contains(prefix)), "no one-way entry for {prefix}*");
        }
    }
}
