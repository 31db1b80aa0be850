//! The core: what a `#[client]` function is and how the protocol treats it,
//! with no knowledge of how a request arrives. The registry, the scoping
//! rule and target normalization, canonical JSON, errors, args, the wire
//! shapes and the IR. The dispatcher builds on it; the capabilities and
//! the Tauri edge on both. The core names no other module (`layers` checks
//! it): a capability plugs in through `args::ParamSource`, the call's
//! typed extensions and raw answers.

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
#[cfg(test)]
mod layers;
pub(crate) mod notice;
pub(crate) mod registry;
pub(crate) mod scoping;
pub(crate) mod shape;
pub(crate) mod wire;
