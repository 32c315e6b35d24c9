//! The registry of built-in finding ids: one table with each id's default
//! level, summary and explanation. `plangate rules`, policy validation and
//! the review all read this table; `docs/rules.md` has one heading per id.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// How much a finding matters. Ordered: `Info < Warn < Block`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warn,
    Block,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Block => "block",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Level, String> {
        match s {
            "info" => Ok(Level::Info),
            "warn" => Ok(Level::Warn),
            "block" => Ok(Level::Block),
            _ => Err(format!("unknown level `{s}`: expected `block`, `warn` or `info`")),
        }
    }
}

/// A built-in finding id. It indexes [`RULES`]: `RULES[id as usize].id == id`
/// (a unit test checks), so every built-in id has exactly one default level,
/// summary and explanation, and an id nobody declared cannot exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleId {
    StatefulDestroy,
    Destructive,
    Forget,
    DisruptiveUpdate,
    NotInStaging,
    Escalated,
    Diverged,
    ValueDiffers,
    StagingOnly,
    Drift,
    PlanNotApplicable,
    StagingNotApproved,
    ParityKind,
    TypeNotInStaging,
    TypeNotInProd,
    VersionMismatch,
    OneWay,
    ExceptionExpired,
    ExceptionUnused,
    StackNotInStaging,
    StackNotInProd,
}

