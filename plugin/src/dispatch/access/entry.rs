// This file is also compiled by the crate's build script, to register the
// scope's JSON schema for apps' capability files.

/// One entry of the `mizan` permission scope: a function or a context,
/// never both (an entry naming both, or neither, is refused: every request
/// of a window granted it fails, rather than guessing what it meant).
///
/// In a capability file:
///
/// ```json
/// { "identifier": "mizan:default", "allow": [{ "context": "user" }], "deny": [{ "fn": "delete_account" }] }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, schemars::JsonSchema)]
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

impl<'de> serde::Deserialize<'de> for AccessEntry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// The entry as written, before the one-name rule.
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Written {
            #[serde(rename = "fn", default)]
            function: Option<String>,
            #[serde(default)]
            context: Option<String>,
        }
        let written = Written::deserialize(deserializer)?;
        match (&written.function, &written.context) {
            (Some(_), Some(_)) => Err(serde::de::Error::custom(
                "a `mizan` scope entry names a function (`fn`) or a context (`context`), \
                 not both: write two entries",
            )),
            (None, None) => Err(serde::de::Error::custom(
                "a `mizan` scope entry names a function (`fn`) or a context (`context`)",
            )),
            _ => Ok(AccessEntry {
                function: written.function,
                context: written.context,
            }),
        }
    }
}
