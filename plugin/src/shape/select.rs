//! A read of one Shape: its columns, filters whose values are bound as
//! parameters, an order and a limit. Names (the table, the columns) are
//! quoted as SQL identifiers, and a column is always qualified with its
//! table: SQLite takes an unqualified quoted name that is no column for a
//! string literal, and would read a misspelt column as its own name.
//! Values never enter the SQL text.

use std::{fmt::Write as _, marker::PhantomData};

use rusqlite::{
    params_from_iter,
    types::{ToSqlOutput, Value},
    Connection, ToSql,
};

use super::{Shape, ShapeError};

/// How a filter compares a column with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cmp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `LIKE` (SQLite's pattern: `%` and `_`)
    Like,
}

impl Cmp {
    fn sql(self) -> &'static str {
        match self {
            Cmp::Eq => "=",
            Cmp::Ne => "!=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Like => "LIKE",
        }
    }
}

#[derive(Debug, Clone)]
enum Filter {
    Cmp(String, Cmp),
    Null(String, bool),
    In(String, usize),
}

/// A read of the Shape `T`, built with [`Shape::select`]. Filters are
/// joined with `AND`.
#[derive(Debug, Clone)]
pub struct Select<T> {
    filters: Vec<Filter>,
    values: Vec<Value>,
    order: Vec<(String, bool)>,
    limit: Option<i64>,
    offset: Option<i64>,
    /// A value that could not be bound: the read fails with it.
    unbound: Option<(String, String)>,
    shape: PhantomData<fn() -> T>,
}

impl<T: Shape> Select<T> {
    pub(super) fn new() -> Self {
        Select {
            filters: Vec::new(),
            values: Vec::new(),
            order: Vec::new(),
            limit: None,
            offset: None,
            unbound: None,
            shape: PhantomData,
        }
    }

    /// Rows whose `column` compares with `value` as `cmp` says. The column
    /// may be any column of the table, read by the Shape or not.
    pub fn filter(mut self, column: &str, cmp: Cmp, value: impl ToSql) -> Self {
        self.filters.push(Filter::Cmp(column.to_owned(), cmp));
        self.bind(column, value);
        self
    }

    /// Rows whose `column` equals `value`.
    pub fn where_eq(self, column: &str, value: impl ToSql) -> Self {
        self.filter(column, Cmp::Eq, value)
    }

    /// Rows whose `column` is `NULL` (`true`) or is not (`false`).
    pub fn where_null(mut self, column: &str, null: bool) -> Self {
        self.filters.push(Filter::Null(column.to_owned(), null));
        self
    }

    /// Rows whose `column` is one of `values` (none: no row).
    pub fn where_in<V: ToSql>(mut self, column: &str, values: impl IntoIterator<Item = V>) -> Self {
        let before = self.values.len();
        for v in values {
            self.bind(column, v);
        }
        let count = self.values.len() - before;
        self.filters.push(Filter::In(column.to_owned(), count));
        self
    }

    /// Keeps `value` as an owned SQLite value, bound when the read runs.
    fn bind(&mut self, column: &str, value: impl ToSql) {
        let owned = match value.to_sql() {
            Ok(ToSqlOutput::Borrowed(v)) => Ok(Value::from(v)),
            Ok(ToSqlOutput::Owned(v)) => Ok(v),
            Ok(_) => Err("not a plain SQLite value".to_owned()),
            Err(e) => Err(e.to_string()),
        };
        match owned {
            Ok(v) => self.values.push(v),
            Err(message) => {
                // Keeps the count of values right for the SQL text.
                self.values.push(Value::Null);
                self.unbound
                    .get_or_insert_with(|| (column.to_owned(), message));
            }
        }
    }

    /// Orders by `column`, ascending (after any earlier order).
    pub fn order_by(mut self, column: &str) -> Self {
        self.order.push((column.to_owned(), false));
        self
    }

    /// Orders by `column`, descending (after any earlier order).
    pub fn order_by_desc(mut self, column: &str) -> Self {
        self.order.push((column.to_owned(), true));
        self
    }