impl RuleId {
    /// The id as users write it (kebab-case): in policy files, reports and docs.
    pub fn name(self) -> &'static str {
        match self {
            RuleId::StatefulDestroy => "stateful-destroy",
            RuleId::Destructive => "destructive",
            RuleId::Forget => "forget",
            RuleId::DisruptiveUpdate => "disruptive-update",
            RuleId::NotInStaging => "not-in-staging",
            RuleId::Escalated => "escalated",
            RuleId::Diverged => "diverged",
            RuleId::ValueDiffers => "value-differs",
            RuleId::StagingOnly => "staging-only",
            RuleId::Drift => "drift",
            RuleId::PlanNotApplicable => "plan-not-applicable",
            RuleId::StagingNotApproved => "staging-not-approved",
            RuleId::VersionMismatch => "version-mismatch",
            RuleId::TypeNotInStaging => "type-not-in-staging",
            RuleId::ParityKind => "parity-kind",
            RuleId::TypeNotInProd => "type-not-in-prod",
            RuleId::OneWay => "one-way",
            RuleId::ExceptionExpired => "exception-expired",
            RuleId::ExceptionUnused => "exception-unused",
            RuleId::StackNotInStaging => "stack-not-in-staging",
            RuleId::StackNotInProd => "stack-not-in-prod",
        }
    }

    /// The registry entry: default level, summary, explanation.
    pub fn info(self) -> &'static RuleInfo {
        &RULES[self as usize]
    }

    /// The default level.
    pub fn level(self) -> Level {
        self.info().level
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl FromStr for RuleId {
    type Err = ();
    /// Parses a built-in id as users write it; `Err` for anything else.
    fn from_str(s: &str) -> Result<RuleId, ()> {
        RULES.iter().map(|r| r.id).find(|id| id.name() == s).ok_or(())
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// What a finding is about: a built-in id, or a custom `[[rule]]` by name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingId {
    Builtin(RuleId),
    /// A `[[rule]]` id from a policy file (never a built-in id's spelling:
    /// the policy loader rejects that).
    Custom(String),
}

impl FindingId {
    /// The id as users write it.
    pub fn name(&self) -> &str {
        match self {
            FindingId::Builtin(id) => id.name(),
            FindingId::Custom(name) => name,
        }
    }

    /// Whether this is the built-in `id`.
    pub fn is(&self, id: RuleId) -> bool {
        *self == FindingId::Builtin(id)
    }
}

impl From<RuleId> for FindingId {
    fn from(id: RuleId) -> FindingId {
        FindingId::Builtin(id)
    }
}

impl fmt::Display for FindingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl Serialize for FindingId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One built-in finding id's registry entry.
#[derive(Debug)]
pub struct RuleInfo {
    pub id: RuleId,
    pub level: Level,
    pub summary: &'static str,
    pub explain: &'static str,
}

/// Every built-in finding id, in the order `plangate rules` lists them.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: RuleId::StatefulDestroy,
        level: Level::Block,
        summary: "a stateful resource is deleted or replaced (either order)",
        explain: "A resource that holds data or an identity that cannot be recreated (a database, bucket, \
volume, queue, key, DNS zone...) is deleted, replaced (destroy-before-create or create-before-destroy), or \
its deposed object is destroyed. Which types are stateful comes from `[[stateful]]` entries in policy files; \
the built-in pack covers AWS, Google Cloud, Azure and Kubernetes. Deletions because the configuration was \
removed (`delete_because_no_resource_config`, `delete_because_no_module`, count or for_each shrink) are \
blocked too: Terraform's own `prevent_destroy` is lost with the removed block. To let one through, add an \
`[[exception]]` with `rule = \"stateful-destroy\"`, the address, a `reason` and an `expires` date.",
    },
    RuleInfo {
        id: RuleId::Destructive,
        level: Level::Warn,
        summary: "any other delete or replace",
        explain: "A resource that is not known to be stateful is deleted or replaced. The reviewer should \
confirm the destruction is intended; `action_reason` and the attributes that force replacement are shown.",
    },
    RuleInfo {
        id: RuleId::Forget,
        level: Level::Warn,
        summary: "Terraform stops managing a resource (it is not destroyed)",
        explain: "A `removed` block with `lifecycle { destroy = false }` (or OpenTofu's `destroy = false`) \
drops the object from state. It keeps running, but nothing manages it any more; a later apply elsewhere may \
create a duplicate. Also raised for replacements whose old object is forgotten (`[\"create\",\"forget\"]`).",
    },
    RuleInfo {
        id: RuleId::DisruptiveUpdate,
        level: Level::Warn,
        summary: "an in-place update touches an attribute policy marks as disruptive",
        explain: "An update in place that is known to cause a restart, failover, rollout or data movement \
(for example an RDS `instance_class` change, an EKS `version` upgrade). The attributes come from \
`[[disruptive]]` entries in policy files.",
    },
    RuleInfo {
        id: RuleId::NotInStaging,
        level: Level::Warn,
        summary: "a prod change with no counterpart change in staging",
        explain: "Prod changes a resource that staging's approved plan does not change (staging leaves it \
unchanged, or does not have it). The change was never exercised in staging. Instances that differ only by \
key are one finding for the resource naming the instances (a count or for_each that grows only in prod); an \
instance staging does not have matches another instance of the resource whose change makes the same edits, \
wherever the instance keys are in the address (`module.svc[\"stg-eu\"]` and `module.svc[\"prod-eu\"]`).",
    },
    RuleInfo {
        id: RuleId::Escalated,
        level: Level::Warn,
        summary: "prod's action is more destructive than staging's for the same resource",
        explain: "Actions are ordered no-op < read < create/import/move < update < forget < replace \
(create before destroy) < replace (destroy before create) = delete. Prod's action ranks above the action \
staging's plan shows for the same resource (same address, mapped address, or previous address of a move). \
An instance staging does not have is compared with its siblings instead: a different action there is \
`not-in-staging`.",
    },
    RuleInfo {
        id: RuleId::Diverged,
        level: Level::Warn,
        summary: "prod makes an edit (attribute, line, policy element) its staging counterpart does not, or acts differently",
        explain: "Prod and staging both change the resource, but prod makes an edit staging's change does \
not: an attribute staging leaves alone, a line of a multi-line string (a script, `user_data`) staging does \
not add or remove, or a leaf or list element of a JSON- or YAML-encoded string (an IAM policy gaining \
`s3:DeleteObject`, a container definition, a Kubernetes manifest); or prod does something different but not \
more destructive than staging (an update where staging replaced). The message names every extra edit by \
path and kind; the text and Markdown reports show each prod edit beside staging's. Staging's environment \
tokens are replaced first (`[[compare.replace]]`: `stg` -> `prd`), so names that differ only by environment \
are the same edit. Ignore paths that legitimately differ with `[compare] ignore_paths`.",
    },
    RuleInfo {
        id: RuleId::ValueDiffers,
        level: Level::Info,
        summary: "prod and staging make the same edit with different values (after normalization)",
        explain: "Prod and staging make the same edits, but some take other values in prod (staging \
`instance_class -> \"db.t3.medium\"`, prod `-> \"db.r6g.xlarge\"`; `--replicas 2` and `--replicas 6` on the \
same line of a script). Sizes and counts legitimately differ between environments, so this is information; \
whether staging is still of the same kind is the parity check's job. Values are compared after staging's \
environment tokens are replaced (`[[compare.replace]]`).",
    },
    RuleInfo {
        id: RuleId::StagingOnly,
        level: Level::Info,
        summary: "a staging change that prod lacks",
        explain: "Staging's approved plan changes a resource that prod's plan leaves alone or does not have. \
Quantity may differ between environments: an instance prod does not have (staging `web[\"us\"]`, prod only \
`web[\"eu\"]`) is not reported when prod makes the same kind of change to other instances of the resource.",
    },
    RuleInfo {
        id: RuleId::Drift,
        level: Level::Info,
        summary: "prod's `resource_drift`: something changed outside Terraform",
        explain: "Prod's refresh found objects that changed (or disappeared) outside Terraform. When the plan \
lists `relevant_attributes`, only drift that influenced the plan is reported.",
    },
    RuleInfo {
        id: RuleId::PlanNotApplicable,
        level: Level::Block,
        summary: "an errored or incomplete (targeted, deferred) plan; a plan with nothing to do is not an error",
        explain: "The plan is `errored`, `complete: false` (targeted with `-target`, or with deferred changes), \
or has `deferred_changes`. Such a plan is partial: approving it approves an unknown remainder. A plan with \
nothing to do is fine.",
    },
    RuleInfo {
        id: RuleId::StagingNotApproved,
        level: Level::Block,
        summary: "`--approved` given and the staging plan's digest differs",
        explain: "The staging plan given to `review` is not the one whose digest was approved \
(`plangate fingerprint`). Comparing prod with an unapproved staging plan proves nothing.",
    },
    RuleInfo {
        id: RuleId::ParityKind,
        level: Level::Warn,
        summary: "a kind attribute (engine, major version, LB type...) differs between staging's and prod's resulting state",
        explain: "Staging may be smaller than prod, never of another kind. `review` reads both plans' resulting \
state (`planned_values`: every resource as it will be after apply, changed or not) and compares the kind \
attributes that `[[parity]]` entries name (the built-in pack covers data stores, load balancers, clusters, \
functions and queues of AWS, Google Cloud, Azure and Kubernetes): exactly after environment-token \
normalization, by major version (PostgreSQL `15.4` vs `16.1`, MySQL `8.0` vs `8.4`, `POSTGRES_15` vs \
`POSTGRES_16`, Kubernetes `1.29` vs `1.30`), or by presence (a customer-managed key in one, none in the other). \
Instances of one resource are compared together, and prod addresses go through `[[compare.map]]`. The message \
shows both values (masked if sensitive) and whether this plan introduces the difference. When a resource's \
`engine` differs, its version comparisons are not reported: versions of two engines do not compare, and the \
engine is the finding to act on. Sizes, counts and names may differ and are not compared. Accept a documented gap with an `[[exception]]` for `parity-kind` at \
the prod resource's address (no instance key), with a reason and an expiry.",
    },
    RuleInfo {
        id: RuleId::TypeNotInStaging,
        level: Level::Warn,
        summary: "prod's resulting state has a resource type staging's has not",
        explain: "Quantity may differ between environments, kind may not: after apply prod will have resources \
of a type (a WAF, a cache, a CDN) that staging will not have at all, or prod changes resources of a type that \
appears nowhere in staging's plan. Staging never exercises that kind of resource. The message says whether \
this plan creates them. Accept a documented gap with an `[[exception]]` at the address shown.",
    },
    RuleInfo {
        id: RuleId::TypeNotInProd,
        level: Level::Info,
        summary: "staging's resulting state has a resource type prod's has not",
        explain: "After apply staging will have resources of a type that prod will not have at all: staging \
tests something prod does not run (a debugging tool, a leftover), so it resembles prod less than it seems.",
    },
    RuleInfo {
        id: RuleId::VersionMismatch,
        level: Level::Info,
        summary: "staging and prod plans were made by different Terraform/OpenTofu versions",
        explain: "The two plans' `terraform_version` differ (or one was made by OpenTofu and the other by \
Terraform). Planning behaviour can differ between versions, so staging's plan vouches less for prod's.",
    },
    RuleInfo {
        id: RuleId::OneWay,
        level: Level::Warn,
        summary: "a prod edit that promoting the previous artifact cannot undo",
        explain: "Rollback is promoting the previous known-good artifact, and some edits cannot be undone that \
way. A prod update or replacement makes an edit that a `[[one_way]]` entry names (type, attribute, direction: \
storage grows, an engine or Kubernetes version goes up, a lock or encryption is enabled...). The message says \
what re-applying the old value would do: `replace` (the provider would replace the resource), `error` (the API \
refuses it), `data-loss` (what the edit removed is gone), `wait` (only after a cooldown). Every human report \
ends with a Rollback section listing these edits. Plan the way back (a snapshot, a restore) before approving.",
    },
    RuleInfo {
        id: RuleId::ExceptionExpired,
        level: Level::Warn,
        summary: "a policy exception is past its expiry date (and no longer applies)",
        explain: "An `[[exception]]` has an `expires` date before today. It no longer waives anything. \
Remove it, or renew it with a new date and reason.",
    },
    RuleInfo {
        id: RuleId::ExceptionUnused,
        level: Level::Info,
        summary: "a policy exception matched nothing",
        explain: "An `[[exception]]` did not waive any finding in this run. It may be stale (the change it \
allowed has been applied) or its address pattern may be wrong.",
    },
    RuleInfo {
        id: RuleId::StackNotInStaging,
        level: Level::Warn,
        summary: "many stacks: a prod stack with no staging plan at all",
        explain: "With `--staging DIR --prod DIR` or `--plans`, a prod plan has no staging plan at the same \
relative path (or the same `{stack}`). Nothing in that stack was ever planned in staging, so every change in it \
is also `not-in-staging`. Plan the stack in staging, or raise this rule to `block` with `[levels]` to require \
that every prod stack has a staging plan.",
    },
    RuleInfo {
        id: RuleId::StackNotInProd,
        level: Level::Info,
        summary: "many stacks: a staging stack with no prod plan",
        explain: "A staging plan has no prod plan at the same relative path (or the same `{stack}`): nothing \
in that stack is gated. Usually a stack that does not exist in prod yet, or a prod job that did not plan it.",
    },
];

