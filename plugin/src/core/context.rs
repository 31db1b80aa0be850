//! Contexts: named groups of context functions, declared once as constants.

/// A named context, declared once and referred to by path in `#[client]`.
///
/// ```
/// use tauri_plugin_mizan::Context;
/// pub const USER: Context = Context::new("user");
/// assert_eq!(USER.name(), "user");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Context {
    name: &'static str,
}

impl Context {
    /// Declares a context. The name is what the webview asks for.
    pub const fn new(name: &'static str) -> Self {
        Context { name }
    }

    /// The context's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}
