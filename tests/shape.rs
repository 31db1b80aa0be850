//! Shapes over SQLite (docs/protocol.md: "Shapes over SQLite"): exactly the Shape's columns are read
//! (SQLite's authorizer sees every column a statement reads), values are
//! bound and never formatted into SQL, the schema check names the table and
//! the column, rows map to their types or fail with the column named, and a
//! `#[client]` function reading through a Shape answers over the real IPC
//! path with the Shape marked in the IR and the generated client.
#![allow(missing_docs)]

mod common;

use std::sync::{Arc, Mutex, PoisonError};

use common::{app, call, ctx, default_capability};
use rusqlite::{
    hooks::{AuthAction, AuthContext, Authorization},
    Connection,
};
use serde_json::json;
use tauri::State;
use tauri_plugin_mizan::{
    client,
    shape::{check_all, Cmp, Shape, ShapeError},
    Context, MizanExt, Type,
};

pub const NOTES: Context = Context::new("notes");

/// A note as a card shows it: three of the table's five columns, one
/// under another name.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Type, Shape)]
#[shape(table = "notes")]
pub struct NoteCard {
    id: i64,
    #[shape(column = "text")]
    #[serde(rename = "label")]
    title: String,
    done: bool,
}

/// Every column of the table.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Type, Shape)]
#[shape(table = "notes")]
pub struct NoteRow {
    id: i64,
    list_id: i64,
    text: String,
    done: bool,
    due: Option<String>,
}

/// A Shape keyed by another column name.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Type, Shape)]
#[shape(table = "tags", key = "tag_id")]
pub struct Tag {
    tag_id: i64,
    name: String,
}

/// A row with SQLite's usual timestamps: ISO date text in columns declared
/// `DATETIME` and `DATE` (NUMERIC affinity, which keeps text that is not a
/// number as text).
#[derive(Debug, Clone, PartialEq, serde::Serialize, Type, Shape)]
#[shape(table = "events")]
pub struct Event {
    id: i64,
    created_at: String,
    day: Option<String>,
}

// Shapes that do not fit the schema (named so that check_all meets them
// in a known order).

#[derive(Debug, serde::Serialize, Type, Shape)]
#[shape(table = "notes")]
pub struct ZMissingColumn {
    id: i64,
    colour: String,
}

#[derive(Debug, serde::Serialize, Type, Shape)]
#[shape(table = "no_such_table")]
pub struct ZMissingTable {
    id: i64,
}

#[derive(Debug, serde::Serialize, Type, Shape)]
#[shape(table = "notes")]
pub struct ZWrongType {
    id: i64,
    /// Text read as a number.
    text: i64,
}

#[derive(Debug, serde::Serialize, Type, Shape)]
#[shape(table = "notes", key = "list_id")]
pub struct ZWrongKey {
    list_id: i64,
}

/// Reads `due`, which may be NULL, as a `String`.
#[derive(Debug, serde::Serialize, Type, Shape)]
#[shape(table = "notes")]
pub struct ZNotNullable {
    id: i64,
    due: String,
}

const SCHEMA: &str = "
CREATE TABLE notes (
    id      INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL,
    text    TEXT NOT NULL,
    done    INTEGER NOT NULL DEFAULT 0,
    due     TEXT
);
CREATE TABLE tags (tag_id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL);
INSERT INTO notes (id, list_id, text, done, due) VALUES
    (1, 7, 'Milk', 0, NULL),
    (2, 7, 'Tea', 1, '2026-12-01'),
    (3, 8, 'Post the letter', 0, NULL),
    (4, 7, 'Bread', 0, '2026-12-02');
INSERT INTO tags VALUES (1, 'home'), (2, 'work');
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    day        DATE
);
INSERT INTO events (id, day) VALUES (1, '2026-12-08'), (2, NULL);
";

fn db() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(SCHEMA).unwrap();
    conn
}

