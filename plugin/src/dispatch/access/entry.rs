// This file is also compiled by the crate's build script, to register the
// scope's JSON schema for apps' capability files.

/// One entry of the `mizan` permission scope: a function or a context.
///
/// In a capability file:
///
/// ```json
/// { "identifier": "mizan:default", "allow": [{ "context": "user" }], "deny": [{ "fn": "delete_account" }] }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessEntry {
    /// A function's name, or `*` for every function.
    #[serde(rename = "fn", default)]
    pub function: Option<String>,
    /// A context's name, or `*` for every context. Allowing a context allows
    /// its bundle and its context functions.
    #[serde(default)]
    pub context: Option<String>,
}
