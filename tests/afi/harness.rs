//! The app the probes talk to: the plugin in a mock Tauri app, served
//! through the real IPC dispatch path and the real ACL built from
//! `permissions/`, with four windows:
//!
//! - `main` and `other`: every permission the plugin declares;
//! - `narrow`: `afi_rename` and the `afi_team` context denied by its scope;
//! - `bare`: no capability at all.
//!
//! Messages sent over `tauri::ipc::Channel`s are recorded.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tauri::{
    http::{HeaderMap, HeaderName, HeaderValue},
    ipc::{InvokeBody, InvokeResponseBody},
    test::{get_ipc_response, mock_builder, MockRuntime},
    App, Manager, State, WebviewUrl, WebviewWindow, WebviewWindowBuilder,
};
use tauri_plugin_mizan::{
    jwt::{JwtConfig, JwtMode},
    Identity,
};

use crate::{
    common,
    fixture::{self, Store},
};

/// The request size limit of the probe app, so the upload probe can cross
/// it cheaply.
pub const LIMIT: usize = 64 * 1024;

/// An IPC answer: the success body, or what rejected the `invoke` promise.
pub type Reply = Result<Value, Value>;

/// One message a channel carried.
#[derive(Debug, Clone)]
pub struct ChannelMessage {
    pub channel: u32,
    pub index: usize,
    pub body: Value,
}

pub struct Harness {
    pub app: App<MockRuntime>,
    pub main: WebviewWindow<MockRuntime>,
    pub other: WebviewWindow<MockRuntime>,
    pub narrow: WebviewWindow<MockRuntime>,
    pub bare: WebviewWindow<MockRuntime>,
    pub channels: Arc<Mutex<Vec<ChannelMessage>>>,
}

impl Harness {
    /// The plugin as an app would configure it.
    pub fn standard() -> Self {
        Self::new(Self::builder().build())
    }

    /// The plugin with scoping turned off on purpose: mutations answer no
    /// targets.
    pub fn without_scoping() -> Self {
        Self::new(Self::builder().__without_scoping().build())
    }

    /// The options every probe app shares. Identities by window: `other`
    /// is a member, `narrow` someone without roles, `main` anonymous; a
    /// call carrying a bearer token is whoever the token says.
    fn builder() -> tauri_plugin_mizan::Builder {
        tauri_plugin_mizan::Builder::new()
            .max_request_bytes(LIMIT)
            .max_upload_bytes(LIMIT)
            .jwt(
                JwtConfig::hs256(fixture::JWT_SECRET)
                    .issuer(fixture::JWT_ISSUER)
                    .mode(JwtMode::Bearer),
            )
            .cache_dir(cache_dir())
            .hydrate(fixture::first_screen)
            .identity(|req| match req.label() {
                "other" => Some(Identity::new("ada").with_role("member")),
                "narrow" => Some(Identity::new("bob")),
                _ => None,
            })
    }

    pub fn new(plugin: tauri::plugin::TauriPlugin<MockRuntime>) -> Self {
        let channels = Arc::new(Mutex::new(Vec::new()));
        let sink = channels.clone();
        let builder = mock_builder().channel_interceptor(move |webview, callback, index, body| {
            // A page's notices (`plugin:mizan|listen`) go to their recorder.
            if common::intercept(webview, callback, index, body) {
                return true;
            }
            let body = match body {
                InvokeResponseBody::Json(text) => {
                    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
                }
                InvokeResponseBody::Raw(bytes) => json!(bytes),
            };
            sink.lock().unwrap().push(ChannelMessage {
                channel: callback.0,
                index,
                body,
            });
            true
        });
        let app = common::try_app_from(builder, plugin).expect("the probe app builds");
        app.manage(Store::default());

        let every_permission: Vec<String> = std::iter::once("mizan:default".to_owned())
            .chain(
                common::plugin_manifest()
                    .permissions
                    .keys()
                    .filter(|id| id.starts_with("allow-"))
                    .map(|id| format!("mizan:{id}")),
            )
            .collect();
        let full = |label: &str| {
            json!({"identifier": format!("afi-{label}"), "windows": [label], "permissions": every_permission})
                .to_string()
        };
        let narrow = json!({
            "identifier": "afi-narrow",
            "windows": ["narrow"],
            "permissions": [
                {"identifier": "mizan:allow-call", "deny": [{"fn": "afi_rename"}]},
                {"identifier": "mizan:allow-ctx", "deny": [{"context": "afi_team"}]}
            ]
        })
        .to_string();
        for capability in [full("main"), full("other"), narrow] {
            app.add_capability(capability).expect("capability");
        }
        let window = |label: &str| {
            WebviewWindowBuilder::new(&app, label, WebviewUrl::default())
                .build()
                .expect("window")
        };
        let (main, other, narrow, bare) = (
            window("main"),
            window("other"),
            window("narrow"),
            window("bare"),
        );
        Harness {
            app,
            main,
            other,
            narrow,
            bare,
            channels,
        }
    }

    pub fn store(&self) -> State<'_, Store> {
        self.app.state::<Store>()
    }

    /// Sends one IPC request with a JSON body, as the webview's `invoke`.
    pub fn invoke(&self, webview: &WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> Reply {
        invoke_with(webview, cmd, InvokeBody::Json(body), HeaderMap::new())
    }

    pub fn call(&self, webview: &WebviewWindow<MockRuntime>, function: &str, args: Value) -> Reply {
        self.invoke(
            webview,
            "plugin:mizan|call",
            json!({"fn": function, "args": args}),
        )
    }

    pub fn ctx(&self, webview: &WebviewWindow<MockRuntime>, context: &str, params: Value) -> Reply {
        self.invoke(
            webview,
            "plugin:mizan|ctx",
            json!({"context": context, "params": params}),
        )
    }

    /// The messages channel `id` carried so far.
    pub fn channel(&self, id: u32) -> Vec<ChannelMessage> {
        let mut seen: Vec<_> = self
            .channels
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.channel == id)
            .cloned()
            .collect();
        seen.sort_by_key(|m| m.index);
        seen
    }
}

/// Sends one IPC request with any body and headers. Raw answers that are
/// UTF-8 come back as a JSON string.
pub fn invoke_with(
    webview: &WebviewWindow<MockRuntime>,
    cmd: &str,
    body: InvokeBody,
    headers: HeaderMap,
) -> Reply {
    get_ipc_response(webview, common::request(cmd, body, headers)).map(|body| match body {
        InvokeResponseBody::Json(text) => {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        }
        InvokeResponseBody::Raw(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Value::String(text),
            Err(e) => json!(e.into_bytes()),
        },
    })
}

/// Headers from name/value pairs.
pub fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(value).expect("header value"),
        );
    }
    map
}

/// A fresh dir for one probe app's origin cache.
fn cache_dir() -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("mizan-afi-cache-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
