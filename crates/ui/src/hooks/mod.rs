//! The lab's hooks, one per concern, and the actions they offer; `use_lab` composes them.

pub mod record_actions;
pub mod topic_actions;
pub mod use_consumers;
pub mod use_lab;
pub mod use_log_notices;
pub mod use_producer;
pub mod use_runs;
pub mod use_scenario;
pub mod use_sql;
pub mod use_store;
pub mod use_views;
pub use streamlab_workers::every;
