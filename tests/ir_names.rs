#![allow(missing_docs, unreachable_pub)]
//! Two Rust types with one wire name do not merge silently: the IR export
//! fails with a message naming both declarations. (Its own test binary,
//! so the fixture registry of `tests/ir.rs` stays valid.)

use tauri_plugin_mizan::{client, IrError, Registry};

mod billing {
    #[derive(serde::Serialize, specta::Type)]
    pub struct Account {
        pub iban: String,
    }
}

mod social {
    #[derive(serde::Serialize, specta::Type)]
    pub struct Account {
        pub handle: String,
    }
}

#[client]
fn billing_account() -> billing::Account {
    billing::Account {
        iban: String::new(),
    }
}

#[client]
fn social_account() -> social::Account {
    social::Account {
        handle: String::new(),
    }
}

#[test]
fn two_types_with_one_name_fail_with_both_places() {
    let err = Registry::discover().unwrap().ir().unwrap_err();
    let IrError::DuplicateTypeName {
        name,
        first,
        second,
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(name, "Account");
    assert!(
        first.contains("ir_names.rs") && second.contains("ir_names.rs"),
        "{err}"
    );
    assert_ne!(first, second);
    assert!(err.to_string().contains("#[serde(rename"), "{err}");
}
