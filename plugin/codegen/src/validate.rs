//! Checks that the parts of an IR agree: names are unique and every
//! reference (type, context, param) resolves.

use std::collections::{BTreeMap, BTreeSet};

use crate::{
    error::ReadError,
    model::{FnKind, Ir, Param, Repr, ShapeDef, Struct, Type},
};

/// A tag serde writes beside the fields must not be one of them: the
/// object would hold the key twice.
fn no_field_named(s: &Struct, tag: &str, within: &str) -> Result<(), ReadError> {
    if s.fields.iter().any(|f| !f.flatten && f.name == tag) {
        return Err(ReadError::Duplicate {
            kind: "field",
            name: format!("{tag} (the tag and a field of {within})"),
        });
    }
    Ok(())
}

fn unique<'a>(
    kind: &'static str,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<(), ReadError> {
    let mut seen = BTreeSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(ReadError::Duplicate {
                kind,
                name: n.to_owned(),
            });
        }
    }
    Ok(())
}

fn unique_within<'a>(
    kind: &'static str,
    names: impl IntoIterator<Item = &'a str>,
    within: &str,
) -> Result<(), ReadError> {
    let mut seen = BTreeSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(ReadError::Duplicate {
                kind,
                name: format!("{n} (in {within})"),
            });
        }
    }
    Ok(())
}

fn unique_params(params: &[Param], owner: &str) -> Result<(), ReadError> {
    let mut seen = BTreeSet::new();
    for p in params {
        if !seen.insert(p.name.as_str()) {
            return Err(ReadError::Duplicate {
                kind: "param",
                name: format!("{} (in {owner})", p.name),
            });
        }
    }
    Ok(())
}