/// The built-in rule with this id as users write it.
pub fn builtin(id: &str) -> Option<&'static RuleInfo> {
    id.parse::<RuleId>().ok().map(RuleId::info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            let name = r.id.name();
            assert!(seen.insert(name), "duplicate id {name}");
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{name} is not kebab-case");
        }
    }

    #[test]
    fn the_registry_is_indexed_by_the_id() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(r.id as usize, i, "`{}` is out of place in RULES", r.id);
            assert_eq!(r.id.info().id, r.id);
            assert_eq!(r.id.name().parse::<RuleId>(), Ok(r.id));
        }
        assert_eq!("Destructive".parse::<RuleId>(), Err(()));
        assert_eq!(serde_json::to_string(&FindingId::Builtin(RuleId::StagingOnly)).unwrap(), "\"staging-only\"");
        assert_eq!(serde_json::to_string(&FindingId::Custom("my-rule".into())).unwrap(), "\"my-rule\"");
    }

    #[test]
    fn default_levels_are_the_contracts() {
        // DESIGN.md's table of built-in ids and their default levels.
        let contract = [
            ("stateful-destroy", Level::Block),
            ("destructive", Level::Warn),
            ("forget", Level::Warn),
            ("disruptive-update", Level::Warn),
            ("not-in-staging", Level::Warn),
            ("escalated", Level::Warn),
            ("diverged", Level::Warn),
            ("staging-only", Level::Info),
            ("drift", Level::Info),
            ("plan-not-applicable", Level::Block),
            ("staging-not-approved", Level::Block),
            ("exception-expired", Level::Warn),
            ("exception-unused", Level::Info),
            ("value-differs", Level::Info),
            ("type-not-in-staging", Level::Warn),
            ("version-mismatch", Level::Info),
        ];
        for (id, level) in contract {
            let rule = builtin(id).unwrap_or_else(|| panic!("`{id}` is not in the registry"));
            assert_eq!(rule.level, level, "default level of `{id}`");
            assert_eq!(rule.id.level(), level, "`{id}`");
        }
        assert!(builtin("no-such-id").is_none());
    }

    #[test]
    fn docs_explain_every_id_as_the_registry_does() {
        // docs/rules.md is generated by scripts/rules_md.sh; this catches a stale copy.
        let docs = include_str!("../docs/rules.md");
        for r in RULES {
            assert!(docs.contains(r.explain), "docs/rules.md is stale for `{}`: run scripts/rules_md.sh", r.id);
        }
    }

    #[test]
    fn docs_have_one_heading_per_id() {
        let docs = include_str!("../docs/rules.md");
        for r in RULES {
            assert!(docs.contains(&format!("\n## `{}`\n", r.id)), "docs/rules.md lacks `## `{}``", r.id);
        }
    }
}