    /// At most `n` rows.
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n.into());
        self
    }

    /// Skips the first `n` rows (after the order).
    pub fn offset(mut self, n: u32) -> Self {
        self.offset = Some(n.into());
        self
    }

    /// The statement's text: exactly the Shape's columns, its filters
    /// with `?` for every value, the order, and the limit as parameters.
    pub fn sql(&self) -> String {
        let mut sql = String::from("SELECT ");
        for (i, c) in T::COLUMNS.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            column::<T>(&mut sql, c);
        }
        sql.push_str(" FROM ");
        ident(&mut sql, T::TABLE);
        for (i, f) in self.filters.iter().enumerate() {
            sql.push_str(if i == 0 { " WHERE " } else { " AND " });
            match f {
                Filter::Cmp(c, cmp) => {
                    column::<T>(&mut sql, c);
                    let _ = write!(sql, " {} ?", cmp.sql());
                }
                Filter::Null(c, null) => {
                    column::<T>(&mut sql, c);
                    sql.push_str(if *null { " IS NULL" } else { " IS NOT NULL" });
                }
                Filter::In(_, 0) => sql.push('0'),
                Filter::In(c, n) => {
                    column::<T>(&mut sql, c);
                    sql.push_str(" IN (?");
                    sql.push_str(&", ?".repeat(n - 1));
                    sql.push(')');
                }
            }
        }
        for (i, (c, desc)) in self.order.iter().enumerate() {
            sql.push_str(if i == 0 { " ORDER BY " } else { ", " });
            column::<T>(&mut sql, c);
            sql.push_str(if *desc { " DESC" } else { " ASC" });
        }
        if self.limit.is_some() || self.offset.is_some() {
            sql.push_str(" LIMIT ?");
        }
        if self.offset.is_some() {
            sql.push_str(" OFFSET ?");
        }
        sql
    }

    /// The values bound to the statement's `?`s, in order.
    pub fn params(&self) -> Vec<Value> {
        let mut values = self.values.clone();
        if self.limit.is_some() || self.offset.is_some() {
            values.push(Value::Integer(self.limit.unwrap_or(-1)));
        }
        if let Some(offset) = self.offset {
            values.push(Value::Integer(offset));
        }
        values
    }

    /// The value that could not be bound, if any.
    fn bound(&self) -> Result<(), ShapeError> {
        match &self.unbound {
            None => Ok(()),
            Some((column, message)) => Err(ShapeError::Value {
                table: T::TABLE,
                column: column.clone(),
                message: message.clone(),
            }),
        }
    }

    /// Every row that matches.
    pub fn all(&self, conn: &Connection) -> Result<Vec<T>, ShapeError> {
        self.bound()?;
        let mut statement = conn.prepare_cached(&self.sql())?;
        let rows = statement.query_map(params_from_iter(self.params()), T::from_row)?;
        rows.collect::<Result<Vec<T>, _>>().map_err(row_error::<T>)
    }

    /// The first row that matches, if any.
    pub fn first(&self, conn: &Connection) -> Result<Option<T>, ShapeError> {
        self.bound()?;
        let mut statement = conn.prepare_cached(&self.sql())?;
        let mut rows = statement.query(params_from_iter(self.params()))?;
        match rows.next()? {
            Some(row) => T::from_row(row).map(Some).map_err(row_error::<T>),
            None => Ok(None),
        }
    }
}

/// A name as a quoted SQL identifier: `"a""b"` for `a"b`.
fn ident(sql: &mut String, name: &str) {
    sql.push('"');
    for c in name.chars() {
        if c == '"' {
            sql.push('"');
        }
        sql.push(c);
    }
    sql.push('"');
}

/// `"table"."column"`.
fn column<T: Shape>(sql: &mut String, name: &str) {
    ident(sql, T::TABLE);
    sql.push('.');
    ident(sql, name);
}

/// A row error, with the column it is about when rusqlite names one.
fn row_error<T: Shape>(e: rusqlite::Error) -> ShapeError {
    use rusqlite::Error as E;
    let index = match &e {
        E::InvalidColumnType(i, ..)
        | E::FromSqlConversionFailure(i, ..)
        | E::IntegralValueOutOfRange(i, _) => Some(*i),
        _ => None,
    };
    match index.and_then(|i| T::COLUMNS.get(i)) {
        Some(column) => ShapeError::Column {
            table: T::TABLE,
            column,
            source: e,
        },
        None => ShapeError::Sqlite(e),
    }
}
