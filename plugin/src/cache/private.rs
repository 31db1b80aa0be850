//! Files and dirs readable by the user only: the cache dir (0700), the
//! store file and the secret file (0600). Created so; found otherwise (an
//! older version, a copy, another umask), restricted again with a warning.
//! Elsewhere than Unix the app data dir is inside the user's profile, which
//! only the user (and administrators) can read.

use std::{fs, io, path::Path};

/// Creates `dir` and its parents; `dir` itself readable by the user only.
pub(crate) fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    restrict(dir, 0o700)
}

/// Options that create a file readable by the user only.
pub(crate) fn file_options() -> fs::OpenOptions {
    #[allow(unused_mut)]
    let mut options = fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Opens (or creates) `path` for reading and writing, readable by the user
/// only.
pub(crate) fn open_file(path: &Path) -> io::Result<fs::File> {
    let file = file_options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    restrict(path, 0o600)?;
    Ok(file)
}

/// Takes every access away from everyone but the owner (`mode`: what the
/// owner keeps).
#[cfg(unix)]
pub(crate) fn restrict(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let found = fs::metadata(path)?.permissions().mode();
    if found & 0o077 != 0 {
        log::warn!(
            "mizan: {} was open to others ({:o}); restricting it to the user",
            path.display(),
            found & 0o777
        );
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn restrict(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}
