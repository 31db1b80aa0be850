//! How the `#[client]` expansion finds a function's form params: the
//! attribute sees only type names, so each wire param's type goes through
//! a probe whose specialized method applies to types that implement
//! [`Form`] (or an `Option` of one, checked when present) and whose
//! general method applies to every other type.

use std::marker::PhantomData;

use tauri_plugin_mizan_codegen::Form as FormSchema;

use super::Form;
use crate::core::{call::Outcome, error::CallError};

/// Holds the type that is probed.
pub struct FormProbe<T>(PhantomData<T>);

impl<T> FormProbe<T> {
    /// The probe of `T`.
    pub const PROBE: Self = FormProbe(PhantomData);
}

/// The specialized probe: a form.
pub trait ProbeForm<T> {
    /// Validates the value.
    fn __mizan_check_form(&self, value: &T) -> Result<(), CallError>;
    /// The form's schema, as param `param`.
    fn __mizan_form(&self, param: &str) -> Option<FormSchema>;
}

impl<T: Form> ProbeForm<T> for FormProbe<T> {
    fn __mizan_check_form(&self, value: &T) -> Result<(), CallError> {
        super::check(value)
    }
    fn __mizan_form(&self, param: &str) -> Option<FormSchema> {
        Some(FormSchema {
            param: param.to_owned(),
            fields: T::form_fields(),
        })
    }
}

/// An optional form: validated when present, and the same form in the IR.
impl<T: Form> ProbeForm<Option<T>> for FormProbe<Option<T>> {
    fn __mizan_check_form(&self, value: &Option<T>) -> Result<(), CallError> {
        value.as_ref().map_or(Ok(()), super::check)
    }
    fn __mizan_form(&self, param: &str) -> Option<FormSchema> {
        FormProbe::<T>::PROBE.__mizan_form(param)
    }
}

/// The general probe: any other type, which has nothing to check.
pub trait ProbePlain<T> {
    /// Nothing to check.
    fn __mizan_check_form(&self, _value: &T) -> Result<(), CallError> {
        Ok(())
    }
    /// No form.
    fn __mizan_form(&self, _param: &str) -> Option<FormSchema> {
        None
    }
}

impl<T> ProbePlain<T> for &FormProbe<T> {}

/// What a handler answers when it was asked to validate only: its args
/// passed, and its body did not run.
pub fn validated() -> Outcome {
    crate::core::call::output_unit()
}
