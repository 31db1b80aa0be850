//! Shapes over SQLite (docs/protocol.md: "Shapes over SQLite"): a struct that declares a projection of
//! one table, read with exactly its columns, values always bound as
//! parameters, checked against the database's schema at start-up.
//!
//! Behind the `sqlite` feature, which brings `rusqlite` (any release from
//! 0.32 to 0.37: the app's own `rusqlite`, or the one `tauri-plugin-sql`'s
//! sqlx links to, is the one used; only one SQLite can be linked).
//!
//! ```
//! use tauri_plugin_mizan::shape::{Shape, ShapeError};
//! use tauri_plugin_mizan::Type;
//!
//! /// A note as a card shows it.
//! #[derive(serde::Serialize, Type, Shape)]
//! #[shape(table = "notes")]
//! struct NoteCard {
//!     id: i64,
//!     #[shape(column = "text")]
//!     title: String,
//!     done: bool,
//! }
//!
//! # fn main() -> Result<(), ShapeError> {
//! let conn = rusqlite::Connection::open_in_memory()?;
//! conn.execute_batch(
//!     "CREATE TABLE notes (id INTEGER PRIMARY KEY, list_id INTEGER NOT NULL,
//!                          text TEXT NOT NULL, done INTEGER NOT NULL);
//!      INSERT INTO notes VALUES (1, 7, 'Milk', 0), (2, 7, 'Tea', 1), (3, 8, 'Post', 0);",
//! )?;
//! // At start-up: every Shape of the program against the schema.
//! tauri_plugin_mizan::shape::check_all(&conn)?;
//!
//! let open = NoteCard::select()
//!     .where_eq("list_id", 7)
//!     .where_eq("done", false)
//!     .order_by("id")
//!     .all(&conn)?;
//! assert_eq!(open.len(), 1);
//! assert_eq!(open[0].title, "Milk");
//! assert_eq!(
//!     NoteCard::select().where_eq("list_id", 7).sql(),
//!     r#"SELECT "notes"."id", "notes"."text", "notes"."done" FROM "notes" WHERE "notes"."list_id" = ?"#,
//! );
//! # Ok(())
//! # }
//! ```

mod column;
mod error;
mod schema;
mod select;

pub use crate::core::shape::{ColumnKind, ShapeColumn, ShapeMeta};
#[doc(hidden)]
pub use column::read_column;
pub use column::ColumnType;
pub use error::ShapeError;
pub use schema::{check, check_all};
pub use select::{Cmp, Select};
/// The derive: `use tauri_plugin_mizan::shape::Shape` brings the trait and
/// the derive together.
pub use tauri_plugin_mizan_macros::Shape;

/// A projection of one table: what `#[derive(Shape)]` implements.
///
/// The derive reads `#[shape(table = "...")]` (and `key = "..."`, `"id"`
/// when absent) on the struct and `#[shape(column = "...")]` on a field
/// whose column has another name. Every field is a column; the key is
/// always one of them. Each field's type implements [`ColumnType`].
pub trait Shape: Sized {
    /// The table.
    const TABLE: &'static str;
    /// Its primary key column.
    const KEY: &'static str;
    /// The columns read, in the order of the fields.
    const COLUMNS: &'static [&'static str];

    /// One row, its columns in the order of [`COLUMNS`](Self::COLUMNS).
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;

    /// What the derive registered: the table, the key, each column's kind.
    fn meta() -> &'static ShapeMeta;

    /// A read of this Shape's columns: add filters, order and limit, then
    /// run it with [`Select::all`] or [`Select::first`].
    fn select() -> Select<Self> {
        Select::new()
    }

    /// Checks this Shape against the schema of `conn`'s database: the
    /// table and every column exist, the key is its primary key, and each
    /// column's declared type fits the field's type.
    fn check(conn: &rusqlite::Connection) -> Result<(), ShapeError> {
        check(Self::meta(), conn)
    }
}
