//! tauri-plugin-sql and Mizan's Shapes in one app: both plugins build
//! against one SQLite (sqlx 0.8's `libsqlite3-sys`, through rusqlite 0.32),
//! and a Shape reads through that rusqlite.

use tauri::{plugin::TauriPlugin, Runtime};
use tauri_plugin_mizan::shape::{Shape, ShapeError};

/// A row of the app's `notes` table, as a card shows it.
#[derive(Debug, PartialEq, serde::Serialize, tauri_plugin_mizan::Type, Shape)]
#[shape(table = "notes")]
pub struct NoteCard {
    /// Its id.
    pub id: i64,
    /// Its text.
    pub text: String,
}

/// Both plugins, as the app installs them.
pub fn plugins<R: Runtime>() -> (TauriPlugin<R>, TauriPlugin<R>) {
    (
        tauri_plugin_sql::Builder::default().build(),
        tauri_plugin_mizan::init(),
    )
}

/// The open notes of a database, read through the Shape.
pub fn cards(conn: &rusqlite::Connection) -> Result<Vec<NoteCard>, ShapeError> {
    tauri_plugin_mizan::shape::check_all(conn)?;
    NoteCard::select().order_by("id").all(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_plugins_build_and_a_shape_reads_through_the_shared_sqlite() {
        let _plugins = plugins::<tauri::Wry>();
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL, body TEXT);
             INSERT INTO notes (id, text) VALUES (2, 'Tea'), (1, 'Milk');",
        )
        .unwrap();
        let cards = cards(&conn).unwrap();
        assert_eq!(
            cards,
            [
                NoteCard { id: 1, text: "Milk".into() },
                NoteCard { id: 2, text: "Tea".into() },
            ]
        );
    }
}
