//! The Kinesis console's components, one per concern; `console` composes them.

pub mod connect;
pub mod console;
pub mod consumer;
pub mod produce;
pub mod read;
pub mod shards;
pub mod sidebar;
pub mod stream;
pub mod view;
