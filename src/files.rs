//! Reading a file that must be a regular file reached without symbolic links: neither the file
//! nor its directory may be a link, and what is opened must be what was checked.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// The path is unsafe: `problem` says how ("path is a symbolic link", …).
    Refused {
        path: PathBuf,
        problem: &'static str,
    },
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

/// The directory a file is in.
pub fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Reads `path`; `None` if it does not exist. With `follow_links`, links are allowed (for paths
/// a trusted system manages through links, like Kubernetes' projected tokens).
pub fn read_regular(path: &Path, follow_links: bool) -> Result<Option<Vec<u8>>, ReadError> {
    let refuse = |path: &Path, problem| ReadError::Refused {
        path: path.to_path_buf(),
        problem,
    };
    let io_error = |action, path: &Path, source| ReadError::Io {
        action,
        path: path.to_path_buf(),
        source,
    };
    let inspect = |path: &Path| {
        if follow_links {
            fs::metadata(path)
        } else {
            fs::symlink_metadata(path)
        }
    };
    let directory = directory_of(path);
    match inspect(directory) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(refuse(path, "parent directory is a symbolic link"));
        }
        Ok(meta) if !meta.is_dir() => return Err(refuse(directory, "path is not a directory")),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(io_error("inspect", directory, source)),
    }
    let before = match inspect(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(io_error("inspect", path, source)),
    };
    if before.file_type().is_symlink() {
        return Err(refuse(path, "path is a symbolic link"));
    }
    if !before.is_file() {
        return Err(refuse(path, "path is not a regular file"));
    }
    let read_error = |source| io_error("read", path, source);
    let mut file = File::open(path).map_err(read_error)?;
    let opened = file.metadata().map_err(read_error)?;
    if !opened.is_file() {
        return Err(refuse(path, "path is not a regular file"));
    }
    #[cfg(unix)]
    {
        // The path was swapped for something else between the check and the open.
        use std::os::unix::fs::MetadataExt;
        if (opened.dev(), opened.ino()) != (before.dev(), before.ino()) {
            return Err(refuse(path, "path is a symbolic link"));
        }
    }
    let mut content = Vec::new();
    file.read_to_end(&mut content).map_err(read_error)?;
    Ok(Some(content))
}
