//! The `form` node of a function: its KDL text, written and read.
//!
//! ```kdl
//! form input {
//!     field name kind=string required=#true {
//!         length min=1 max=40
//!     }
//!     field address kind=object {
//!         field zip kind=string required=#true {
//!             pattern "^[0-9]{5}$"
//!         }
//!     }
//! }
//! ```

use kdl::{KdlEntry, KdlNode, KdlValue};

use super::{children, named, string, Reader};
use crate::{
    error::ReadError,
    form::{FieldKind, Form, FormField, Rule},
};

pub(super) fn write_form(form: &Form) -> KdlNode {
    let mut node = named("form", &form.param);
    children(&mut node, form.fields.iter().map(write_field).collect());
    node
}

fn write_field(f: &FormField) -> KdlNode {
    let mut node = named("field", &f.name);
    node.push(("kind", f.kind.word()));
    if f.required {
        node.push(("required", true));
    }
    let mut kids: Vec<KdlNode> = f.rules.iter().map(write_rule).collect();
    kids.extend(f.fields.iter().map(write_field));
    children(&mut node, kids);
    node
}

/// A bound as the IR writes it: an integer when it is one.
fn number(n: f64) -> KdlValue {
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        KdlValue::Integer(n as i128)
    } else {
        KdlValue::Float(n)
    }
}

fn write_rule(rule: &Rule) -> KdlNode {
    match rule {
        Rule::Length { min, max, equal } => {
            let mut n = KdlNode::new("length");
            for (key, v) in [("min", min), ("max", max), ("equal", equal)] {
                if let Some(v) = v {
                    n.push((key, i128::from(*v)));
                }
            }
            n
        }
        Rule::Range {
            min,
            max,
            exclusive_min,
            exclusive_max,
        } => {
            let mut n = KdlNode::new("range");
            for (key, v) in [
                ("min", min),
                ("max", max),
                ("exclusive-min", exclusive_min),
                ("exclusive-max", exclusive_max),
            ] {
                if let Some(v) = v {
                    n.push(KdlEntry::new_prop(key, number(*v)));
                }
            }
            n
        }
        Rule::Pattern(p) => {
            let mut n = KdlNode::new("pattern");
            n.push(string(None, p));
            n
        }
        Rule::Email => KdlNode::new("email"),
        Rule::Url => KdlNode::new("url"),
        Rule::Required => KdlNode::new("required"),
        Rule::Server(code) => named("server", code),
    }
}

