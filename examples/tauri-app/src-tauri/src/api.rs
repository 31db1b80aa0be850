//! The app's backend API: every function the webview can reach, marked with
//! `#[client]`. The TypeScript client is generated from these signatures.
//!
//! | context | params | functions (the bundle) |
//! |---|---|---|
//! | `user` | `user_id` | `user_profile`, `user_lists` |
//! | `list` | `list_id` | `list_detail`, `list_notes` |
//! | `people` | none | `people` |
//!
//! How each mutation invalidates (SPEC section 3):
//!
//! | mutation | tier | targets |
//! |---|---|---|
//! | `update_profile` | 2 | `user {user_id}`, and `people` (a context without params) |
//! | `create_list`, `delete_list` | 2 | `user {user_id}` (and `list {list_id}`) |
//! | `add_note`, `set_note_done`, `delete_note` | 2 | `list {list_id}` |
//! | `move_note` | 1 | names `list {from}` and `list {to}` itself |
//! | `clear_completed` | 3 | every `list` bundle |

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use tauri::State;
use tauri_plugin_mizan::{
    client,
    shape::{Shape, ShapeError},
    Context, Form, Invalidations,
};
use validator::{Validate, ValidationError};

use crate::db::Db;

/// A user's profile and lists, by `user_id`.
pub(crate) const USER: Context = Context::new("user");
/// One list and its notes, by `list_id`.
pub(crate) const LIST: Context = Context::new("list");
/// Everyone who uses this app (the people switcher).
pub(crate) const PEOPLE: Context = Context::new("people");

const MAX_NAME: u64 = 32;
const MAX_BIO: u64 = 160;
const MAX_TITLE: u64 = 40;
const MAX_NOTE: u64 = 200;

// Wire types ------------------------------------------------------------------

/// A user's profile: a Shape of the `users` table.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Shape)]
#[shape(table = "users")]
pub(crate) struct Profile {
    /// Its id.
    pub(crate) id: u32,
    /// Display name, unique (case-insensitive).
    pub(crate) name: String,
    /// A short text about the user.
    pub(crate) bio: String,
    /// The avatar colour, `#rrggbb`.
    pub(crate) color: String,
    /// Their web page, if they gave one.
    pub(crate) website: Option<String>,
    /// Their email address, if they gave one.
    pub(crate) email: Option<String>,
}

/// The "edit profile" form (SPEC 6.4): every `update_profile` call checks
/// it before the body runs, and the webview mirrors its rules.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, Form, specta::Type)]
pub(crate) struct ProfileForm {
    /// Display name: 1 to 32 characters, not a reserved word.
    #[validate(length(min = 1, max = MAX_NAME), custom(function = "not_reserved"))]
    pub(crate) name: String,
    /// A short text about the user.
    #[validate(length(max = MAX_BIO))]
    pub(crate) bio: String,
    /// Their web page (a URL).
    #[validate(url)]
    pub(crate) website: Option<String>,
    /// Their email address.
    #[validate(email)]
    pub(crate) email: Option<String>,
}

/// The "new list" form.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, Form, specta::Type)]
pub(crate) struct NewList {
    /// The title: 1 to 40 characters.
    #[validate(length(min = 1, max = MAX_TITLE))]
    pub(crate) title: String,
}

/// Names the app keeps for itself: a rule only the server knows (the
/// webview shows its error on the field when the server answers).
fn not_reserved(name: &str) -> Result<(), ValidationError> {
    if ["admin", "root", "system"].contains(&name.trim().to_lowercase().as_str()) {
        let mut e = ValidationError::new("reserved");
        e.message = Some("is reserved".into());
        return Err(e);
    }
    Ok(())
}

/// Someone in the people switcher: the `users` columns the switcher shows.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Shape)]
#[shape(table = "users")]
pub(crate) struct Person {
    /// Their id.
    pub(crate) id: u32,
    /// Display name.
    pub(crate) name: String,
    /// The avatar colour.
    pub(crate) color: String,
}

/// A list as the sidebar names it: two columns of `lists`.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Shape)]
#[shape(table = "lists")]
pub(crate) struct ListRef {
    /// Its id.
    pub(crate) id: u32,
    /// Its title.
    pub(crate) title: String,
}

/// A list with its counts.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub(crate) struct ListDetail {
    /// Its id.
    pub(crate) id: u32,
    /// The user who owns it.
    pub(crate) owner_id: u32,
    /// Its title.
    pub(crate) title: String,
    /// Notes not done yet.
    pub(crate) open: u32,
    /// Notes done.
    pub(crate) done: u32,
}

/// One note of a list: a Shape of `notes`.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Shape)]
#[shape(table = "notes")]
pub(crate) struct Note {
    /// Its id.
    pub(crate) id: u32,
    /// The list it is in.
    pub(crate) list_id: u32,
    /// What it says.
    pub(crate) text: String,
    /// Whether it is ticked off.
    pub(crate) done: bool,
}

