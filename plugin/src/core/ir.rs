//! The registry as IR: specta's data types turned into the IR model of
//! `tauri-plugin-mizan-codegen`, its KDL text, and the export helpers that
//! write the IR and the generated TypeScript client to files.

use std::{
    borrow::Cow,
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
};

use specta::{
    datatype::{
        DataType, EnumRepr, EnumType, EnumVariants, Field as SpectaField, LiteralType,
        PrimitiveType, StructFields, StructType,
    },
    internal::construct,
    SpectaID, TypeCollection,
};
use tauri_plugin_mizan_codegen::{
    Affect, Auth, Cache, Capability, ContextDef, Enum, Field, FnKind as IrKind, Function, GenError,
    Ir, Literal, Param, Primitive, Repr, ScopePair, ShapeColumn, ShapeDef, Struct, StructTag,
    TsOptions, Type, TypeDef, Variant,
};

use crate::core::{
    error::RegistryError,
    registry::{ClientFn, FnKind, FnTypes, Registry},
    shape::ShapeMeta,
};

/// The name of the specta struct that stands for an `Upload` param: the
/// IR writes it as the type `upload`. It is no Rust name, so no user type
/// has it.
pub(crate) const UPLOAD_MARK: &str = "$mizan::Upload";

/// The name of the specta struct that stands for a `Bytes` result: the IR
/// writes it as the type `bytes`.
pub(crate) const BYTES_MARK: &str = "$mizan::Bytes";

/// A unit struct named `name` (one of the marks above), registered
/// nowhere: the specta form of a type the IR names itself. Other specta
/// exporters see an empty struct.
pub(crate) fn marker(name: &'static str) -> StructType {
    construct::r#struct(
        Cow::Borrowed(name),
        None,
        Vec::new(),
        construct::struct_unit(),
    )
}

/// Why a registry has no IR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IrError {
    /// Two different Rust types have the same name on the wire, so the
    /// generated client cannot tell them apart.
    #[error("two different Rust types are both named `{name}` (declared at {first} and at {second}); give one another wire name with #[serde(rename = \"...\")]")]
    DuplicateTypeName {
        /// The shared name.
        name: String,
        /// Where one is declared (`file:line:column`).
        first: String,
        /// Where the other is declared.
        second: String,
    },
    /// A function takes two form params: a form is one struct, so its
    /// field paths would be ambiguous.
    #[error("`{function}` takes two form params (`{first}` and `{second}`); a function takes at most one param whose type derives `Form`: put both in one struct")]
    TwoForms {
        /// The function.
        function: String,
        /// One form param.
        first: String,
        /// Another.
        second: String,
    },
}

