//! The per-install secret the cache keys and record MACs are made under:
//! 32 bytes from the OS random source, created once. With the `keychain`
//! feature it lives in the OS credential store where one answers; else
//! (and as the fallback) in the cache dir, readable by the user only.

use std::{
    fs,
    io::{self, Read, Write},
    path::{Path, PathBuf},
};

/// The secret's length in bytes.
pub(crate) const SECRET_LEN: usize = 32;

/// The secret's file name inside the cache dir.
pub(crate) const SECRET_FILE: &str = "cache.key";

/// The key of every HMAC the cache computes. Never logged, never sent.
#[derive(Clone)]
pub(crate) struct Secret(pub(crate) [u8; SECRET_LEN]);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Why the secret could not be kept on disk.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SecretError {
    #[error("the OS random source failed: {0}")]
    Random(getrandom::Error),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[cfg(feature = "keychain")]
    #[error("the OS credential store: {0}")]
    Keychain(String),
}

impl Secret {
    /// A fresh secret from the OS random source.
    pub(crate) fn random() -> Result<Self, SecretError> {
        let mut bytes = [0u8; SECRET_LEN];
        getrandom::fill(&mut bytes).map_err(SecretError::Random)?;
        Ok(Secret(bytes))
    }

    /// The secret of the cache in `dir`: in the OS credential store with
    /// the `keychain` feature (then no secret file stays in `dir`), else
    /// in `dir`; also in `dir` when no credential store answers (logged).
    pub(crate) fn keep(dir: &Path) -> Result<Self, SecretError> {
        #[cfg(feature = "keychain")]
        match keychain::keep(dir) {
            Ok(secret) => return Ok(secret),
            Err(e) => log::warn!(
                "mizan: {e}; the cache secret is kept in {} instead",
                dir.display()
            ),
        }
        Self::load_or_create(dir)
    }

    /// The secret kept in `dir`, created on first use. A file of the wrong
    /// length is not a secret this code wrote: it is set aside and replaced
    /// (entries made under an unknown secret can never be found again, so
    /// nothing is lost). Two processes starting at once agree on one
    /// secret: the file appears whole or not at all (written aside, then
    /// linked into place).
    pub(crate) fn load_or_create(dir: &Path) -> Result<Self, SecretError> {
        let path = dir.join(SECRET_FILE);
        let io = |source| SecretError::Io {
            path: path.clone(),
            source,
        };
        for _ in 0..3 {
            match read(&path) {
                Ok(Some(secret)) => {
                    super::private::restrict(&path, 0o600).map_err(io)?;
                    return Ok(secret);
                }
                Ok(None) => {
                    let aside = super::aside_path(&path, "invalid");
                    log::warn!(
                        "mizan: the cache secret {} has the wrong length; set aside as {}",
                        path.display(),
                        aside.display()
                    );
                    fs::rename(&path, &aside).map_err(io)?;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(e)),
            }
            let secret = Secret::random()?;
            match publish(dir, &path, &secret) {
                Ok(()) => return Ok(secret),
                // Another process published first: read theirs.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io(e)),
            }
        }
        Err(io(io::Error::other("the secret file keeps changing")))
    }
}

