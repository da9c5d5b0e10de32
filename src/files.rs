//! Reading a file that must be a regular file reached without symbolic links: neither the file
//! nor its directory may be a link, what is opened must be what was checked, and a file given as
//! an input (a web identity token, a trust policy) is read only up to [`Limit::InputFile`], a
//! bundle of CA certificates only up to [`Limit::CaBundle`], a file `lint` reads up to
//! [`Limit::LintSource`]; and such a file's text, as editors write it ([`text`]).

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// How large a file may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A file given as an input: a token or a trust policy is a few KB; 1 MiB at most.
    InputFile,
    /// A bundle of CA certificates: Mozilla's whole set is about 200 KB; 16 MiB at most.
    CaBundle,
    /// A file `lint` reads: a Terraform plan or state of a whole configuration can be tens of
    /// MB; 64 MiB at most.
    LintSource,
    /// No limit (the profile files, which the action rewrites whole).
    None,
}

impl Limit {
    fn bytes(self) -> u64 {
        match self {
            Limit::InputFile => 1024 * 1024,
            Limit::CaBundle => 16 * 1024 * 1024,
            Limit::LintSource => 64 * 1024 * 1024,
            Limit::None => u64::MAX,
        }
    }

    /// The problem of a file over the limit.
    pub fn exceeded(self) -> &'static str {
        match self {
            Limit::InputFile => "file is larger than 1 MiB, the limit for an input file",
            Limit::CaBundle => "file is larger than 16 MiB, the limit for a bundle of certificates",
            Limit::LintSource => "file is larger than 64 MiB, the limit for a file lint reads",
            Limit::None => "file is larger than this system can read",
        }
    }
}

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

/// The reason alone, for messages that name the file themselves.
impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Refused { problem, .. } => f.write_str(problem),
            ReadError::Io { action, source, .. } => write!(f, "could not {action} it: {source}"),
        }
    }
}

/// The directory a file is in.
pub fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Reads `path`; `None` if it does not exist. With `follow_links`, links are allowed (for paths
/// a trusted system manages through links, like Kubernetes' projected tokens). A file larger
/// than `limit` is refused.
pub fn read_regular(
    path: &Path,
    follow_links: bool,
    limit: Limit,
) -> Result<Option<Vec<u8>>, ReadError> {
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
    // A file replaced by a rename (another process rewriting it) between the check and the open
    // is checked again; one swapped for a link or something else is refused then.
    let mut attempts = 0;
    let (file, opened) = loop {
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
        let file = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound && attempts < 10 => {
                attempts += 1;
                continue;
            }
            Err(e) => return Err(read_error(e)),
        };
        let opened = file.metadata().map_err(read_error)?;
        if !opened.is_file() {
            return Err(refuse(path, "path is not a regular file"));
        }
        #[cfg(unix)]
        {
            // The path was swapped for something else between the check and the open.
            use std::os::unix::fs::MetadataExt;
            if (opened.dev(), opened.ino()) != (before.dev(), before.ino()) {
                if attempts < 10 {
                    attempts += 1;
                    continue;
                }
                return Err(refuse(path, "path is a symbolic link"));
            }
        }
        break (file, opened);
    };
    if opened.len() > limit.bytes() {
        return Err(refuse(path, limit.exceeded()));
    }
    // A file that grows while it is read is cut at the limit, and refused.
    match read_to_limit(file, limit) {
        Ok(content) => Ok(Some(content)),
        Err(Unread::TooLarge) => Err(refuse(path, limit.exceeded())),
        Err(Unread::Io(source)) => Err(io_error("read", path, source)),
    }
}

/// Why [`read_to_limit`] read nothing.
#[derive(Debug)]
pub enum Unread {
    /// More than the limit: the limit's problem says so.
    TooLarge,
    Io(io::Error),
}

/// Reads `reader` (a file, standard input) to its end, refusing more than `limit` bytes
/// without reading further.
pub fn read_to_limit(reader: impl Read, limit: Limit) -> Result<Vec<u8>, Unread> {
    let bytes = limit.bytes();
    let mut content = Vec::new();
    reader
        .take(bytes.saturating_add(1))
        .read_to_end(&mut content)
        .map_err(Unread::Io)?;
    if content.len() as u64 > bytes {
        return Err(Unread::TooLarge);
    }
    Ok(content)
}

/// A file's text: UTF-8, after a byte order mark if it has one, or UTF-16 after its byte order
/// mark (what Windows PowerShell 5.1's `>` writes). `None` when it is neither.
pub fn text(bytes: Vec<u8>) -> Option<String> {
    let utf16 = |bytes: &[u8], unit: fn([u8; 2]) -> u16| {
        let (pairs, rest) = bytes.as_chunks::<2>();
        if !rest.is_empty() {
            return None;
        }
        String::from_utf16(&pairs.iter().map(|pair| unit(*pair)).collect::<Vec<_>>()).ok()
    };
    match bytes.as_slice() {
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest).ok().map(str::to_owned),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => String::from_utf8(bytes).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn text_as_editors_write_it() {
        let utf16 = |bom: [u8; 2], unit: fn(u16) -> [u8; 2]| {
            let mut bytes = bom.to_vec();
            bytes.extend("{\"é\": \"😀\"}".encode_utf16().flat_map(unit));
            bytes
        };
        let expected = "{\"é\": \"😀\"}";
        for bytes in [
            expected.as_bytes().to_vec(),
            [&[0xEF, 0xBB, 0xBF][..], expected.as_bytes()].concat(),
            utf16([0xFF, 0xFE], u16::to_le_bytes),
            utf16([0xFE, 0xFF], u16::to_be_bytes),
        ] {
            assert_eq!(text(bytes).as_deref(), Some(expected));
        }
        for bad in [
            vec![0xFF, 0xFE, b'{'],
            vec![0xFF, 0xFE, 0x00, 0xD8],
            vec![b'{', 0xFF],
            vec![0xEF, 0xBB, 0xBF, 0xC0],
        ] {
            assert_eq!(text(bad.clone()), None, "{bad:?}");
        }
    }

    #[test]
    fn a_stream_is_read_up_to_its_limit() {
        let limit = Limit::InputFile.bytes() as usize;
        assert_eq!(
            read_to_limit(&vec![b'x'; limit][..], Limit::InputFile)
                .unwrap()
                .len(),
            limit
        );
        assert!(matches!(
            read_to_limit(io::repeat(b'x'), Limit::InputFile),
            Err(Unread::TooLarge)
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_file_replaced_by_renames_while_it_is_read_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        fs::write(&path, "[a]\n").unwrap();
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let temp = dir.path().join(format!(".tmp{n}"));
                    fs::write(&temp, "[a]\n").unwrap();
                    fs::rename(&temp, &path).unwrap();
                    n += 1;
                }
            });
            let reads: Vec<_> = (0..2000)
                .map(|_| read_regular(&path, false, Limit::None))
                .collect();
            stop.store(true, Ordering::Relaxed);
            for read in reads {
                assert_eq!(read.unwrap().as_deref(), Some(&b"[a]\n"[..]));
            }
        });
    }
}