/// Writes `text` to `path` unless it already holds it; `true` when it
/// wrote. Never creates folders.
pub(crate) fn write_if_changed(path: &Path, text: &str) -> Result<bool, ExportError> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(false);
    }
    if let Some(folder) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !folder.is_dir() {
            return Err(ExportError::MissingFolder {
                path: path.to_owned(),
                folder: folder.to_owned(),
            });
        }
    }
    std::fs::write(path, text).map_err(|source| ExportError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(true)
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The registry cannot be served.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The registry has no IR.
    #[error(transparent)]
    Ir(#[from] IrError),
    /// The generator refused the IR.
    #[error(transparent)]
    Generate(#[from] GenError),
    /// The file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file's folder does not exist: the export never creates folders.
    #[error("cannot write {}: the folder {} does not exist (the export creates no folders: create it, or fix the path)", path.display(), folder.display())]
    MissingFolder {
        /// The file.
        path: PathBuf,
        /// Its folder.
        folder: PathBuf,
    },
    /// A check found no file.
    #[error("{} does not exist: generate it with `MIZAN_UPDATE=1 cargo test`, or start a debug build of the app that exports it", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// A check found the file out of date with the registry.
    #[error("{} is out of date with the #[client] functions (- in the file, + generated):\n{changes}regenerate it with `MIZAN_UPDATE=1 cargo test`, or start a debug build of the app that exports it", path.display())]
    Stale {
        /// The file.
        path: PathBuf,
        /// The changed lines.
        changes: String,
    },
}

impl Registry {
    /// The registry's IR: every function, context and named type, in the
    /// order the IR text uses.
    ///
    /// ```
    /// use tauri_plugin_mizan::registry::Registry;
    /// let ir = Registry::from_functions([]).unwrap().ir().unwrap();
    /// assert!(ir.functions.is_empty());
    /// ```
    pub fn ir(&self) -> Result<Ir, IrError> {
        let mut types = TypeCollection::default();
        let fns = self.functions();
        let fn_types: HashMap<&str, FnTypes> = fns
            .iter()
            .map(|f| (f.name, (f.types)(&mut types)))
            .collect();

        let mut ir = Ir::default();
        for f in &fns {
            let t = &fn_types[f.name];
            let params: Vec<Param> = t.params.iter().map(|(n, dt)| param(f, n, dt)).collect();
            let mut uses = capabilities(&params);
            if let [first, second, ..] = t.forms.as_slice() {
                return Err(IrError::TwoForms {
                    function: f.name.to_owned(),
                    first: first.param.clone(),
                    second: second.param.clone(),
                });
            }
            let form = t.forms.first().cloned();
            if form.is_some() {
                uses.push(Capability::Form);
            }
            let kind = match f.kind {
                FnKind::Query => IrKind::Query,
                FnKind::Context(ctx) => IrKind::Context {
                    context: ctx.name().to_owned(),
                    cache: f.cache.map(|c| Cache {
                        ttl_ms: c.ttl_ms,
                        stale_if_error_ms: c.stale_if_error_ms,
                        timeout_ms: c.timeout_ms,
                    }),
                },
                FnKind::Mutation(_) => {
                    let entry = &self.functions[f.name];
                    let names: Vec<&str> = f.params.iter().map(|p| p.name).collect();
                    let affects = entry
                        .affects
                        .iter()
                        .map(|a| Affect {
                            context: a.context.to_owned(),
                            scope: a
                                .rule()
                                .pairs(&names)
                                .into_iter()
                                .map(|(k, source)| ScopePair {
                                    context_param: k.to_owned(),
                                    function_param: source.to_owned(),
                                })
                                .collect(),
                        })
                        .collect();
                    IrKind::Mutation {
                        affects,
                        names_targets: f.injected.contains(&"Invalidations"),
                    }
                }
            };
            ir.functions.push(Function {
                name: f.name.to_owned(),
                kind,
                params,
                result: convert(&t.result),
                error: t.error.as_ref().map(convert),
                auth: match f.auth {
                    crate::core::auth::Auth::None => Auth::None,
                    crate::core::auth::Auth::Identity => Auth::Identity,
                    crate::core::auth::Auth::Role(role) => Auth::Role(role.to_owned()),
                },
                capabilities: if f.is_stream() {
                    let mut uses = uses;
                    uses.push(Capability::Stream);
                    uses
                } else {
                    uses
                },
                item: t.item.as_ref().map(convert),
                form,
                doc: doc(f.docs),
            });
        }
        for (name, ctx) in &self.contexts {
            let params = ctx
                .params
                .iter()
                .map(|(p, cp)| {
                    let dt = fn_types[cp.owner.name]
                        .params
                        .iter()
                        .find(|(n, _)| n == p)
                        .map(|(_, dt)| dt)
                        .expect("a context param is a param of its owner");
                    let mut param = param(cp.owner, p, dt);
                    // The doc any of the context's functions gives it.
                    param.doc = ctx.functions.iter().find_map(|f| {
                        f.params
                            .iter()
                            .find(|wp| wp.name == *p)
                            .and_then(|wp| doc(wp.doc()))
                    });
                    param
                })
                .collect();
            ir.contexts.push(ContextDef {
                name: (*name).to_owned(),
                params,
            });
        }
        ir.types = named_types(&types)?;
        ir.normalize();
        Ok(ir)
    }

    /// The registry's IR as KDL v2 text: what the `ir` command answers and
    /// what the code generator reads. Byte-identical for the same
    /// functions, whatever their registration order.
    ///
    /// ```
    /// use tauri_plugin_mizan::registry::Registry;
    /// let text = Registry::from_functions([]).unwrap().ir_text().unwrap();
    /// assert_eq!(text, "mizan-ir 1\n");
    /// ```
    pub fn ir_text(&self) -> Result<String, IrError> {
        Ok(self.ir()?.to_kdl())
    }

    /// The generated TypeScript client, made from the IR text (as the
    /// `mizan-codegen` binary would make it).
    pub fn client_ts(&self, options: &TsOptions) -> Result<String, ExportError> {
        Ok(tauri_plugin_mizan_codegen::generate_ts(
            &self.ir_text()?,
            options,
        )?)
    }

    /// Writes the IR text to `path` (only if it changed; a relative path
    /// is taken from the working directory, as `std::fs` does). Creates no
    /// folders. For the app's own files, prefer [`ir_file!`](crate::ir_file).
    pub fn export_ir(&self, path: impl AsRef<Path>) -> Result<(), ExportError> {
        write_if_changed(path.as_ref(), &self.ir_text()?).map(drop)
    }

    /// Writes the generated TypeScript client to `path` (only if it
    /// changed), importing the runtime from `tauri-plugin-mizan-api`. A
    /// relative path is taken from the working directory, as `std::fs`
    /// does; creates no folders. For the app's own client, prefer
    /// [`client_file!`](crate::client_file).
    pub fn export_client(&self, path: impl AsRef<Path>) -> Result<(), ExportError> {
        write_if_changed(path.as_ref(), &self.client_ts(&TsOptions::default())?).map(drop)
    }

    /// Every named type of the registry's functions, as a specta type
    /// collection: to share them with another specta exporter (see
    /// `WithMizanTypes` for tauri-specta).
    ///
    /// ```
    /// use tauri_plugin_mizan::registry::Registry;
    /// let types = Registry::from_functions([]).unwrap().specta_types();
    /// assert_eq!((&types).into_iter().count(), 0);
    /// ```
    pub fn specta_types(&self) -> TypeCollection {
        let mut types = TypeCollection::default();
        for f in self.functions() {
            (f.types)(&mut types);
        }
        types
    }
}

/// The plugin's own wire types, as IR types: `Target`, `InvalidateEvent`
/// (the `mizan://invalidate` payload), `WireError` (every rejection),
/// `Envelope` (`call`'s answer) and `Bundle` (`ctx`'s answer), with the
/// named types they reach. The tests generate TypeScript from them and pin
/// it against the guest-js package's wire types.
///
/// ```
/// let ir = tauri_plugin_mizan::ir::wire_types_ir();
/// assert!(ir.type_def("InvalidateEvent").is_some());
/// ```
pub fn wire_types_ir() -> Ir {
    use crate::core::{
        error::WireError,
        scoping::Target,
        wire::{Bundle, Envelope, InvalidateEvent},
    };
    let mut types = TypeCollection::default();
    type_of::<Target>(&mut types);
    type_of::<InvalidateEvent>(&mut types);
    type_of::<WireError>(&mut types);
    type_of::<Envelope>(&mut types);
    type_of::<Bundle>(&mut types);
    let mut ir = Ir {
        types: named_types(&types).expect("the plugin's wire types have distinct names"),
        ..Ir::default()
    };
    ir.normalize();
    ir
}

// specta -> IR ---------------------------------------------------------------

/// The specta data type of `T`, registering named types on the way.
pub fn type_of<T: specta::Type>(types: &mut TypeCollection) -> DataType {
    T::reference(types, &[]).inner
}

/// The wire param `name` of `f`, with its doc.
fn param(f: &ClientFn, name: &str, dt: &DataType) -> Param {
    let ty = convert(dt);
    Param {
        name: name.to_owned(),
        optional: matches!(ty, Type::Nullable(_)),
        ty,
        doc: f
            .params
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| doc(p.doc())),
    }
}

/// The capabilities a function's params make it use: `upload` for an
/// `Upload` (or a list or option of it).
fn capabilities(params: &[Param]) -> Vec<Capability> {
    let upload = params.iter().any(|p| match &p.ty {
        Type::Upload => true,
        Type::Nullable(t) | Type::List { item: t, .. } => **t == Type::Upload,
        _ => false,
    });
    if upload {
        vec![Capability::Upload]
    } else {
        Vec::new()
    }
}

/// A doc comment, trimmed; `None` when empty.
fn doc(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|d| !d.is_empty())
}

