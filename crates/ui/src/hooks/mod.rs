//! Custom hooks.
pub mod use_lab;
pub mod use_sql;

pub use streamlab_workers::every;
