//! The `details` of an `invalid_form` error (docs/protocol.md: "Forms"), as the core's
//! error enum carries them. Filled from validator's errors by the forms
//! capability (`form::report`).

use std::collections::BTreeMap;

use serde::Serialize;

/// One failed rule: its code (validator's: `length`, `range`, `email`,
/// `url`, `regex`, `required`, `must_match`, ..., or the one the rule
/// names with `code = "..."`) and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The rule's code.
    pub code: String,
    /// The rule's `message = "..."`, or one made from its code and bounds.
    pub message: String,
}

/// The `details` of an `invalid_form` error.
///
/// ```
/// use tauri_plugin_mizan::wire::FormErrors;
/// let e = FormErrors::default();
/// assert_eq!(serde_json::to_value(&e).unwrap(), serde_json::json!({"fields": {}, "form": []}));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FormErrors {
    /// Field errors by wire path.
    pub fields: BTreeMap<String, Vec<FieldError>>,
    /// Errors of the whole form.
    pub form: Vec<FieldError>,
}
