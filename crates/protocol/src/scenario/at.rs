//! Reading a scenario file's JSON with the place of each value (`steps[2].produce.count`), so
//! every mistake names where it is.

use serde_json::{Map, Value};

use super::ScenarioError;
use crate::jsonl::kind;

/// A JSON object of the file.
pub(super) type Obj = Map<String, Value>;

/// A place in the file.
pub(super) struct At(pub(super) String);

impl At {
    pub(super) fn fail<T>(&self, problem: impl Into<String>) -> Result<T, ScenarioError> {
        Err(ScenarioError::Invalid {
            at: self.0.clone(),
            problem: problem.into(),
        })
    }

    pub(super) fn child(&self, name: &str) -> At {
        At(format!("{}.{name}", self.0))
    }

    pub(super) fn object<'v>(&self, value: &'v Value) -> Result<&'v Obj, ScenarioError> {
        match value {
            Value::Object(o) => Ok(o),
            other => self.fail(format!("expected an object, not {}", kind(other))),
        }
    }

    pub(super) fn only(&self, object: &Obj, allowed: &[&str]) -> Result<(), ScenarioError> {
        match object.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(unknown) => self.fail(format!(
                "unknown field \"{unknown}\" (expected one of: {})",
                allowed.join(", ")
            )),
            None => Ok(()),
        }
    }

    pub(super) fn text<'v>(
        &self,
        object: &'v Obj,
        name: &str,
    ) -> Result<Option<&'v str>, ScenarioError> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => self
                .child(name)
                .fail(format!("expected a string, not {}", kind(other))),
        }
    }

    pub(super) fn number(&self, object: &Obj, name: &str) -> Result<Option<u64>, ScenarioError> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(n) => Ok(Some(n)),
                None => self.child(name).fail("expected a whole number from 0"),
            },
            Some(other) => self
                .child(name)
                .fail(format!("expected a number, not {}", kind(other))),
        }
    }

    pub(super) fn u32(&self, object: &Obj, name: &str) -> Result<Option<u32>, ScenarioError> {
        match self.number(object, name)? {
            None => Ok(None),
            Some(n) => u32::try_from(n)
                .map(Some)
                .or_else(|_| self.child(name).fail(format!("{n} is too large"))),
        }
    }
}
