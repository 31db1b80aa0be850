//! What an upload request says about itself: the `mizan-upload` header
//! (percent-encoded JSON) of a one-message upload or of a chunk, and the
//! JSON body of `upload_begin`. Every malformed part is `invalid_args`.

use std::sync::Arc;

use serde::{de::DeserializeOwned, Deserialize};
use serde_json::{Map, Value};
use tauri::http::HeaderMap;

use crate::{
    core::error::{ArgProblem, CallError},
    upload::files::{BodySource, Files, Upload},
};

/// The header that describes an upload request.
pub(crate) const HEADER: &str = "mizan-upload";

/// At most this many files in one call.
pub(crate) const MAX_FILES: usize = 1024;

/// A call with files: `{"fn", "args", "files": [{"name", "type", "size"}]}`.
/// The args hold `{"$upload": <index>}` where each file goes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CallMeta {
    #[serde(rename = "fn")]
    pub(crate) function: String,
    #[serde(default)]
    pub(crate) args: Option<Map<String, Value>>,
    pub(crate) files: Vec<FileMeta>,
}

/// One file's description.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileMeta {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(rename = "type", default)]
    pub(crate) content_type: String,
    pub(crate) size: u64,
}

/// One chunk: `{"id", "offset"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChunkMeta {
    pub(crate) id: String,
    pub(crate) offset: u64,
}

/// `{"id"}`: the upload to cancel.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CancelMeta {
    pub(crate) id: String,
}

impl CallMeta {
    /// The sum of the files' sizes, checked against `limit`; too many files
    /// is `invalid_args`.
    pub(crate) fn total(&self, limit: usize) -> Result<usize, CallError> {
        if self.files.len() > MAX_FILES {
            return Err(invalid(
                "files",
                format!("{} files, more than {MAX_FILES}", self.files.len()),
            ));
        }
        let total = self
            .files
            .iter()
            .try_fold(0u64, |sum, f| sum.checked_add(f.size))
            .unwrap_or(u64::MAX);
        match usize::try_from(total) {
            Ok(total) if total <= limit => Ok(total),
            _ => Err(CallError::PayloadTooLarge {
                size: usize::try_from(total).unwrap_or(usize::MAX),
                limit,
            }),
        }
    }

    /// The files, cut from `body` (the files' bytes one after the other),
    /// whose length must be their total.
    pub(crate) fn files(&self, body: Arc<dyn BodySource>) -> Result<Files, CallError> {
        let len = body.bytes().len();
        let mut start = 0usize;
        let mut files = Vec::with_capacity(self.files.len());
        for f in &self.files {
            let end = usize::try_from(f.size)
                .ok()
                .and_then(|size| start.checked_add(size))
                .filter(|end| *end <= len)
                .ok_or_else(|| body_mismatch(len))?;
            let content_type = if f.content_type.is_empty() {
                "application/octet-stream".to_owned()
            } else {
                f.content_type.clone()
            };
            files.push(Some(Upload::part(
                f.name.clone(),
                content_type,
                body.clone(),
                start..end,
            )));
            start = end;
        }
        if start != len {
            return Err(body_mismatch(len));
        }
        Ok(Files(files))
    }
}

fn body_mismatch(len: usize) -> CallError {
    invalid(
        "body",
        format!("{len} bytes, not the sum of the files' sizes"),
    )
}

/// The `mizan-upload` header, percent-decoded and read as `T`. Its JSON
/// text counts against `limit` (`max_request_bytes`), as a `call` body
/// does: larger is `payload_too_large`, before it is parsed.
pub(crate) fn from_header<T: DeserializeOwned>(
    headers: &HeaderMap,
    limit: usize,
) -> Result<T, CallError> {
    let value = headers
        .get(HEADER)
        .ok_or_else(|| missing(HEADER))?
        .to_str()
        .map_err(|_| invalid(HEADER, "not ASCII: percent-encode it".to_owned()))?;
    let text = percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .map_err(|_| invalid(HEADER, "not UTF-8 once percent-decoded".to_owned()))?;
    if text.len() > limit {
        return Err(CallError::PayloadTooLarge {
            size: text.len(),
            limit,
        });
    }
    serde_json::from_str(&text).map_err(|e| invalid(HEADER, e.to_string()))
}

/// A JSON body read as `T`.
pub(crate) fn from_json<T: DeserializeOwned>(body: &Value) -> Result<T, CallError> {
    T::deserialize(body).map_err(|e| invalid("body", e.to_string()))
}

pub(crate) fn invalid(name: &str, message: String) -> CallError {
    CallError::InvalidArgs(vec![ArgProblem {
        name: name.to_owned(),
        problem: "invalid",
        expected: None,
        message: Some(message),
    }])
}

fn missing(name: &str) -> CallError {
    CallError::InvalidArgs(vec![ArgProblem {
        name: name.to_owned(),
        problem: "missing",
        expected: None,
        message: None,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use tauri::http::HeaderValue;

    fn meta(sizes: &[u64]) -> CallMeta {
        CallMeta {
            function: "f".into(),
            args: None,
            files: sizes
                .iter()
                .map(|&size| FileMeta {
                    name: String::new(),
                    content_type: String::new(),
                    size,
                })
                .collect(),
        }
    }

    #[test]
    fn cuts_the_body() {
        let files = meta(&[0, 2, 1]).files(Arc::new(b"abc".to_vec())).unwrap();
        let parts: Vec<Vec<u8>> = files
            .0
            .iter()
            .map(|f| f.as_ref().unwrap().to_vec())
            .collect();
        assert_eq!(parts, [b"".to_vec(), b"ab".to_vec(), b"c".to_vec()]);
        assert!(meta(&[2]).files(Arc::new(b"abc".to_vec())).is_err());
        assert!(meta(&[4]).files(Arc::new(b"abc".to_vec())).is_err());
        assert!(meta(&[u64::MAX, 1])
            .files(Arc::new(b"abc".to_vec()))
            .is_err());
    }

    #[test]
    fn totals_against_the_limit() {
        assert_eq!(meta(&[1, 2]).total(3).unwrap(), 3);
        assert!(matches!(
            meta(&[1, 3]).total(3),
            Err(CallError::PayloadTooLarge { size: 4, limit: 3 })
        ));
        assert!(matches!(
            meta(&[u64::MAX, 1]).total(3),
            Err(CallError::PayloadTooLarge { .. })
        ));
    }

    #[test]
    fn reads_the_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            HEADER,
            HeaderValue::from_static("%7B%22id%22%3A%22x%22%2C%22offset%22%3A3%7D"),
        );
        let m: ChunkMeta = from_header(&headers, 1024).unwrap();
        assert_eq!((m.id.as_str(), m.offset), ("x", 3));
        // 21 bytes of JSON: over a limit of 20.
        assert!(matches!(
            from_header::<ChunkMeta>(&headers, 20),
            Err(CallError::PayloadTooLarge {
                size: 21,
                limit: 20
            })
        ));
        headers.insert(HEADER, HeaderValue::from_static("%FF"));
        assert!(from_header::<ChunkMeta>(&headers, 1024).is_err());
        assert!(from_header::<ChunkMeta>(&HeaderMap::new(), 1024).is_err());
    }
}
