//! plangate: a review gate for Terraform/OpenTofu JSON plans.
pub mod comment;
