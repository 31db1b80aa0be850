//! # Mizan for Tauri
//!
//! One attribute on a Rust function gives the webview a generated, typed
//! client; the protocol handles caching and cache invalidation.
//!
//! ```no_run
//! use tauri_plugin_mizan::{client, Context};
//!
//! /// A context: a named group of reads fetched together as one bundle.
//! pub const USER: Context = Context::new("user");
//!
//! #[derive(serde::Serialize, tauri_plugin_mizan::Type)]
//! pub struct Profile { pub id: u32, pub name: String }
//!
//! /// A context function: part of the `user` bundle, keyed by `user_id`.
//! #[client(context = USER)]
//! async fn user_profile(user_id: u32) -> Profile {
//!     Profile { id: user_id, name: "Ada".into() }
//! }
//!
//! /// A mutation: its success invalidates the `user` bundles with the same
//! /// `user_id` (tier 2), in this window and in every other.
//! #[client(affects = USER)]
//! async fn rename(user_id: u32, name: String) -> Result<(), String> {
//!     Ok(())
//! }
//!
//! fn main() {
//!     let builder = tauri::Builder::default().plugin(tauri_plugin_mizan::init());
//!     // builder.run(tauri::generate_context!()), as in any Tauri app.
//!     # let _ = builder;
//! }
//! ```
//!
//! The webview calls `plugin:mizan|call` and `plugin:mizan|ctx`; the
//! generated client and the `tauri-plugin-mizan-api` package wrap them.

mod cache;
mod core;
mod dispatch;
mod edge;
mod form;
mod hydrate;
pub mod jwt;
mod refresh;
#[cfg(feature = "sqlite")]
pub mod shape;
mod stream;
mod upload;

// What an app writes. Everything else public sits in a module named for
// what it is for: `registry` and `wire` (introspection and the wire
// shapes), `ir` (the generated files), `scoping` (the tiers and the reach
// rule), and `__private` (what generated code calls: outside semver).
pub use crate::core::{
    auth::Identity,
    call::{CallCtx, FromCallContext, Invalidations},
    context::Context,
    error::{CallError, WireError},
    export::ExportFile,
    scoping::Target,
    wire::{IDENTITY_EVENT, INVALIDATE_EVENT},
};
pub use dispatch::{access::AccessEntry, auth::IdentityRequest};
#[cfg(feature = "tauri-specta")]
pub use edge::interop::WithMizanTypes;
pub use edge::{
    api::{Mizan, MizanExt},
    builder::{init, Builder},
};
pub use form::Form;
pub use hydrate::{Hydrate, HydrateExt};
pub use stream::StreamSink;
/// The IR model, its KDL text and the TypeScript generator.
pub use tauri_plugin_mizan_codegen as codegen;
#[doc = include_str!("../docs/client.md")]
pub use tauri_plugin_mizan_macros::client;
#[doc = include_str!("../docs/form.md")]
pub use tauri_plugin_mizan_macros::Form;
/// Declares a Shape: a struct whose fields are columns of one SQLite
/// table. See [`shape`].
#[cfg(feature = "sqlite")]
pub use tauri_plugin_mizan_macros::Shape;
#[doc = include_str!("../docs/type.md")]
pub use tauri_plugin_mizan_macros::Type;
pub use upload::{Bytes, Upload};
/// The validation crate forms use (validator 0.20): its `Validate` derive
/// and rules. Add `validator = { version = "0.20", features = ["derive"] }`
/// to the app (its derive writes `::validator` paths), or write
/// `#[validate(crate = "tauri_plugin_mizan::validator")]` on the struct.
pub use validator;

/// The specta version the plugin describes types with (`=2.0.0-rc.22`),
/// for code that names specta's traits, e.g. a generic bound
/// `T: tauri_plugin_mizan::specta::Type`, or an app that shares its types
/// with tauri-specta. Deriving needs none of it: use [`Type`].
pub use specta;

/// The registry of `#[client]` functions, for tools and tests that
/// inspect it: each function's kind, params, types and targets, and the
/// scoping report.
pub mod registry {
    pub use crate::core::auth::Auth;
    pub use crate::core::error::RegistryError;
    pub use crate::core::registry::{
        Affect, CachePolicy, ClientFn, FnKind, FnTypes, Registry, ScopingReport, ScopingRow,
        WireParam,
    };
}

/// The shapes that cross the IPC boundary (`docs/protocol.md`), for code
/// that reads or writes them outside guest-js.
pub mod wire {
    pub use crate::core::canonical::canonical_json;
    pub use crate::core::error::ArgProblem;
    pub use crate::core::wire::{Bundle, Envelope, InvalidateEvent, Stale};
    pub use crate::form::{FieldError, FormErrors, WireField};
}

/// The three tiers of invalidation and the reach rule
/// (`docs/protocol.md`, "Invalidation").
pub mod scoping {
    pub use crate::core::scoping::*;
}

/// The registry's IR and the files generated from it.
pub mod ir {
    pub use crate::core::export::UPDATE_ENV;
    pub use crate::core::ir::{wire_types_ir, ExportError, IrError};
}

/// Items the `#[client]` expansion refers to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::core::{
        args::Args,
        auth::Auth,
        call::{
            output_result, output_unit, output_value, CallCtx, ClientResult, FromCallContext,
            Handler, HandlerFuture, Outcome,
        },
        checks::{
            free_function, plain_return, NotAFreeFunction, Probe, ProbeFunction, ProbeStandIn,
            Returns, ReturnsResult, ReturnsValue,
        },
        error::CallError,
        ir::type_of,
        registry::{Affect, CachePolicy, ClientFn, FnKind, FnTypes, WireParam},
        shape::{ShapeColumn, ShapeMeta, ShapeRegistration},
    };
    pub use crate::form::probe::{validated, FormProbe, ProbeForm, ProbePlain};
    pub use crate::form::{Form, WireField};
    #[cfg(feature = "sqlite")]
    pub use crate::shape::read_column;
    pub use crate::stream::StreamEnd;
    pub use crate::upload::binary::{output_bytes, output_bytes_result};
    pub use inventory;
    #[cfg(feature = "sqlite")]
    pub use rusqlite;
    pub use specta;
    pub use tauri_plugin_mizan_codegen::{FieldKind, Form as FormSchema, FormField, Rule};
    pub use validator;
}
