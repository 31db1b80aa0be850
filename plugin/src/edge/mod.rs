//! The Tauri edge: the IPC commands, injection of Tauri's own types, the
//! `mizan://invalidate` event, the plugin's `Builder` and `app.mizan()`.
//! It depends on the dispatcher and the core; neither depends on it.

pub(crate) mod api;
pub(crate) mod body;
pub(crate) mod builder;
pub(crate) mod command_names;
pub(crate) mod commands;
pub(crate) mod events;
pub(crate) mod inject;
#[cfg(feature = "tauri-specta")]
pub(crate) mod interop;
pub(crate) mod listeners;
pub(crate) mod pages;
