//! One component per file.
pub mod byte_inspector;
pub mod charts;
pub mod consumer_panel;
pub mod error_banner;
pub mod group_reset;
pub mod lab;
pub mod partition_grid;
pub mod produce_panel;
pub mod producer_runs;
pub mod records_table;
pub mod storage_usage;
pub mod table_view;
pub mod topic_create;
pub mod topic_delete;
pub mod topic_io;
pub mod topic_list;
