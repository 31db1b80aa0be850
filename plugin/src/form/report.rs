//! validator's errors as the `invalid_form` details: field errors by wire
//! path (`name`, `address.zip`, `items[2].qty`), errors of the whole form
//! (validator's `__all__`, from `#[validate(schema(...))]`) under `form`,
//! each with a code and a message.

use serde_json::Value;
use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

use super::WireField;
use crate::core::form_errors::{FieldError, FormErrors};

/// The key validator gives errors of a whole struct.
const WHOLE: &str = "__all__";

impl FormErrors {
    /// validator's errors of a form whose fields `wire_field` names.
    pub(crate) fn from_validator(
        errors: &ValidationErrors,
        wire_field: fn(&str) -> Option<WireField>,
    ) -> Self {
        let mut out = FormErrors::default();
        out.add(errors, Some(wire_field), "");
        for list in out.fields.values_mut() {
            list.sort_by(|a, b| a.code.cmp(&b.code).then(a.message.cmp(&b.message)));
        }
        out.form
            .sort_by(|a, b| a.code.cmp(&b.code).then(a.message.cmp(&b.message)));
        out
    }

    fn add(
        &mut self,
        errors: &ValidationErrors,
        wire_field: Option<fn(&str) -> Option<WireField>>,
        prefix: &str,
    ) {
        for (rust, kind) in errors.errors() {
            if rust == WHOLE {
                if let ValidationErrorsKind::Field(list) = kind {
                    let target = if prefix.is_empty() {
                        &mut self.form
                    } else {
                        self.fields.entry(prefix.to_owned()).or_default()
                    };
                    target.extend(list.iter().map(field_error));
                }
                continue;
            }
            let field = wire_field.and_then(|f| f(rust));
            // A field the map does not know (it should not happen: the
            // derive names every field) keeps its Rust name.
            let name = field.map_or(rust.as_ref(), |f| f.name);
            let path = if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}.{name}")
            };
            let nested = field.and_then(|f| f.nested);
            match kind {
                ValidationErrorsKind::Field(list) => {
                    self.fields
                        .entry(path)
                        .or_default()
                        .extend(list.iter().map(field_error));
                }
                ValidationErrorsKind::Struct(inner) => self.add(inner, nested, &path),
                ValidationErrorsKind::List(items) => {
                    for (i, inner) in items {
                        self.add(inner, nested, &format!("{path}[{i}]"));
                    }
                }
            }
        }
    }
}

fn field_error(e: &ValidationError) -> FieldError {
    FieldError {
        code: e.code.to_string(),
        message: e
            .message
            .as_ref()
            .map_or_else(|| message(e), |m| m.to_string()),
    }
}

/// A message from the rule's code and params, when the rule gave none.
fn message(e: &ValidationError) -> String {
    let p = |k: &str| e.params.get(k).filter(|v| !v.is_null());
    let n = |k: &str| p(k).map(number);
    match e.code.as_ref() {
        "length" => {
            let unit = match p("value") {
                Some(Value::Array(_)) | Some(Value::Object(_)) => "items",
                _ => "characters",
            };
            match (n("equal"), n("min"), n("max")) {
                (Some(eq), _, _) => format!("must be exactly {eq} {unit}"),
                (None, Some(min), Some(max)) => format!("must be {min} to {max} {unit}"),
                (None, Some(min), None) => format!("must be at least {min} {unit}"),
                (None, None, Some(max)) => format!("must be at most {max} {unit}"),
                (None, None, None) => "has the wrong length".to_owned(),
            }
        }
        "range" => {
            let low = n("min")
                .map(|v| format!("at least {v}"))
                .or_else(|| n("exclusive_min").map(|v| format!("greater than {v}")));
            let high = n("max")
                .map(|v| format!("at most {v}"))
                .or_else(|| n("exclusive_max").map(|v| format!("less than {v}")));
            match (low, high) {
                (Some(l), Some(h)) => format!("must be {l} and {h}"),
                (Some(b), None) | (None, Some(b)) => format!("must be {b}"),
                (None, None) => "is out of range".to_owned(),
            }
        }
        "email" => "must be an email address".to_owned(),
        "url" => "must be a URL".to_owned(),
        "regex" => "has the wrong format".to_owned(),
        "required" => "is required".to_owned(),
        "must_match" => match p("other") {
            Some(Value::String(other)) => format!("must match `{other}`"),
            _ => "must match another field".to_owned(),
        },
        "contains" => match p("needle") {
            Some(Value::String(needle)) => format!("must contain \"{needle}\""),
            _ => "lacks a required part".to_owned(),
        },
        "does_not_contain" => match p("needle") {
            Some(Value::String(needle)) => format!("must not contain \"{needle}\""),
            _ => "holds a forbidden part".to_owned(),
        },
        "credit_card" => "must be a card number".to_owned(),
        "non_control_character" => "must not hold control characters".to_owned(),
        "ip" | "ipv4" | "ipv6" => "must be an IP address".to_owned(),
        other => format!("is not valid ({other})"),
    }
}

fn number(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: &'static str, params: &[(&'static str, Value)]) -> ValidationError {
        let mut e = ValidationError::new(code);
        for (k, v) in params {
            e.add_param((*k).into(), v);
        }
        e
    }

    #[test]
    fn messages_name_the_bounds() {
        let m = |e: ValidationError| field_error(&e).message;
        assert_eq!(
            m(err(
                "length",
                &[("min", 1.into()), ("max", 40.into()), ("value", "".into())]
            )),
            "must be 1 to 40 characters"
        );
        assert_eq!(
            m(err(
                "length",
                &[("min", 1.into()), ("value", serde_json::json!([]))]
            )),
            "must be at least 1 items"
        );
        assert_eq!(
            m(err("range", &[("min", 0.into()), ("max", 10.into())])),
            "must be at least 0 and at most 10"
        );
        assert_eq!(m(err("email", &[])), "must be an email address");
        assert_eq!(
            m(err("length", &[]).with_message("too long".into())),
            "too long"
        );
    }

    #[test]
    fn paths_use_wire_names_and_nesting() {
        fn inner(rust: &str) -> Option<WireField> {
            (rust == "zip_code").then_some(WireField {
                name: "zipCode",
                nested: None,
            })
        }
        fn outer(rust: &str) -> Option<WireField> {
            match rust {
                "home" => Some(WireField {
                    name: "address",
                    nested: Some(inner),
                }),
                "lines" => Some(WireField {
                    name: "items",
                    nested: Some(inner),
                }),
                _ => None,
            }
        }
        let mut zip = ValidationErrors::new();
        zip.add("zip_code", err("regex", &[]));
        let mut top = ValidationErrors::new();
        top.errors_mut().insert(
            "home".into(),
            ValidationErrorsKind::Struct(Box::new(zip.clone())),
        );
        top.errors_mut().insert(
            "lines".into(),
            ValidationErrorsKind::List([(2usize, Box::new(zip))].into_iter().collect()),
        );
        top.add("__all__", err("dates", &[]));
        let report = FormErrors::from_validator(&top, outer);
        let paths: Vec<&str> = report.fields.keys().map(String::as_str).collect();
        assert_eq!(paths, ["address.zipCode", "items[2].zipCode"]);
        assert_eq!(report.form[0].code, "dates");
    }
}
