//! Storage: one SQLite file in the app's data directory, through rusqlite
//! (SQLite bundled into the binary, so the app needs nothing installed).

use std::{
    path::Path,
    sync::{Mutex, PoisonError},
};

use rusqlite::Connection;
use tauri_plugin_mizan::shape::ShapeError;

/// The app's database. One connection behind a mutex is plenty for a
/// desktop app: every statement here takes microseconds.
pub(crate) struct Db {
    conn: Mutex<Connection>,
}

impl Db {
    /// Opens (or creates) the database file, migrates it and, when it is
    /// new, fills it with sample data. Checks every Shape against the
    /// schema: a Shape naming a column the tables lack stops the start.
    pub(crate) fn open(path: &Path) -> Result<Db, ShapeError> {
        let conn = Connection::open(path)?;
        conn.execute_batch(SCHEMA)?;
        add_profile_columns(&conn)?;
        tauri_plugin_mizan::shape::check_all(&conn)?;
        let users: u32 = conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
        if users == 0 {
            seed(&conn)?;
        }
        let accounts: u32 = conn.query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))?;
        if accounts == 0 {
            seed_accounts(&conn)?;
        }
        Ok(Db {
            conn: Mutex::new(conn),
        })
    }

    /// Runs a read through Shapes with the connection.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, ShapeError>,
    ) -> Result<T, ShapeError> {
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        f(&conn)
    }

    /// Runs `f` with the connection.
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut conn)
    }
}

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS users (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE COLLATE NOCASE,
    bio   TEXT NOT NULL DEFAULT '',
    color TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lists (
    id       INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    title    TEXT NOT NULL,
    UNIQUE (owner_id, title)
);
CREATE TABLE IF NOT EXISTS notes (
    id      INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    text    TEXT NOT NULL,
    done    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS notes_by_list ON notes(list_id);
CREATE TABLE IF NOT EXISTS accounts (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    salt TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS journal (
    id       INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES accounts(id),
    text     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attachments (
    id           INTEGER PRIMARY KEY,
    note_id      INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS attachments_by_note ON attachments(note_id);
";

/// The profile's web page and email (added after the first release: a
/// database made before them gets the columns, empty).
fn add_profile_columns(conn: &Connection) -> rusqlite::Result<()> {
    for column in ["website", "email"] {
        let has: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info('users') WHERE name = ?1)",
            [column],
            |r| r.get(0),
        )?;
        if !has {
            conn.execute_batch(&format!("ALTER TABLE users ADD COLUMN {column} TEXT"))?;
        }
    }
    Ok(())
}

/// A sample list: id, owner, title, and its notes (text, done).
type SeedList = (u32, u32, &'static str, &'static [(&'static str, bool)]);

/// Sample data for a first start.
fn seed(conn: &Connection) -> rusqlite::Result<()> {
    let users = [
        (
            1,
            "Ada Lovelace",
            "Writes programs for engines that do not exist yet.",
            "#6d5efc",
        ),
        (
            2,
            "Grace Hopper",
            "Compilers, nanoseconds, and a moth in the logbook.",
            "#0ea5a4",
        ),
        (
            3,
            "Alan Turing",
            "Long runs, morphogenesis, and the occasional imitation game.",
            "#f97316",
        ),
    ];
    for (id, name, bio, color) in users {
        conn.execute(
            "INSERT INTO users (id, name, bio, color) VALUES (?1, ?2, ?3, ?4)",
            (id, name, bio, color),
        )?;
    }
    let lists: [SeedList; 6] = [
        (
            1,
            1,
            "Today",
            &[
                ("Send the Bernoulli table to Charles", false),
                ("Proofread the translation notes", true),
                ("Order more punched cards", false),
                ("Tea with Mary Somerville at four", false),
            ],
        ),
        (
            2,
            1,
            "Engine notes",
            &[
                (
                    "The operations cards and the variable cards are separate",
                    true,
                ),
                ("Note G: loops over the Bernoulli numbers", false),
                ("Ask about the mill's carry mechanism", false),
            ],
        ),
        (
            3,
            1,
            "Reading",
            &[
                ("Menabrea, Sketch of the Analytical Engine", true),
                (
                    "Somerville, On the Connexion of the Physical Sciences",
                    false,
                ),
            ],
        ),
        (
            4,
            2,
            "Today",
            &[
                ("Hand out nanosecond wires", false),
                ("Tape the moth into the logbook", true),
            ],
        ),
        (
            5,
            2,
            "Compiler",
            &[
                ("A-0: subroutines by call number", true),
                ("English-like keywords for business data", false),
            ],
        ),
        (
            6,
            3,
            "Ideas",
            &[
                ("Can a machine be said to think?", false),
                ("Reaction-diffusion and zebra stripes", false),
            ],
        ),
    ];
    for (id, owner, title, notes) in lists {
        conn.execute(
            "INSERT INTO lists (id, owner_id, title) VALUES (?1, ?2, ?3)",
            (id, owner, title),
        )?;
        for (text, done) in notes {
            conn.execute(
                "INSERT INTO notes (list_id, text, done) VALUES (?1, ?2, ?3)",
                (id, text, done),
            )?;
        }
    }
    Ok(())
}

/// The sample accounts (name, password, salt) and one private journal
/// entry each. The passwords are shown on the sign-in form: a sample.
pub(crate) const SAMPLE_ACCOUNTS: [(u32, &str, &str, &str, &str); 2] = [
    (
        1,
        "ada",
        "analytical",
        "5f1c",
        "Note G: the Bernoulli numbers, step by step",
    ),
    (
        2,
        "grace",
        "compiler",
        "9a7e",
        "Relay 70, panel F: first actual case of bug being found",
    ),
];

fn seed_accounts(conn: &Connection) -> rusqlite::Result<()> {
    for (id, name, password, salt, entry) in SAMPLE_ACCOUNTS {
        conn.execute(
            "INSERT INTO accounts (id, name, salt, hash) VALUES (?1, ?2, ?3, ?4)",
            (
                id,
                name,
                salt,
                crate::account::password_hash(salt, password),
            ),
        )?;
        conn.execute(
            "INSERT INTO journal (owner_id, text) VALUES (?1, ?2)",
            (id, entry),
        )?;
    }
    Ok(())
}
