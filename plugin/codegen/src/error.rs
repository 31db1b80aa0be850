//! The errors of reading IR text and of generating code.

/// Why IR text could not be read. Every variant says where, by line, and
/// what was expected.
///
/// ```
/// use tauri_plugin_mizan_codegen::{Ir, ReadError};
/// let err = Ir::from_kdl("mizan-ir 99\n").unwrap_err();
/// assert!(matches!(err, ReadError::UnsupportedVersion { .. }));
/// assert_eq!(err.to_string(), "IR format version 99 is not supported: this generator reads version 1 (regenerate the IR with a matching plugin, or update the generator)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The text is not a KDL v2 document.
    #[error("line {line}: not valid KDL v2: {message}")]
    Syntax {
        /// 1-based line of the first problem.
        line: usize,
        /// What the KDL parser said.
        message: String,
    },
    /// The text nests children blocks deeper than the reader reads
    /// ([`MAX_DEPTH`](crate::MAX_DEPTH)).
    #[error("line {line}: the IR nests deeper than {max} levels, the most the reader reads")]
    TooDeep {
        /// 1-based line where the limit is crossed.
        line: usize,
        /// The limit.
        max: usize,
    },
    /// The first node is not `mizan-ir <version>`.
    #[error("the IR must start with `mizan-ir {supported}` (found {found})")]
    MissingVersion {
        /// What was there instead.
        found: String,
        /// The version this reader reads.
        supported: u32,
    },
    /// The format version is not the one this reader knows.
    #[error("IR format version {found} is not supported: this generator reads version {supported} (regenerate the IR with a matching plugin, or update the generator)")]
    UnsupportedVersion {
        /// The version in the text.
        found: String,
        /// The version this reader reads.
        supported: u32,
    },
    /// A node this reader does not know, where it appears.
    #[error("line {line}: unknown node `{node}` in {within}")]
    UnknownNode {
        /// 1-based line.
        line: usize,
        /// The node's name.
        node: String,
        /// Where it appears.
        within: String,
    },
    /// Something required is missing.
    #[error("line {line}: {within} has no {what}")]
    Missing {
        /// 1-based line.
        line: usize,
        /// What is missing.
        what: String,
        /// Where it is missing.
        within: String,
    },
    /// A node's arguments or properties are wrong.
    #[error("line {line}: {within}: {message}")]
    Invalid {
        /// 1-based line.
        line: usize,
        /// The node.
        within: String,
        /// What is wrong.
        message: String,
    },
    /// Two definitions share a name.
    #[error("{kind} `{name}` is defined twice")]
    Duplicate {
        /// `function`, `context`, `type`, `param`, ...
        kind: &'static str,
        /// The shared name.
        name: String,
    },
    /// A type reference names no type of the IR.
    #[error("{within} refers to type `{name}`, which the IR does not define")]
    UnknownType {
        /// The missing type.
        name: String,
        /// Where the reference is.
        within: String,
    },
    /// A function names a context the IR does not define.
    #[error("function `{function}` refers to context `{context}`, which the IR does not define")]
    UnknownContext {
        /// The function.
        function: String,
        /// The context it names.
        context: String,
    },
    /// The parts of the IR do not agree with each other.
    #[error("{0}")]
    Inconsistent(String),
}

/// Why TypeScript could not be generated from an IR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GenError {
    /// The IR text could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Two things would get the same TypeScript name.
    #[error("two items would both be named `{name}` in TypeScript: {first} and {second}; rename one (`#[client(name = \"...\")]`, `#[serde(rename = \"...\")]`)")]
    NameClash {
        /// The TypeScript name.
        name: String,
        /// The first item.
        first: String,
        /// The second item.
        second: String,
    },
    /// A type of the IR model nests deeper than the generator writes
    /// ([`MAX_DEPTH`](crate::MAX_DEPTH)); the reader refuses such text.
    #[error("{within} nests deeper than {max} levels, the most the generator writes")]
    TooDeep {
        /// Where the type is.
        within: String,
        /// The limit.
        max: usize,
    },
    /// A name cannot be a TypeScript identifier.
    #[error("{what} is named `{name}`, which cannot be a TypeScript type name; rename it (`#[serde(rename = \"...\")]`)")]
    BadName {
        /// The name.
        name: String,
        /// What carries it.
        what: String,
    },
}
