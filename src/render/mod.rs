//! Renderers: one per output format, each reading only a [`Review`].
//!
//! [`Review`]: crate::review::Review

pub mod escape;
pub mod json;
pub mod markdown;

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Json,
}
