//! A function's form schema as a TypeScript constant (SPEC 6.4): what the
//! guest-js form state reads to mirror the server's rules.

use std::fmt::Write as _;

use super::{names::FnNames, quote::ts_string};
use crate::{
    form::{Form, FormField, Rule},
    model::Function,
};

/// `export const <fn>Form: $mizan.FormSchema<<Args>, "<param>"> = {...};`
/// and `<fn>.form = <fn>Form;`, after the function.
pub(super) fn form_constant(out: &mut String, f: &Function, n: &FnNames, form: &Form) {
    let Some(name) = &n.form else {
        return;
    };
    let _ = writeln!(
        out,
        "/** The form of `{}`: the fields of its `{}` param by wire name, with the rules the server checks (on `validate` and on every call). */",
        super::quote::name(&f.name),
        super::quote::name(&form.param)
    );
    let mut fields = String::new();
    write_fields(&mut fields, &form.fields, "  ");
    let _ = writeln!(
        out,
        "export const {name}: $mizan.FormSchema<{args}, {param}> = {{\n  fn: {wire},\n  param: {param},\n  fields: {fields},\n}};",
        args = n.args,
        param = ts_string(&form.param),
        wire = ts_string(&f.name),
    );
    let _ = writeln!(out, "{}.form = {name};", n.function);
}

fn write_fields(out: &mut String, fields: &[FormField], indent: &str) {
    if fields.is_empty() {
        out.push_str("[]");
        return;
    }
    out.push_str("[\n");
    let inner = format!("{indent}  ");
    for f in fields {
        let rules: Vec<String> = f.rules.iter().map(rule).collect();
        let _ = write!(
            out,
            "{inner}{{ name: {}, kind: {}, required: {}, rules: [{}], fields: ",
            ts_string(&f.name),
            ts_string(f.kind.word()),
            f.required,
            rules.join(", ")
        );
        write_fields(out, &f.fields, &inner);
        out.push_str(" },\n");
    }
    out.push_str(indent);
    out.push(']');
}

fn rule(r: &Rule) -> String {
    let mut props = vec![format!("rule: {}", ts_string(rule_word(r)))];
    let mut num = |key: &str, v: Option<f64>| {
        if let Some(v) = v {
            props.push(format!("{key}: {v}"));
        }
    };
    match r {
        Rule::Length { min, max, equal } => {
            num("min", min.map(|v| v as f64));
            num("max", max.map(|v| v as f64));
            num("equal", equal.map(|v| v as f64));
        }
        Rule::Range {
            min,
            max,
            exclusive_min,
            exclusive_max,
        } => {
            num("min", *min);
            num("max", *max);
            num("exclusiveMin", *exclusive_min);
            num("exclusiveMax", *exclusive_max);
        }
        Rule::Pattern(p) => props.push(format!("pattern: {}", ts_string(p))),
        Rule::Server(code) => props.push(format!("code: {}", ts_string(code))),
        Rule::Email | Rule::Url | Rule::Required => {}
    }
    format!("{{ {} }}", props.join(", "))
}

fn rule_word(r: &Rule) -> &'static str {
    match r {
        Rule::Length { .. } => "length",
        Rule::Range { .. } => "range",
        Rule::Pattern(_) => "pattern",
        Rule::Email => "email",
        Rule::Url => "url",
        Rule::Required => "required",
        Rule::Server(_) => "server",
    }
}