/// Every `(table, column)` the statements of `f` read, as SQLite's
/// authorizer reports them.
fn columns_read<T>(conn: &Connection, f: impl FnOnce(&Connection) -> T) -> (T, Vec<String>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    conn.authorizer(Some(move |ctx: AuthContext<'_>| {
        if let AuthAction::Read {
            table_name,
            column_name,
        } = ctx.action
        {
            log.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(format!("{table_name}.{column_name}"));
        }
        Authorization::Allow
    }));
    // A statement prepared before would not be authorized again.
    conn.flush_prepared_statement_cache();
    let out = f(conn);
    conn.authorizer(None::<fn(AuthContext<'_>) -> Authorization>);
    let mut cols = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
    cols.sort();
    cols.dedup();
    (out, cols)
}

#[test]
fn a_shape_reads_exactly_its_columns() {
    let conn = db();
    let (cards, read) = columns_read(&conn, |c| {
        NoteCard::select()
            .where_eq("list_id", 7)
            .order_by("id")
            .all(c)
            .unwrap()
    });
    // The filter reads list_id; the projection reads id, text and done:
    // never list_id's neighbour `due`.
    assert_eq!(
        read,
        ["notes.done", "notes.id", "notes.list_id", "notes.text"]
    );
    assert_eq!(
        NoteCard::select()
            .where_eq("list_id", 7)
            .order_by("id")
            .sql(),
        r#"SELECT "notes"."id", "notes"."text", "notes"."done" FROM "notes" WHERE "notes"."list_id" = ? ORDER BY "notes"."id" ASC"#
    );
    assert_eq!(
        cards,
        [
            NoteCard {
                id: 1,
                title: "Milk".into(),
                done: false
            },
            NoteCard {
                id: 2,
                title: "Tea".into(),
                done: true
            },
            NoteCard {
                id: 4,
                title: "Bread".into(),
                done: false
            },
        ]
    );
    let (_, read) = columns_read(&conn, |c| NoteCard::select().all(c).unwrap());
    assert_eq!(read, ["notes.done", "notes.id", "notes.text"]);
}

#[test]
fn filters_order_limit_and_offset() {
    let conn = db();
    let rows = NoteRow::select()
        .filter("id", Cmp::Ge, 2)
        .where_null("due", false)
        .order_by_desc("id")
        .all(&conn)
        .unwrap();
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [4, 2]);
    assert_eq!(rows[0].due.as_deref(), Some("2026-12-02"));

    let page = NoteCard::select()
        .order_by("id")
        .limit(2)
        .offset(1)
        .all(&conn)
        .unwrap();
    assert_eq!(page.iter().map(|r| r.id).collect::<Vec<_>>(), [2, 3]);
    let skipped = NoteCard::select()
        .order_by("id")
        .offset(3)
        .all(&conn)
        .unwrap();
    assert_eq!(skipped.iter().map(|r| r.id).collect::<Vec<_>>(), [4]);

    let some = NoteCard::select()
        .where_in("id", [3, 1, 99])
        .order_by("id")
        .all(&conn)
        .unwrap();
    assert_eq!(some.iter().map(|r| r.id).collect::<Vec<_>>(), [1, 3]);
    let none = NoteCard::select()
        .where_in("id", Vec::<i64>::new())
        .all(&conn)
        .unwrap();
    assert!(none.is_empty());

    let like = NoteCard::select()
        .filter("text", Cmp::Like, "%e%")
        .order_by("id")
        .all(&conn)
        .unwrap();
    assert_eq!(like.iter().map(|r| r.id).collect::<Vec<_>>(), [2, 3, 4]);

    let first = Tag::select().where_eq("name", "work").first(&conn).unwrap();
    assert_eq!(
        first,
        Some(Tag {
            tag_id: 2,
            name: "work".into()
        })
    );
    assert_eq!(
        Tag::select().where_eq("name", "x").first(&conn).unwrap(),
        None
    );
}

#[test]
fn hostile_values_are_bound_never_formatted() {
    let conn = db();
    let hostile = "'; DROP TABLE notes; --";
    conn.execute(
        "INSERT INTO notes (id, list_id, text) VALUES (10, 9, ?1)",
        [hostile],
    )
    .unwrap();
    let select = NoteCard::select().where_eq("text", hostile);
    assert!(!select.sql().contains("DROP"), "{}", select.sql());
    let found = select.all(&conn).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].title, hostile);
    // Also as a LIKE pattern and in a list.
    assert_eq!(
        NoteCard::select()
            .filter("text", Cmp::Like, hostile)
            .all(&conn)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        NoteCard::select()
            .where_in("text", [hostile, "\" OR 1=1 --"])
            .all(&conn)
            .unwrap()
            .len(),
        1
    );

    // A hostile column name is quoted as one identifier, qualified with the
    // table: no such column (unqualified, SQLite would take an unknown
    // quoted name for a string and match nothing).
    let err = NoteCard::select()
        .where_eq("text\" = 'x'; DROP TABLE notes; --", 1)
        .all(&conn)
        .unwrap_err();
    assert!(matches!(err, ShapeError::Sqlite(_)), "{err:?}");
    assert!(err.to_string().contains("no such column"), "{err}");

    let notes: i64 = conn
        .query_row("SELECT count(*) FROM notes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(notes, 5, "the table is intact");
}

