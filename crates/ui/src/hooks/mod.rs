//! Custom hooks.
pub mod use_lab;
