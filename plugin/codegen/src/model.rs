//! The IR model: what the registry exports and what the code generator reads.
//!
//! Every list is kept in one order (see [`Ir::normalize`]) so the same
//! registry prints the same text, whatever order its functions were
//! registered in.

/// The IR format version this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The whole registry: functions, contexts and the named types they reach.
///
/// ```
/// use tauri_plugin_mizan_codegen::{Ir, FORMAT_VERSION};
/// let ir = Ir::default();
/// assert_eq!(ir.version, FORMAT_VERSION);
/// assert_eq!(ir.to_kdl(), "mizan-ir 1\n");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Ir {
    /// The format version ([`FORMAT_VERSION`]).
    pub version: u32,
    /// Every client function, sorted by name.
    pub functions: Vec<Function>,
    /// Every context, sorted by name.
    pub contexts: Vec<ContextDef>,
    /// Every named type the functions reach, sorted by name.
    pub types: Vec<TypeDef>,
}

impl Default for Ir {
    fn default() -> Self {
        Ir {
            version: FORMAT_VERSION,
            functions: Vec::new(),
            contexts: Vec::new(),
            types: Vec::new(),
        }
    }
}

impl Ir {
    /// Sorts functions, contexts and types by name, and the affected
    /// contexts and scope pairs of each mutation. Param order is kept: it
    /// is the declaration order (context params are sorted by name when
    /// the registry builds them).
    pub fn normalize(&mut self) {
        self.functions.sort_by(|a, b| a.name.cmp(&b.name));
        self.contexts.sort_by(|a, b| a.name.cmp(&b.name));
        self.types.sort_by(|a, b| a.name.cmp(&b.name));
        for f in &mut self.functions {
            if let FnKind::Mutation { affects, .. } = &mut f.kind {
                affects.sort_by(|a, b| a.context.cmp(&b.context));
                for a in affects {
                    a.scope.sort();
                }
            }
            f.capabilities.sort();
            f.capabilities.dedup();
        }
    }

    /// The function called `name`.
    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// The context called `name`.
    pub fn context(&self, name: &str) -> Option<&ContextDef> {
        self.contexts.iter().find(|c| c.name == name)
    }

    /// The named type called `name`.
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name == name)
    }

    /// The functions of context `name`, sorted by name.
    pub fn context_functions<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Function> {
        self.functions
            .iter()
            .filter(move |f| matches!(&f.kind, FnKind::Context { context, .. } if context == name))
    }
}

/// One client function.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// The name the webview calls it by (a wire name, kept as is).
    pub name: String,
    /// Query, context function or mutation.
    pub kind: FnKind,
    /// Wire params in declaration order.
    pub params: Vec<Param>,
    /// The success type.
    pub result: Type,
    /// The `E` of `Result<T, E>`: the `details` of an `app` error. `None`
    /// when the function cannot fail that way.
    pub error: Option<Type>,
    /// Who may call it.
    pub auth: Auth,
    /// Capabilities beyond plain JSON calls that it uses, sorted.
    pub capabilities: Vec<Capability>,
    /// A streaming function's item type (the `T` of its `StreamSink<T>`);
    /// `Some` exactly when `capabilities` holds [`Capability::Stream`].
    pub item: Option<Type>,
    /// Its form schema (SPEC 6.4); `Some` exactly when `capabilities`
    /// holds [`Capability::Form`].
    pub form: Option<crate::form::Form>,
    /// Its doc comment (the Rust function's `///` lines), if any.
    pub doc: Option<String>,
}

/// What kind of function it is.
#[derive(Debug, Clone, PartialEq)]
pub enum FnKind {
    /// A plain typed RPC.
    Query,
    /// A read fetched with the rest of its context's bundle.
    Context {
        /// The context's name.
        context: String,
        /// Cached in the plugin process (`#[client(context = C, cache)]`).
        cache: Option<Cache>,
    },
    /// A call whose success invalidates parts of these contexts.
    Mutation {
        /// The affected contexts, sorted by name.
        affects: Vec<Affect>,
        /// Takes `Invalidations`: may name its own targets at run time
        /// (tier 1), which replace tiers 2 and 3 for the contexts it names.
        names_targets: bool,
    },
}

impl FnKind {
    /// `query`, `context` or `mutation`: the word the IR uses.
    pub fn word(&self) -> &'static str {
        match self {
            FnKind::Query => "query",
            FnKind::Context { .. } => "context",
            FnKind::Mutation { .. } => "mutation",
        }
    }
}

