//! Why a Shape could not be checked or read.

/// Why a Shape could not be checked or read. Every variant names the
/// table, and the column where there is one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShapeError {
    /// The Shape's table is not in the database.
    #[error("Shape `{shape}` reads table `{table}`, which the database does not have")]
    MissingTable {
        /// The Rust type.
        shape: &'static str,
        /// The table.
        table: &'static str,
    },
    /// A column of the Shape is not in its table.
    #[error("Shape `{shape}` reads column `{column}` of table `{table}`, which has no such column (it has: {existing})")]
    MissingColumn {
        /// The Rust type.
        shape: &'static str,
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// The table's columns, comma-separated.
        existing: String,
    },
    /// The Shape's key is not its table's primary key.
    #[error("Shape `{shape}` takes column `{column}` as the primary key of table `{table}`, but it is not (name the key with #[shape(key = \"...\")])")]
    NotPrimaryKey {
        /// The Rust type.
        shape: &'static str,
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
    },
    /// A column's declared type does not fit its field's type.
    #[error("Shape `{shape}` reads column `{column}` of table `{table}` as {expected}, but the column is declared `{declared}`")]
    TypeMismatch {
        /// The Rust type.
        shape: &'static str,
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// What the field reads.
        expected: &'static str,
        /// The column's declared type.
        declared: String,
    },
    /// A row's value could not be read into its field (a `NULL` into a
    /// field that is not an `Option`, text into a number, a number out of
    /// the field's range).
    #[error("reading column `{column}` of table `{table}`: {source}")]
    Column {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// rusqlite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A filter's value could not be bound (its `ToSql` failed, or it is
    /// not a plain value: a zero blob, an array).
    #[error("a filter on column `{column}` of table `{table}` has a value that cannot be bound: {message}")]
    Value {
        /// The table.
        table: &'static str,
        /// The filter's column.
        column: String,
        /// Why.
        message: String,
    },
    /// SQLite refused the statement or the connection failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}