/// Every named type of the collection; fails when two share a name.
fn named_types(types: &TypeCollection) -> Result<Vec<TypeDef>, IrError> {
    let mut by_name: BTreeMap<String, (SpectaID, String)> = BTreeMap::new();
    let mut out = Vec::new();
    for (sid, ndt) in types {
        let name = ndt.name().to_string();
        let location = ndt.ext().map_or_else(
            || "an unknown place".to_owned(),
            |e| e.impl_location().as_str().to_owned(),
        );
        if let Some((other, first)) = by_name.get(&name) {
            if *other != sid {
                let (first, second) = if *first <= location {
                    (first.clone(), location)
                } else {
                    (location, first.clone())
                };
                return Err(IrError::DuplicateTypeName {
                    name,
                    first,
                    second,
                });
            }
            continue;
        }
        by_name.insert(name.clone(), (sid, location));
        let generics = ndt
            .inner
            .generics()
            .map(|g| g.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        let doc = doc(ndt.docs());
        let ty = convert(&ndt.inner);
        out.push(TypeDef {
            shape: crate::core::shape::by_sid(sid).and_then(|m| shape_def(m, &ndt.inner)),
            name,
            generics,
            doc,
            ty,
        });
    }
    Ok(out)
}

/// A Shape's table and columns, each column with the wire name of the
/// field it fills. specta lists a struct's fields in declaration order,
/// skipped ones included (without a type), as the derive lists the
/// columns; a column whose field serde skips is not on the wire and is
/// left out of the IR.
fn shape_def(meta: &ShapeMeta, dt: &DataType) -> Option<ShapeDef> {
    let DataType::Struct(s) = dt else { return None };
    let StructFields::Named(named) = s.fields() else {
        return None;
    };
    let fields = named.fields();
    if fields.len() != meta.columns.len() {
        return None;
    }
    Some(ShapeDef {
        table: meta.table.to_owned(),
        key: meta.key.to_owned(),
        columns: fields
            .iter()
            .zip(meta.columns)
            .filter(|((_, f), _)| f.ty().is_some())
            .map(|((wire, _), c)| ShapeColumn {
                column: c.column.to_owned(),
                field: wire.to_string(),
            })
            .collect(),
    })
}

fn convert(dt: &DataType) -> Type {
    match dt {
        DataType::Any => Type::Any,
        DataType::Unknown => Type::Unknown,
        DataType::Primitive(p) => Type::Primitive(primitive(p)),
        DataType::Literal(l) => literal(l),
        DataType::List(l) => Type::List {
            item: Box::new(convert(l.ty())),
            length: l.length().map(|n| n as u64),
        },
        DataType::Map(m) => Type::Map {
            key: Box::new(convert(m.key_ty())),
            value: Box::new(convert(m.value_ty())),
        },
        DataType::Nullable(inner) => match convert(inner) {
            t @ Type::Nullable(_) => t,
            t => Type::Nullable(Box::new(t)),
        },
        DataType::Struct(s) if s.name() == UPLOAD_MARK => Type::Upload,
        DataType::Struct(s) if s.name() == BYTES_MARK => Type::Bytes,
        DataType::Struct(s) => structure(s),
        DataType::Enum(e) => enumeration(e),
        DataType::Tuple(t) if t.elements().is_empty() => Type::Unit,
        DataType::Tuple(t) => Type::Tuple(t.elements().iter().map(convert).collect()),
        DataType::Reference(r) => Type::Ref {
            name: r.name().to_string(),
            args: r.generics().iter().map(|(_, dt)| convert(dt)).collect(),
        },
        DataType::Generic(g) => Type::Generic(g.to_string()),
    }
}

fn primitive(p: &PrimitiveType) -> Primitive {
    match p {
        PrimitiveType::i8 => Primitive::i8,
        PrimitiveType::i16 => Primitive::i16,
        PrimitiveType::i32 => Primitive::i32,
        PrimitiveType::i64 => Primitive::i64,
        PrimitiveType::i128 => Primitive::i128,
        PrimitiveType::isize => Primitive::isize,
        PrimitiveType::u8 => Primitive::u8,
        PrimitiveType::u16 => Primitive::u16,
        PrimitiveType::u32 => Primitive::u32,
        PrimitiveType::u64 => Primitive::u64,
        PrimitiveType::u128 => Primitive::u128,
        PrimitiveType::usize => Primitive::usize,
        PrimitiveType::f32 => Primitive::f32,
        PrimitiveType::f64 => Primitive::f64,
        PrimitiveType::bool => Primitive::bool,
        PrimitiveType::char => Primitive::char,
        PrimitiveType::String => Primitive::string,
    }
}

fn literal(l: &LiteralType) -> Type {
    let lit = match l {
        LiteralType::i8(v) => Literal::Integer((*v).into()),
        LiteralType::i16(v) => Literal::Integer((*v).into()),
        LiteralType::i32(v) => Literal::Integer((*v).into()),
        LiteralType::u8(v) => Literal::Integer((*v).into()),
        LiteralType::u16(v) => Literal::Integer((*v).into()),
        LiteralType::u32(v) => Literal::Integer((*v).into()),
        LiteralType::bool(v) => Literal::Bool(*v),
        LiteralType::String(s) => Literal::String(s.clone()),
        LiteralType::char(c) => Literal::String(c.to_string()),
        LiteralType::None => Literal::Null,
        // A float literal is typed as its float type: the IR keeps no
        // float values (they do not compare exactly).
        LiteralType::f32(_) => return Type::Primitive(Primitive::f32),
        LiteralType::f64(_) => return Type::Primitive(Primitive::f64),
        _ => return Type::Unknown,
    };
    Type::Literal(lit)
}

fn field(name: &str, f: &SpectaField) -> Option<Field> {
    let ty = f.ty()?;
    Some(Field {
        name: name.to_owned(),
        ty: convert(ty),
        optional: f.optional(),
        flatten: f.flatten(),
        doc: doc(f.docs()),
    })
}

/// Unnamed fields as serde writes them: one is a newtype (its value),
/// several are an array.
fn unnamed(fields: &[SpectaField]) -> Type {
    let mut tys: Vec<Type> = fields.iter().filter_map(|f| f.ty()).map(convert).collect();
    if tys.len() == 1 && fields.len() == 1 {
        tys.remove(0)
    } else {
        Type::Tuple(tys)
    }
}

fn structure(s: &StructType) -> Type {
    match s.fields() {
        StructFields::Unit => Type::Unit,
        StructFields::Unnamed(u) => unnamed(u.fields()),
        StructFields::Named(n) => Type::Struct(Struct {
            tag: n.tag().as_ref().map(|t| StructTag {
                field: t.to_string(),
                value: s.name().to_string(),
            }),
            fields: n
                .fields()
                .iter()
                .filter_map(|(name, f)| field(name, f))
                .collect(),
        }),
    }
}

fn enumeration(e: &EnumType) -> Type {
    let repr = match e.repr() {
        EnumRepr::External => Repr::External,
        EnumRepr::Untagged => Repr::Untagged,
        EnumRepr::Internal { tag } => Repr::Internal {
            tag: tag.to_string(),
        },
        EnumRepr::Adjacent { tag, content } => Repr::Adjacent {
            tag: tag.to_string(),
            content: content.to_string(),
        },
    };
    let variants = e
        .variants()
        .iter()
        .filter(|(_, v)| !v.skip())
        .map(|(name, v)| Variant {
            name: name.to_string(),
            payload: match v.inner() {
                EnumVariants::Unit => None,
                EnumVariants::Unnamed(u) => Some(unnamed(u.fields())),
                EnumVariants::Named(n) => Some(Type::Struct(Struct {
                    tag: None,
                    fields: n
                        .fields()
                        .iter()
                        .filter_map(|(name, f)| field(name, f))
                        .collect(),
                })),
            },
            doc: doc(v.docs()),
        })
        .collect();
    Type::Enum(Enum { repr, variants })
}