/// How a context function's results are cached in the plugin process
/// (the origin cache), in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cache {
    /// An entry is served without running the function for this long.
    pub ttl_ms: u64,
    /// An entry stands in for a failed run for this long after it was
    /// stored; 0: never.
    pub stale_if_error_ms: u64,
    /// A run slower than this is answered by the last entry (when one may
    /// stand in); 0: no limit.
    pub timeout_ms: u64,
}

/// One context a mutation affects, with its tier-2 mapping resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Affect {
    /// The context.
    pub context: String,
    /// The context params the mutation scopes by, each with the mutation
    /// param whose value it takes. Empty: tier 3, the whole context.
    pub scope: Vec<ScopePair>,
}

/// `context_param <- function_param`: tier 2 takes the value the mutation
/// received for `function_param` as the target's `context_param`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScopePair {
    /// A param of the affected context.
    pub context_param: String,
    /// A wire param of the mutation.
    pub function_param: String,
}

/// A wire param: its name, type, and whether it may be left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The name on the wire (the Rust param name).
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// May be left out (an `Option`: missing reads as `None`).
    pub optional: bool,
    /// Its doc comment (`///` on the Rust param), if any.
    pub doc: Option<String>,
}

/// The auth requirement of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// Anyone the window's capabilities allow.
    None,
    /// A caller with an identity (`#[client(auth)]`).
    Identity,
    /// A caller whose identity holds this role (`#[client(auth = "admin")]`).
    Role(String),
}

impl Auth {
    /// The word the IR uses: `none`, `identity` or `role`.
    pub fn word(&self) -> &'static str {
        match self {
            Auth::None => "none",
            Auth::Identity => "identity",
            Auth::Role(_) => "role",
        }
    }
}

/// A capability beyond plain JSON calls (SPEC section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Capability {
    /// Takes an upload (raw IPC body).
    Upload,
    /// Streams over a channel.
    Stream,
    /// Is a form: schema, validate, submit.
    Form,
}

impl Capability {
    /// Every capability, in IR order.
    pub const ALL: [Capability; 3] = [Capability::Upload, Capability::Stream, Capability::Form];

    /// The word the IR uses.
    pub fn word(self) -> &'static str {
        match self {
            Capability::Upload => "upload",
            Capability::Stream => "stream",
            Capability::Form => "form",
        }
    }
}

/// One context: its name and the union of its functions' params.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextDef {
    /// The context's name.
    pub name: String,
    /// Its params, sorted by name.
    pub params: Vec<Param>,
}

/// A named type: a struct, an enum, or an alias of another type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// The name serde and specta give it (after `rename`).
    pub name: String,
    /// Its generic params, in declaration order.
    pub generics: Vec<String>,
    /// Its doc comment, if any.
    pub doc: Option<String>,
    /// Its shape.
    pub ty: Type,
    /// Set when the type is a Shape: a projection of a SQLite table
    /// (SPEC 6.5). Only on a struct.
    pub shape: Option<ShapeDef>,
}

/// The table a Shape projects, and which column each field reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeDef {
    /// The table.
    pub table: String,
    /// Its primary key column (one of `columns`).
    pub key: String,
    /// The columns, in the order of the struct's fields.
    pub columns: Vec<ShapeColumn>,
}

/// One column of a Shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeColumn {
    /// The table's column.
    pub column: String,
    /// The struct field (its wire name) the column fills.
    pub field: String,
}

/// A type as serde puts it on the wire.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// A number, bool, char or string.
    Primitive(Primitive),
    /// `()` or a unit struct: `null` on the wire.
    Unit,
    /// Any JSON value, as the Rust type declares it.
    Any,
    /// A value whose type is not known.
    Unknown,
    /// One fixed value.
    Literal(Literal),
    /// A sequence; `length` for fixed-size arrays.
    List {
        /// The element type.
        item: Box<Type>,
        /// The length of a fixed-size array.
        length: Option<u64>,
    },
    /// A JSON object with keys of `key`'s type.
    Map {
        /// The key type (serialized as an object key).
        key: Box<Type>,
        /// The value type.
        value: Box<Type>,
    },
    /// `T` or `null` (`Option<T>`).
    Nullable(Box<Type>),
    /// A fixed-length array of these types.
    Tuple(Vec<Type>),
    /// A JSON object with named fields.
    Struct(Struct),
    /// One of several shapes.
    Enum(Enum),
    /// A named type, with its generic arguments.
    Ref {
        /// The named type.
        name: String,
        /// Its generic arguments.
        args: Vec<Type>,
    },
    /// A generic param of the enclosing named type.
    Generic(String),
    /// A file sent as raw bytes (SPEC 6.2): only as a function param, or
    /// inside its `nullable` or `list`. The function `uses upload`.
    Upload,
    /// Bytes answered raw (SPEC 6.2): only as the whole result of a query.
    Bytes,
}

