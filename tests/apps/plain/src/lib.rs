//! An app's API as a user writes it, with no dependency beyond tauri, serde
//! and `tauri-plugin-mizan` (no specta): wire types derive
//! `tauri_plugin_mizan::Type`. The generated client is committed
//! (`client/mizan.gen.ts`) and kept current by a test, as the README's Quick
//! start says.

use tauri_plugin_mizan::{client, Context, ExportFile, Type};

/// The generated client, beside this crate's sources.
pub const CLIENT: ExportFile = tauri_plugin_mizan::client_file!("client/mizan.gen.ts");

/// A user's feed, by `user`.
pub const FEED: Context = Context::new("feed");

/// A page of items (generic).
#[derive(serde::Serialize, Type)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page starts; `null` on the last.
    pub next: Option<String>,
}

/// A tree of labels (recursive).
#[derive(serde::Serialize, serde::Deserialize, Type)]
pub struct Node {
    /// Its label.
    pub label: String,
    /// Its children.
    pub children: Vec<Node>,
}

/// A user, under another wire name, with camelCase fields.
#[derive(serde::Serialize, serde::Deserialize, Type)]
#[serde(rename = "Person", rename_all = "camelCase")]
pub struct User {
    /// Its id.
    pub user_id: UserId,
    /// Never sent.
    #[serde(skip)]
    #[allow(dead_code)]
    pub secret: String,
    /// Shown to others.
    pub display_name: String,
}

/// A user id: its number on the wire.
#[derive(Clone, Copy, serde::Serialize, serde::Deserialize, Type)]
#[serde(transparent)]
pub struct UserId(pub u32);

/// Something that happened (adjacently tagged).
#[derive(serde::Serialize, serde::Deserialize, Type)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Event {
    /// Someone joined.
    Joined {
        /// Who.
        by: UserId,
    },
    /// Someone left.
    Left(UserId),
    /// Nothing.
    Ping,
}

/// Why a post failed (internally tagged).
#[derive(serde::Serialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PostError {
    /// Pings cannot be posted.
    Ping,
}

/// One page of the feed.
#[client(context = FEED)]
fn feed(user: UserId, cursor: Option<String>) -> Page<User> {
    let _ = cursor;
    Page {
        items: vec![User {
            user_id: user,
            secret: String::new(),
            display_name: "Ada".into(),
        }],
        next: None,
    }
}

/// The label tree.
#[client]
fn tree() -> Node {
    Node {
        label: "root".into(),
        children: Vec::new(),
    }
}

/// Posts to a user's feed.
#[client(affects = FEED)]
fn post(user: UserId, event: Event) -> Result<(), PostError> {
    let _ = user;
    match event {
        Event::Ping => Err(PostError::Ping),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use tauri_plugin_mizan::codegen::Type as IrType;
    use tauri_plugin_mizan::registry::Registry;

    #[test]
    fn the_committed_client_is_current() {
        super::CLIENT.assert_current();
    }

    #[test]
    fn derived_types_keep_their_serde_names_and_shapes() {
        let ir = Registry::discover().unwrap().ir().unwrap();
        let names: Vec<&str> = ir.types.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["Event", "Node", "Page", "Person", "PostError", "UserId"]
        );
        assert_eq!(ir.type_def("Page").unwrap().generics, ["T"]);
        assert_eq!(
            ir.type_def("UserId").unwrap().ty,
            IrType::Primitive(tauri_plugin_mizan::codegen::Primitive::u32)
        );
        let text = ir.to_kdl();
        assert!(text.contains("field userId"), "{text}");
        assert!(text.contains("field displayName"), "{text}");
        assert!(!text.contains("secret"), "{text}");
        assert!(
            text.contains("repr=adjacent tag=kind content=data"),
            "{text}"
        );
        assert!(
            text.contains("doc=\"A tree of labels (recursive).\""),
            "{text}"
        );
    }
}
