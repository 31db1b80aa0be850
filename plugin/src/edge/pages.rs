//! The access entries of each request, resolved for the origin that sent
//! it, and kept per page so that a call does not resolve them again.
//!
//! **Which entries.** Tauri resolves a command's capabilities for the
//! request's origin (`Invoke::acl`), and an entry holds for everything it
//! names whichever of the plugin's commands carries it (see
//! [`crate::dispatch::access`]). So a request from the window's own
//! document (its top-level origin) is judged by the entries of every
//! plugin command granted to that origin, and the global ones. A request
//! from a frame of another origin (a remote iframe) is judged by what Tauri
//! resolved for that origin only: the entries of the command it sent and
//! the global ones, never the entries the window's own page was granted.
//!
//! **The origin that sent a request** is its `Origin` header, which the
//! webview sets on the IPC's own requests and a page cannot change. A
//! request without one came through the `postMessage` fallback, for which
//! Tauri itself resolves the ACL from the window's URL.
//!
//! **Kept per page.** The entries of the window's own origin are resolved
//! once per page and reused; they are resolved again when the page loads
//! (a reload or a navigation), when the window goes away, and when the
//! capabilities Tauri resolved for a command differ from those seen when
//! they were kept (the app added a capability at run time).

use std::{
    collections::HashMap,
    hash::BuildHasherDefault,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use tauri::{
    ipc::{CommandArg, CommandItem, CommandScope, GlobalScope, Invoke, InvokeError},
    Runtime, Url, Webview,
};

use crate::{
    core::registry::NameHasher,
    dispatch::access::{Access, AccessEntry},
    edge::command_names::COMMANDS,
};

/// The capabilities Tauri resolved for one command and one request: which
/// scopes they carry. A change means the app's capabilities changed.
type Fingerprint = Option<Vec<Option<u64>>>;

/// The pages of the app's webviews, by label.
#[derive(Debug, Default)]
pub(crate) struct Pages {
    by_label: Mutex<Labels>,
}

/// Labels are the app's own, hashed on every request.
type Labels = HashMap<String, Page, BuildHasherDefault<NameHasher>>;

#[derive(Debug, Default)]
struct Page {
    /// The top-level document's origin, as its load reported it.
    origin: Option<String>,
    /// The entries granted to that origin, once resolved.
    resolved: Option<Resolved>,
}

#[derive(Debug)]
struct Resolved {
    access: Access,
    /// What each command's capabilities were when they were seen (a few
    /// commands: a list is quicker to search than a map to hash).
    seen: Vec<(&'static str, Fingerprint)>,
}

impl Resolved {
    /// Whether `command`'s capabilities were seen as `scopes` are now.
    fn holds(&self, command: &str, scopes: Option<&[Option<u64>]>) -> bool {
        self.seen
            .iter()
            .find(|(c, _)| *c == command)
            .is_some_and(|(_, seen)| seen.as_deref() == scopes)
    }
}

impl Pages {
    fn lock(&self) -> MutexGuard<'_, Labels> {
        self.by_label.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A page started loading in `label`, at `url`: what was kept for the
    /// previous page no longer holds.
    pub(crate) fn loaded(&self, label: &str, url: &Url) {
        self.lock().insert(
            label.to_owned(),
            Page {
                origin: Some(origin_of(url)),
                resolved: None,
            },
        );
    }

    /// The webview `label` went away.
    pub(crate) fn gone(&self, label: &str) {
        self.lock().remove(label);
    }

    /// The top-level origin of `webview`'s page, asking the webview for
    /// its URL the first time only.
    fn origin<R: Runtime>(&self, webview: &Webview<R>) -> tauri::Result<String> {
        if let Some(origin) = self
            .lock()
            .get(webview.label())
            .and_then(|p| p.origin.clone())
        {
            return Ok(origin);
        }
        let origin = origin_of(&webview.url()?);
        self.lock()
            .entry(webview.label().to_owned())
            .or_default()
            .origin
            .get_or_insert_with(|| origin.clone());
        Ok(origin)
    }

    /// The kept entries of `label`, if they still hold for `command` as
    /// Tauri resolved it now.
    fn kept(&self, label: &str, command: &str, fingerprint: &Fingerprint) -> Option<Access> {
        let pages = self.lock();
        let resolved = pages.get(label)?.resolved.as_ref()?;
        resolved
            .holds(command, fingerprint.as_deref())
            .then(|| resolved.access.clone())
    }

    /// What a request from `webview`'s own page finds kept, without
    /// allocating: `Some(Ok)` the kept entries, `Some(Err)` a request sent
    /// from another origin, `None` nothing kept that holds.
    fn kept_for<R: Runtime>(
        &self,
        invoke: &Invoke<R>,
        command: &str,
        sent_from: Option<&str>,
    ) -> Option<Result<Access, ()>> {
        let pages = self.lock();
        let page = pages.get(invoke.message.webview_ref().label())?;
        let origin = page.origin.as_deref()?;
        if sent_from.is_some_and(|o| o != origin) {
            return Some(Err(()));
        }
        let resolved = page.resolved.as_ref()?;
        let mut scopes = [None; 16];
        let scopes = match &invoke.acl {
            None => None,
            Some(commands) if commands.len() <= scopes.len() => {
                for (slot, c) in scopes.iter_mut().zip(commands) {
                    *slot = c.scope_id;
                }
                Some(&scopes[..commands.len()])
            }
            Some(_) => return None,
        };
        resolved
            .holds(command, scopes)
            .then(|| Ok(resolved.access.clone()))
    }

    fn keep(
        &self,
        label: &str,
        origin: &str,
        command: &'static str,
        fingerprint: Fingerprint,
        access: &Access,
    ) {
        let mut pages = self.lock();
        let page = pages.entry(label.to_owned()).or_default();
        // A page that loaded meanwhile has entries of its own.
        if page.origin.as_deref() != Some(origin) {
            return;
        }
        let mut seen = page.resolved.take().map(|r| r.seen).unwrap_or_default();
        seen.retain(|(c, _)| *c != command);
        seen.push((command, fingerprint));
        page.resolved = Some(Resolved {
            access: access.clone(),
            seen,
        });
    }

    /// The entries of a request for `command`: see the module's docs.
    pub(crate) fn for_request<R: Runtime>(
        &self,
        invoke: &Invoke<R>,
        command: &'static str,
    ) -> Result<Access, InvokeError> {
        let webview = invoke.message.webview_ref();
        let sent_from = request_origin(invoke);
        match self.kept_for(invoke, command, sent_from.as_deref()) {
            Some(Ok(access)) => return Ok(access),
            Some(Err(())) => return own(invoke, command),
            None => {}
        }
        let fingerprint = fingerprint(invoke);
        let origin = self.origin(webview).map_err(InvokeError::from_error)?;
        if sent_from.as_ref().is_some_and(|o| *o != origin) {
            return own(invoke, command);
        }
        if let Some(access) = self.kept(webview.label(), command, &fingerprint) {
            return Ok(access);
        }
        let own = own_entries(invoke, command)?;
        let access = page_access(webview, Some((command, own)))?;
        self.keep(webview.label(), &origin, command, fingerprint, &access);
        Ok(access)
    }

    /// The entries of `webview`'s own page, outside any request.
    pub(crate) fn for_webview<R: Runtime>(&self, webview: &Webview<R>) -> tauri::Result<Access> {
        page_access(webview, None)
    }
}

/// The scopes of the capabilities Tauri resolved for the request.
fn fingerprint<R: Runtime>(invoke: &Invoke<R>) -> Fingerprint {
    invoke
        .acl
        .as_ref()
        .map(|commands| commands.iter().map(|c| c.scope_id).collect())
}

/// The origin the request's `Origin` header names (`"null"` for an opaque
/// one, which matches no page).
fn request_origin<R: Runtime>(invoke: &Invoke<R>) -> Option<String> {
    let value = invoke
        .message
        .headers()
        .get(tauri::http::header::ORIGIN)?
        .to_str()
        .ok()?;
    Some(Url::parse(value).map_or_else(|_| "null".to_owned(), |url| origin_of(&url)))
}

/// `scheme://host[:port]`; custom schemes (`tauri://localhost`) included,
/// which the URL standard leaves opaque.
fn origin_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

type Entries = (Vec<Arc<AccessEntry>>, Vec<Arc<AccessEntry>>);

/// The entries Tauri resolved for this request's command and origin, and
/// the global ones.
fn own_entries<R: Runtime>(
    invoke: &Invoke<R>,
    command: &'static str,
) -> Result<Entries, InvokeError> {
    let item = || CommandItem {
        plugin: Some("mizan"),
        name: command,
        key: "scope",
        message: &invoke.message,
        acl: &invoke.acl,
    };
    let this = CommandScope::<AccessEntry>::from_command(item())?;
    let global = GlobalScope::<AccessEntry>::from_command(item())?;
    let allows = this.allows().iter().chain(global.allows()).cloned();
    let denies = this.denies().iter().chain(global.denies()).cloned();
    Ok((allows.collect(), denies.collect()))
}

fn own<R: Runtime>(invoke: &Invoke<R>, command: &'static str) -> Result<Access, InvokeError> {
    let (allows, denies) = own_entries(invoke, command)?;
    Ok(Access::new(allows, denies))
}

/// The entries of every plugin command granted to `webview`'s page (for
/// its URL), and the global ones; `request`'s own command as Tauri
/// resolved it for the request.
fn page_access<R: Runtime>(
    webview: &Webview<R>,
    request: Option<(&'static str, Entries)>,
) -> tauri::Result<Access> {
    let (mut allows, mut denies) = (Vec::new(), Vec::new());
    let skip = request.as_ref().map(|(command, _)| *command);
    if let Some((_, (a, d))) = request {
        allows.extend(a);
        denies.extend(d);
    }
    let mut global_added = skip.is_some();
    for command in COMMANDS.iter().filter(|c| Some(**c) != skip) {
        let Some(scope) = webview.resolve_command_scope::<AccessEntry>("mizan", command)? else {
            continue;
        };
        allows.extend(scope.command_scope().allows().iter().cloned());
        denies.extend(scope.command_scope().denies().iter().cloned());
        if !global_added {
            allows.extend(scope.global_scope().allows().iter().cloned());
            denies.extend(scope.global_scope().denies().iter().cloned());
            global_added = true;
        }
    }
    Ok(Access::new(allows, denies))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_keep_scheme_host_and_port() {
        for (url, origin) in [
            ("tauri://localhost/index.html", "tauri://localhost"),
            ("http://tauri.localhost/a?b", "http://tauri.localhost"),
            ("http://localhost:1420/", "http://localhost:1420"),
            ("https://evil.example/x", "https://evil.example"),
        ] {
            assert_eq!(origin_of(&Url::parse(url).unwrap()), origin);
        }
    }

    #[test]
    fn a_page_load_forgets_what_was_kept() {
        let pages = Pages::default();
        let url = Url::parse("tauri://localhost/").unwrap();
        pages.loaded("main", &url);
        let access = Access::new(Vec::new(), Vec::new());
        pages.keep(
            "main",
            "tauri://localhost",
            "call",
            Some(vec![None]),
            &access,
        );
        assert!(pages.kept("main", "call", &Some(vec![None])).is_some());
        // Another command, or other capabilities: not kept.
        assert!(pages.kept("main", "ctx", &Some(vec![None])).is_none());
        assert!(pages.kept("main", "call", &Some(vec![Some(3)])).is_none());
        pages.loaded("main", &url);
        assert!(pages.kept("main", "call", &Some(vec![None])).is_none());
        // Entries resolved for a page that has since gone are not kept.
        pages.keep("main", "https://evil.example", "call", None, &access);
        assert!(pages.kept("main", "call", &None).is_none());
    }
}