/// The scalar types, by their Rust names.
#[allow(non_camel_case_types, missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Primitive {
    bool,
    char,
    string,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    f32,
    f64,
}

impl Primitive {
    /// Every primitive.
    pub const ALL: [Primitive; 17] = [
        Primitive::bool,
        Primitive::char,
        Primitive::string,
        Primitive::i8,
        Primitive::i16,
        Primitive::i32,
        Primitive::i64,
        Primitive::i128,
        Primitive::isize,
        Primitive::u8,
        Primitive::u16,
        Primitive::u32,
        Primitive::u64,
        Primitive::u128,
        Primitive::usize,
        Primitive::f32,
        Primitive::f64,
    ];

    /// The word the IR uses (the Rust name; `string` for `String`).
    pub fn word(self) -> &'static str {
        match self {
            Primitive::bool => "bool",
            Primitive::char => "char",
            Primitive::string => "string",
            Primitive::i8 => "i8",
            Primitive::i16 => "i16",
            Primitive::i32 => "i32",
            Primitive::i64 => "i64",
            Primitive::i128 => "i128",
            Primitive::isize => "isize",
            Primitive::u8 => "u8",
            Primitive::u16 => "u16",
            Primitive::u32 => "u32",
            Primitive::u64 => "u64",
            Primitive::u128 => "u128",
            Primitive::usize => "usize",
            Primitive::f32 => "f32",
            Primitive::f64 => "f64",
        }
    }

    /// The primitive the IR calls `word`.
    pub fn from_word(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.word() == word)
    }

    /// Integers that may not fit a JavaScript number exactly (beyond
    /// `2^53 - 1`).
    pub fn is_wide_integer(self) -> bool {
        matches!(
            self,
            Primitive::i64
                | Primitive::i128
                | Primitive::isize
                | Primitive::u64
                | Primitive::u128
                | Primitive::usize
        )
    }
}

/// A fixed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// A string.
    String(String),
    /// An integer.
    Integer(i128),
    /// A boolean.
    Bool(bool),
    /// `null`.
    Null,
}

/// A JSON object with named fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    /// `#[serde(tag = "...")]` on a struct: the field name and the value
    /// serde writes into it (the struct's name).
    pub tag: Option<StructTag>,
    /// The fields serde writes, in declaration order, with their wire
    /// names. Skipped fields are absent.
    pub fields: Vec<Field>,
}

/// The tag serde adds to a struct with `#[serde(tag = "...")]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructTag {
    /// The tag field's name.
    pub field: String,
    /// Its value.
    pub value: String,
}

/// One field of a struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The wire name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// May be absent (`#[serde(default)]`, `skip_serializing_if`).
    pub optional: bool,
    /// `#[serde(flatten)]`: its fields are merged into the parent.
    pub flatten: bool,
    /// Its doc comment, if any.
    pub doc: Option<String>,
}

/// An enum with its serde representation.
#[derive(Debug, Clone, PartialEq)]
pub struct Enum {
    /// How serde writes the variants.
    pub repr: Repr,
    /// The variants serde writes, in declaration order, with their wire
    /// names. Skipped variants are absent.
    pub variants: Vec<Variant>,
}

/// The four serde enum representations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repr {
    /// `{"Variant": payload}`, or `"Variant"` for a unit variant (the default).
    External,
    /// `#[serde(tag = "t")]`: `{"t": "Variant", ...payload fields}`.
    Internal {
        /// The tag field.
        tag: String,
    },
    /// `#[serde(tag = "t", content = "c")]`: `{"t": "Variant", "c": payload}`.
    Adjacent {
        /// The tag field.
        tag: String,
        /// The content field.
        content: String,
    },
    /// `#[serde(untagged)]`: the payload alone (`null` for a unit variant).
    Untagged,
}

impl Repr {
    /// The word the IR uses.
    pub fn word(&self) -> &'static str {
        match self {
            Repr::External => "external",
            Repr::Internal { .. } => "internal",
            Repr::Adjacent { .. } => "adjacent",
            Repr::Untagged => "untagged",
        }
    }
}

/// One enum variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The wire name.
    pub name: String,
    /// What it carries: `None` for a unit variant; a newtype variant's
    /// type; a [`Type::Tuple`] for a tuple variant; a [`Type::Struct`] for
    /// a struct variant.
    pub payload: Option<Type>,
    /// Its doc comment, if any.
    pub doc: Option<String>,
}
