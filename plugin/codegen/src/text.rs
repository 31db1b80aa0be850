//! The IR's KDL v2 text: [`Ir::to_kdl`] writes it and [`Ir::from_kdl`]
//! reads it, both through the `kdl` crate.
//!
//! The format is described in `IR.md` beside this crate's sources.

use std::collections::BTreeSet;

use kdl::{KdlDocument, KdlEntry, KdlEntryFormat, KdlNode, KdlValue};

use crate::{
    error::ReadError,
    model::{
        Affect, Auth, Cache, Capability, ContextDef, Enum, Field, FnKind, Function, Ir, Literal,
        Param, Primitive, Repr, ScopePair, ShapeColumn, ShapeDef, Struct, StructTag, Type, TypeDef,
        Variant, FORMAT_VERSION,
    },
};

mod form;

const ROOT: &str = "mizan-ir";

impl Ir {
    /// Writes the IR as KDL v2 text. The same IR always gives the same
    /// bytes; the text reads back into an equal IR.
    ///
    /// ```
    /// use tauri_plugin_mizan_codegen::{Function, FnKind, Ir, Type, Auth};
    /// let mut ir = Ir::default();
    /// ir.functions.push(Function {
    ///     name: "ping".into(),
    ///     kind: FnKind::Query,
    ///     params: vec![],
    ///     result: Type::Unit,
    ///     error: None,
    ///     auth: Auth::None,
    ///     capabilities: vec![],
    ///     item: None,
    ///     form: None,
    ///     doc: None,
    /// });
    /// let text = ir.to_kdl();
    /// assert_eq!(text, "mizan-ir 1\nfunction ping kind=query {\n    result {\n        unit\n    }\n    auth none\n}\n");
    /// assert_eq!(Ir::from_kdl(&text).unwrap(), ir);
    /// ```
    pub fn to_kdl(&self) -> String {
        let mut ir = self.clone();
        ir.normalize();
        let mut doc = KdlDocument::new();
        let mut root = KdlNode::new(ROOT);
        root.push(KdlEntry::new(i128::from(ir.version)));
        doc.nodes_mut().push(root);
        for f in &ir.functions {
            doc.nodes_mut().push(write_function(f));
        }
        for c in &ir.contexts {
            let mut node = named("context", &c.name);
            children(&mut node, c.params.iter().map(write_param).collect());
            doc.nodes_mut().push(node);
        }
        for t in &ir.types {
            let mut node = named("type", &t.name);
            if let Some(doc) = &t.doc {
                node.push(string(Some("doc"), doc));
            }
            let mut kids: Vec<KdlNode> =
                t.generics.iter().map(|g| named("type-param", g)).collect();
            kids.extend(t.shape.as_ref().map(write_shape));
            kids.push(write_type(&t.ty));
            children(&mut node, kids);
            doc.nodes_mut().push(node);
        }
        doc.autoformat();
        doc.to_string()
    }

    /// Reads IR text. Checks the format version first, then every node,
    /// then that every reference (types, contexts, params) resolves.
    ///
    /// ```
    /// use tauri_plugin_mizan_codegen::{Ir, ReadError};
    /// let text = "mizan-ir 1\nfunction me kind=query {\n    result {\n        ref Nobody\n    }\n    auth none\n}\n";
    /// let err = Ir::from_kdl(text).unwrap_err();
    /// assert!(matches!(err, ReadError::UnknownType { .. }));
    /// ```
    pub fn from_kdl(text: &str) -> Result<Ir, ReadError> {
        crate::nesting::check(text)?;
        on_reader_stack(|| read(text))
    }
}

