//! Forms (docs/protocol.md: "Forms"): a wire param whose type derives [`Form`] (and
//! validator's `Validate`) is checked before its function runs, on every
//! call and through the `validate` command, which runs no body. Failures
//! answer `invalid_form`, with field errors keyed by serde wire names.
//!
//! - [`Form`] is what `#[derive(tauri_plugin_mizan::Form)]` implements:
//!   the schema of the struct's fields for the IR, and the wire name of
//!   each Rust field, so validator's errors (keyed by Rust field names)
//!   are reported by the names the webview sends;
//! - `report` turns validator's errors into the `invalid_form` details;
//! - `probe` is how the `#[client]` expansion finds the form params of a
//!   function without being told (method resolution on the concrete type).

pub(crate) mod probe;
mod report;

pub use crate::core::form_errors::{FieldError, FormErrors};

use tauri_plugin_mizan_codegen::FormField;

/// A struct whose fields a form fills in: derived with
/// `#[derive(tauri_plugin_mizan::Form)]` beside validator's `Validate`.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use validator::Validate;
///
/// #[derive(Serialize, Deserialize, Validate, tauri_plugin_mizan::Form, tauri_plugin_mizan::Type)]
/// #[serde(rename_all = "camelCase")]
/// pub struct NewList {
///     #[validate(length(min = 1, max = 40))]
///     list_name: String,
/// }
///
/// use tauri_plugin_mizan::Form;
/// assert_eq!(NewList::wire_field("list_name").unwrap().name, "listName");
/// assert_eq!(NewList::form_fields()[0].name, "listName");
/// ```
pub trait Form: validator::Validate {
    /// The struct's fields by wire name, with their kinds and rules.
    fn form_fields() -> Vec<FormField>;

    /// The wire name of the Rust field `rust`, and how to name the fields
    /// of the form nested in it, if any. `None` for a name the struct
    /// does not have.
    fn wire_field(rust: &str) -> Option<WireField>;
}

/// The wire name of one field of a [`Form`], and the field map of the
/// form nested in it (a struct, or the items of a list).
#[derive(Debug, Clone, Copy)]
pub struct WireField {
    /// The name the webview sends.
    pub name: &'static str,
    /// The nested form's [`Form::wire_field`].
    pub nested: Option<fn(&str) -> Option<WireField>>,
}

/// Validates `value`: `invalid_form` with its errors by wire path when a
/// rule fails.
pub(crate) fn check<T: Form>(value: &T) -> Result<(), crate::CallError> {
    match value.validate() {
        Ok(()) => Ok(()),
        Err(errors) => Err(crate::CallError::InvalidForm(FormErrors::from_validator(
            &errors,
            T::wire_field,
        ))),
    }
}
