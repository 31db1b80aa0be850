//! The per-install secret the cache keys are made under: 32 bytes from the
//! OS random source, created once, kept in the cache dir readable by the
//! user only.

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
}

impl Secret {
    /// A fresh secret from the OS random source.
    pub(crate) fn random() -> Result<Self, SecretError> {
        let mut bytes = [0u8; SECRET_LEN];
        getrandom::fill(&mut bytes).map_err(SecretError::Random)?;
        Ok(Secret(bytes))
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
                    restrict(&path).map_err(io)?;
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
        let mut file = user_only().write(true).create_new(true).open(&tmp)?;
        file.write_all(&secret.0)?;
        file.sync_all()?;
        fs::hard_link(&tmp, path)
    })();
    let _ = fs::remove_file(&tmp);
    result
}

#[cfg(unix)]
fn user_only() -> fs::OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = fs::OpenOptions::new();
    options.mode(0o600);
    options
}

#[cfg(not(unix))]
fn user_only() -> fs::OpenOptions {
    // The app data dir is inside the user's profile, which only the user
    // (and administrators) can read.
    fs::OpenOptions::new()
}

/// Takes read and write access away from everyone but the owner.
#[cfg(unix)]
fn restrict(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)?.permissions().mode();
    if mode & 0o077 != 0 {
        log::warn!(
            "mizan: the cache secret {} was readable by others; restricting it to the user",
            path.display()
        );
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> io::Result<()> {
    Ok(())
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