/// The `kdl` parser takes about 32 KiB of stack per nesting level in a
/// debug build: reading runs on a thread of its own with room for
/// [`MAX_DEPTH`](crate::MAX_DEPTH) levels, whatever stack the caller has
/// left. (Where no thread can be started, it runs on the caller's.)
fn on_reader_stack<T: Send>(read: impl FnOnce() -> T + Send) -> T {
    const STACK: usize = 16 << 20;
    let mut read = Some(read);
    let ran = std::thread::scope(|s| {
        let run = &mut read;
        std::thread::Builder::new()
            .name("mizan-ir-reader".into())
            .stack_size(STACK)
            .spawn_scoped(s, move || run.take().map(|f| f()))
            .ok()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    match ran.flatten() {
        Some(out) => out,
        None => (read.take().expect("the reader has not run"))(),
    }
}

fn read(text: &str) -> Result<Ir, ReadError> {
    let doc = KdlDocument::parse_v2(text).map_err(|e| {
        let (offset, message) = e
            .diagnostics
            .first()
            .map(|d| {
                let mut m = d.message.clone().unwrap_or_else(|| "syntax error".into());
                if let Some(help) = &d.help {
                    m.push_str(&format!(" ({help})"));
                }
                (d.span.offset(), m)
            })
            .unwrap_or((0, "syntax error".into()));
        ReadError::Syntax {
            line: line_of(text, offset),
            message,
        }
    })?;
    let r = Reader { text };
    let mut nodes = doc.nodes().iter();
    let supported = FORMAT_VERSION;
    let first = nodes.next().ok_or(ReadError::MissingVersion {
        found: "an empty document".into(),
        supported,
    })?;
    if first.name().value() != ROOT {
        return Err(ReadError::MissingVersion {
            found: format!("`{}` on line {}", first.name().value(), r.line(first)),
            supported,
        });
    }
    match first.entries() {
        [e] if e.name().is_none() => match e.value() {
            KdlValue::Integer(v) if *v == i128::from(supported) => {}
            other => {
                return Err(ReadError::UnsupportedVersion {
                    found: other.to_string(),
                    supported,
                })
            }
        },
        _ => {
            return Err(ReadError::MissingVersion {
                found: format!("`{}` without one version number", ROOT),
                supported,
            })
        }
    }
    if first.children().is_some() {
        return Err(r.invalid(first, ROOT, "takes no children"));
    }
    let mut ir = Ir::default();
    for node in nodes {
        match node.name().value() {
            "function" => ir.functions.push(r.function(node)?),
            "context" => ir.contexts.push(r.context(node)?),
            "type" => ir.types.push(r.type_def(node)?),
            other => {
                return Err(ReadError::UnknownNode {
                    line: r.line(node),
                    node: other.to_owned(),
                    within: "the document".into(),
                })
            }
        }
    }
    ir.normalize();
    crate::validate::validate(&ir)?;
    Ok(ir)
}

// Writing ------------------------------------------------------------------

fn named(node: &str, name: &str) -> KdlNode {
    let mut n = KdlNode::new(node);
    n.push(string(None, name));
    n
}

/// A string argument (`key` `None`) or property, written so that the reader
/// reads it back: the `kdl` crate writes some code points as they are that
/// KDL v2 only allows as escapes (controls, bidirectional marks, line and
/// paragraph separators), and leaves some words bare that its parser does
/// not read (`-.5`), so those strings get their own quoted text.
fn string(key: Option<&str>, value: &str) -> KdlEntry {
    let mut entry = match key {
        Some(key) => KdlEntry::new_prop(key, value),
        None => KdlEntry::new(value),
    };
    // The reader reads no bare word that starts like a number (nor does
    // the kdl crate's parser read all of those its writer leaves bare) or
    // holds a control character: quote them.
    if value.chars().any(|c| needs_escape(c) || c.is_control())
        || value.starts_with(['-', '+', '.'])
    {
        let mut repr = String::from('"');
        for c in value.chars() {
            match c {
                '\\' => repr.push_str("\\\\"),
                '"' => repr.push_str("\\\""),
                '\n' => repr.push_str("\\n"),
                '\r' => repr.push_str("\\r"),
                '\t' => repr.push_str("\\t"),
                c if needs_escape(c) || c.is_control() => {
                    repr.push_str(&format!("\\u{{{:x}}}", c as u32))
                }
                c => repr.push(c),
            }
        }
        repr.push('"');
        entry.set_format(KdlEntryFormat {
            value_repr: repr,
            leading: " ".into(),
            autoformat_keep: true,
            ..KdlEntryFormat::default()
        });
    }
    entry
}

/// Code points the `kdl` crate would write literally where KDL v2 only
/// allows them escaped.
fn needs_escape(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}'
        | '\u{0B}'
        | '\u{0E}'..='\u{1F}'
        | '\u{7F}'
        | '\u{85}'
        | '\u{200E}'..='\u{200F}'
        | '\u{2028}'..='\u{2029}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}'
    )
}

fn children(node: &mut KdlNode, kids: Vec<KdlNode>) {
    if !kids.is_empty() {
        let mut doc = KdlDocument::new();
        *doc.nodes_mut() = kids;
        node.set_children(doc);
    }
}

/// `shape <table> key=<key> { column <column> [field=<field>] ... }`:
/// `field` only when the wire name differs from the column.
fn write_shape(shape: &ShapeDef) -> KdlNode {
    let mut node = named("shape", &shape.table);
    node.push(string(Some("key"), &shape.key));
    let columns = shape
        .columns
        .iter()
        .map(|c| {
            let mut n = named("column", &c.column);
            if c.field != c.column {
                n.push(string(Some("field"), &c.field));
            }
            n
        })
        .collect();
    children(&mut node, columns);
    node
}

fn wrap(node: &str, ty: &Type) -> KdlNode {
    let mut n = KdlNode::new(node);
    children(&mut n, vec![write_type(ty)]);
    n
}

