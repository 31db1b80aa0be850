//! The [`Upload`] param type, and the files of one call that its
//! `Deserialize` takes from.

use std::{cell::RefCell, fmt, ops::Range, sync::Arc};

use serde::{de, Deserialize, Serialize};
use specta::{datatype::DataType, Generics, TypeCollection};

use crate::core::{
    args::ParamSource,
    ir::{marker, UPLOAD_MARK},
};

/// Where an upload's bytes are: the IPC request's raw body (a one-message
/// upload, no copy) or the bytes assembled from chunks.
pub(crate) trait BodySource: Send + Sync {
    /// The whole body.
    fn bytes(&self) -> &[u8];
}

impl BodySource for Vec<u8> {
    fn bytes(&self) -> &[u8] {
        self
    }
}

/// A file the webview sent: its bytes, file name and content type. A wire
/// param of this type is sent by the generated client from a `File`,
/// `Blob`, `ArrayBuffer` or typed array, as a raw IPC body (never JSON);
/// `Option<Upload>` and `Vec<Upload>` work too, and a function may take
/// several.
///
/// ```no_run
/// use tauri_plugin_mizan::{client, Upload};
///
/// /// Stores a photo; returns its size.
/// #[client]
/// fn import_photo(album: u32, photo: Upload) -> usize {
///     println!("{} ({}) into album {album}", photo.name(), photo.content_type());
///     photo.bytes().len()
/// }
/// # fn main() {}
/// ```
///
/// An `Upload` cannot be sent through `call` (its JSON form is only a
/// placeholder): the generated client sends functions that take one
/// through the upload commands.
#[derive(Clone)]
pub struct Upload {
    name: String,
    content_type: String,
    body: Arc<dyn BodySource>,
    range: Range<usize>,
}

impl Upload {
    /// A file made in Rust (a test, a function that calls another).
    ///
    /// ```
    /// let file = tauri_plugin_mizan::Upload::new("a.txt", "text/plain", b"hi".to_vec());
    /// assert_eq!(file.bytes(), b"hi");
    /// ```
    pub fn new(
        name: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
    ) -> Self {
        let bytes: Vec<u8> = bytes.into();
        let range = 0..bytes.len();
        Upload {
            name: name.into(),
            content_type: content_type.into(),
            body: Arc::new(bytes),
            range,
        }
    }

    pub(crate) fn part(
        name: String,
        content_type: String,
        body: Arc<dyn BodySource>,
        range: Range<usize>,
    ) -> Self {
        Upload {
            name,
            content_type,
            body,
            range,
        }
    }

    /// The file name the webview gave (a `File`'s name; may be empty).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The content type the webview gave (a `Blob`'s `type`), or
    /// `application/octet-stream`.
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.body.bytes()[self.range.clone()]
    }

    /// The size in bytes.
    pub fn len(&self) -> usize {
        self.range.len()
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// The bytes, owned (a copy).
    pub fn to_vec(&self) -> Vec<u8> {
        self.bytes().to_vec()
    }
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("len", &self.len())
            .finish()
    }
}

/// What an `Upload` serializes to (for logs and scoping): its description,
/// never its bytes.
impl Serialize for Upload {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Described<'a> {
            name: &'a str,
            #[serde(rename = "type")]
            content_type: &'a str,
            size: usize,
        }
        Described {
            name: &self.name,
            content_type: &self.content_type,
            size: self.len(),
        }
        .serialize(serializer)
    }
}

/// The placeholder the args hold where a file goes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Placeholder {
    #[serde(rename = "$upload")]
    index: usize,
}

/// Reads the placeholder and takes that file from the call's files.
impl<'de> Deserialize<'de> for Upload {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Placeholder { index } = Placeholder::deserialize(deserializer).map_err(|_| {
            de::Error::custom("an upload placeholder `{\"$upload\": <file index>}`")
        })?;
        CURRENT.with(|current| match current.borrow_mut().as_mut() {
            None => Err(de::Error::custom(
                "an Upload is sent through the upload commands, not `call` (the generated client does this)",
            )),
            Some(files) => match files.0.get_mut(index) {
                None => Err(de::Error::custom(format!(
                    "no file {index}: the request has {} files",
                    files.0.len()
                ))),
                Some(slot) => slot
                    .take()
                    .ok_or_else(|| de::Error::custom(format!("file {index} is used twice"))),
            },
        })
    }
}

/// Written as the IR type `upload` (see `UPLOAD_MARK`).
impl specta::Type for Upload {
    fn inline(_: &mut TypeCollection, _: Generics) -> DataType {
        DataType::Struct(marker(UPLOAD_MARK))
    }
}

/// The files of one call, in the order the request lists them. Each is
/// taken once, by the placeholder that names its index.
#[derive(Debug, Default)]
pub(crate) struct Files(pub(crate) Vec<Option<Upload>>);

thread_local! {
    /// The files of the call whose args are being read on this thread.
    static CURRENT: RefCell<Option<Files>> = const { RefCell::new(None) };
}

/// While a param is read, the files are reachable by [`Upload`]'s
/// `Deserialize`; without them, an `Upload` param fails.
impl ParamSource for Files {
    fn around(&mut self, read: &mut dyn FnMut()) {
        let previous = CURRENT.with(|c| c.replace(Some(std::mem::take(self))));
        // Put back even if `read` panics (the dispatcher catches panics).
        struct Restore<'a>(&'a mut Files, Option<Files>);
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                let current = CURRENT.with(|c| c.replace(self.1.take()));
                *self.0 = current.unwrap_or_default();
            }
        }
        let _restore = Restore(self, previous);
        read();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `read` run as the dispatcher runs a param's deserialization.
    fn with_files<T>(files: &mut Files, read: impl Fn() -> T) -> T {
        let mut out = None;
        files.around(&mut || out = Some(read()));
        out.expect("the read ran")
    }

    #[test]
    fn takes_each_file_once() {
        let mut files = Files(vec![Some(Upload::new("a", "t", b"x".to_vec()))]);
        let first = with_files(&mut files, || {
            Upload::deserialize(&json!({"$upload": 0})).map(|u| u.to_vec())
        });
        assert_eq!(first.unwrap(), b"x");
        let again = with_files(&mut files, || Upload::deserialize(&json!({"$upload": 0})));
        assert!(again.unwrap_err().to_string().contains("used twice"));
        let missing = with_files(&mut files, || Upload::deserialize(&json!({"$upload": 7})));
        assert!(missing.unwrap_err().to_string().contains("no file 7"));
        assert_eq!(files.0.len(), 1, "the files are put back");
        assert!(
            CURRENT.with(|c| c.borrow().is_none()),
            "and the thread holds none"
        );
    }

    #[test]
    fn needs_the_upload_commands() {
        let err = Upload::deserialize(&json!({"$upload": 0})).unwrap_err();
        assert!(err.to_string().contains("upload commands"));
        let err = Upload::deserialize(&json!([1, 2])).unwrap_err();
        assert!(err.to_string().contains("placeholder"));
    }

    #[test]
    fn serializes_its_description() {
        let u = Upload::new("ä.txt", "text/plain", b"abc".to_vec());
        assert_eq!(
            serde_json::to_value(&u).unwrap(),
            json!({"name": "ä.txt", "type": "text/plain", "size": 3})
        );
    }
}
