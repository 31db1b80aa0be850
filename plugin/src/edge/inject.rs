//! Injection of Tauri's own types into `#[client]` functions (`State<T>`,
//! `AppHandle`, `Webview`, `Window`, `WebviewWindow`), and the IPC message as
//! the call's [`Caller`].

use std::any::Any;

use tauri::{
    ipc::InvokeMessage, AppHandle, Manager, Runtime, State, Webview, WebviewWindow, Window,
};

use crate::core::{
    call::{CallCtx, Caller, FromCallContext},
    error::CallError,
};

impl<R: Runtime> Caller for InvokeMessage<R> {
    fn webview_any(&self) -> &(dyn Any + Send + Sync) {
        self.webview_ref()
    }

    fn label(&self) -> &str {
        self.webview_ref().label()
    }

    fn headers(&self) -> &tauri::http::HeaderMap {
        InvokeMessage::headers(self)
    }
}

/// The caller's webview, for runtime `R`.
fn webview<R: Runtime>(ctx: &CallCtx) -> Result<&Webview<R>, CallError> {
    ctx.webview_any()
        .downcast_ref::<Webview<R>>()
        .ok_or_else(|| {
            if ctx.webview_any().is::<AppHandle<R>>() {
                return CallError::internal(
                    "the function takes its caller's webview, which a first-paint snapshot is computed before",
                );
            }
            CallError::internal(format!(
                "the function takes a handle for runtime `{}`, which is not the app's runtime",
                std::any::type_name::<R>()
            ))
        })
}

/// Managed state, from the caller's webview, or from the app when there is
/// no webview yet (a first-paint snapshot, computed before its webview
/// exists). `State<T>` names no runtime: try the runtimes an app can have.
fn state<T: Send + Sync + 'static>(ctx: &CallCtx) -> Option<State<'_, T>> {
    let any = ctx.webview_any();
    #[cfg(feature = "wry")]
    if let Some(w) = any.downcast_ref::<Webview<tauri::Wry>>() {
        return w.try_state::<T>();
    }
    #[cfg(feature = "wry")]
    if let Some(app) = any.downcast_ref::<AppHandle<tauri::Wry>>() {
        return app.try_state::<T>();
    }
    #[cfg(feature = "test")]
    if let Some(w) = any.downcast_ref::<Webview<tauri::test::MockRuntime>>() {
        return w.try_state::<T>();
    }
    #[cfg(feature = "test")]
    if let Some(app) = any.downcast_ref::<AppHandle<tauri::test::MockRuntime>>() {
        return app.try_state::<T>();
    }
    // Without a runtime feature, no handle has state to find.
    let _ = any;
    None
}

impl<'a, T: Send + Sync + 'static> FromCallContext<'a> for State<'a, T> {
    fn from_call_context(ctx: &'a CallCtx) -> Result<Self, CallError> {
        state::<T>(ctx).ok_or_else(|| {
            CallError::internal(format!(
                "state `{}` is not managed: call `app.manage(...)` before serving this function",
                std::any::type_name::<T>()
            ))
        })
    }
}

impl<R: Runtime> FromCallContext<'_> for AppHandle<R> {
    fn from_call_context(ctx: &CallCtx) -> Result<Self, CallError> {
        if let Some(app) = ctx.webview_any().downcast_ref::<AppHandle<R>>() {
            return Ok(app.clone());
        }
        Ok(webview::<R>(ctx)?.app_handle().clone())
    }
}

impl<R: Runtime> FromCallContext<'_> for Webview<R> {
    fn from_call_context(ctx: &CallCtx) -> Result<Self, CallError> {
        Ok(webview::<R>(ctx)?.clone())
    }
}

impl<R: Runtime> FromCallContext<'_> for Window<R> {
    fn from_call_context(ctx: &CallCtx) -> Result<Self, CallError> {
        Ok(webview::<R>(ctx)?.window())
    }
}

impl<R: Runtime> FromCallContext<'_> for WebviewWindow<R> {
    fn from_call_context(ctx: &CallCtx) -> Result<Self, CallError> {
        let webview = webview::<R>(ctx)?;
        webview
            .app_handle()
            .get_webview_window(webview.label())
            .ok_or_else(|| CallError::internal("the caller is not a webview window"))
    }
}