#[test]
fn the_schema_check_names_the_table_and_the_column() {
    let conn = db();
    NoteCard::check(&conn).unwrap();
    NoteRow::check(&conn).unwrap();
    Tag::check(&conn).unwrap();

    let err = ZMissingColumn::check(&conn).unwrap_err();
    assert!(
        matches!(
            err,
            ShapeError::MissingColumn {
                table: "notes",
                column: "colour",
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("`colour`") && text.contains("`notes`") && text.contains("ZMissingColumn"),
        "{text}"
    );
    assert!(text.contains("id, list_id, text, done, due"), "{text}");
    // Unchecked, the read fails too: it never reads the name as a string.
    let err = ZMissingColumn::select().all(&conn).unwrap_err();
    assert!(err.to_string().contains("no such column"), "{err}");

    let err = ZMissingTable::check(&conn).unwrap_err();
    assert!(
        matches!(
            err,
            ShapeError::MissingTable {
                table: "no_such_table",
                ..
            }
        ),
        "{err:?}"
    );

    let err = ZWrongType::check(&conn).unwrap_err();
    assert!(
        matches!(
            &err,
            ShapeError::TypeMismatch {
                table: "notes",
                column: "text",
                expected: "INTEGER",
                declared,
                ..
            } if declared == "TEXT"
        ),
        "{err:?}"
    );

    let err = ZWrongKey::check(&conn).unwrap_err();
    assert!(
        matches!(
            err,
            ShapeError::NotPrimaryKey {
                table: "notes",
                column: "list_id",
                ..
            }
        ),
        "{err:?}"
    );

    // At start-up, every Shape of the program, the first by name failing.
    let err = check_all(&conn).unwrap_err();
    assert!(
        matches!(
            err,
            ShapeError::MissingColumn {
                shape: "ZMissingColumn",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn text_fields_fit_date_columns_as_sqlite_stores_them() {
    let conn = db();
    // DATETIME and DATE have NUMERIC affinity: SQLite keeps ISO date text
    // there as TEXT, so a `String` field reads it.
    Event::check(&conn).unwrap();
    let events = Event::select().order_by("id").all(&conn).unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].day.as_deref(), Some("2026-12-08"));
    assert_eq!(events[1].day, None);
    // CURRENT_TIMESTAMP: "YYYY-MM-DD HH:MM:SS".
    let stamp = &events[0].created_at;
    assert_eq!((stamp.len(), &stamp[4..5], &stamp[10..11]), (19, "-", " "));
}

#[test]
fn a_value_of_the_wrong_type_names_its_column() {
    let conn = db();
    // `due` is NULL in rows 1 and 3: no `String` for it.
    let err = ZNotNullable::select().all(&conn).unwrap_err();
    assert!(
        matches!(
            err,
            ShapeError::Column {
                table: "notes",
                column: "due",
                ..
            }
        ),
        "{err:?}"
    );
    // Text stored where the Shape reads a number.
    let err = ZWrongType::select().all(&conn).unwrap_err();
    assert!(
        matches!(
            err,
            ShapeError::Column {
                table: "notes",
                column: "text",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("column `text` of table `notes`"));
}

// Through the plugin --------------------------------------------------------

struct Db(Mutex<Connection>);

/// A list's open notes, read through a Shape.
#[client(context = NOTES)]
fn open_notes(db: State<'_, Db>, list_id: i64) -> Result<Vec<NoteCard>, String> {
    let conn = db.0.lock().unwrap_or_else(PoisonError::into_inner);
    NoteCard::select()
        .where_eq("list_id", list_id)
        .where_eq("done", false)
        .order_by("id")
        .all(&conn)
        .map_err(|e| e.to_string())
}

/// Every tag.
#[client]
fn tags(db: State<'_, Db>) -> Result<Vec<Tag>, String> {
    let conn = db.0.lock().unwrap_or_else(PoisonError::into_inner);
    Tag::select()
        .order_by("tag_id")
        .all(&conn)
        .map_err(|e| e.to_string())
}

#[test]
fn a_client_function_reads_through_a_shape_over_ipc() {
    let (app, windows) = app(&[("main", Some(&default_capability("main")))]);
    common::manage(&app, Db(Mutex::new(db())));
    let main = &windows[0];

    let bundle = ctx(main, "notes", json!({"list_id": 7})).unwrap();
    assert_eq!(
        bundle["data"]["open_notes"],
        json!([
            {"id": 1, "label": "Milk", "done": false},
            {"id": 4, "label": "Bread", "done": false},
        ])
    );
    let answer = call(main, "tags", json!({})).unwrap();
    assert_eq!(
        answer["result"],
        json!([{"tag_id": 1, "name": "home"}, {"tag_id": 2, "name": "work"}])
    );

    // The IR marks the Shapes it reaches, with each field's column.
    let ir = app.mizan().registry().ir_text().unwrap();
    assert!(
        ir.contains(" {\n    shape notes key=id {\n        column id\n        column text field=label\n        column done\n    }\n    struct {\n        field id {"),
        "{ir}"
    );
    assert!(
        ir.contains(
            "type Tag doc=\"A Shape keyed by another column name.\" {\n    shape tags key=tag_id {"
        ),
        "{ir}"
    );
    let ts = app
        .mizan()
        .registry()
        .client_ts(&Default::default())
        .unwrap();
    assert!(
        ts.contains("export const NoteCardShape = {\n  table: 'notes',\n  key: 'id',\n  columns: {\n    id: 'id',\n    label: 'text',\n    done: 'done',\n  },\n} as const;"),
        "{ts}"
    );
}