impl Reader<'_> {
    pub(super) fn form(&self, node: &KdlNode, within: &str) -> Result<Form, ReadError> {
        let e = self.entries(node, within, 1, &[])?;
        let param = self.string_arg(node, &e, 0, within, "the form's param")?;
        let fwithin = format!("form of {within}");
        Ok(Form {
            param,
            fields: self.form_fields(node, &fwithin, false)?,
        })
    }

    /// The `field` children of `node`; with `rules`, the rule children too
    /// are allowed (and skipped here).
    fn form_fields(
        &self,
        node: &KdlNode,
        within: &str,
        rules: bool,
    ) -> Result<Vec<FormField>, ReadError> {
        let mut fields: Vec<FormField> = Vec::new();
        for kid in self.kids(node) {
            match kid.name().value() {
                "field" => {
                    let f = self.form_field(kid, within)?;
                    if fields.iter().any(|g| g.name == f.name) {
                        return Err(self.invalid(
                            kid,
                            within,
                            format!("has two fields named `{}`", f.name),
                        ));
                    }
                    fields.push(f);
                }
                _ if rules => {}
                other => {
                    return Err(ReadError::UnknownNode {
                        line: self.line(kid),
                        node: other.to_owned(),
                        within: within.to_owned(),
                    })
                }
            }
        }
        Ok(fields)
    }

    fn form_field(&self, node: &KdlNode, within: &str) -> Result<FormField, ReadError> {
        let e = self.entries(node, within, 1, &["kind", "required"])?;
        let name = self.string_arg(node, &e, 0, within, "a field name")?;
        let fwithin = format!("field `{name}` of {within}");
        let word =
            self.prop_str(node, &e, "kind", &fwithin)?
                .ok_or_else(|| ReadError::Missing {
                    line: self.line(node),
                    what: "`kind`".into(),
                    within: fwithin.clone(),
                })?;
        let kind = FieldKind::from_word(&word).ok_or_else(|| {
            self.invalid(
                node,
                &fwithin,
                format!("unknown field kind `{word}` (expected string, integer, number, boolean, object, list or value)"),
            )
        })?;
        let required = self.prop_bool(node, &e, "required", &fwithin)?;
        let mut rules = Vec::new();
        for kid in self.kids(node) {
            if kid.name().value() != "field" {
                rules.push(self.rule(kid, &fwithin)?);
            }
        }
        let fields = self.form_fields(node, &fwithin, true)?;
        if !fields.is_empty() && !matches!(kind, FieldKind::Object | FieldKind::List) {
            return Err(self.invalid(node, &fwithin, "only an object or a list has nested fields"));
        }
        Ok(FormField {
            name,
            kind,
            required,
            rules,
            fields,
        })
    }

    fn rule(&self, node: &KdlNode, within: &str) -> Result<Rule, ReadError> {
        let word = node.name().value();
        let rule = match word {
            "length" => {
                let e = self.entries(node, within, 0, &["min", "max", "equal"])?;
                let get = |key: &str| -> Result<Option<u64>, ReadError> {
                    match e.props.iter().find(|(n, _)| *n == key) {
                        None => Ok(None),
                        Some((_, KdlValue::Integer(n)))
                            if *n >= 0 && *n <= i128::from(u64::MAX) =>
                        {
                            Ok(Some(*n as u64))
                        }
                        Some((_, other)) => Err(self.invalid(
                            node,
                            within,
                            format!(
                                "`{key}` of `length` must be a non-negative integer, found {other}"
                            ),
                        )),
                    }
                };
                Rule::Length {
                    min: get("min")?,
                    max: get("max")?,
                    equal: get("equal")?,
                }
            }
            "range" => {
                let e = self.entries(
                    node,
                    within,
                    0,
                    &["min", "max", "exclusive-min", "exclusive-max"],
                )?;
                let get = |key: &str| -> Result<Option<f64>, ReadError> {
                    match e.props.iter().find(|(n, _)| *n == key) {
                        None => Ok(None),
                        Some((_, KdlValue::Integer(n))) => Ok(Some(*n as f64)),
                        Some((_, KdlValue::Float(n))) if n.is_finite() => Ok(Some(*n)),
                        Some((_, other)) => Err(self.invalid(
                            node,
                            within,
                            format!("`{key}` of `range` must be a finite number, found {other}"),
                        )),
                    }
                };
                Rule::Range {
                    min: get("min")?,
                    max: get("max")?,
                    exclusive_min: get("exclusive-min")?,
                    exclusive_max: get("exclusive-max")?,
                }
            }
            "pattern" => {
                let e = self.entries(node, within, 1, &[])?;
                Rule::Pattern(self.string_arg(node, &e, 0, within, "a pattern")?)
            }
            "server" => {
                let e = self.entries(node, within, 1, &[])?;
                Rule::Server(self.string_arg(node, &e, 0, within, "an error code")?)
            }
            "email" | "url" | "required" => {
                self.leaf(node, within)?;
                match word {
                    "email" => Rule::Email,
                    "url" => Rule::Url,
                    _ => Rule::Required,
                }
            }
            other => {
                return Err(ReadError::UnknownNode {
                    line: self.line(node),
                    node: other.to_owned(),
                    within: within.to_owned(),
                })
            }
        };
        if !matches!(word, "email" | "url" | "required") {
            self.no_kids(node, within)?;
        }
        Ok(rule)
    }
}
