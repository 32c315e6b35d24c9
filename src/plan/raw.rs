//! The lenient, borrowed serde model of `terraform show -json` output.
//!
//! Only what the review needs is deserialized; large values (`before`,
//! `after`, the sensitivity and unknown mirrors) stay as borrowed
//! [`RawJson`](super::RawJson) slices of the input and are parsed one change at a time, and
//! the bulky sections nobody reads (`prior_state`, most of `configuration`)
//! are skipped. `planned_values` is kept as one borrowed slice per resource
//! (its `values` are never parsed here; the parity check reads only the kind
//! attributes of catalogued types). Unknown fields are ignored: the format
//! grows.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::plan::RawJson;
use serde::Deserialize;
use serde::de::IgnoredAny;

/// A string borrowed from the input when it has no escapes.
pub type Str<'a> = Cow<'a, str>;

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug))]
#[serde(default)]
pub struct RawPlan<'a> {
    #[serde(borrow)]
    pub format_version: Option<Str<'a>>,
    #[serde(borrow)]
    pub terraform_version: Option<Str<'a>>,
    #[serde(borrow)]
    pub variables: Option<BTreeMap<Str<'a>, RawVariable<'a>>>,
    #[serde(borrow)]
    pub resource_changes: Option<Chunked<RawResourceChange<'a>>>,
    #[serde(borrow)]
    pub resource_drift: Option<Chunked<RawResourceChange<'a>>>,
    #[serde(borrow)]
    pub output_changes: Option<BTreeMap<Str<'a>, RawChange<'a>>>,
    #[serde(borrow)]
    pub deferred_changes: Option<Vec<RawDeferred<'a>>>,
    #[serde(borrow)]
    pub configuration: Option<RawConfiguration<'a>>,
    #[serde(borrow)]
    pub relevant_attributes: Option<Vec<RawRelevant<'a>>>,
    pub errored: Option<bool>,
    pub complete: Option<bool>,
    pub applyable: Option<bool>,
    #[serde(borrow)]
    pub planned_values: Option<RawPlannedValues<'a>>,
    /// Kept only to know where it is: the fail-closed scan steps over it
    /// (serde has checked it is JSON; nothing reads it).
    #[serde(borrow)]
    pub prior_state: Option<super::RawJson<'a>>,
    // Keys that identify other formats, so they can be rejected by name.
    pub plan_format_version: Option<IgnoredAny>,
    pub provider_schemas: Option<IgnoredAny>,
    pub values: Option<IgnoredAny>,
    pub lineage: Option<IgnoredAny>,
    pub serial: Option<IgnoredAny>,
    pub resources: Option<IgnoredAny>,
}

/// A JSON array read in chunks of fixed capacity, so that no element is
/// moved by a growing vector: with tens of thousands of changes, that
/// copying (and the fresh pages each doubling touches) was a tenth of the
/// time spent loading a plan.
#[cfg_attr(test, derive(Debug))]
pub struct Chunked<T>(Vec<Vec<T>>);

const CHUNK: usize = 1024;

impl<T> Chunked<T> {
    pub fn len(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }
}

impl<T> IntoIterator for Chunked<T> {
    type Item = T;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter().flatten()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Chunked<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
            type Value = Chunked<T>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Chunked<T>, A::Error> {
                let mut chunks: Vec<Vec<T>> = Vec::new();
                let mut current: Vec<T> = Vec::new();
                while let Some(item) = seq.next_element()? {
                    if current.len() == current.capacity() {
                        // The first chunk grows as usual (most arrays are short).
                        if current.len() >= CHUNK {
                            chunks.push(std::mem::replace(&mut current, Vec::with_capacity(CHUNK)));
                        }
                    }
                    current.push(item);
                }
                chunks.push(current);
                Ok(Chunked(chunks))
            }
        }
        deserializer.deserialize_seq(Visit(std::marker::PhantomData))
    }
}

/// `planned_values`: the state after apply.
#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug))]
#[serde(default)]
pub struct RawPlannedValues<'a> {
    #[serde(borrow)]
    pub root_module: Option<RawStateModule<'a>>,
}

/// A module of `planned_values`, with its resources and child modules.
#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug))]
#[serde(default)]
pub struct RawStateModule<'a> {
    #[serde(borrow)]
    pub resources: Option<Chunked<RawStateResource<'a>>>,
    #[serde(borrow)]
    pub child_modules: Option<Vec<RawStateModule<'a>>>,
}

/// One resource instance of `planned_values`; `values` stays raw.
#[derive(Deserialize)]
#[cfg_attr(test, derive(Debug))]
pub struct RawStateResource<'a> {
    #[serde(borrow, default)]
    pub address: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub mode: Option<Str<'a>>,
    #[serde(borrow, default, rename = "type")]
    pub type_: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub values: Option<RawJson<'a>>,
    #[serde(borrow, default)]
    pub sensitive_values: Option<RawJson<'a>>,
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Debug))]
pub struct RawVariable<'a> {
    #[serde(borrow, default)]
    pub value: Option<RawJson<'a>>,
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Debug))]
pub struct RawResourceChange<'a> {
    /// Absent in some Terraform 1.0 `resource_drift` entries; rebuilt from
    /// the parts below.
    #[serde(borrow, default)]
    pub address: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub module_address: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub name: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub index: Option<RawJson<'a>>,
    #[serde(borrow, default)]
    pub previous_address: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub mode: Option<Str<'a>>,
    #[serde(borrow, default, rename = "type")]
    pub type_: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub provider_name: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub deposed: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub action_reason: Option<Str<'a>>,
    #[serde(borrow)]
    pub change: RawChange<'a>,
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Debug))]
pub struct RawChange<'a> {
    #[serde(borrow)]
    pub actions: Vec<Str<'a>>,
    #[serde(borrow, default)]
    pub before: Option<RawJson<'a>>,
    #[serde(borrow, default)]
    pub after: Option<RawJson<'a>>,
    #[serde(borrow, default)]
    pub after_unknown: Option<RawJson<'a>>,
    #[serde(borrow, default)]
    pub before_sensitive: Option<RawJson<'a>>,
    #[serde(borrow, default)]
    pub after_sensitive: Option<RawJson<'a>>,
    #[serde(borrow, default)]
    pub replace_paths: Option<RawJson<'a>>,
    #[serde(borrow, default)]
    pub importing: Option<RawJson<'a>>,
    #[serde(borrow, default)]
    pub generated_config: Option<Str<'a>>,
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Debug))]
pub struct RawDeferred<'a> {
    #[serde(borrow, default)]
    pub reason: Option<Str<'a>>,
    #[serde(borrow)]
    pub resource_change: RawResourceChange<'a>,
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug))]
#[serde(default)]
pub struct RawConfiguration<'a> {
    #[serde(borrow)]
    pub root_module: Option<RawConfigModule<'a>>,
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug))]
#[serde(default)]
pub struct RawConfigModule<'a> {
    #[serde(borrow)]
    pub variables: Option<BTreeMap<Str<'a>, RawConfigVariable>>,
    #[serde(borrow)]
    pub outputs: Option<BTreeMap<Str<'a>, RawConfigOutput>>,
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug))]
#[serde(default)]
pub struct RawConfigVariable {
    pub sensitive: Option<bool>,
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug))]
#[serde(default)]
pub struct RawConfigOutput {
    pub sensitive: Option<bool>,
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Debug))]
pub struct RawRelevant<'a> {
    #[serde(borrow)]
    pub resource: Str<'a>,
}
