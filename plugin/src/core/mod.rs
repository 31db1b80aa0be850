//! The core: what a `#[client]` function is and how the protocol treats it,
//! with no knowledge of how a request arrives. The registry, the scoping
//! rule and target normalization, canonical JSON, errors, args, the wire
//! shapes and the IR. The dispatcher builds on it; the Tauri edge on both.

pub(crate) mod args;
pub(crate) mod auth;
pub(crate) mod call;
pub(crate) mod canonical;
pub(crate) mod checks;
pub(crate) mod context;
pub(crate) mod error;
pub(crate) mod export;
pub(crate) mod form_errors;
pub(crate) mod ir;
pub(crate) mod notice;
pub(crate) mod registry;
pub mod scoping;
pub(crate) mod shape;
pub(crate) mod wire;