// Errors: each reaches the webview as an `app` error whose `details` is the
// serialized value, typed in the generated client. -----------------------------

/// Why a read failed.
#[derive(Debug, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum ReadError {
    /// Nothing has this id.
    #[error("no {what} with id {id}")]
    NotFound {
        /// `user` or `list`.
        what: String,
        /// The id asked for.
        id: u32,
    },
    /// The database failed.
    #[error("storage error: {message}")]
    Storage {
        /// SQLite's message.
        message: String,
    },
}

/// Why a profile was not saved.
#[derive(Debug, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum ProfileError {
    /// The name is blank.
    #[error("the name is empty")]
    EmptyName,
    /// The name or bio is longer than allowed.
    #[error("{field} is longer than {max} characters")]
    TooLong {
        /// `name` or `bio`.
        field: String,
        /// The limit.
        max: u64,
    },
    /// Someone else has this name.
    #[error("the name {name} is taken")]
    NameTaken {
        /// The name asked for.
        name: String,
    },
    /// No such user.
    #[error("no user with id {id}")]
    UnknownUser {
        /// The id asked for.
        id: u32,
    },
    /// The database failed.
    #[error("storage error: {message}")]
    Storage {
        /// SQLite's message.
        message: String,
    },
}

/// Why a list was not created or deleted.
#[derive(Debug, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum ListError {
    /// The title is blank.
    #[error("the title is empty")]
    EmptyTitle,
    /// The title is longer than allowed.
    #[error("the title is longer than {max} characters")]
    TooLong {
        /// The limit.
        max: u64,
    },
    /// The user already has a list with this title.
    #[error("there is already a list named {title}")]
    DuplicateTitle {
        /// The title asked for.
        title: String,
    },
    /// The list does not exist or belongs to someone else.
    #[error("no list {list_id} for this user")]
    UnknownList {
        /// The id asked for.
        list_id: u32,
    },
    /// A user keeps at least one list.
    #[error("the last list cannot be deleted")]
    LastList,
    /// The database failed.
    #[error("storage error: {message}")]
    Storage {
        /// SQLite's message.
        message: String,
    },
}

/// Why a note was not changed.
#[derive(Debug, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum NoteError {
    /// The text is blank.
    #[error("the note is empty")]
    EmptyText,
    /// The text is longer than allowed.
    #[error("the note is longer than {max} characters")]
    TooLong {
        /// The limit.
        max: u64,
    },
    /// No such list.
    #[error("no list with id {list_id}")]
    UnknownList {
        /// The id asked for.
        list_id: u32,
    },
    /// No such note in that list.
    #[error("no note with id {note_id}")]
    UnknownNote {
        /// The id asked for.
        note_id: u32,
    },
    /// The database failed.
    #[error("storage error: {message}")]
    Storage {
        /// SQLite's message.
        message: String,
    },
}

macro_rules! storage_from {
    ($($t:ty),*) => {$(
        impl From<rusqlite::Error> for $t {
            fn from(e: rusqlite::Error) -> Self {
                Self::Storage { message: e.to_string() }
            }
        }
    )*};
}
storage_from!(ReadError, ProfileError, ListError, NoteError);

impl From<ShapeError> for ReadError {
    fn from(e: ShapeError) -> Self {
        Self::Storage {
            message: e.to_string(),
        }
    }
}

fn chars(s: &str) -> u64 {
    u64::try_from(s.chars().count()).unwrap_or(u64::MAX)
}

// The `user` context ----------------------------------------------------------

/// A user's profile.
#[client(context = USER)]
fn user_profile(db: State<'_, Db>, user_id: u32) -> Result<Profile, ReadError> {
    db.read(|c| Profile::select().where_eq("id", user_id).first(c))?
        .ok_or(ReadError::NotFound {
            what: "user".into(),
            id: user_id,
        })
}

/// The lists a user owns, oldest first.
#[client(context = USER)]
fn user_lists(db: State<'_, Db>, user_id: u32) -> Result<Vec<ListRef>, ReadError> {
    Ok(db.read(|c| {
        ListRef::select()
            .where_eq("owner_id", user_id)
            .order_by("id")
            .all(c)
    })?)
}

// The `list` context ----------------------------------------------------------

/// A list's title, owner and counts. Counts are aggregates, not a
/// projection of columns, so this read stays plain SQL.
#[client(context = LIST)]
fn list_detail(db: State<'_, Db>, list_id: u32) -> Result<ListDetail, ReadError> {
    db.with(|c| {
        c.query_row(
            "SELECT l.id, l.owner_id, l.title,
                    (SELECT count(*) FROM notes n WHERE n.list_id = l.id AND NOT n.done),
                    (SELECT count(*) FROM notes n WHERE n.list_id = l.id AND n.done)
             FROM lists l WHERE l.id = ?1",
            [list_id],
            |r| {
                Ok(ListDetail {
                    id: r.get(0)?,
                    owner_id: r.get(1)?,
                    title: r.get(2)?,
                    open: r.get(3)?,
                    done: r.get(4)?,
                })
            },
        )
        .optional()
    })?
    .ok_or(ReadError::NotFound {
        what: "list".into(),
        id: list_id,
    })
}

