//! Every way a call can fail, as one enum, turned into the wire error shape
//! in one place ([`CallError::to_wire`]).

use serde::Serialize;
use serde_json::Value;

use crate::core::scoping::Target;

/// One wire parameter that was missing, of the wrong type, or not expected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArgProblem {
    /// The parameter's wire name.
    pub name: String,
    /// `missing`, `invalid` or `unknown`.
    pub problem: &'static str,
    /// The type the function declares for it (absent for unknown params).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What the deserializer said, for invalid values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Why a call or a bundle fetch failed.
///
/// Each variant is one `code` of the wire error shape:
///
/// ```
/// use tauri_plugin_mizan::CallError;
///
/// let err = CallError::UnknownFunction("nope".into());
/// assert_eq!(err.code(), "unknown_function");
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// No function with this name is registered.
    #[error("no client function named `{0}` is registered")]
    UnknownFunction(String),
    /// The function is served by another command: a streaming function
    /// through `stream`, any other through `call`. Code `unknown_function`.
    #[error("`{function}` is not served by this command: use `{command}`")]
    OtherCommand {
        /// The function.
        function: &'static str,
        /// The command that serves it.
        command: &'static str,
    },
    /// No context with this name is registered.
    #[error("no context named `{0}` is registered")]
    UnknownContext(String),
    /// The request or its params were not what the function declares.
    #[error("{}", describe_args(.0))]
    InvalidArgs(Vec<ArgProblem>),
    /// The form param broke its rules (SPEC 6.4): `details` holds the
    /// errors by wire path. The function did not run.
    #[error("the form has {} invalid field(s)", .0.fields.len() + usize::from(!.0.form.is_empty()))]
    InvalidForm(crate::core::form_errors::FormErrors),
    /// A guard found no identity.
    #[error("this function needs an identity")]
    Unauthorized,
    /// The caller's access token gives no identity: `unauthorized` with
    /// `details.reason` (`token_expired` or `invalid_token`).
    #[error("{0}")]
    Token(TokenRefusal),
    /// Who is signed in changed while a stream or a chunked upload begun
    /// under the previous identity was running: it was ended.
    /// `unauthorized` with `details.reason: "identity_changed"`.
    #[error("who is signed in changed: this stream or upload was ended")]
    IdentityChanged,
    /// The caller's capability scope does not allow this function or context.
    #[error("{0} is not allowed for this window")]
    Forbidden(String),
    /// The request is larger than the configured limit.
    #[error("the request is {size} bytes, over the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The size of the request: its JSON text, or its raw body.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The function returned `Err(E)`; `E` serialized.
    #[error("the function returned an error")]
    App(Value),
    /// A cached function did not answer within its `timeout`; its last
    /// entry stood in for it (only ever reported in a bundle's `stale`).
    #[error("the function did not answer within {ms} ms")]
    Timeout {
        /// The timeout, in milliseconds.
        ms: u64,
    },
    /// The function panicked or the plugin failed. The reason is logged,
    /// never sent.
    #[error("internal error")]
    Internal(String),
}

fn describe_args(problems: &[ArgProblem]) -> String {
    let parts: Vec<String> = problems
        .iter()
        .map(|p| match (&p.expected, &p.message) {
            (Some(ty), Some(msg)) => {
                format!("`{}` is {} (expected {ty}: {msg})", p.name, p.problem)
            }
            (Some(ty), None) => format!("`{}` is {} (expected {ty})", p.name, p.problem),
            _ => format!("`{}` is {}", p.name, p.problem),
        })
        .collect();
    format!("invalid arguments: {}", parts.join("; "))
}

impl CallError {
    /// An internal failure; `reason` goes to the log only.
    pub fn internal(reason: impl Into<String>) -> Self {
        CallError::Internal(reason.into())
    }

    /// The wire `code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            CallError::UnknownFunction(_) | CallError::OtherCommand { .. } => "unknown_function",
            CallError::UnknownContext(_) => "unknown_context",
            CallError::InvalidArgs(_) => "invalid_args",
            CallError::InvalidForm(_) => "invalid_form",
            CallError::Unauthorized | CallError::Token(_) | CallError::IdentityChanged => {
                "unauthorized"
            }
            CallError::Forbidden(_) => "forbidden",
            CallError::PayloadTooLarge { .. } => "payload_too_large",
            CallError::App(_) => "app",
            CallError::Timeout { .. } => "timeout",
            CallError::Internal(_) => "internal",
        }
    }

    /// The wire error shape, with the function name and the targets to apply.
    pub fn to_wire(&self, function: Option<&str>, invalidate: Vec<Target>) -> WireError {
        if let CallError::Internal(reason) = self {
            log::error!(
                "mizan: internal error in `{}`: {reason}",
                function.unwrap_or("-")
            );
        }
        let details = match self {
            CallError::InvalidArgs(problems) => serde_json::json!({ "params": problems }),
            CallError::InvalidForm(errors) => serde_json::to_value(errors).unwrap_or_default(),
            CallError::PayloadTooLarge { size, limit } => {
                serde_json::json!({ "size": size, "limit": limit })
            }
            CallError::App(value) => value.clone(),
            CallError::Token(refusal) => serde_json::json!({ "reason": refusal.reason() }),
            CallError::IdentityChanged => serde_json::json!({ "reason": "identity_changed" }),
            CallError::Timeout { ms } => serde_json::json!({ "ms": ms }),
            _ => Value::Object(Default::default()),
        };
        WireError {
            code: self.code(),
            message: self.to_string(),
            function: function.map(str::to_owned),
            details,
            invalidate,
        }
    }
}

