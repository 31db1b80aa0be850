//! Attachments on notes (SPEC 6.2): a file travels to `attach_file` as raw
//! bytes (an `Upload` param), its name and size come back with the list's
//! bundle, and `attachment_bytes` answers the bytes raw (`Bytes`).
//!
//! | function | kind | invalidates |
//! |---|---|---|
//! | `list_attachments` | context `list` | - |
//! | `attach_file`, `delete_attachment` | mutation | `list {list_id}` (tier 2) |
//! | `attachment_bytes` | query, answers raw bytes | - |

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use tauri::State;
use tauri_plugin_mizan::{client, Bytes, Upload};

use crate::{
    api::{NoteError, ReadError, LIST},
    db::Db,
};

/// A file attached to a note: what the list shows (never the bytes).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub(crate) struct Attachment {
    /// Its id.
    pub(crate) id: u32,
    /// The note it belongs to.
    pub(crate) note_id: u32,
    /// The file name it was uploaded with.
    pub(crate) name: String,
    /// Its content type.
    pub(crate) content_type: String,
    /// Its size in bytes.
    pub(crate) size: u32,
}

/// The attachments of a list's notes, oldest first.
#[client(context = LIST)]
fn list_attachments(db: State<'_, Db>, list_id: u32) -> Result<Vec<Attachment>, ReadError> {
    Ok(db.with(|c| {
        let mut st = c.prepare_cached(
            "SELECT a.id, a.note_id, a.name, a.content_type, length(a.bytes)
             FROM attachments a JOIN notes n ON n.id = a.note_id
             WHERE n.list_id = ?1 ORDER BY a.id",
        )?;
        let rows = st.query_map([list_id], |r| {
            Ok(Attachment {
                id: r.get(0)?,
                note_id: r.get(1)?,
                name: r.get(2)?,
                content_type: r.get(3)?,
                size: r.get(4)?,
            })
        })?;
        rows.collect()
    })?)
}

/// Attaches a file to a note of a list. Tier 2 on `list_id`.
#[client(affects = LIST)]
fn attach_file(
    db: State<'_, Db>,
    list_id: u32,
    note_id: u32,
    file: Upload,
) -> Result<Attachment, NoteError> {
    let size = u32::try_from(file.len()).unwrap_or(u32::MAX);
    db.with(|c| {
        let known: Option<u32> = c
            .query_row(
                "SELECT id FROM notes WHERE id = ?1 AND list_id = ?2",
                [note_id, list_id],
                |r| r.get(0),
            )
            .optional()?;
        if known.is_none() {
            return Ok(None);
        }
        c.execute(
            "INSERT INTO attachments (note_id, name, content_type, bytes) VALUES (?1, ?2, ?3, ?4)",
            params![note_id, file.name(), file.content_type(), file.bytes()],
        )?;
        Ok(Some(
            u32::try_from(c.last_insert_rowid()).unwrap_or(u32::MAX),
        ))
    })?
    .map(|id| Attachment {
        id,
        note_id,
        name: file.name().to_owned(),
        content_type: file.content_type().to_owned(),
        size,
    })
    .ok_or(NoteError::UnknownNote { note_id })
}

/// An attachment's bytes, answered raw.
#[client]
fn attachment_bytes(db: State<'_, Db>, attachment_id: u32) -> Result<Bytes, ReadError> {
    db.with(|c| {
        c.query_row(
            "SELECT bytes FROM attachments WHERE id = ?1",
            [attachment_id],
            |r| r.get::<_, Vec<u8>>(0),
        )
        .optional()
    })?
    .map(Bytes::from)
    .ok_or(ReadError::NotFound {
        what: "attachment".into(),
        id: attachment_id,
    })
}

/// Removes an attachment. Tier 2 on `list_id`.
#[client(affects = LIST)]
fn delete_attachment(db: State<'_, Db>, list_id: u32, attachment_id: u32) -> Result<(), NoteError> {
    let n = db.with(|c| {
        c.execute(
            "DELETE FROM attachments WHERE id = ?1
             AND note_id IN (SELECT id FROM notes WHERE list_id = ?2)",
            [attachment_id, list_id],
        )
    })?;
    if n == 0 {
        return Err(NoteError::UnknownNote { note_id: 0 });
    }
    Ok(())
}