/// A list's notes: open ones first, then in the order they were written.
#[client(context = LIST)]
fn list_notes(db: State<'_, Db>, list_id: u32) -> Result<Vec<Note>, ReadError> {
    Ok(db.read(|c| {
        Note::select()
            .where_eq("list_id", list_id)
            .order_by("done")
            .order_by("id")
            .all(c)
    })?)
}

// The `people` context --------------------------------------------------------

/// Everyone, in the order they joined.
#[client(context = PEOPLE)]
fn people(db: State<'_, Db>) -> Result<Vec<Person>, ReadError> {
    Ok(db.read(|c| Person::select().order_by("id").all(c))?)
}

// Mutations -------------------------------------------------------------------

/// Saves a profile. Tier 2: reaches the `user` bundles with this `user_id`
/// only (other users' bundles stay cached), and the `people` bundle. The
/// form's rules (lengths, URL, email, reserved names) are checked before
/// this body runs; a name of spaces passes them and is refused here.
#[client(affects = [USER, PEOPLE])]
fn update_profile(
    db: State<'_, Db>,
    user_id: u32,
    profile: ProfileForm,
) -> Result<Profile, ProfileError> {
    let name = profile.name.trim().to_owned();
    let bio = profile.bio.trim().to_owned();
    let blank_to_none =
        |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let website = blank_to_none(profile.website);
    let email = blank_to_none(profile.email);
    if name.is_empty() {
        return Err(ProfileError::EmptyName);
    }
    // The form's rules already hold (the body runs only then); the limits
    // stay checked here for callers in Rust.
    for (field, value, max) in [("name", &name, MAX_NAME), ("bio", &bio, MAX_BIO)] {
        if chars(value) > max {
            return Err(ProfileError::TooLong {
                field: field.into(),
                max,
            });
        }
    }
    db.with(|c| {
        let taken: Option<u32> = c
            .query_row(
                "SELECT id FROM users WHERE name = ?1 AND id != ?2",
                params![name, user_id],
                |r| r.get(0),
            )
            .optional()?;
        if taken.is_some() {
            return Ok(Err(ProfileError::NameTaken { name: name.clone() }));
        }
        let color = c
            .query_row(
                "UPDATE users SET name = ?1, bio = ?2, website = ?3, email = ?4 WHERE id = ?5 RETURNING color",
                params![name, bio, website, email, user_id],
                |r| r.get::<_, String>(0),
            )
            .optional()?;
        Ok(match color {
            Some(color) => Ok(Profile {
                id: user_id,
                name: name.clone(),
                bio: bio.clone(),
                color,
                website: website.clone(),
                email: email.clone(),
            }),
            None => Err(ProfileError::UnknownUser { id: user_id }),
        })
    })?
}

/// Creates a list for a user. Tier 2 on `user_id`. The form's title is 1
/// to 40 characters (checked before this body runs); one of spaces is
/// refused here.
#[client(affects = USER)]
fn create_list(db: State<'_, Db>, user_id: u32, list: NewList) -> Result<ListRef, ListError> {
    let title = list.title.trim().to_owned();
    if title.is_empty() {
        return Err(ListError::EmptyTitle);
    }
    if chars(&title) > MAX_TITLE {
        return Err(ListError::TooLong { max: MAX_TITLE });
    }
    db.with(|c| {
        let exists: bool = c.query_row(
            "SELECT EXISTS (SELECT 1 FROM lists WHERE owner_id = ?1 AND title = ?2)",
            params![user_id, title],
            |r| r.get(0),
        )?;
        if exists {
            return Ok(Err(ListError::DuplicateTitle {
                title: title.clone(),
            }));
        }
        c.execute(
            "INSERT INTO lists (owner_id, title) VALUES (?1, ?2)",
            params![user_id, title],
        )?;
        let id = u32::try_from(c.last_insert_rowid()).unwrap_or_default();
        Ok(Ok(ListRef {
            id,
            title: title.clone(),
        }))
    })?
}