/// The error shape that rejects the webview's `invoke` promise.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct WireError {
    /// One of SPEC's error codes.
    pub code: &'static str,
    /// Human-readable; never carries internals.
    pub message: String,
    /// The function the error belongs to; `null` when there is none (an
    /// unknown function or context, a malformed body, a bundle's context).
    /// Always present, like every key of the shape.
    #[serde(rename = "fn")]
    pub function: Option<String>,
    /// Structured details: offending params, or the app error's value.
    pub details: Value,
    /// Targets to apply even though the call failed.
    pub invalidate: Vec<Target>,
}

/// A registry that cannot be served. Reported when the plugin starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// Two functions are registered under one name.
    #[error("two #[client] functions are named `{name}`: {first} and {second}")]
    DuplicateFunction {
        /// The shared name.
        name: String,
        /// One function's Rust path.
        first: String,
        /// The other's.
        second: String,
    },
    /// One context param name is declared with two types.
    #[error(
        "context `{context}` param `{param}` is declared with two types: {first} and {second}"
    )]
    ContextParamConflict {
        /// The context.
        context: String,
        /// The param name.
        param: String,
        /// The first function declaring it, with its type there.
        first: String,
        /// The second function declaring it, with its type there.
        second: String,
    },
    /// A mutation affects a context that has no context function.
    #[error(
        "`{function}` affects context `{context}`, which has no #[client(context = ...)] function"
    )]
    UnknownContext {
        /// The mutation.
        function: String,
        /// The context it names.
        context: String,
    },
    /// A mapping names a context param the context does not have.
    #[error("`{function}` maps `{param}` onto context `{context}`, which has no param `{param}`")]
    UnknownContextParam {
        /// The mutation.
        function: String,
        /// The context.
        context: String,
        /// The context param named by the mapping.
        param: String,
    },
    /// A mutation param scopes a context param of another type (tier 2):
    /// its targets would never reach the bundles they name.
    #[error(
        "`{function}` scopes context `{context}` by its param `{param}`, but the context declares {declared}: its targets would never reach the bundles they name. Give both the same type, or scope `{context}` by another param"
    )]
    ScopeTypeMismatch {
        /// The mutation.
        function: String,
        /// The context.
        context: String,
        /// The mutation's param, with its type.
        param: String,
        /// The context param, with its type and the context function that
        /// declares it.
        declared: String,
    },
    /// Several problems at once.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Many(Vec<RegistryError>),
}

/// Why an access token gives no identity. On the wire: `unauthorized`
/// with `details.reason` = [`reason`](Self::reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenRefusal {
    /// `exp` is past, beyond the leeway. Refreshing helps.
    #[error("the access token has expired")]
    Expired,
    /// Anything else: refreshing does not help.
    #[error("the access token is not valid ({0})")]
    Invalid(InvalidToken),
}

/// What was wrong with an invalid token (for messages and logs; the wire
/// reason is `invalid_token` for all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidToken {
    /// Not three base64url parts of JSON, or an unknown `alg` (`none`).
    #[error("malformed")]
    Malformed,
    /// The header names an algorithm no configured key accepts.
    #[error("algorithm not accepted")]
    Algorithm,
    /// The signature does not match.
    #[error("bad signature")]
    Signature,
    /// `iss` is missing or not the configured issuer.
    #[error("wrong issuer")]
    Issuer,
    /// `aud` is missing or does not name the configured audience.
    #[error("wrong audience")]
    Audience,
    /// `exp` or `sub` missing, or a claim of the wrong type.
    #[error("missing or malformed claims")]
    Claims,
    /// `nbf` is in the future, beyond the leeway.
    #[error("not valid yet")]
    NotYetValid,
}

impl TokenRefusal {
    /// The wire reason: `token_expired` or `invalid_token`.
    pub fn reason(&self) -> &'static str {
        match self {
            TokenRefusal::Expired => "token_expired",
            TokenRefusal::Invalid(_) => "invalid_token",
        }
    }
}

impl From<InvalidToken> for TokenRefusal {
    fn from(invalid: InvalidToken) -> Self {
        TokenRefusal::Invalid(invalid)
    }
}
