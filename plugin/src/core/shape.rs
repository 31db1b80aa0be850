//! What the core knows of Shapes (docs/protocol.md: "Shapes over SQLite"): that a named wire type is a
//! projection of a table, with its key and its columns. The IR marks such
//! types; the SQLite binding (`shape`, behind the `sqlite` feature) reads
//! and checks them. Nothing here touches a database.

use specta::SpectaID;

/// The storage class a column's Rust type reads, compared with the
/// column's declared type when the schema is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnKind {
    /// Integers and booleans.
    Integer,
    /// Floating-point numbers.
    Real,
    /// Text.
    Text,
    /// Bytes.
    Blob,
    /// Any storage class (a type that reads every value).
    Any,
}

impl ColumnKind {
    /// How the schema check names it.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::Integer => "INTEGER",
            ColumnKind::Real => "REAL",
            ColumnKind::Text => "TEXT",
            ColumnKind::Blob => "BLOB",
            ColumnKind::Any => "any",
        }
    }
}

/// One column of a Shape: the Rust field it fills and its kind.
#[derive(Debug, Clone, Copy)]
pub struct ShapeColumn {
    /// The Rust field, as written.
    pub field: &'static str,
    /// The table's column.
    pub column: &'static str,
    /// What the field's type reads.
    pub kind: ColumnKind,
    /// Whether the field's type reads `NULL` (an `Option`).
    pub nullable: bool,
}

/// A Shape as the derive registers it: found by the IR through the type's
/// specta id, and by the schema check.
#[derive(Debug)]
pub struct ShapeMeta {
    /// The Rust type's name, for messages.
    pub rust_name: &'static str,
    /// The type's specta id.
    pub sid: fn() -> SpectaID,
    /// The table.
    pub table: &'static str,
    /// The table's primary key column (one of `columns`).
    pub key: &'static str,
    /// The columns, in the order of the struct's fields.
    pub columns: &'static [ShapeColumn],
}

/// How the derive registers a Shape: its metadata, behind a function so
/// the registration is a constant.
#[derive(Debug)]
pub struct ShapeRegistration(pub fn() -> &'static ShapeMeta);

inventory::collect!(ShapeRegistration);

/// Every Shape linked into the program.
pub(crate) fn all() -> impl Iterator<Item = &'static ShapeMeta> {
    inventory::iter::<ShapeRegistration>
        .into_iter()
        .map(|r| (r.0)())
}

/// The Shape whose type has this specta id, if any.
pub(crate) fn by_sid(sid: SpectaID) -> Option<&'static ShapeMeta> {
    all().find(|m| (m.sid)() == sid)
}