fn write_function(f: &Function) -> KdlNode {
    let mut node = named("function", &f.name);
    node.push(("kind", f.kind.word()));
    if let FnKind::Context { context, .. } = &f.kind {
        node.push(string(Some("context"), context));
    }
    if let Some(doc) = &f.doc {
        node.push(string(Some("doc"), doc));
    }
    let mut kids: Vec<KdlNode> = f.params.iter().map(write_param).collect();
    kids.push(wrap("result", &f.result));
    if let Some(e) = &f.error {
        kids.push(wrap("error", e));
    }
    if let Some(item) = &f.item {
        kids.push(wrap("item", item));
    }
    if let Some(form) = &f.form {
        kids.push(form::write_form(form));
    }
    if let FnKind::Context {
        cache: Some(cache), ..
    } = &f.kind
    {
        let mut n = KdlNode::new("cache");
        n.push(("ttl", i128::from(cache.ttl_ms)));
        if cache.stale_if_error_ms > 0 {
            n.push(("stale-if-error", i128::from(cache.stale_if_error_ms)));
        }
        if cache.timeout_ms > 0 {
            n.push(("timeout", i128::from(cache.timeout_ms)));
        }
        kids.push(n);
    }
    if let FnKind::Mutation {
        affects,
        names_targets,
    } = &f.kind
    {
        if *names_targets {
            kids.push(KdlNode::new("names-targets"));
        }
        for a in affects {
            let mut n = named("affects", &a.context);
            children(
                &mut n,
                a.scope
                    .iter()
                    .map(|p| {
                        let mut s = named("scope", &p.context_param);
                        s.push(string(None, &p.function_param));
                        s
                    })
                    .collect(),
            );
            kids.push(n);
        }
    }
    let mut auth = named("auth", f.auth.word());
    if let Auth::Role(role) = &f.auth {
        auth.push(string(None, role));
    }
    kids.push(auth);
    if !f.capabilities.is_empty() {
        let mut n = KdlNode::new("uses");
        for c in &f.capabilities {
            n.push(KdlEntry::new(c.word()));
        }
        kids.push(n);
    }
    children(&mut node, kids);
    node
}

fn write_param(p: &Param) -> KdlNode {
    let mut n = named("param", &p.name);
    if p.optional {
        n.push(("optional", true));
    }
    if let Some(doc) = &p.doc {
        n.push(string(Some("doc"), doc));
    }
    children(&mut n, vec![write_type(&p.ty)]);
    n
}

fn write_type(ty: &Type) -> KdlNode {
    match ty {
        Type::Primitive(p) => KdlNode::new(p.word()),
        Type::Unit => KdlNode::new("unit"),
        Type::Any => KdlNode::new("any"),
        Type::Unknown => KdlNode::new("unknown"),
        Type::Upload => KdlNode::new("upload"),
        Type::Bytes => KdlNode::new("bytes"),
        Type::Literal(l) => {
            let mut n = KdlNode::new("literal");
            n.push(match l {
                Literal::String(s) => string(None, s),
                Literal::Integer(i) => KdlEntry::new(*i),
                Literal::Bool(b) => KdlEntry::new(*b),
                Literal::Null => KdlEntry::new(KdlValue::Null),
            });
            n
        }
        Type::List { item, length } => {
            let mut n = wrap("list", item);
            if let Some(len) = length {
                n.push(("length", i128::from(*len)));
            }
            n
        }
        Type::Map { key, value } => {
            let mut n = KdlNode::new("map");
            children(&mut n, vec![write_type(key), write_type(value)]);
            n
        }
        Type::Nullable(inner) => wrap("nullable", inner),
        Type::Tuple(items) => {
            let mut n = KdlNode::new("tuple");
            children(&mut n, items.iter().map(write_type).collect());
            n
        }
        Type::Struct(s) => {
            let mut n = KdlNode::new("struct");
            if let Some(tag) = &s.tag {
                n.push(string(Some("tag"), &tag.field));
                n.push(string(Some("tag-value"), &tag.value));
            }
            children(&mut n, s.fields.iter().map(write_field).collect());
            n
        }
        Type::Enum(e) => {
            let mut n = KdlNode::new("enum");
            n.push(("repr", e.repr.word()));
            match &e.repr {
                Repr::Internal { tag } => n.push(string(Some("tag"), tag)),
                Repr::Adjacent { tag, content } => {
                    n.push(string(Some("tag"), tag));
                    n.push(string(Some("content"), content));
                }
                Repr::External | Repr::Untagged => {}
            }
            children(&mut n, e.variants.iter().map(write_variant).collect());
            n
        }
        Type::Ref { name, args } => {
            let mut n = named("ref", name);
            children(&mut n, args.iter().map(write_type).collect());
            n
        }
        Type::Generic(name) => named("generic", name),
    }
}

fn write_field(f: &Field) -> KdlNode {
    let mut n = named("field", &f.name);
    if f.optional {
        n.push(("optional", true));
    }
    if f.flatten {
        n.push(("flatten", true));
    }
    if let Some(doc) = &f.doc {
        n.push(string(Some("doc"), doc));
    }
    children(&mut n, vec![write_type(&f.ty)]);
    n
}