/// The secret in `path`; `None` if the file has the wrong length.
fn read(path: &Path) -> io::Result<Option<Secret>> {
    let mut bytes = Vec::with_capacity(SECRET_LEN + 1);
    fs::File::open(path)?
        .take(SECRET_LEN as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(<[u8; SECRET_LEN]>::try_from(bytes.as_slice())
        .ok()
        .map(Secret))
}

/// Writes the secret to a file of its own, then links it into place, so
/// that `path` never holds part of a secret. Fails with `AlreadyExists`
/// when another process got there first.
fn publish(dir: &Path, path: &Path, secret: &Secret) -> io::Result<()> {
    let nonce = getrandom::u64().unwrap_or_else(|_| super::unix_ms());
    let tmp = dir.join(format!(
        "{SECRET_FILE}.{}-{nonce:016x}.tmp",
        std::process::id()
    ));
    let result = (|| {
        let mut file = super::private::file_options()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(&secret.0)?;
        file.sync_all()?;
        fs::hard_link(&tmp, path)
    })();
    let _ = fs::remove_file(&tmp);
    result
}

/// The secret in the OS credential store: one credential per cache dir.
#[cfg(feature = "keychain")]
pub(crate) mod keychain {
    use std::path::Path;

    use super::{Secret, SecretError, SECRET_FILE, SECRET_LEN};

    /// The credential's service name; its account is the cache dir.
    const SERVICE: &str = "mizan-origin-cache";

    /// The credential of the cache in `dir`.
    pub(crate) fn entry(dir: &Path) -> Result<keyring::Entry, SecretError> {
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
        keyring::Entry::new(SERVICE, &dir.to_string_lossy()).map_err(failed)
    }

    fn failed(e: keyring::Error) -> SecretError {
        SecretError::Keychain(e.to_string())
    }

    /// The secret in the credential store. Absent there, a secret file
    /// beside the store (of a build without the feature, or of a run where
    /// no credential store answered) moves in, so its entries stay valid;
    /// else a new one is made. A credential of the wrong length is
    /// replaced. Once the credential store holds it, the file is removed.
    pub(super) fn keep(dir: &Path) -> Result<Secret, SecretError> {
        let entry = entry(dir)?;
        let read = |entry: &keyring::Entry| match entry.get_secret() {
            Ok(bytes) => Ok(<[u8; SECRET_LEN]>::try_from(bytes.as_slice())
                .ok()
                .map(Secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(failed(e)),
        };
        let file = dir.join(SECRET_FILE);
        let secret = match read(&entry)? {
            Some(secret) => secret,
            None => {
                let secret = match super::read(&file) {
                    Ok(Some(secret)) => secret,
                    _ => Secret::random()?,
                };
                entry.set_secret(&secret.0).map_err(failed)?;
                // Read back: of two processes starting at once, the last
                // write stands, and the other's store is cleared at its
                // next start.
                read(&entry)?
                    .ok_or_else(|| SecretError::Keychain("the secret did not stay".into()))?
            }
        };
        match std::fs::remove_file(&file) {
            Ok(()) => log::warn!(
                "mizan: the cache secret is in the OS credential store; {} removed",
                file.display()
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(SecretError::Io { path: file, source }),
        }
        Ok(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_and_read_back() {
        let dir = super::super::tests::temp_dir("secret");
        let a = Secret::load_or_create(&dir).unwrap();
        let b = Secret::load_or_create(&dir).unwrap();
        assert_eq!(a.0, b.0);
        assert_ne!(a.0, [0u8; SECRET_LEN]);
        let other = super::super::tests::temp_dir("secret-other");
        assert_ne!(Secret::load_or_create(&other).unwrap().0, a.0);
    }

    #[cfg(unix)]
    #[test]
    fn readable_by_the_user_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = super::super::tests::temp_dir("secret-mode");
        Secret::load_or_create(&dir).unwrap();
        let path = dir.join(SECRET_FILE);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // A secret someone made readable is restricted again.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        Secret::load_or_create(&dir).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn a_truncated_secret_is_set_aside() {
        let dir = super::super::tests::temp_dir("secret-short");
        fs::write(dir.join(SECRET_FILE), b"short").unwrap();
        let secret = Secret::load_or_create(&dir).unwrap();
        assert_eq!(fs::read(dir.join(SECRET_FILE)).unwrap(), secret.0);
        let aside: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.contains(".invalid-"))
            .collect();
        assert_eq!(aside.len(), 1, "{aside:?}");
    }

    #[test]
    fn racing_processes_agree() {
        let dir = super::super::tests::temp_dir("secret-race");
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let dir = dir.clone();
                std::thread::spawn(move || Secret::load_or_create(&dir).unwrap().0)
            })
            .collect();
        let secrets: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(secrets.windows(2).all(|w| w[0] == w[1]));
    }
}
