//! The form schema of a function (SPEC 6.4): the fields of its form param
//! by their wire names, each with a coarse kind, whether it is required,
//! and the validation rules the server checks. specta carries no
//! validation constraints, so the IR carries them here.

/// A function's form: the wire param that holds the form's values, and
/// the fields of its struct.
///
/// ```
/// use tauri_plugin_mizan_codegen::{Form, FormField, FieldKind, Rule};
/// let form = Form {
///     param: "input".into(),
///     fields: vec![FormField {
///         name: "name".into(),
///         kind: FieldKind::String,
///         required: true,
///         rules: vec![Rule::Length { min: Some(1), max: Some(40), equal: None }],
///         fields: vec![],
///     }],
/// };
/// assert_eq!(form.field("name").unwrap().kind.word(), "string");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    /// The wire param whose value is the form (a struct that derives
    /// `Form`).
    pub param: String,
    /// The struct's fields, in declaration order, by wire name.
    pub fields: Vec<FormField>,
}

impl Form {
    /// The top-level field called `name`.
    pub fn field(&self, name: &str) -> Option<&FormField> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    /// The wire name (after `#[serde(rename)]` and `rename_all`).
    pub name: String,
    /// What kind of value it holds.
    pub kind: FieldKind,
    /// Must be present: not an `Option`, no `#[serde(default)]` (or an
    /// `Option` with the `required` rule).
    pub required: bool,
    /// The rules the server checks, in declaration order.
    pub rules: Vec<Rule>,
    /// A nested form's fields: those of the struct (for [`FieldKind::Object`])
    /// or of each item (for a [`FieldKind::List`] of structs).
    pub fields: Vec<FormField>,
}

/// The kind of value a form field holds (its type, as an input sees it;
/// the exact type is the struct's, among the IR's types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A string.
    String,
    /// An integer.
    Integer,
    /// A number with a fraction.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A nested struct.
    Object,
    /// A list.
    List,
    /// Any other value.
    Value,
}

impl FieldKind {
    /// Every kind, in IR order.
    pub const ALL: [FieldKind; 7] = [
        FieldKind::String,
        FieldKind::Integer,
        FieldKind::Number,
        FieldKind::Boolean,
        FieldKind::Object,
        FieldKind::List,
        FieldKind::Value,
    ];

    /// The word the IR uses.
    pub fn word(self) -> &'static str {
        match self {
            FieldKind::String => "string",
            FieldKind::Integer => "integer",
            FieldKind::Number => "number",
            FieldKind::Boolean => "boolean",
            FieldKind::Object => "object",
            FieldKind::List => "list",
            FieldKind::Value => "value",
        }
    }

    /// The kind the IR calls `word`.
    pub fn from_word(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.word() == word)
    }
}

/// One validation rule of a field. The error code the server answers
/// when it fails is [`Rule::code`].
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// A length in characters (strings) or items (lists).
    Length {
        /// At least this long.
        min: Option<u64>,
        /// At most this long.
        max: Option<u64>,
        /// Exactly this long.
        equal: Option<u64>,
    },
    /// A number within bounds.
    Range {
        /// At least this.
        min: Option<f64>,
        /// At most this.
        max: Option<f64>,
        /// Greater than this.
        exclusive_min: Option<f64>,
        /// Less than this.
        exclusive_max: Option<f64>,
    },
    /// Matches this regular expression (Rust `regex` syntax; the client
    /// mirrors it where JavaScript reads it alike).
    Pattern(String),
    /// An email address.
    Email,
    /// A URL.
    Url,
    /// An `Option` that must be `Some`.
    Required,
    /// A rule only the server checks (`contains`, `must_match`, `custom`,
    /// ...), by the code its error carries.
    Server(String),
}

impl Rule {
    /// The `code` of the error the server answers when the rule fails.
    pub fn code(&self) -> &str {
        match self {
            Rule::Length { .. } => "length",
            Rule::Range { .. } => "range",
            Rule::Pattern(_) => "regex",
            Rule::Email => "email",
            Rule::Url => "url",
            Rule::Required => "required",
            Rule::Server(code) => code,
        }
    }
}
