//! Many stacks, one gate: finding each stack's staging and prod plans
//! ([`discover`]) and reading approval files ([`approved`]).
//!
//! Reading directories happens here, never in `review/`; what a stack's
//! review says is decided there.

pub mod approved;
pub mod discover;
pub mod pool;
pub mod run;

pub use approved::{Approvals, ApprovedError};
pub use discover::{DiscoverError, Pattern, StackPlans};
