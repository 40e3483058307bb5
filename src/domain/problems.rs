//! The problem list: what is wrong with a document a user wrote (a fixture, a fault rule
//! list), each problem naming the item and the field, collected so that every problem is
//! reported at once.

use std::fmt;

use serde::Serialize;

/// One thing wrong with a document: which item, which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixtureProblem {
    pub item: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

impl FixtureProblem {
    pub fn new(item: &str, field: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            item: item.to_owned(),
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }
}

impl fmt::Display for FixtureProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}, field '{}': {}", self.item, field, self.message),
            None => write!(f, "{}: {}", self.item, self.message),
        }
    }
}

/// Every problem in a document, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureErrors(pub Vec<FixtureProblem>);

impl fmt::Display for FixtureErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} problem(s):", self.0.len())?;
        for problem in &self.0 {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FixtureErrors {}

/// Collects problems while a document is checked.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<FixtureProblem>);

impl Problems {
    /// Records a problem of `item` (written out only here, so that a check that finds
    /// nothing never formats the item's name).
    pub fn add(
        &mut self,
        item: impl std::fmt::Display,
        field: Option<&str>,
        message: impl Into<String>,
    ) {
        self.0
            .push(FixtureProblem::new(&item.to_string(), field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `value` when no problem was found, otherwise every problem.
    pub fn into_result<T>(self, value: T) -> Result<T, Vec<FixtureProblem>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}
