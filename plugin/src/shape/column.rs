//! Which Rust types a Shape's fields may have, and what each reads.

use rusqlite::types::FromSql;

use super::ColumnKind;

/// A type a Shape's field may have: it reads a column's value and says
/// which storage class it reads, for the schema check. `Option<T>` reads
/// `NULL` too.
///
/// Implement it for a type of your own that implements rusqlite's
/// `FromSql`:
///
/// ```
/// use rusqlite::types::{FromSql, FromSqlResult, ValueRef};
/// use tauri_plugin_mizan::shape::{ColumnKind, ColumnType};
///
/// struct Celsius(f64);
/// impl FromSql for Celsius {
///     fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
///         f64::column_result(v).map(Celsius)
///     }
/// }
/// impl ColumnType for Celsius {
///     const KIND: ColumnKind = ColumnKind::Real;
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a column type a Shape can read",
    label = "a Shape's field is one column: an integer, `bool`, `f32`/`f64`, `String`, `Vec<u8>`, or an `Option` of one",
    note = "for a type of your own that implements rusqlite's `FromSql`, implement `tauri_plugin_mizan::shape::ColumnType`"
)]
pub trait ColumnType: FromSql {
    /// The storage class the type reads.
    const KIND: ColumnKind;
}

macro_rules! kinds {
    ($kind:ident: $($t:ty),*) => {
        $(impl ColumnType for $t { const KIND: ColumnKind = ColumnKind::$kind; })*
    };
}

kinds!(Integer: i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, bool);
kinds!(Real: f32, f64);
kinds!(Text: String, Box<str>, std::sync::Arc<str>);
kinds!(Blob: Vec<u8>);
kinds!(Any: rusqlite::types::Value);

impl<T: ColumnType> ColumnType for Option<T> {
    const KIND: ColumnKind = T::KIND;
}

/// One field's column of a row, for the derive: the bound names
/// `ColumnType`, so a field of another type is one error that says what a
/// Shape's field may be.
#[doc(hidden)]
pub fn read_column<T: ColumnType>(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<T> {
    row.get(index)
}
