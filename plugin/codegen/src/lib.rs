//! # Mizan IR and TypeScript code generation
//!
//! The registry of a `tauri-plugin-mizan` app exports an intermediate
//! representation (IR) of its client functions, contexts and types as a
//! KDL v2 document. This crate holds the IR model ([`Ir`]), its text
//! ([`Ir::to_kdl`], [`Ir::from_kdl`]), and the TypeScript generator that
//! reads the text alone ([`generate_ts`]).
//!
//! It depends on neither Tauri nor specta: the `mizan-codegen` binary and
//! build tools can use it on an IR file.
//!
//! ```
//! use tauri_plugin_mizan_codegen::{generate_ts, Ir, TsOptions};
//!
//! let text = "mizan-ir 1\nfunction ping kind=query {\n    result {\n        string\n    }\n    auth none\n}\n";
//! let ir = Ir::from_kdl(text)?;
//! assert_eq!(ir.to_kdl(), text); // the text round-trips byte for byte
//! let ts = generate_ts(text, &TsOptions::default())?;
//! assert!(ts.contains("export function ping("));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![doc = include_str!("../IR.md")]

mod diff;
mod error;
mod form;
mod model;
mod nesting;
mod text;
mod ts;
mod validate;

pub use diff::changed_lines;
pub use error::{GenError, ReadError};
pub use form::{FieldKind, Form, FormField, Rule};
pub use model::{
    Affect, Auth, Cache, Capability, ContextDef, Enum, Field, FnKind, Function, Ir, Literal, Param,
    Primitive, Repr, ScopePair, ShapeColumn, ShapeDef, Struct, StructTag, Type, TypeDef, Variant,
    FORMAT_VERSION,
};
pub use nesting::MAX_DEPTH;
pub use ts::{generate_ts, ts_module, TsOptions};
