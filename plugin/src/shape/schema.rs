//! The start-up check: a Shape's table, columns, key and column types
//! against the database's own schema (`pragma_table_info`).

use rusqlite::Connection;

use super::{ColumnKind, ShapeError, ShapeMeta};

/// Checks every Shape of the program against `conn`'s schema, in the
/// order of their Rust names; the first problem is the error. Call it
/// where the app opens its database, so a Shape that names a column the
/// table lacks stops the start, not the first read.
pub fn check_all(conn: &Connection) -> Result<(), ShapeError> {
    let mut metas: Vec<&ShapeMeta> = crate::core::shape::all().collect();
    metas.sort_by_key(|m| (m.rust_name, m.table));
    metas.into_iter().try_for_each(|m| check(m, conn))
}

/// One column as the schema declares it.
struct Declared {
    name: String,
    ty: String,
    pk: bool,
}

/// Checks one Shape against `conn`'s schema.
pub fn check(meta: &ShapeMeta, conn: &Connection) -> Result<(), ShapeError> {
    let mut statement = conn.prepare_cached("SELECT name, type, pk FROM pragma_table_info(?1)")?;
    let declared = statement
        .query_map([meta.table], |r| {
            Ok(Declared {
                name: r.get(0)?,
                ty: r.get(1)?,
                pk: r.get::<_, i64>(2)? > 0,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    if declared.is_empty() {
        return Err(ShapeError::MissingTable {
            shape: meta.rust_name,
            table: meta.table,
        });
    }
    for column in meta.columns {
        // SQLite's column names are case-insensitive.
        let Some(found) = declared
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(column.column))
        else {
            return Err(ShapeError::MissingColumn {
                shape: meta.rust_name,
                table: meta.table,
                column: column.column,
                existing: declared
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        if column.column == meta.key && !found.pk {
            return Err(ShapeError::NotPrimaryKey {
                shape: meta.rust_name,
                table: meta.table,
                column: column.column,
            });
        }
        if !fits(column.kind, affinity(&found.ty)) {
            return Err(ShapeError::TypeMismatch {
                shape: meta.rust_name,
                table: meta.table,
                column: column.column,
                expected: column.kind.as_str(),
                declared: found.ty.clone(),
            });
        }
    }
    Ok(())
}

/// A column's type affinity, by SQLite's rules (section 3.1 of its
/// datatype documentation), in their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Affinity {
    Integer,
    Text,
    /// `BLOB` or no declared type: values are stored as given.
    Blob,
    Real,
    Numeric,
}

fn affinity(declared: &str) -> Affinity {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        Affinity::Integer
    } else if ["CHAR", "CLOB", "TEXT"].iter().any(|w| t.contains(w)) {
        Affinity::Text
    } else if t.contains("BLOB") || t.trim().is_empty() {
        Affinity::Blob
    } else if ["REAL", "FLOA", "DOUB"].iter().any(|w| t.contains(w)) {
        Affinity::Real
    } else {
        Affinity::Numeric
    }
}

/// Whether a field of `kind` reads what a column of `affinity` holds.
fn fits(kind: ColumnKind, affinity: Affinity) -> bool {
    use Affinity as A;
    match kind {
        ColumnKind::Any => true,
        // A column without a declared type holds whatever was written.
        _ if affinity == A::Blob && kind != ColumnKind::Blob => true,
        ColumnKind::Integer => matches!(affinity, A::Integer | A::Numeric),
        ColumnKind::Real => matches!(affinity, A::Real | A::Numeric | A::Integer),
        // A NUMERIC column keeps text that is not a well-formed number as
        // TEXT: the ISO dates of `DATETIME` and `DATE` columns.
        ColumnKind::Text => matches!(affinity, A::Text | A::Numeric),
        ColumnKind::Blob => affinity == A::Blob,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affinities_follow_sqlites_rules() {
        for (declared, want) in [
            ("INTEGER", Affinity::Integer),
            ("bigint", Affinity::Integer),
            ("VARCHAR(40)", Affinity::Text),
            ("TEXT", Affinity::Text),
            ("", Affinity::Blob),
            ("BLOB", Affinity::Blob),
            ("DOUBLE PRECISION", Affinity::Real),
            ("DECIMAL(10,5)", Affinity::Numeric),
            ("BOOLEAN", Affinity::Numeric),
            ("DATETIME", Affinity::Numeric),
            ("DATE", Affinity::Numeric),
            // "FLOATING POINT" holds "INT": INTEGER, as SQLite says.
            ("FLOATING POINT", Affinity::Integer),
        ] {
            assert_eq!(affinity(declared), want, "{declared}");
        }
    }

    #[test]
    fn kinds_fit_their_affinities_only() {
        assert!(fits(ColumnKind::Integer, Affinity::Numeric));
        assert!(!fits(ColumnKind::Integer, Affinity::Text));
        assert!(!fits(ColumnKind::Text, Affinity::Integer));
        assert!(fits(ColumnKind::Text, Affinity::Numeric));
        assert!(!fits(ColumnKind::Text, Affinity::Real));
        assert!(fits(ColumnKind::Text, Affinity::Blob));
        assert!(!fits(ColumnKind::Blob, Affinity::Text));
        assert!(fits(ColumnKind::Real, Affinity::Integer));
        assert!(fits(ColumnKind::Any, Affinity::Text));
    }
}
