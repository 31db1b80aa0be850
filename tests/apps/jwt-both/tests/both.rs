//! With both of `jsonwebtoken`'s backends enabled, `jsonwebtoken` alone
//! picks no provider and panics at every signature; the plugin installs
//! one, so the app starts (resuming a saved session in its setup), signs
//! in, verifies and refreshes.

use std::sync::Arc;

use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};
use tauri_plugin_mizan::{
    jwt::{JwtConfig, MemoryRefreshStore, MemoryVault, RefreshRecord, RefreshStore, StoreError},
    Builder, Identity, MizanExt,
};

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

/// A refresh store both runs of the app share, as a database would be.
#[derive(Clone, Default)]
struct Durable(Arc<MemoryRefreshStore>);

impl RefreshStore for Durable {
    fn get(&self, key: &str) -> Result<Option<RefreshRecord>, StoreError> {
        self.0.get(key)
    }
    fn put(&self, key: &str, record: RefreshRecord) -> Result<(), StoreError> {
        self.0.put(key, record)
    }
    fn revoke_family(&self, family: &str) -> Result<(), StoreError> {
        self.0.revoke_family(family)
    }
}

fn run(store: &Durable, vault: &Arc<MemoryVault>) -> tauri::App<MockRuntime> {
    let config = JwtConfig::hs256(SECRET)
        .issuer("jwt-both")
        .refresh_store(store.clone())
        .token_vault(vault.clone());
    mock_builder()
        .plugin(Builder::new().jwt(config).build())
        .build(mock_context(noop_assets()))
        .expect("the app starts")
}

#[test]
fn an_app_with_both_backends_starts_signs_and_verifies() {
    // Both backends are compiled in: each provider exists only with its
    // feature.
    let _both = (
        mizan_test_jwt_both::rust_crypto(),
        mizan_test_jwt_both::aws_lc(),
    );
    let (store, vault) = (Durable::default(), Arc::new(MemoryVault::default()));

    let first = run(&store, &vault);
    let jwt = first.mizan().jwt().expect("configured");
    let ada = Identity::new("ada").with_role("member");
    jwt.sign_in(&ada).expect("signs");
    let pair = jwt.issue(&ada).expect("issues");
    assert_eq!(jwt.verify(&pair.access_token).expect("verifies"), ada);
    assert!(jwt.refresh(&pair.refresh_token).is_ok());
    drop(first);

    // A restart resumes the saved session in the app's setup: a refresh
    // and a verification before the app has started.
    let second = run(&store, &vault);
    let jwt = second.mizan().jwt().expect("configured");
    assert_eq!(jwt.signed_in(), Some(ada.clone()));
    assert_eq!(jwt.current().expect("fresh"), Some(ada));
}
