//! plangate: a review gate for Terraform/OpenTofu JSON plans.

pub mod plan;
pub mod policy;
pub mod rules;
pub mod review;
pub mod render;
pub mod cli;
