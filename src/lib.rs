//! plangate: a review gate for Terraform/OpenTofu JSON plans.
//!
//! The pipeline, one module each: [`plan`] loads plans, [`policy`] loads
//! policy files, [`review`] analyses (pure), [`render`] writes text,
//! Markdown or JSON, [`comment`] posts to GitHub/GitLab, and [`cli`] ties
//! them to the command line.

pub mod cli;
pub mod comment;
pub mod plan;
pub mod policy;
pub mod render;
pub mod review;
pub mod rules;
pub mod stacks;