/// Checks an IR (the reader calls this on every text it reads).
pub(crate) fn validate(ir: &Ir) -> Result<(), ReadError> {
    unique("function", ir.functions.iter().map(|f| f.name.as_str()))?;
    unique("context", ir.contexts.iter().map(|c| c.name.as_str()))?;
    unique("type", ir.types.iter().map(|t| t.name.as_str()))?;

    let arity: BTreeMap<&str, usize> = ir
        .types
        .iter()
        .map(|t| (t.name.as_str(), t.generics.len()))
        .collect();

    for t in &ir.types {
        unique(
            "type param",
            t.generics.iter().map(String::as_str).collect::<Vec<_>>(),
        )?;
        check_type(&t.ty, &arity, &t.generics, &format!("type `{}`", t.name))?;
        binary::nowhere(&t.ty, &format!("type `{}`", t.name))?;
        if let Some(shape) = &t.shape {
            check_shape(shape, &t.ty, &t.name)?;
        }
    }
    for c in &ir.contexts {
        let owner = format!("context `{}`", c.name);
        check_params(&c.params, &arity, &owner)?;
        for p in &c.params {
            binary::nowhere(&p.ty, &format!("param `{}` of {owner}", p.name))?;
        }
        if ir.context_functions(&c.name).next().is_none() {
            return Err(ReadError::Inconsistent(format!(
                "{owner} has no function (a context exists through its context functions)"
            )));
        }
    }
    for f in &ir.functions {
        let owner = format!("function `{}`", f.name);
        check_params(&f.params, &arity, &owner)?;
        check_type(&f.result, &arity, &[], &format!("the result of {owner}"))?;
        binary::function(f, &owner)?;
        if let Some(e) = &f.error {
            check_type(e, &arity, &[], &format!("the error of {owner}"))?;
        }
        if let Some(item) = &f.item {
            check_type(item, &arity, &[], &format!("the stream item of {owner}"))?;
        }
        if let Some(form) = &f.form {
            if !f.params.iter().any(|p| p.name == form.param) {
                return Err(ReadError::Inconsistent(format!(
                    "the form of {owner} names `{}`, which is not one of its params",
                    form.param
                )));
            }
        }
        match &f.kind {
            FnKind::Query => {}
            FnKind::Context { context, .. } => {
                let ctx = ir
                    .context(context)
                    .ok_or_else(|| ReadError::UnknownContext {
                        function: f.name.clone(),
                        context: context.clone(),
                    })?;
                for p in &f.params {
                    if !ctx
                        .params
                        .iter()
                        .any(|cp| cp.name == p.name && cp.ty == p.ty)
                    {
                        return Err(ReadError::Inconsistent(format!(
                            "param `{}` of {owner} is not a param of context `{context}` with the same type",
                            p.name
                        )));
                    }
                }
            }
            FnKind::Mutation { affects, .. } => {
                unique(
                    "affected context",
                    affects
                        .iter()
                        .map(|a| a.context.as_str())
                        .collect::<Vec<_>>(),
                )?;
                for a in affects {
                    let ctx = ir
                        .context(&a.context)
                        .ok_or_else(|| ReadError::UnknownContext {
                            function: f.name.clone(),
                            context: a.context.clone(),
                        })?;
                    unique(
                        "scoped context param",
                        a.scope
                            .iter()
                            .map(|s| s.context_param.as_str())
                            .collect::<Vec<_>>(),
                    )?;
                    for s in &a.scope {
                        if !ctx.params.iter().any(|p| p.name == s.context_param) {
                            return Err(ReadError::Inconsistent(format!(
                                "{owner} scopes context `{}` by `{}`, which is not a param of that context",
                                a.context, s.context_param
                            )));
                        }
                        if !f.params.iter().any(|p| p.name == s.function_param) {
                            return Err(ReadError::Inconsistent(format!(
                                "{owner} scopes context `{}` by its param `{}`, which it does not have",
                                a.context, s.function_param
                            )));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// A Shape is a struct; its columns and their fields are unique, every
/// field is one of the struct's, and the key is one of the columns.
fn check_shape(shape: &ShapeDef, ty: &Type, name: &str) -> Result<(), ReadError> {
    let owner = format!("the shape of type `{name}`");
    let Type::Struct(s) = ty else {
        return Err(ReadError::Inconsistent(format!(
            "{owner}: a shape is a struct"
        )));
    };
    unique_within(
        "column",
        shape.columns.iter().map(|c| c.column.as_str()),
        &owner,
    )?;
    unique_within(
        "field",
        shape.columns.iter().map(|c| c.field.as_str()),
        &owner,
    )?;
    for c in &shape.columns {
        if !s.fields.iter().any(|f| f.name == c.field) {
            return Err(ReadError::Inconsistent(format!(
                "{owner}: column `{}` fills field `{}`, which the struct does not have",
                c.column, c.field
            )));
        }
    }
    if !shape.columns.iter().any(|c| c.column == shape.key) {
        return Err(ReadError::Inconsistent(format!(
            "{owner}: its key `{}` is not one of its columns",
            shape.key
        )));
    }
    Ok(())
}

/// Unique names, and every type known with the right arity.
fn check_params(
    params: &[Param],
    arity: &BTreeMap<&str, usize>,
    owner: &str,
) -> Result<(), ReadError> {
    unique_params(params, owner)?;
    for p in params {
        check_type(&p.ty, arity, &[], &format!("param `{}` of {owner}", p.name))?;
    }
    Ok(())
}

fn check_type(
    ty: &Type,
    arity: &BTreeMap<&str, usize>,
    generics: &[String],
    within: &str,
) -> Result<(), ReadError> {
    match ty {
        Type::Primitive(_) | Type::Unit | Type::Any | Type::Unknown | Type::Literal(_) => Ok(()),
        // Where they may stand is checked by `crate::validate::binary`.
        Type::Upload | Type::Bytes => Ok(()),
        Type::List { item, .. } => check_type(item, arity, generics, within),
        Type::Nullable(inner) => check_type(inner, arity, generics, within),
        Type::Map { key, value } => {
            check_type(key, arity, generics, within)?;
            check_type(value, arity, generics, within)
        }
        Type::Tuple(items) => items
            .iter()
            .try_for_each(|t| check_type(t, arity, generics, within)),
        Type::Struct(s) => {
            unique_within(
                "field",
                s.fields
                    .iter()
                    .filter(|f| !f.flatten)
                    .map(|f| f.name.as_str()),
                within,
            )?;
            if let Some(tag) = &s.tag {
                no_field_named(s, &tag.field, within)?;
            }
            s.fields
                .iter()
                .try_for_each(|f| check_type(&f.ty, arity, generics, within))
        }
        Type::Enum(e) => {
            unique_within(
                "variant",
                e.variants.iter().map(|v| v.name.as_str()),
                within,
            )?;
            match &e.repr {
                Repr::Internal { tag } => {
                    for v in &e.variants {
                        if let Some(Type::Struct(s)) = &v.payload {
                            no_field_named(s, tag, &format!("variant `{}` of {within}", v.name))?;
                        }
                    }
                }
                Repr::Adjacent { tag, content } if tag == content => {
                    return Err(ReadError::Inconsistent(format!(
                        "{within}: an adjacently tagged enum needs two different fields for its tag and its content, not `{tag}` twice"
                    )))
                }
                _ => {}
            }
            e.variants
                .iter()
                .filter_map(|v| v.payload.as_ref())
                .try_for_each(|t| check_type(t, arity, generics, within))
        }
        Type::Ref { name, args } => {
            let Some(n) = arity.get(name.as_str()) else {
                return Err(ReadError::UnknownType {
                    name: name.clone(),
                    within: within.to_owned(),
                });
            };
            if *n != args.len() {
                return Err(ReadError::Inconsistent(format!(
                    "{within} gives type `{name}` {} type argument(s); it takes {n}",
                    args.len()
                )));
            }
            args.iter()
                .try_for_each(|t| check_type(t, arity, generics, within))
        }
        Type::Generic(g) => {
            if generics.iter().any(|x| x == g) {
                Ok(())
            } else {
                Err(ReadError::Inconsistent(format!(
                    "{within} uses type param `{g}`, which is not declared there"
                )))
            }
        }
    }
}

/// Where `upload` and `bytes` may stand (SPEC 6.2).
mod binary {
    use crate::{
        error::ReadError,
        model::{Capability, FnKind, Function, Type},
    };

    /// A function's upload params (each `upload`, or a `nullable` or
    /// `list` of it, and only when it `uses upload`), and its `bytes`
    /// result (a whole query result).
    pub(super) fn function(f: &Function, owner: &str) -> Result<(), ReadError> {
        let mut uploads = false;
        for p in &f.params {
            let within = format!("param `{}` of {owner}", p.name);
            match &p.ty {
                Type::Upload => uploads = true,
                Type::Nullable(t) | Type::List { item: t, .. } if **t == Type::Upload => {
                    uploads = true
                }
                other => nowhere(other, &within)?,
            }
        }
        let uses = f.capabilities.contains(&Capability::Upload);
        if uploads != uses {
            return Err(ReadError::Inconsistent(format!(
                "{owner}: a function has `uses upload` exactly when it takes an `upload` param"
            )));
        }
        if uploads && !matches!(f.kind, FnKind::Query | FnKind::Mutation { .. }) {
            return Err(ReadError::Inconsistent(format!(
                "{owner}: a context function cannot take an `upload`"
            )));
        }
        if f.result == Type::Bytes && !matches!(f.kind, FnKind::Query) {
            return Err(ReadError::Inconsistent(format!(
                "{owner}: only a query may return `bytes`"
            )));
        }
        if f.result != Type::Bytes {
            nowhere(&f.result, &format!("the result of {owner}"))?;
        }
        if let Some(e) = &f.error {
            nowhere(e, &format!("the error of {owner}"))?;
        }
        Ok(())
    }

    /// Neither `upload` nor `bytes` anywhere in `ty`.
    pub(super) fn nowhere(ty: &Type, within: &str) -> Result<(), ReadError> {
        let inner: Vec<&Type> = match ty {
            Type::Upload | Type::Bytes => {
                return Err(ReadError::Inconsistent(format!(
                    "{within}: `upload` stands only in a function param (or its `nullable` or `list`), `bytes` only as a query's whole result"
                )))
            }
            Type::List { item, .. } => vec![item],
            Type::Nullable(t) => vec![t],
            Type::Map { key, value } => vec![key, value],
            Type::Tuple(items) => items.iter().collect(),
            Type::Struct(s) => s.fields.iter().map(|f| &f.ty).collect(),
            Type::Enum(e) => e.variants.iter().filter_map(|v| v.payload.as_ref()).collect(),
            Type::Ref { args, .. } => args.iter().collect(),
            Type::Primitive(_)
            | Type::Unit
            | Type::Any
            | Type::Unknown
            | Type::Literal(_)
            | Type::Generic(_) => Vec::new(),
        };
        inner.into_iter().try_for_each(|t| nowhere(t, within))
    }
}
