//! plangate: a review gate for Terraform/OpenTofu JSON plans.
//!
//! The pipeline, one module each: [`plan`] loads plans, [`policy`] loads
//! policy files, [`review`] analyses (pure), [`render`] writes text,
//! Markdown or JSON, [`comment`] posts to GitHub/GitLab; [`rules`] is the
//! registry of finding ids. The command line (clap, printing) is the
//! binary's (`src/main.rs`, `src/cli/`): the library never prints.

pub mod comment;
mod par;
pub mod plan;
pub mod policy;
pub mod render;
pub mod review;
pub mod rules;
pub mod stacks;