fn write_variant(v: &Variant) -> KdlNode {
    let mut n = named("variant", &v.name);
    if let Some(doc) = &v.doc {
        n.push(string(Some("doc"), doc));
    }
    children(&mut n, v.payload.iter().map(write_type).collect());
    n
}

// Reading ------------------------------------------------------------------

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

struct Reader<'a> {
    text: &'a str,
}

/// The entries of one node, checked: positional arguments and known
/// properties.
struct Entries<'n> {
    args: Vec<&'n KdlValue>,
    props: Vec<(&'n str, &'n KdlValue)>,
}

impl Reader<'_> {
    fn line(&self, node: &KdlNode) -> usize {
        line_of(self.text, node.span().offset())
    }

    fn invalid(&self, node: &KdlNode, within: &str, message: impl Into<String>) -> ReadError {
        ReadError::Invalid {
            line: self.line(node),
            within: within.to_owned(),
            message: message.into(),
        }
    }

    /// Splits entries, refusing properties outside `allowed` and more
    /// than `max_args` arguments.
    fn entries<'n>(
        &self,
        node: &'n KdlNode,
        within: &str,
        max_args: usize,
        allowed: &[&str],
    ) -> Result<Entries<'n>, ReadError> {
        let mut out = Entries {
            args: Vec::new(),
            props: Vec::new(),
        };
        for e in node.entries() {
            match e.name() {
                None => out.args.push(e.value()),
                Some(name) => {
                    let name = name.value();
                    if !allowed.contains(&name) {
                        return Err(self.invalid(
                            node,
                            within,
                            format!("unknown property `{name}`"),
                        ));
                    }
                    if out.props.iter().any(|(n, _)| *n == name) {
                        return Err(self.invalid(
                            node,
                            within,
                            format!("property `{name}` is given twice"),
                        ));
                    }
                    out.props.push((name, e.value()));
                }
            }
        }
        if out.args.len() > max_args {
            return Err(self.invalid(
                node,
                within,
                format!(
                    "takes at most {max_args} argument(s), found {}",
                    out.args.len()
                ),
            ));
        }
        Ok(out)
    }

    fn string_arg(
        &self,
        node: &KdlNode,
        entries: &Entries<'_>,
        i: usize,
        within: &str,
        what: &str,
    ) -> Result<String, ReadError> {
        match entries.args.get(i) {
            Some(KdlValue::String(s)) => Ok(s.clone()),
            Some(other) => Err(self.invalid(
                node,
                within,
                format!("{what} must be a string, found {other}"),
            )),
            None => Err(ReadError::Missing {
                line: self.line(node),
                what: what.to_owned(),
                within: within.to_owned(),
            }),
        }
    }

    fn prop_str(
        &self,
        node: &KdlNode,
        entries: &Entries<'_>,
        name: &str,
        within: &str,
    ) -> Result<Option<String>, ReadError> {
        match entries.props.iter().find(|(n, _)| *n == name) {
            None => Ok(None),
            Some((_, KdlValue::String(s))) => Ok(Some(s.clone())),
            Some((_, other)) => Err(self.invalid(
                node,
                within,
                format!("`{name}` must be a string, found {other}"),
            )),
        }
    }

    fn prop_bool(
        &self,
        node: &KdlNode,
        entries: &Entries<'_>,
        name: &str,
        within: &str,
    ) -> Result<bool, ReadError> {
        match entries.props.iter().find(|(n, _)| *n == name) {
            None => Ok(false),
            Some((_, KdlValue::Bool(b))) => Ok(*b),
            Some((_, other)) => Err(self.invalid(
                node,
                within,
                format!("`{name}` must be #true or #false, found {other}"),
            )),
        }
    }

    fn kids<'n>(&self, node: &'n KdlNode) -> &'n [KdlNode] {
        node.children().map(|d| d.nodes()).unwrap_or(&[])
    }

    fn function(&self, node: &KdlNode) -> Result<Function, ReadError> {
        let e = self.entries(node, "function", 1, &["kind", "context", "doc"])?;
        let name = self.string_arg(node, &e, 0, "a function", "name")?;
        let within = format!("function `{name}`");
        let doc = self.prop_str(node, &e, "doc", &within)?;
        let kind_word =
            self.prop_str(node, &e, "kind", &within)?
                .ok_or_else(|| ReadError::Missing {
                    line: self.line(node),
                    what: "`kind`".into(),
                    within: within.clone(),
                })?;
        let context = self.prop_str(node, &e, "context", &within)?;
        let mut kind = match (kind_word.as_str(), context) {
            ("query", None) => FnKind::Query,
            ("context", Some(context)) => FnKind::Context {
                context,
                cache: None,
            },
            ("context", None) => {
                return Err(ReadError::Missing {
                    line: self.line(node),
                    what: "`context`".into(),
                    within,
                })
            }
            ("mutation", None) => FnKind::Mutation {
                affects: Vec::new(),
                names_targets: false,
            },
            ("query" | "mutation", Some(_)) => {
                return Err(self.invalid(
                    node,
                    &within,
                    format!("a {kind_word} takes no `context`"),
                ))
            }
            (other, _) => {
                return Err(self.invalid(
                    node,
                    &within,
                    format!("unknown kind `{other}` (expected query, context or mutation)"),
                ))
            }
        };
        let mut params = Vec::new();
        let mut result = None;
        let mut error = None;
        let mut auth = None;
        let mut capabilities = Vec::new();
        let mut item = None;
        let mut form = None;
        for kid in self.kids(node) {
            match kid.name().value() {
                "param" => params.push(self.param(kid, &within)?),
                "result" => set_once(&mut result, self.wrapped(kid, &within)?, || {
                    self.invalid(kid, &within, "has two `result`s")
                })?,
                "error" => set_once(&mut error, self.wrapped(kid, &within)?, || {
                    self.invalid(kid, &within, "has two `error`s")
                })?,
                "item" => set_once(&mut item, self.wrapped(kid, &within)?, || {
                    self.invalid(kid, &within, "has two `item`s")
                })?,
                "form" => set_once(&mut form, self.form(kid, &within)?, || {
                    self.invalid(kid, &within, "has two `form`s")
                })?,
                "affects" => {
                    let FnKind::Mutation { affects, .. } = &mut kind else {
                        return Err(self.invalid(kid, &within, "only a mutation has `affects`"));
                    };
                    affects.push(self.affect(kid, &within)?);
                }
                "cache" => {
                    let value = self.cache(kid, &within)?;
                    let FnKind::Context { cache, .. } = &mut kind else {
                        return Err(self.invalid(
                            kid,
                            &within,
                            "only a context function is cached",
                        ));
                    };
                    set_once(cache, value, || {
                        self.invalid(kid, &within, "has two `cache`s")
                    })?;
                }
                "names-targets" => {
                    self.entries(kid, &within, 0, &[])?;
                    let FnKind::Mutation { names_targets, .. } = &mut kind else {
                        return Err(self.invalid(kid, &within, "only a mutation names targets"));
                    };
                    if *names_targets {
                        return Err(self.invalid(kid, &within, "has two `names-targets`"));
                    }
                    *names_targets = true;
                }
                "auth" => {
                    let ae = self.entries(kid, &within, 2, &[])?;
                    let word = self.string_arg(kid, &ae, 0, &within, "an auth requirement")?;
                    if word != "role" && ae.args.len() > 1 {
                        return Err(self.invalid(
                            kid,
                            &within,
                            format!("`auth {word}` takes no role"),
                        ));
                    }
                    let value = match word.as_str() {
                        "none" => Auth::None,
                        "identity" => Auth::Identity,
                        "role" => Auth::Role(self.string_arg(kid, &ae, 1, &within, "a role")?),
                        other => {
                            return Err(self.invalid(
                                kid,
                                &within,
                                format!("unknown auth requirement `{other}`"),
                            ))
                        }
                    };
                    set_once(&mut auth, value, || {
                        self.invalid(kid, &within, "has two `auth`s")
                    })?;
                }
                "uses" => {
                    let ue = self.entries(kid, &within, usize::MAX, &[])?;
                    for i in 0..ue.args.len() {
                        let word = self.string_arg(kid, &ue, i, &within, "a capability")?;
                        let cap = Capability::ALL
                            .into_iter()
                            .find(|c| c.word() == word)
                            .ok_or_else(|| self.invalid(kid, &within, format!("unknown capability `{word}` (expected upload, stream or form)")))?;
                        capabilities.push(cap);
                    }
                }
                other => {
                    return Err(ReadError::UnknownNode {
                        line: self.line(kid),
                        node: other.to_owned(),
                        within,
                    })
                }
            }
        }
        let missing = |what: &str| ReadError::Missing {
            line: self.line(node),
            what: what.into(),
            within: within.clone(),
        };
        if capabilities.contains(&Capability::Stream) != item.is_some() {
            return Err(self.invalid(
                node,
                &within,
                "a streaming function (`uses stream`) has one `item`, and only it has one",
            ));
        }
        if capabilities.contains(&Capability::Form) != form.is_some() {
            return Err(self.invalid(
                node,
                &within,
                "a form function (`uses form`) has one `form`, and only it has one",
            ));
        }
        Ok(Function {
            item,
            form,
            result: result.ok_or_else(|| missing("`result`"))?,
            auth: auth.ok_or_else(|| missing("`auth`"))?,
            name,
            kind,
            params,
            error,
            capabilities,
            doc,
        })
    }

    /// `cache ttl=<ms> [stale-if-error=<ms>] [timeout=<ms>]`.
    fn cache(&self, node: &KdlNode, within: &str) -> Result<Cache, ReadError> {
        let e = self.entries(node, within, 0, &["ttl", "stale-if-error", "timeout"])?;
        let ms = |name: &str| -> Result<Option<u64>, ReadError> {
            match e.props.iter().find(|(n, _)| *n == name) {
                None => Ok(None),
                Some((_, KdlValue::Integer(n))) if *n >= 0 && *n <= i128::from(u64::MAX) => {
                    Ok(Some(*n as u64))
                }
                Some((_, other)) => Err(self.invalid(
                    node,
                    within,
                    format!(
                        "`{name}` must be a non-negative integer (milliseconds), found {other}"
                    ),
                )),
            }
        };
        Ok(Cache {
            ttl_ms: ms("ttl")?.ok_or_else(|| ReadError::Missing {
                line: self.line(node),
                what: "`ttl` of `cache`".into(),
                within: within.to_owned(),
            })?,
            stale_if_error_ms: ms("stale-if-error")?.unwrap_or(0),
            timeout_ms: ms("timeout")?.unwrap_or(0),
        })
    }

    fn affect(&self, node: &KdlNode, within: &str) -> Result<Affect, ReadError> {
        let e = self.entries(node, within, 1, &[])?;
        let context = self.string_arg(node, &e, 0, within, "an affected context")?;
        let mut scope = Vec::new();
        for kid in self.kids(node) {
            if kid.name().value() != "scope" {
                return Err(ReadError::UnknownNode {
                    line: self.line(kid),
                    node: kid.name().value().to_owned(),
                    within: format!("`affects {context}` of {within}"),
                });
            }
            let se = self.entries(kid, within, 2, &[])?;
            scope.push(ScopePair {
                context_param: self.string_arg(kid, &se, 0, within, "a context param")?,
                function_param: self.string_arg(kid, &se, 1, within, "a function param")?,
            });
        }
        Ok(Affect { context, scope })
    }

    fn param(&self, node: &KdlNode, within: &str) -> Result<Param, ReadError> {
        let e = self.entries(node, within, 1, &["optional", "doc"])?;
        let name = self.string_arg(node, &e, 0, within, "a param name")?;
        let pwithin = format!("param `{name}` of {within}");
        let optional = self.prop_bool(node, &e, "optional", &pwithin)?;
        let doc = self.prop_str(node, &e, "doc", &pwithin)?;
        let ty = self.one_type(node, &pwithin)?;
        Ok(Param {
            name,
            ty,
            optional,
            doc,
        })
    }

    /// A node whose only child is a type.
    fn wrapped(&self, node: &KdlNode, within: &str) -> Result<Type, ReadError> {
        let what = format!("`{}` of {within}", node.name().value());
        let e = self.entries(node, &what, 0, &[])?;
        let _ = e;
        self.one_type(node, &what)
    }

    fn one_type(&self, node: &KdlNode, within: &str) -> Result<Type, ReadError> {
        match self.kids(node) {
            [one] => self.ty(one, within),
            [] => Err(ReadError::Missing {
                line: self.line(node),
                what: "type".into(),
                within: within.to_owned(),
            }),
            _ => Err(self.invalid(node, within, "holds more than one type")),
        }
    }

    fn context(&self, node: &KdlNode) -> Result<ContextDef, ReadError> {
        let e = self.entries(node, "context", 1, &[])?;
        let name = self.string_arg(node, &e, 0, "a context", "name")?;
        let within = format!("context `{name}`");
        let mut params = Vec::new();
        for kid in self.kids(node) {
            match kid.name().value() {
                "param" => params.push(self.param(kid, &within)?),
                other => {
                    return Err(ReadError::UnknownNode {
                        line: self.line(kid),
                        node: other.to_owned(),
                        within,
                    })
                }
            }
        }
        Ok(ContextDef { name, params })
    }

    fn type_def(&self, node: &KdlNode) -> Result<TypeDef, ReadError> {
        let e = self.entries(node, "type", 1, &["doc"])?;
        let name = self.string_arg(node, &e, 0, "a type", "name")?;
        let within = format!("type `{name}`");
        let doc = self.prop_str(node, &e, "doc", &within)?;
        let mut generics = Vec::new();
        let mut body = None;
        let mut shape = None;
        for kid in self.kids(node) {
            if kid.name().value() == "shape" {
                if body.is_some() {
                    return Err(self.invalid(kid, &within, "`shape` must come before the type"));
                }
                let s = self.shape(kid, &within)?;
                set_once(&mut shape, s, || {
                    self.invalid(kid, &within, "holds more than one `shape`")
                })?;
            } else if kid.name().value() == "type-param" {
                if body.is_some() {
                    return Err(self.invalid(
                        kid,
                        &within,
                        "`type-param` must come before the type",
                    ));
                }
                let ge = self.entries(kid, &within, 1, &[])?;
                generics.push(self.string_arg(kid, &ge, 0, &within, "a type param name")?);
            } else {
                let ty = self.ty(kid, &within)?;
                set_once(&mut body, ty, || {
                    self.invalid(kid, &within, "holds more than one type")
                })?;
            }
        }
        let ty = body.ok_or_else(|| ReadError::Missing {
            line: self.line(node),
            what: "type".into(),
            within: within.clone(),
        })?;
        Ok(TypeDef {
            name,
            generics,
            doc,
            ty,
            shape,
        })
    }

    fn shape(&self, node: &KdlNode, within: &str) -> Result<ShapeDef, ReadError> {
        let e = self.entries(node, within, 1, &["key"])?;
        let table = self.string_arg(node, &e, 0, within, "a shape's table")?;
        let key = self
            .prop_str(node, &e, "key", within)?
            .ok_or_else(|| ReadError::Missing {
                line: self.line(node),
                what: "a shape's `key`".into(),
                within: within.to_owned(),
            })?;
        let mut columns = Vec::new();
        for kid in self.kids(node) {
            if kid.name().value() != "column" {
                return Err(ReadError::UnknownNode {
                    line: self.line(kid),
                    node: kid.name().value().to_owned(),
                    within: within.to_owned(),
                });
            }
            self.no_kids(kid, within)?;
            let ce = self.entries(kid, within, 1, &["field"])?;
            let column = self.string_arg(kid, &ce, 0, within, "a column name")?;
            let field = self
                .prop_str(kid, &ce, "field", within)?
                .unwrap_or_else(|| column.clone());
            columns.push(ShapeColumn { column, field });
        }
        Ok(ShapeDef {
            table,
            key,
            columns,
        })
    }

    fn ty(&self, node: &KdlNode, within: &str) -> Result<Type, ReadError> {
        let word = node.name().value();
        if let Some(p) = Primitive::from_word(word) {
            self.leaf(node, within)?;
            return Ok(Type::Primitive(p));
        }
        let ty = match word {
            "unit" => {
                self.leaf(node, within)?;
                Type::Unit
            }
            "any" => {
                self.leaf(node, within)?;
                Type::Any
            }
            "unknown" => {
                self.leaf(node, within)?;
                Type::Unknown
            }
            "upload" => {
                self.leaf(node, within)?;
                Type::Upload
            }
            "bytes" => {
                self.leaf(node, within)?;
                Type::Bytes
            }
            "literal" => {
                let e = self.entries(node, within, 1, &[])?;
                self.no_kids(node, within)?;
                let lit = match e.args.first() {
                    Some(KdlValue::String(s)) => Literal::String(s.clone()),
                    Some(KdlValue::Integer(i)) => Literal::Integer(*i),
                    Some(KdlValue::Bool(b)) => Literal::Bool(*b),
                    Some(KdlValue::Null) => Literal::Null,
                    Some(KdlValue::Float(f)) => {
                        return Err(self.invalid(
                            node,
                            within,
                            format!("float literal {f} is not supported"),
                        ))
                    }
                    None => {
                        return Err(ReadError::Missing {
                            line: self.line(node),
                            what: "literal value".into(),
                            within: within.to_owned(),
                        })
                    }
                };
                Type::Literal(lit)
            }
            "list" => {
                let e = self.entries(node, within, 0, &["length"])?;
                let length = match e.props.first() {
                    None => None,
                    Some((_, KdlValue::Integer(n))) if *n >= 0 && *n <= i128::from(u32::MAX) => {
                        Some(*n as u64)
                    }
                    Some((_, other)) => {
                        return Err(self.invalid(
                            node,
                            within,
                            format!("`length` must be a non-negative integer, found {other}"),
                        ))
                    }
                };
                Type::List {
                    item: Box::new(self.one_type(node, within)?),
                    length,
                }
            }
            "map" => {
                self.entries(node, within, 0, &[])?;
                match self.kids(node) {
                    [k, v] => Type::Map {
                        key: Box::new(self.ty(k, within)?),
                        value: Box::new(self.ty(v, within)?),
                    },
                    _ => {
                        return Err(self.invalid(
                            node,
                            within,
                            "`map` holds exactly two types: key and value",
                        ))
                    }
                }
            }
            "nullable" => {
                self.entries(node, within, 0, &[])?;
                Type::Nullable(Box::new(self.one_type(node, within)?))
            }
            "tuple" => {
                self.entries(node, within, 0, &[])?;
                Type::Tuple(
                    self.kids(node)
                        .iter()
                        .map(|k| self.ty(k, within))
                        .collect::<Result<_, _>>()?,
                )
            }
            "struct" => {
                let e = self.entries(node, within, 0, &["tag", "tag-value"])?;
                let tag = match (
                    self.prop_str(node, &e, "tag", within)?,
                    self.prop_str(node, &e, "tag-value", within)?,
                ) {
                    (None, None) => None,
                    (Some(field), Some(value)) => Some(StructTag { field, value }),
                    _ => {
                        return Err(self.invalid(node, within, "`tag` and `tag-value` go together"))
                    }
                };
                let mut fields = Vec::new();
                for kid in self.kids(node) {
                    match kid.name().value() {
                        "field" => fields.push(self.field(kid, within)?),
                        other => {
                            return Err(ReadError::UnknownNode {
                                line: self.line(kid),
                                node: other.to_owned(),
                                within: format!("a struct in {within}"),
                            })
                        }
                    }
                }
                let mut seen = BTreeSet::new();
                for f in &fields {
                    if !f.flatten && !seen.insert(f.name.as_str()) {
                        return Err(ReadError::Duplicate {
                            kind: "field",
                            name: format!("{} (in {within})", f.name),
                        });
                    }
                }
                Type::Struct(Struct { tag, fields })
            }
            "enum" => {
                let e = self.entries(node, within, 0, &["repr", "tag", "content"])?;
                let tag = self.prop_str(node, &e, "tag", within)?;
                let content = self.prop_str(node, &e, "content", within)?;
                let repr = match (self.prop_str(node, &e, "repr", within)?.as_deref(), tag, content) {
                    (Some("external"), None, None) => Repr::External,
                    (Some("untagged"), None, None) => Repr::Untagged,
                    (Some("internal"), Some(tag), None) => Repr::Internal { tag },
                    (Some("adjacent"), Some(tag), Some(content)) => Repr::Adjacent { tag, content },
                    (None, ..) => return Err(ReadError::Missing { line: self.line(node), what: "`repr`".into(), within: within.to_owned() }),
                    (Some(r @ ("external" | "untagged" | "internal" | "adjacent")), ..) => {
                        return Err(self.invalid(node, within, format!("repr `{r}` takes: external/untagged no tag; internal `tag`; adjacent `tag` and `content`")))
                    }
                    (Some(other), ..) => return Err(self.invalid(node, within, format!("unknown repr `{other}` (expected external, internal, adjacent or untagged)"))),
                };
                let mut variants = Vec::new();
                for kid in self.kids(node) {
                    match kid.name().value() {
                        "variant" => {
                            let ve = self.entries(kid, within, 1, &["doc"])?;
                            let name = self.string_arg(kid, &ve, 0, within, "a variant name")?;
                            let doc = self.prop_str(kid, &ve, "doc", within)?;
                            let vwithin = format!("variant `{name}` in {within}");
                            let payload = match self.kids(kid) {
                                [] => None,
                                [one] => Some(self.ty(one, &vwithin)?),
                                _ => {
                                    return Err(self.invalid(
                                        kid,
                                        &vwithin,
                                        "holds more than one type",
                                    ))
                                }
                            };
                            if variants.iter().any(|v: &Variant| v.name == name) {
                                return Err(ReadError::Duplicate {
                                    kind: "variant",
                                    name: format!("{name} (in {within})"),
                                });
                            }
                            variants.push(Variant { name, payload, doc });
                        }
                        other => {
                            return Err(ReadError::UnknownNode {
                                line: self.line(kid),
                                node: other.to_owned(),
                                within: format!("an enum in {within}"),
                            })
                        }
                    }
                }
                Type::Enum(Enum { repr, variants })
            }
            "ref" => {
                let e = self.entries(node, within, 1, &[])?;
                let name = self.string_arg(node, &e, 0, within, "a type name")?;
                let args = self
                    .kids(node)
                    .iter()
                    .map(|k| self.ty(k, within))
                    .collect::<Result<_, _>>()?;
                Type::Ref { name, args }
            }
            "generic" => {
                let e = self.entries(node, within, 1, &[])?;
                self.no_kids(node, within)?;
                Type::Generic(self.string_arg(node, &e, 0, within, "a type param name")?)
            }
            other => {
                return Err(ReadError::UnknownNode {
                    line: self.line(node),
                    node: other.to_owned(),
                    within: format!("a type in {within}"),
                })
            }
        };
        Ok(ty)
    }

    fn field(&self, node: &KdlNode, within: &str) -> Result<Field, ReadError> {
        let e = self.entries(node, within, 1, &["optional", "flatten", "doc"])?;
        let name = self.string_arg(node, &e, 0, within, "a field name")?;
        let fwithin = format!("field `{name}` in {within}");
        Ok(Field {
            optional: self.prop_bool(node, &e, "optional", &fwithin)?,
            flatten: self.prop_bool(node, &e, "flatten", &fwithin)?,
            doc: self.prop_str(node, &e, "doc", &fwithin)?,
            ty: self.one_type(node, &fwithin)?,
            name,
        })
    }

    fn leaf(&self, node: &KdlNode, within: &str) -> Result<(), ReadError> {
        self.entries(node, within, 0, &[])?;
        self.no_kids(node, within)
    }

    fn no_kids(&self, node: &KdlNode, within: &str) -> Result<(), ReadError> {
        if self.kids(node).is_empty() {
            Ok(())
        } else {
            Err(self.invalid(
                node,
                within,
                format!("`{}` takes no children", node.name().value()),
            ))
        }
    }
}

fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    err: impl FnOnce() -> ReadError,
) -> Result<(), ReadError> {
    if slot.is_some() {
        return Err(err());
    }
    *slot = Some(value);
    Ok(())
}