/// Deletes one of a user's lists and its notes. Tier 2 on both contexts:
/// `user {user_id}` and `list {list_id}`.
#[client(affects = [USER, LIST])]
fn delete_list(db: State<'_, Db>, user_id: u32, list_id: u32) -> Result<(), ListError> {
    db.with(|c| {
        let tx = c.transaction()?;
        let count: u32 = tx.query_row(
            "SELECT count(*) FROM lists WHERE owner_id = ?1",
            [user_id],
            |r| r.get(0),
        )?;
        let owned: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM lists WHERE id = ?1 AND owner_id = ?2)",
            [list_id, user_id],
            |r| r.get(0),
        )?;
        if !owned {
            return Ok(Err(ListError::UnknownList { list_id }));
        }
        if count <= 1 {
            return Ok(Err(ListError::LastList));
        }
        tx.execute("DELETE FROM lists WHERE id = ?1", [list_id])?;
        tx.commit()?;
        Ok(Ok(()))
    })?
}

fn check_note_text(text: &str) -> Result<String, NoteError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(NoteError::EmptyText);
    }
    if chars(text) > MAX_NOTE {
        return Err(NoteError::TooLong { max: MAX_NOTE });
    }
    Ok(text.to_owned())
}

/// Adds a note at the end of a list. Tier 2 on `list_id`.
#[client(affects = LIST)]
fn add_note(db: State<'_, Db>, list_id: u32, text: String) -> Result<Note, NoteError> {
    let text = check_note_text(&text)?;
    db.with(|c| {
        let exists: bool = c.query_row(
            "SELECT EXISTS (SELECT 1 FROM lists WHERE id = ?1)",
            [list_id],
            |r| r.get(0),
        )?;
        if !exists {
            return Ok(Err(NoteError::UnknownList { list_id }));
        }
        c.execute(
            "INSERT INTO notes (list_id, text) VALUES (?1, ?2)",
            params![list_id, text],
        )?;
        Ok(Ok(Note {
            id: u32::try_from(c.last_insert_rowid()).unwrap_or_default(),
            list_id,
            text: text.clone(),
            done: false,
        }))
    })?
}

/// Ticks a note off, or back on. Tier 2 on `list_id`.
#[client(affects = LIST)]
fn set_note_done(
    db: State<'_, Db>,
    list_id: u32,
    note_id: u32,
    done: bool,
) -> Result<Note, NoteError> {
    db.with(|c| {
        c.query_row(
            "UPDATE notes SET done = ?1 WHERE id = ?2 AND list_id = ?3 RETURNING text",
            params![done, note_id, list_id],
            |r| r.get::<_, String>(0),
        )
        .optional()
    })?
    .map(|text| Note {
        id: note_id,
        list_id,
        text,
        done,
    })
    .ok_or(NoteError::UnknownNote { note_id })
}

/// Deletes a note. Tier 2 on `list_id`.
#[client(affects = LIST)]
fn delete_note(db: State<'_, Db>, list_id: u32, note_id: u32) -> Result<(), NoteError> {
    let n = db.with(|c| {
        c.execute(
            "DELETE FROM notes WHERE id = ?1 AND list_id = ?2",
            [note_id, list_id],
        )
    })?;
    if n == 0 {
        return Err(NoteError::UnknownNote { note_id });
    }
    Ok(())
}

/// Moves a note to another list. Tier 1: only the function knows which list
/// the note leaves (it reads it from the database), so it names both targets
/// itself: `list {from}` and `list {to}`.
#[client(affects = LIST)]
fn move_note(
    db: State<'_, Db>,
    inv: Invalidations,
    note_id: u32,
    to_list_id: u32,
) -> Result<Note, NoteError> {
    let (from, note) = db.with(|c| {
        let tx = c.transaction()?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM lists WHERE id = ?1)",
            [to_list_id],
            |r| r.get(0),
        )?;
        if !exists {
            return Ok(Err(NoteError::UnknownList {
                list_id: to_list_id,
            }));
        }
        let found = tx
            .query_row(
                "SELECT list_id, text, done FROM notes WHERE id = ?1",
                [note_id],
                |r| {
                    Ok((
                        r.get::<_, u32>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, bool>(2)?,
                    ))
                },
            )
            .optional()?;
        let Some((from, text, done)) = found else {
            return Ok(Err(NoteError::UnknownNote { note_id }));
        };
        tx.execute(
            "UPDATE notes SET list_id = ?1 WHERE id = ?2",
            [to_list_id, note_id],
        )?;
        tx.commit()?;
        let note = Note {
            id: note_id,
            list_id: to_list_id,
            text,
            done,
        };
        Ok(Ok((from, note)))
    })??;
    inv.add(&LIST, serde_json::json!({ "list_id": from }));
    inv.add(&LIST, serde_json::json!({ "list_id": to_list_id }));
    Ok(note)
}

/// Deletes every ticked-off note of every list. Tier 3: it has no param to
/// scope by, so every `list` bundle is invalidated.
#[client(affects = LIST)]
fn clear_completed(db: State<'_, Db>) -> Result<u32, NoteError> {
    let n = db.with(|c| c.execute("DELETE FROM notes WHERE done", []))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}
