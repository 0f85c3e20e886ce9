//! The create-topic form and the element's topic attributes, read into a [`TopicConfig`].

use streamlab_log::{CleanupPolicy, Mode, TopicConfig, TopicConfigError};

/// A form field that was refused: which one (the lab marks it), and why, in words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FormError {
    /// The field: `name`, `partitions`, `mode`, `retention`, `max-record-bytes`, `cleanup` or
    /// `throttling`.
    pub field: &'static str,
    /// What is wrong, in words.
    pub message: String,
}

impl FormError {
    fn new(field: &'static str, message: impl Into<String>) -> FormError {
        FormError {
            field,
            message: message.into(),
        }
    }
}

/// What the create-topic form holds, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TopicForm {
    /// Name.
    pub name: String,
    /// Partition (shard) count, as typed.
    pub partitions: String,
    /// `kafka` or `kinesis`.
    pub mode: String,
    /// `delete` or `compact`.
    pub cleanup: String,
    /// Retention in ms, as typed; empty for the mode's default.
    pub retention_ms: String,
    /// Kinesis write limits on.
    pub throttling: bool,
    /// The largest record in bytes, as typed; empty for the mode's default.
    pub max_record_bytes: String,
}

impl TopicForm {
    /// The configuration the form describes (validated by the log), or the field that is wrong
    /// and why.
    pub fn config(&self) -> Result<TopicConfig, FormError> {
        let mode_text = self.mode.trim();
        let mode = Mode::parse(mode_text)
            .ok_or_else(|| FormError::new("mode", format!("unknown mode '{mode_text}'")))?;
        let partitions = self.partitions.trim();
        let count = partitions.parse::<u32>().map_err(|_| {
            let what = match mode {
                Mode::Kafka => "partitions",
                Mode::Kinesis => "shards",
            };
            FormError::new(
                "partitions",
                format!("'{partitions}' is not a number of {what}"),
            )
        })?;
        let mut config = TopicConfig::new(self.name.trim(), mode, count).map_err(|e| {
            let field = match e {
                TopicConfigError::PartitionCount { .. } => "partitions",
                _ => "name",
            };
            FormError::new(field, e.to_string())
        })?;
        let retention = self.retention_ms.trim();
        if !retention.is_empty() {
            let ms = retention.parse::<i64>().map_err(|_| {
                FormError::new(
                    "retention",
                    format!("'{retention}' is not a retention time in milliseconds"),
                )
            })?;
            config = config
                .with_retention_ms(Some(ms))
                .map_err(|e| FormError::new("retention", e.to_string()))?;
        }
        let size = self.max_record_bytes.trim();
        if !size.is_empty() {
            let limit = match mode {
                Mode::Kafka => 8 << 20,
                Mode::Kinesis => 1 << 20,
            };
            match size.parse::<usize>() {
                Ok(n) if (1..=limit).contains(&n) => config = config.with_max_record_bytes(n),
                _ => {
                    return Err(FormError::new(
                        "max-record-bytes",
                        format!("the record size limit must be 1 to {limit} bytes in {mode} mode"),
                    ))
                }
            }
        }
        if self.cleanup == "compact" {
            config = config
                .with_cleanup_policy(CleanupPolicy::Compact)
                .map_err(|e| FormError::new("cleanup", e.to_string()))?;
        }
        if self.throttling {
            config = config
                .with_throttling(true)
                .map_err(|e| FormError::new("throttling", e.to_string()))?;
        }
        Ok(config)
    }
}

/// The topic a `<stream-lab>` element's `topic`, `partitions` (default 3) and `mode` (default
/// kafka) attributes describe, or what is wrong, naming the attribute.
pub fn topic_from_attributes(
    name: &str,
    partitions: Option<&str>,
    mode: Option<&str>,
) -> Result<TopicConfig, String> {
    let mode_text = mode.unwrap_or("kafka").trim();
    let mode = Mode::parse(mode_text)
        .ok_or_else(|| format!("attribute mode: '{mode_text}' is not kafka or kinesis"))?;
    let count_text = partitions.unwrap_or("3").trim();
    let count = count_text
        .parse::<u32>()
        .map_err(|_| format!("attribute partitions: '{count_text}' is not a number"))?;
    TopicConfig::new(name.trim(), mode, count)
        .map_err(|e| format!("attribute topic/partitions: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, partitions: &str, mode: &str) -> TopicForm {
        TopicForm {
            name: name.into(),
            partitions: partitions.into(),
            mode: mode.into(),
            ..TopicForm::default()
        }
    }

    #[test]
    fn a_filled_form_is_the_topic_it_describes() {
        let mut f = form(" orders ", "4", "kafka");
        f.cleanup = "compact".into();
        f.retention_ms = "60000".into();
        f.max_record_bytes = "1024".into();
        let config = f.config().unwrap();
        assert_eq!(config.name().as_str(), "orders");
        assert_eq!(config.partition_count(), 4);
        assert_eq!(config.cleanup_policy(), CleanupPolicy::Compact);
        assert_eq!(config.retention_ms(), Some(60_000));
        assert_eq!(config.max_record_bytes(), 1024);
        let kinesis = form("clicks", "2", "kinesis").config().unwrap();
        assert_eq!(kinesis.mode(), Mode::Kinesis);
    }

    #[test]
    fn a_refused_form_names_its_field() {
        let field = |f: TopicForm| f.config().unwrap_err().field;
        assert_eq!(field(form("orders", "two", "kafka")), "partitions");
        assert_eq!(
            form("orders", "two", "kinesis")
                .config()
                .unwrap_err()
                .message,
            "'two' is not a number of shards"
        );
        assert_eq!(field(form("orders", "0", "kafka")), "partitions");
        assert_eq!(field(form("bad name!", "1", "kafka")), "name");
        assert_eq!(field(form("orders", "1", "pulsar")), "mode");
        let mut big = form("orders", "1", "kinesis");
        big.max_record_bytes = "2000000".into();
        assert_eq!(
            big.config().unwrap_err(),
            FormError::new(
                "max-record-bytes",
                "the record size limit must be 1 to 1048576 bytes in kinesis mode"
            )
        );
        let mut retention = form("orders", "1", "kafka");
        retention.retention_ms = "soon".into();
        assert_eq!(field(retention), "retention");
    }

    #[test]
    fn attributes_default_to_three_kafka_partitions_and_name_what_is_wrong() {
        let config = topic_from_attributes("orders", None, None).unwrap();
        assert_eq!((config.mode(), config.partition_count()), (Mode::Kafka, 3));
        assert_eq!(
            topic_from_attributes("orders", Some("x"), None),
            Err("attribute partitions: 'x' is not a number".into())
        );
        assert_eq!(
            topic_from_attributes("orders", None, Some("rabbit")),
            Err("attribute mode: 'rabbit' is not kafka or kinesis".into())
        );
    }
}
