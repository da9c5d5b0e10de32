//! Profile mode (`aws-profile`): the credentials go to the shared credentials file under `[NAME]`
//! and the region to the config file under `[profile NAME]` (`[default]` for `default`), as
//! `key = value` lines, instead of to environment variables.
//!
//! Unlike a parse-and-reserialise rewrite, everything this module does not own stays byte for
//! byte: other sections, comments, blank lines, spacing and line endings. Replacing a profile
//! keeps its header line where it is, drops only its `key = value` lines and puts the new ones
//! right after the header; a new profile is appended after one blank line. Both files are
//! checked (profile already there, symbolic links, non-regular files) before either is written,
//! and each is replaced atomically by a private (0600) temporary file renamed over it; if the
//! second cannot be replaced, the first gets its old content back. Each read-modify-write holds
//! a lock beside each file ([`crate::export::lock`]), so that steps of concurrent jobs sharing a home
//! directory do not lose each other's profiles. [`remove`] takes the profile out again the same
//! way, for the post step, and [`restore`] puts back a profile that was replaced. [`write()`]
//! writes several profiles (`aws-profile`'s and those of `profiles`) in one change, so that
//! either all of them are written or none is.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::profile_files::{ProfileFiles, check_name};
use crate::error::Error;
use crate::export::lock::FileLock;
use crate::files::{self, ReadError, directory_of};

/// The credentials written to the profile.
#[derive(Debug, Clone, Copy)]
pub struct ProfileCredentials<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
}

/// What a profile holds.
#[derive(Debug, Clone, Copy)]
pub enum Holds<'a> {
    /// Static keys, valid until they expire.
    Keys(ProfileCredentials<'a>),
    /// Settings in the config file with which the SDKs renew the credentials themselves
    /// (`credential_process`, or `role_arn` and `web_identity_token_file`); no keys in the
    /// credentials file, where old ones would win over them.
    Renewing(&'a [(&'static str, &'a str)]),
}

impl<'a> Holds<'a> {
    /// The `key = value` pairs of its credentials-file section; none takes the section out.
    fn credential_keys(&self) -> Vec<(&'static str, &'a str)> {
        match self {
            Holds::Keys(creds) => {
                let mut keys = vec![
                    ("aws_access_key_id", creds.access_key_id),
                    ("aws_secret_access_key", creds.secret_access_key),
                ];
                if let Some(token) = creds.session_token.filter(|token| !token.is_empty()) {
                    keys.push(("aws_session_token", token));
                }
                keys
            }
            Holds::Renewing(_) => Vec::new(),
        }
    }

    /// The `key = value` pairs of its config-file section: its settings, then the region.
    fn config_keys<'r>(&self, region: &'r str) -> Vec<(&'static str, &'r str)>
    where
        'a: 'r,
    {
        let mut keys = match self {
            Holds::Keys(_) => Vec::new(),
            Holds::Renewing(settings) => settings.to_vec(),
        };
        keys.push(("region", region));
        keys
    }
}

/// One profile to write.
#[derive(Debug, Clone, Copy)]
pub struct NewProfile<'a> {
    pub name: &'a str,
    pub holds: Holds<'a>,
    /// Where what the profile had before (see [`Previous`]) is saved first, for [`restore`].
    pub keep: Option<&'a Path>,
}

/// Fails, writing nothing, if either file already has the profile and `!overwrite`, or a path is
/// unsafe (a symbolic link, in a symbolically linked directory, or not a regular file).
pub fn check_writable(files: &ProfileFiles, name: &str, overwrite: bool) -> Result<(), Error> {
    prepare(files, &[name], overwrite).map(|_| ())
}

/// Writes the sections of every profile, each with `region`, in one change of both files: after
/// the checks of [`check_writable`] on both files for every name, holding both files' locks from
/// before they are read until they are replaced. Either every profile is written or none is.
pub fn write(
    files: &ProfileFiles,
    profiles: &[NewProfile<'_>],
    region: &str,
    overwrite: bool,
) -> Result<(), Error> {
    let names: Vec<&str> = profiles.iter().map(|profile| profile.name).collect();
    let label = names.join(", ");
    let mut keys = Vec::with_capacity(profiles.len());
    for profile in profiles {
        let credential_keys = profile.holds.credential_keys();
        let config_keys = profile.holds.config_keys(region);
        for &(key, value) in credential_keys.iter().chain(&config_keys) {
            if value.contains(['\n', '\r']) {
                return Err(Error::ProfileValue {
                    profile: profile.name.to_owned(),
                    key,
                });
            }
        }
        keys.push((credential_keys, config_keys));
    }

    // Checked before the directories are made, then again once no other process can change
    // the files until they are replaced.
    prepare(files, &names, overwrite)?;
    for path in distinct(files) {
        ensure_directory(&label, path)?;
    }
    let _locks = lock(&label, files)?;
    let targets = prepare(files, &names, overwrite)?;
    let mut previous = vec![Previous::default(); profiles.len()];
    let mut changes = Vec::with_capacity(targets.len());
    for target in targets {
        let mut content = target.content.clone().unwrap_or_default();
        for &kind in &target.kinds {
            for (index, profile) in profiles.iter().enumerate() {
                let (credential_keys, config_keys) = &keys[index];
                let keys: &[(&str, &str)] = match kind {
                    FileKind::Credentials => credential_keys,
                    FileKind::Config => config_keys,
                };
                previous[index]
                    .of_mut(kind)
                    .extend(sections_of(&content, kind, profile.name));
                // A file given no keys has the profile's sections taken out instead.
                content = match keys {
                    [] => strip(&content, kind, profile.name),
                    keys => set(&content, kind, profile.name, keys),
                };
            }
        }
        if target.content.as_deref().unwrap_or_default() == content.as_slice() {
            // Nothing to write (a missing file that gets no section stays missing).
            continue;
        }
        changes.push(Changed {
            path: target.path,
            change: Change::Replace(content),
            original: target.content,
        });
    }
    let mut kept = Vec::new();
    for (profile, previous) in profiles.iter().zip(&previous) {
        let Some(keep) = profile.keep else { continue };
        if let Err(source) = previous.save(keep) {
            forget(&kept);
            return Err(io_error(
                profile.name,
                "keep the replaced profile in",
                keep,
                source,
            ));
        }
        kept.push(keep);
    }
    apply(&label, changes).inspect_err(|_| forget(&kept))
}

/// Deletes the copies of replaced profiles kept for a write that did not happen.
fn forget(kept: &[&Path]) {
    for keep in kept {
        let _ = fs::remove_file(keep);
    }
}

/// The profile as it was before [`write()`] replaced it: for each file kind, the `key = value`
/// (and continuation) lines of each of its sections, in order; none where it had no section.
/// [`restore`] puts them back.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Previous {
    credentials: Vec<Vec<u8>>,
    config: Vec<Vec<u8>>,
}

impl Previous {
    fn of(&self, kind: FileKind) -> &[Vec<u8>] {
        match kind {
            FileKind::Credentials => &self.credentials,
            FileKind::Config => &self.config,
        }
    }

    fn of_mut(&mut self, kind: FileKind) -> &mut Vec<Vec<u8>> {
        match kind {
            FileKind::Credentials => &mut self.credentials,
            FileKind::Config => &mut self.config,
        }
    }

    /// Writes a new private (0600) file at `path`.
    fn save(&self, path: &Path) -> io::Result<()> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path)?;
        file.write_all(&serde_json::to_vec(self)?)?;
        file.sync_all()
    }

    /// Reads what [`Previous::save`] wrote; `None` if there is no such file.
    pub fn load(path: &Path) -> io::Result<Option<Previous>> {
        match fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(io::Error::from),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Locks both files against other processes that rewrite them (steps of other jobs sharing the
/// home directory), each file once and in one order, so that two processes never wait for each
/// other. A file whose directory is missing has nothing to guard yet.
fn lock(name: &str, files: &ProfileFiles) -> Result<Vec<FileLock>, Error> {
    let mut paths = distinct(files);
    paths.sort_by_cached_key(|path| resolved(path));
    paths
        .into_iter()
        .filter(|path| {
            fs::symlink_metadata(directory_of(path)).is_ok_and(|meta| meta.file_type().is_dir())
        })
        .map(|path| FileLock::acquire(path).map_err(|source| io_error(name, "lock", path, source)))
        .collect()
}

/// Removes the profile's sections (written by the main step) from both files, for the post step:
/// the section header and its `key = value` lines go; every other byte stays (other sections,
/// comments — including comment lines that were inside the removed section —, blank lines, line
/// endings). A blank line that only separated the removed section from the one before it goes
/// too, so write-then-remove of a new profile restores the file byte for byte. A file left
/// with nothing but blank lines is deleted; a missing file is fine; symbolic links and
/// non-regular files are refused exactly as `write` refuses them; each file is replaced
/// atomically like `write` does.
///
/// Nothing is written when neither file has the profile. Both files are read and checked before
/// either is changed, and a missing profile is no error. One case cannot be told apart from the
/// plain one: a file that already ended with a blank line, or without a line ending, before the
/// profile was appended ends with a single line ending after the removal.
pub fn remove(files: &ProfileFiles, name: &str) -> Result<(), Error> {
    restore(files, name, &Previous::default())
}

/// Takes out the profile [`write()`] wrote and puts back what it replaced, for the post step:
/// in a file where the profile had sections before, each section's header stays and gets its
/// old `key = value` lines back (comments and every other byte stay, as when writing); in a file
/// where it had none, the sections go as [`remove`] takes them out.
pub fn restore(files: &ProfileFiles, name: &str, previous: &Previous) -> Result<(), Error> {
    // The profile being there already is the point, not a reason to refuse.
    prepare(files, &[name], true)?;
    let _locks = lock(name, files)?;
    let targets = prepare(files, &[name], true)?;
    let mut changes = Vec::with_capacity(targets.len());
    for target in targets {
        let original = target.content.clone().unwrap_or_default();
        let mut content = original.clone();
        for &kind in &target.kinds {
            content = match previous.of(kind) {
                [] => strip(&content, kind, name),
                sections => render(&content, kind, name, sections),
            };
        }
        if content == original {
            continue;
        }
        let change = if lines(&content).all(|(text, _)| classify(text) == LineKind::Blank) {
            Change::Delete
        } else {
            Change::Replace(content)
        };
        changes.push(Changed {
            path: target.path,
            change,
            original: target.content,
        });
    }
    apply(name, changes)
}

/// One file's change, and what it held before (`None`: it did not exist).
struct Changed {
    path: PathBuf,
    change: Change,
    original: Option<Vec<u8>>,
}

/// What becomes of one file.
enum Change {
    /// It gets this content (created, with its directory, if missing).
    Replace(Vec<u8>),
    /// It is deleted.
    Delete,
}

/// Makes the changes, shared by [`write()`] and [`restore`]: every directory is made and every
/// new content fully written and synced beside its file before any file is replaced or deleted;
/// then each file is replaced atomically (or deleted), in order. If one cannot be, the files
/// changed before it get their old content back, so that both change or neither does.
fn apply(name: &str, changes: Vec<Changed>) -> Result<(), Error> {
    for changed in &changes {
        if let Change::Replace(_) = changed.change {
            ensure_directory(name, &changed.path)?;
        }
    }
    // Each file with its staged replacement, or `None` to delete it.
    let mut steps = Vec::with_capacity(changes.len());
    for changed in &changes {
        let path = &changed.path;
        let staged = match &changed.change {
            Change::Replace(content) => {
                let temp = Staged::create(path, content).map_err(|source| {
                    io_error(name, "write a temporary file beside", path, source)
                })?;
                Some((temp, content))
            }
            Change::Delete => None,
        };
        steps.push((changed, staged));
    }
    let mut done: Vec<&Changed> = Vec::with_capacity(steps.len());
    for (changed, staged) in steps {
        let path = &changed.path;
        let result = match staged {
            Some((temp, content)) => temp
                .commit(content)
                .map_err(|source| io_error(name, "replace", path, source)),
            None => match fs::remove_file(path) {
                Ok(()) => {
                    sync_directory(path);
                    Ok(())
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                Err(source) => Err(io_error(name, "delete", path, source)),
            },
        };
        if let Err(error) = result {
            for changed in done {
                undo(changed);
            }
            return Err(error);
        }
        done.push(changed);
    }
    Ok(())
}

/// Gives a changed file its old content back (best effort: this runs after another failure).
fn undo(changed: &Changed) {
    match &changed.original {
        Some(content) => {
            if let Ok(temp) = Staged::create(&changed.path, content) {
                let _ = temp.commit(content);
            }
        }
        None => {
            let _ = fs::remove_file(&changed.path);
        }
    }
}

/// Makes a rename or deletion in the file's directory durable (on Unix; best effort).
fn sync_directory(path: &Path) {
    #[cfg(unix)]
    if let Ok(directory) = fs::File::open(directory_of(path)) {
        let _ = directory.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Which of the two files, and so which section name the profile has in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `[NAME]`.
    Credentials,
    /// `[profile NAME]`, or `[default]` for `default`.
    Config,
}

impl FileKind {
    /// The header written for a new section.
    fn header(self, name: &str) -> String {
        match self {
            FileKind::Config if name != "default" => format!("[profile {name}]"),
            _ => format!("[{name}]"),
        }
    }

    /// Whether a header's name (between the brackets, trimmed) is the profile's section. In the
    /// config file any whitespace may separate `profile` from the name, and `[profile default]`
    /// is the default profile as well as `[default]`.
    fn owns(self, header: &[u8], name: &str) -> bool {
        match self {
            FileKind::Credentials => header == name.as_bytes(),
            FileKind::Config => {
                let mut words = header
                    .split(u8::is_ascii_whitespace)
                    .filter(|word| !word.is_empty());
                match (words.next(), words.next(), words.next()) {
                    (Some(b"default"), None, None) => name == "default",
                    (Some(b"profile"), Some(word), None) => word == name.as_bytes(),
                    _ => false,
                }
            }
        }
    }
}

/// One file to write, as read before anything is written.
struct Target {
    path: PathBuf,
    /// `None` when the file does not exist yet.
    content: Option<Vec<u8>>,
    /// The sections it gets: both when the two variables name the same file.
    kinds: Vec<FileKind>,
}

/// Checks the names and both files and reads them: everything that can refuse the write happens
/// here, before anything is written.
fn prepare(files: &ProfileFiles, names: &[&str], overwrite: bool) -> Result<Vec<Target>, Error> {
    for name in names {
        check_name(name)
            .map_err(|problem| Error::input("aws-profile", format!("{problem}, got '{name}'")))?;
    }
    let name = &names.join(", ");
    let mut targets = vec![Target {
        content: read(name, &files.credentials)?,
        path: files.credentials.clone(),
        kinds: vec![FileKind::Credentials],
    }];
    if same_file(&files.credentials, &files.config) {
        targets[0].kinds.push(FileKind::Config);
    } else {
        targets.push(Target {
            content: read(name, &files.config)?,
            path: files.config.clone(),
            kinds: vec![FileKind::Config],
        });
    }
    if !overwrite {
        for target in &targets {
            let content = target.content.as_deref().unwrap_or_default();
            let existing = names.iter().find(|name| {
                target
                    .kinds
                    .iter()
                    .any(|&kind| has_section(content, kind, name))
            });
            if let Some(name) = existing {
                return Err(Error::ProfileExists {
                    profile: (*name).to_owned(),
                    path: target.path.display().to_string(),
                });
            }
        }
    }
    Ok(targets)
}

/// The two files, or the one when both name it.
fn distinct(files: &ProfileFiles) -> Vec<&PathBuf> {
    if same_file(&files.credentials, &files.config) {
        vec![&files.credentials]
    } else {
        vec![&files.credentials, &files.config]
    }
}

/// Whether two paths are one file (the same path, or both resolving to the same place), also
/// when the file or its directories do not exist yet.
fn same_file(a: &Path, b: &Path) -> bool {
    a == b || resolved(a) == resolved(b)
}

/// Where `path` leads once its missing directories are made: its longest existing ancestor
/// resolved by the file system (links, `..`), the missing rest appended with `.` and `..`
/// resolved by name (directories this module makes are never links).
fn resolved(path: &Path) -> PathBuf {
    let Ok(absolute) = std::path::absolute(path) else {
        return path.to_path_buf();
    };
    let components: Vec<Component<'_>> = absolute.components().collect();
    for existing in (1..=components.len()).rev() {
        let Ok(mut real) = fs::canonicalize(components[..existing].iter().collect::<PathBuf>())
        else {
            continue;
        };
        for component in &components[existing..] {
            match component {
                Component::ParentDir => {
                    real.pop();
                }
                Component::Normal(name) => real.push(name),
                _ => {}
            }
        }
        return real;
    }
    absolute
}

/// Reads a profile file, refusing symbolic links and anything but a regular file; `None` if it
/// does not exist.
fn read(profile: &str, path: &Path) -> Result<Option<Vec<u8>>, Error> {
    files::read_regular(path, false, files::Limit::None).map_err(|e| match e {
        ReadError::Refused { path, problem } => refuse(profile, &path, problem),
        ReadError::Io {
            action,
            path,
            source,
        } => io_error(profile, action, &path, source),
    })
}

/// Creates the file's directory (mode 0700) if it is missing, refusing a symbolic link.
fn ensure_directory(profile: &str, path: &Path) -> Result<(), Error> {
    let directory = directory_of(path);
    match fs::symlink_metadata(directory) {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            builder
                .create(directory)
                .map_err(|source| io_error(profile, "create the directory", directory, source))?;
        }
        Err(source) => return Err(io_error(profile, "inspect", directory, source)),
    }
    match fs::symlink_metadata(directory) {
        Ok(meta) if meta.file_type().is_symlink() => {
            Err(refuse(profile, directory, "path is a symbolic link"))
        }
        Ok(_) => Ok(()),
        Err(source) => Err(io_error(profile, "inspect", directory, source)),
    }
}

fn refuse(profile: &str, path: &Path, problem: &'static str) -> Error {
    Error::ProfilePath {
        profile: profile.to_owned(),
        path: path.display().to_string(),
        problem,
    }
}

fn io_error(profile: &str, action: &'static str, path: &Path, source: io::Error) -> Error {
    Error::ProfileIo {
        profile: profile.to_owned(),
        action,
        path: path.display().to_string(),
        source,
    }
}

/// Replaces `target` atomically by a private (0600) file holding `content`, as the profile
/// files are replaced.
pub fn replace_private(target: &Path, content: &[u8]) -> io::Result<()> {
    Staged::create(target, content)?.commit(content)
}

/// A file fully written (mode 0600) and synced beside its target, waiting to replace it; removed
/// if dropped before [`Staged::commit`].
struct Staged {
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staged {
    fn create(target: &Path, content: &[u8]) -> io::Result<Staged> {
        let directory = directory_of(target);
        let file_name = target
            .file_name()
            .map_or_else(|| "profile".into(), |name| name.to_string_lossy());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        let mut attempt = 0u32;
        let (temp, mut file) = loop {
            let temp = directory.join(format!(
                ".{file_name}.{}-{nanos:x}-{attempt}.tmp",
                std::process::id()
            ));
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            match options.open(&temp) {
                Ok(file) => break (temp, file),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        };
        let staged = Staged {
            temp,
            target: target.to_owned(),
            committed: false,
        };
        // Exactly 0600 whatever the umask.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(content)?;
        file.sync_all()?;
        Ok(staged)
    }

    /// Renames the file over its target. On Windows, where that can fail while another process
    /// has the target open, the content is written to the target directly instead.
    fn commit(
        mut self,
        #[cfg_attr(not(windows), allow(unused_variables))] content: &[u8],
    ) -> io::Result<()> {
        match fs::rename(&self.temp, &self.target) {
            Ok(()) => {
                self.committed = true;
                // The data is already synced; this makes the rename itself durable.
                sync_directory(&self.target);
                Ok(())
            }
            #[cfg(windows)]
            Err(_) => fs::write(&self.target, content),
            #[cfg(not(windows))]
            Err(e) => Err(e),
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// What a line of an INI file is, for this module's purposes.
#[derive(Debug, PartialEq, Eq)]
enum LineKind<'a> {
    Blank,
    /// `#` or `;` first.
    Comment,
    /// The name between the brackets, trimmed.
    Header(&'a [u8]),
    /// `key = value`, a continuation line, or anything else inside a section.
    Entry,
}

const BOM: &[u8] = b"\xef\xbb\xbf";

fn classify(text: &[u8]) -> LineKind<'_> {
    let text = text.trim_ascii();
    let text = text.strip_prefix(BOM).unwrap_or(text).trim_ascii();
    match text.first() {
        None => LineKind::Blank,
        Some(b'#' | b';') => LineKind::Comment,
        Some(b'[') => match text.iter().position(|&b| b == b']') {
            Some(close) => LineKind::Header(text[1..close].trim_ascii()),
            None => LineKind::Entry,
        },
        Some(_) => LineKind::Entry,
    }
}

/// A line without its ending, and its ending (`\n`, `\r\n`, or nothing on an unterminated last
/// line).
fn lines(content: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    content.split_inclusive(|&b| b == b'\n').map(|raw| {
        let text = raw
            .strip_suffix(b"\r\n")
            .or_else(|| raw.strip_suffix(b"\n"))
            .unwrap_or(raw);
        (text, &raw[text.len()..])
    })
}

/// The file's line ending, from its first line: `\r\n` if that ends so (or, unterminated, ends in
/// `\r`), else `\n`.
fn line_ending(content: &[u8]) -> &'static [u8] {
    match lines(content).next() {
        Some((_, b"\r\n")) => b"\r\n",
        Some((text, b"")) if text.ends_with(b"\r") => b"\r\n",
        _ => b"\n",
    }
}

/// What ends an unterminated last line `text`: only `\n` after the `\r` it already has, so that
/// the two make one `\r\n`; else `eol`.
fn completion(text: &[u8], eol: &'static [u8]) -> &'static [u8] {
    if text.ends_with(b"\r") { b"\n" } else { eol }
}

/// Whether the file has a section of the profile.
pub fn has_section(content: &[u8], kind: FileKind, name: &str) -> bool {
    lines(content).any(
        |(text, _)| matches!(classify(text), LineKind::Header(header) if kind.owns(header, name)),
    )
}

/// The file with the profile's section set to `keys`: the section's header stays where it is and
/// its key lines are replaced, or a new section is appended; every other byte is kept.
pub fn set(content: &[u8], kind: FileKind, name: &str, keys: &[(&str, &str)]) -> Vec<u8> {
    let eol = line_ending(content);
    let mut entries = Vec::new();
    for (key, value) in keys {
        entries.extend_from_slice(format!("{key} = {value}").as_bytes());
        entries.extend_from_slice(eol);
    }
    render(content, kind, name, &[entries])
}

/// The `key = value` (and continuation) lines of each of the profile's sections, in order; a last
/// line without a line ending gets the file's.
fn sections_of(content: &[u8], kind: FileKind, name: &str) -> Vec<Vec<u8>> {
    let eol = line_ending(content);
    let mut sections: Vec<Vec<u8>> = Vec::new();
    let mut inside = false;
    for (text, ending) in lines(content) {
        match classify(text) {
            LineKind::Header(header) => {
                inside = kind.owns(header, name);
                if inside {
                    sections.push(Vec::new());
                }
            }
            LineKind::Entry if inside => {
                if let Some(section) = sections.last_mut() {
                    section.extend_from_slice(text);
                    section.extend_from_slice(if ending.is_empty() { eol } else { ending });
                }
            }
            _ => {}
        }
    }
    sections
}

/// The file with the profile's sections set to `sections` (`key = value` lines, each with its
/// line ending): each of the profile's section headers stays where it is, its key lines are
/// replaced by the next of `sections` (by none once they run out), or, without a section, a new
/// one with all of them is appended; every other byte is kept.
fn render(content: &[u8], kind: FileKind, name: &str, sections: &[Vec<u8>]) -> Vec<u8> {
    let eol = line_ending(content);
    let mut out = Vec::with_capacity(content.len() + sections.concat().len() + 64);
    if has_section(content, kind, name) {
        let mut inside = false;
        let mut next = sections.iter();
        for (text, ending) in lines(content) {
            match classify(text) {
                LineKind::Header(header) => {
                    inside = kind.owns(header, name);
                    out.extend_from_slice(text);
                    let entries = if inside { next.next() } else { None };
                    match entries.filter(|entries| !entries.is_empty()) {
                        Some(entries) => {
                            out.extend_from_slice(if ending.is_empty() {
                                completion(text, eol)
                            } else {
                                ending
                            });
                            out.extend_from_slice(entries);
                        }
                        None => out.extend_from_slice(ending),
                    }
                }
                LineKind::Entry if inside => {}
                _ => {
                    out.extend_from_slice(text);
                    out.extend_from_slice(ending);
                }
            }
        }
        return out;
    }

    out.extend_from_slice(content);
    if !content.is_empty() {
        if !content.ends_with(b"\n") {
            out.extend_from_slice(completion(content, eol));
        }
        let last_is_blank = lines(content)
            .last()
            .is_some_and(|(text, _)| classify(text) == LineKind::Blank);
        if !last_is_blank {
            out.extend_from_slice(eol);
        }
    }
    out.extend_from_slice(kind.header(name).as_bytes());
    out.extend_from_slice(eol);
    out.extend_from_slice(&sections.concat());
    out
}

/// The file without the profile's sections: each header line and the `key = value` (and
/// continuation) lines under it go, its comment and blank lines stay. The blank line just above a
/// removed header goes too when it is the only one there, after a line that stays, and the
/// section kept no comment: that is the separator [`render`] put before a new section. A byte
/// order mark on a removed first line stays.
pub fn strip(content: &[u8], kind: FileKind, name: &str) -> Vec<u8> {
    let lines: Vec<(&[u8], &[u8])> = lines(content).collect();
    let blank = |index: usize| classify(lines[index].0) == LineKind::Blank;
    let mut keep = vec![true; lines.len()];
    let mut index = 0;
    while index < lines.len() {
        let owned =
            matches!(classify(lines[index].0), LineKind::Header(header) if kind.owns(header, name));
        if !owned {
            index += 1;
            continue;
        }
        let header = index;
        keep[header] = false;
        let mut keeps_comments = false;
        index += 1;
        while index < lines.len() {
            match classify(lines[index].0) {
                LineKind::Header(_) => break,
                LineKind::Entry => keep[index] = false,
                LineKind::Comment => keeps_comments = true,
                LineKind::Blank => {}
            }
            index += 1;
        }
        let mut kept_above = (0..header).rev().filter(|&above| keep[above]);
        if let (Some(separator), Some(before)) = (kept_above.next(), kept_above.next())
            && !keeps_comments
            && blank(separator)
            && !blank(before)
        {
            keep[separator] = false;
        }
    }

    let mut out = Vec::with_capacity(content.len());
    if !keep.first().copied().unwrap_or(true) && content.starts_with(BOM) {
        out.extend_from_slice(BOM);
    }
    for ((text, ending), kept) in lines.iter().zip(keep) {
        if kept {
            out.extend_from_slice(text);
            out.extend_from_slice(ending);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREDS: ProfileCredentials<'static> = ProfileCredentials {
        access_key_id: "AKIA",
        secret_access_key: "SECRET",
        session_token: Some("TOKEN"),
    };

    /// Both files under `<temp>/home/.aws/`, the directory not created yet.
    fn files_in(dir: &Path) -> ProfileFiles {
        let aws = dir.join("home").join(".aws");
        ProfileFiles {
            credentials: aws.join("credentials"),
            config: aws.join("config"),
        }
    }

    fn text(path: &Path) -> String {
        fs::read_to_string(path).unwrap()
    }

    /// Both files with the given contents, in an existing directory.
    fn existing(dir: &Path, credentials: &str, config: &str) -> ProfileFiles {
        let files = files_in(dir);
        fs::create_dir_all(files.credentials.parent().unwrap()).unwrap();
        fs::write(&files.credentials, credentials).unwrap();
        fs::write(&files.config, config).unwrap();
        files
    }

    /// Writes one profile of static keys.
    fn write_one(
        files: &ProfileFiles,
        name: &str,
        creds: &ProfileCredentials<'_>,
        region: &str,
        overwrite: bool,
        keep: Option<&Path>,
    ) -> Result<(), Error> {
        let profile = NewProfile {
            name,
            holds: Holds::Keys(*creds),
            keep,
        };
        write(files, &[profile], region, overwrite)
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    /// Only the two profile files in their directory: no temporary file left behind.
    fn assert_no_leftovers(files: &ProfileFiles) {
        let mut names: Vec<String> = fs::read_dir(files.credentials.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["config", "credentials"]);
    }

    #[test]
    fn fresh_files_have_the_originals_format_and_private_modes() {
        let dir = tempfile::tempdir().unwrap();
        let files = files_in(dir.path());
        write_one(&files, "ci", &CREDS, "us-east-2", false, None).unwrap();
        assert_eq!(
            text(&files.credentials),
            "[ci]\naws_access_key_id = AKIA\naws_secret_access_key = SECRET\naws_session_token = TOKEN\n"
        );
        assert_eq!(text(&files.config), "[profile ci]\nregion = us-east-2\n");
        assert_no_leftovers(&files);
        #[cfg(unix)]
        {
            assert_eq!(mode(files.credentials.parent().unwrap()), 0o700);
            assert_eq!(mode(&files.credentials), 0o600);
            assert_eq!(mode(&files.config), 0o600);
        }
    }

    #[test]
    fn default_profile_and_no_session_token() {
        let dir = tempfile::tempdir().unwrap();
        let files = files_in(dir.path());
        let creds = ProfileCredentials {
            session_token: None,
            ..CREDS
        };
        write_one(&files, "default", &creds, "eu-west-1", false, None).unwrap();
        assert_eq!(
            text(&files.credentials),
            "[default]\naws_access_key_id = AKIA\naws_secret_access_key = SECRET\n"
        );
        assert_eq!(text(&files.config), "[default]\nregion = eu-west-1\n");

        // An empty token is no token either.
        let creds = ProfileCredentials {
            session_token: Some(""),
            ..CREDS
        };
        write_one(&files, "default", &creds, "eu-west-1", true, None).unwrap();
        assert!(!text(&files.credentials).contains("aws_session_token"));
    }

    #[test]
    fn a_new_profile_keeps_everything_else_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = "# team keys\n[default]\naws_access_key_id=OLD\n  ; note\n\n\n[other]  ; inline\nkey   =  spaced";
        let config = "[default]\nregion = us-west-2\ns3 =\n  max_concurrent_requests = 20\n\n";
        let files = existing(dir.path(), credentials, config);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&files.config, fs::Permissions::from_mode(0o644)).unwrap();
        }
        write_one(&files, "ci", &CREDS, "us-east-2", false, None).unwrap();
        assert_eq!(
            text(&files.credentials),
            format!(
                "{credentials}\n\n[ci]\naws_access_key_id = AKIA\naws_secret_access_key = SECRET\naws_session_token = TOKEN\n"
            )
        );
        // The file already ends with a blank line: no second one.
        assert_eq!(
            text(&files.config),
            format!("{config}[profile ci]\nregion = us-east-2\n")
        );
        assert_no_leftovers(&files);
        #[cfg(unix)]
        assert_eq!(mode(&files.config), 0o600);
    }

    #[test]
    fn overwrite_replaces_only_the_key_lines_of_that_section() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = "[default]\naws_access_key_id = D\n\n[ ci ]   # ours\n# keep me\naws_access_key_id = OLD\naws_session_token = OLDTOKEN\n; and me\n\n[later]\nx = 1\n";
        let config = "[profile  ci]\nregion = eu-north-1\noutput = json\n\n[profile cix]\nregion = ap-south-1\n[profile ci]\nregion = dup\n";
        let files = existing(dir.path(), credentials, config);
        let creds = ProfileCredentials {
            session_token: None,
            ..CREDS
        };
        write_one(&files, "ci", &creds, "us-east-2", true, None).unwrap();
        assert_eq!(
            text(&files.credentials),
            "[default]\naws_access_key_id = D\n\n[ ci ]   # ours\naws_access_key_id = AKIA\naws_secret_access_key = SECRET\n# keep me\n; and me\n\n[later]\nx = 1\n"
        );
        // A repeated section loses its keys too, so the profile is exactly what was written.
        assert_eq!(
            text(&files.config),
            "[profile  ci]\nregion = us-east-2\n\n[profile cix]\nregion = ap-south-1\n[profile ci]\n"
        );
    }

    #[test]
    fn overwrite_of_an_unterminated_header_adds_its_line_ending() {
        let dir = tempfile::tempdir().unwrap();
        let files = existing(
            dir.path(),
            "[x]\na = 1\n[ci]",
            "[profile ci]\r\nregion = old",
        );
        write_one(&files, "ci", &CREDS, "us-east-2", true, None).unwrap();
        assert_eq!(
            text(&files.credentials),
            "[x]\na = 1\n[ci]\naws_access_key_id = AKIA\naws_secret_access_key = SECRET\naws_session_token = TOKEN\n"
        );
        assert_eq!(
            text(&files.config),
            "[profile ci]\r\nregion = us-east-2\r\n"
        );
    }

    #[test]
    fn a_last_line_ending_in_a_lone_cr_is_completed_to_crlf() {
        // Found by fuzzing: setting the profile a second time changed the file again.
        let keys = [("k", "v")];
        for (content, expected) in [
            ("x ]\r", "x ]\r\n\r\n[dev]\r\nk = v\r\n"),
            ("[dev]\r", "[dev]\r\nk = v\r\n"),
            ("a\nb\r", "a\nb\r\n\n[dev]\nk = v\n"),
        ] {
            let once = set(content.as_bytes(), FileKind::Credentials, "dev", &keys);
            assert_eq!(String::from_utf8_lossy(&once), expected, "{content:?}");
            let twice = set(&once, FileKind::Credentials, "dev", &keys);
            assert_eq!(twice, once, "{content:?} set twice");
        }
    }

    #[test]
    fn an_existing_profile_without_overwrite_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = "[ci]\naws_access_key_id = OLD\n";
        let config = "[profile other]\nregion = x\n";
        let files = existing(dir.path(), credentials, config);
        let error = write_one(&files, "ci", &CREDS, "us-east-2", false, None).unwrap_err();
        assert!(matches!(&error, Error::ProfileExists { profile, path }
            if profile == "ci" && *path == files.credentials.display().to_string()));
        assert_eq!(
            error.to_string(),
            format!(
                "Failed to write AWS profile 'ci' to {}: Profile with name \"ci\" already exists. \
                 Please use the overwrite-aws-profile input if you want to overwrite existing \
                 profiles. No profile file was written",
                files.credentials.display()
            )
        );
        assert!(check_writable(&files, "ci", false).is_err());
        assert!(check_writable(&files, "ci", true).is_ok());
        assert_eq!(text(&files.credentials), credentials);
        assert_eq!(text(&files.config), config);
        assert_no_leftovers(&files);
    }

    #[test]
    fn a_profile_only_in_the_config_file_also_refuses_before_any_write() {
        let dir = tempfile::tempdir().unwrap();
        let files = files_in(dir.path());
        fs::create_dir_all(files.config.parent().unwrap()).unwrap();
        let config = "[profile   ci ]\nregion = x\n";
        fs::write(&files.config, config).unwrap();
        let error = write_one(&files, "ci", &CREDS, "us-east-2", false, None).unwrap_err();
        assert!(matches!(&error, Error::ProfileExists { path, .. }
            if *path == files.config.display().to_string()));
        assert!(!files.credentials.exists());
        assert_eq!(text(&files.config), config);

        // `[profile default]` is the default profile too; a bare `[ci]` in the config file is not
        // a profile.
        fs::write(&files.config, "[profile default]\n[ci]\n").unwrap();
        assert!(check_writable(&files, "default", false).is_err());
        assert!(check_writable(&files, "ci", false).is_ok());
    }

    #[test]
    fn crlf_files_keep_crlf() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = "[a]\r\nk = v\r\n";
        let config = "[profile ci]\r\nregion = old\r\n\r\n[default]\r\nregion = x\r\n";
        let files = existing(dir.path(), credentials, config);
        write_one(&files, "ci", &CREDS, "us-east-2", true, None).unwrap();
        assert_eq!(
            text(&files.credentials),
            "[a]\r\nk = v\r\n\r\n[ci]\r\naws_access_key_id = AKIA\r\naws_secret_access_key = SECRET\r\naws_session_token = TOKEN\r\n"
        );
        assert_eq!(
            text(&files.config),
            "[profile ci]\r\nregion = us-east-2\r\n\r\n[default]\r\nregion = x\r\n"
        );
    }

    #[test]
    fn writes_to_the_paths_the_variables_name() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = dir.path().join("a").join("creds");
        let config = dir.path().join("b").join("nested").join("cfg");
        let env = |name: &str| match name {
            "AWS_SHARED_CREDENTIALS_FILE" => Some(credentials.display().to_string()),
            "AWS_CONFIG_FILE" => Some(config.display().to_string()),
            _ => None,
        };
        let files = ProfileFiles::locate(env).unwrap();
        write_one(&files, "ci", &CREDS, "us-east-2", false, None).unwrap();
        assert!(text(&credentials).starts_with("[ci]\naws_access_key_id = AKIA\n"));
        assert_eq!(text(&config), "[profile ci]\nregion = us-east-2\n");
        #[cfg(unix)]
        {
            assert_eq!(mode(&dir.path().join("b")), 0o700);
            assert_eq!(mode(config.parent().unwrap()), 0o700);
        }
    }

    #[test]
    fn one_file_for_both_gets_both_sections() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aws");
        fs::write(&path, "[x]\n").unwrap();
        let files = ProfileFiles {
            credentials: path.clone(),
            config: path.clone(),
        };
        write_one(&files, "ci", &CREDS, "us-east-2", false, None).unwrap();
        assert_eq!(
            text(&path),
            "[x]\n\n[ci]\naws_access_key_id = AKIA\naws_secret_access_key = SECRET\naws_session_token = TOKEN\n\n[profile ci]\nregion = us-east-2\n"
        );
        assert!(check_writable(&files, "ci", false).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_are_refused_and_nothing_is_written() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        fs::write(&elsewhere, "[keep]\n").unwrap();

        // The credentials file is a link; the config file must not be written either.
        let files = files_in(dir.path());
        fs::create_dir_all(files.credentials.parent().unwrap()).unwrap();
        symlink(&elsewhere, &files.credentials).unwrap();
        let error = write_one(&files, "ci", &CREDS, "us-east-2", false, None).unwrap_err();
        assert!(
            matches!(&error, Error::ProfilePath { problem: "path is a symbolic link", path, .. }
            if *path == files.credentials.display().to_string())
        );
        assert_eq!(
            error.to_string(),
            format!(
                "Failed to write AWS profile 'ci': Refusing {} (path is a symbolic link). \
                 No profile file was written",
                files.credentials.display()
            )
        );
        assert!(!files.config.exists());
        assert_eq!(text(&elsewhere), "[keep]\n");

        // The config file's directory is a link.
        let real = dir.path().join("real");
        fs::create_dir(&real).unwrap();
        let linked = dir.path().join("linked");
        symlink(&real, &linked).unwrap();
        let files = ProfileFiles {
            credentials: dir.path().join("plain").join("credentials"),
            config: linked.join("config"),
        };
        let error = write_one(&files, "ci", &CREDS, "us-east-2", true, None).unwrap_err();
        assert!(
            matches!(&error, Error::ProfilePath { problem: "parent directory is a symbolic link", path, .. }
            if *path == files.config.display().to_string())
        );
        assert!(!dir.path().join("plain").exists());
        assert_eq!(fs::read_dir(&real).unwrap().count(), 0);
    }

    #[test]
    fn a_directory_at_the_path_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let files = files_in(dir.path());
        fs::create_dir_all(&files.config).unwrap();
        let error = write_one(&files, "ci", &CREDS, "us-east-2", true, None).unwrap_err();
        assert!(
            matches!(&error, Error::ProfilePath { problem: "path is not a regular file", path, .. }
            if *path == files.config.display().to_string())
        );
        assert!(!files.credentials.exists());

        // A file where the directory should be.
        let files = ProfileFiles {
            credentials: dir
                .path()
                .join("home")
                .join(".aws")
                .join("config")
                .join("x"),
            config: dir.path().join("other"),
        };
        fs::remove_dir(dir.path().join("home").join(".aws").join("config")).unwrap();
        fs::write(dir.path().join("home").join(".aws").join("config"), "").unwrap();
        let error = check_writable(&files, "ci", false).unwrap_err();
        assert!(matches!(
            error,
            Error::ProfilePath {
                problem: "path is not a directory",
                ..
            }
        ));
    }

    #[test]
    fn line_breaks_in_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let files = files_in(dir.path());
        let creds = ProfileCredentials {
            session_token: Some("a\nregion = evil"),
            ..CREDS
        };
        let error = write_one(&files, "ci", &creds, "us-east-2", false, None).unwrap_err();
        assert!(matches!(
            error,
            Error::ProfileValue {
                key: "aws_session_token",
                ..
            }
        ));
        let error = write_one(&files, "ci", &CREDS, "us-east-2\r", false, None).unwrap_err();
        assert!(matches!(error, Error::ProfileValue { key: "region", .. }));
        assert!(!files.credentials.parent().unwrap().exists());
    }

    #[test]
    fn a_profile_name_is_checked_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let error = check_writable(&files_in(dir.path()), "a b", false).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Input 'aws-profile' must not contain whitespace, got 'a b'"
        );
    }

    /// Write-then-remove of a new profile gives back exactly what was there.
    fn assert_write_then_remove_restores(files: &ProfileFiles, name: &str) {
        let before = |path: &Path| fs::read(path).ok();
        let (credentials, config) = (before(&files.credentials), before(&files.config));
        write_one(files, name, &CREDS, "us-east-2", false, None).unwrap();
        assert!(check_writable(files, name, false).is_err());
        remove(files, name).unwrap();
        assert_eq!(before(&files.credentials), credentials, "{name}");
        assert_eq!(before(&files.config), config, "{name}");
        assert!(check_writable(files, name, false).is_ok());
    }

    #[test]
    fn write_then_remove_restores_existing_files_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = "# team keys\n[default]\naws_access_key_id=OLD\n  ; note\n\n\n[other]  ; inline\nkey   =  spaced\n";
        let config =
            "[default]\nregion = us-west-2\ns3 =\n  max_concurrent_requests = 20\n# last words\n";
        let files = existing(dir.path(), credentials, config);
        assert_write_then_remove_restores(&files, "ci");
        assert_eq!(text(&files.credentials), credentials);
        assert_eq!(text(&files.config), config);
        assert_no_leftovers(&files);

        // Two blank lines before the new section: both are the file's own.
        let files = existing(dir.path(), "[a]\nk = v\n\n\n", "# only a comment\n");
        assert_write_then_remove_restores(&files, "ci");
        assert_no_leftovers(&files);

        // What cannot be told apart from a file ending with one line ending: a file ending with
        // one blank line, or with no line ending.
        let files = existing(dir.path(), "[a]\nk = v\n\n", "[a]\nregion = x");
        write_one(&files, "ci", &CREDS, "us-east-2", false, None).unwrap();
        remove(&files, "ci").unwrap();
        assert_eq!(text(&files.credentials), "[a]\nk = v\n");
        assert_eq!(text(&files.config), "[a]\nregion = x\n");
    }

    #[test]
    fn write_then_remove_of_fresh_files_deletes_them() {
        let dir = tempfile::tempdir().unwrap();
        let files = files_in(dir.path());
        assert_write_then_remove_restores(&files, "ci");
        assert!(!files.credentials.exists());
        assert!(!files.config.exists());
        let directory = files.credentials.parent().unwrap();
        assert_eq!(fs::read_dir(directory).unwrap().count(), 0);

        // Blank lines alone are an empty file too.
        fs::write(&files.credentials, "\n\r\n  \n").unwrap();
        write_one(&files, "ci", &CREDS, "us-east-2", false, None).unwrap();
        remove(&files, "ci").unwrap();
        assert_eq!(fs::read_dir(directory).unwrap().count(), 0);
    }

    #[test]
    fn remove_keeps_comments_and_other_sections() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = "[a]\nk = 1\n\n[ci]  # ours\n# keep me\naws_access_key_id = X\n  continued\n; and me\n\n[b]\nk = 2\n\n[ ci ]\naws_secret_access_key = Y\n\n[c]\nk = 3\n";
        let config =
            "\u{feff}[profile ci]\nregion = x\n\n[profile cix]\nregion = y\n\n[ci]\nregion = z\n";
        let files = existing(dir.path(), credentials, config);
        remove(&files, "ci").unwrap();
        // A section that leaves comments behind keeps the blank line above them; one that leaves
        // nothing takes its separator along. Every section of that name goes.
        assert_eq!(
            text(&files.credentials),
            "[a]\nk = 1\n\n# keep me\n; and me\n\n[b]\nk = 2\n\n[c]\nk = 3\n"
        );
        // A bare `[ci]` is no profile in the config file.
        assert_eq!(
            text(&files.config),
            "\u{feff}\n[profile cix]\nregion = y\n\n[ci]\nregion = z\n"
        );
        assert_no_leftovers(&files);
    }

    #[test]
    fn remove_of_an_absent_profile_touches_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = "[a]\nk = v\n\n[cix]\nk = w\n";
        let config = "[profile a]\nregion = x\n[ci]\n";
        let files = existing(dir.path(), credentials, config);
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        for path in [&files.credentials, &files.config] {
            fs::File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        #[cfg(unix)]
        let inode = |path: &Path| {
            use std::os::unix::fs::MetadataExt;
            fs::metadata(path).unwrap().ino()
        };
        #[cfg(unix)]
        let inodes = (inode(&files.credentials), inode(&files.config));

        remove(&files, "ci").unwrap();
        for path in [&files.credentials, &files.config] {
            assert_eq!(fs::metadata(path).unwrap().modified().unwrap(), old);
        }
        #[cfg(unix)]
        assert_eq!(inodes, (inode(&files.credentials), inode(&files.config)));
        assert_eq!(text(&files.credentials), credentials);
        assert_eq!(text(&files.config), config);
        assert_no_leftovers(&files);

        // Missing files (and a missing directory) are fine, and stay missing.
        let files = files_in(&dir.path().join("nowhere"));
        remove(&files, "ci").unwrap();
        assert!(!dir.path().join("nowhere").exists());
    }

    #[test]
    fn remove_keeps_crlf() {
        let dir = tempfile::tempdir().unwrap();
        let files = existing(
            dir.path(),
            "[a]\r\nk = v\r\n",
            "[default]\r\nregion = x\r\n\r\n[b]\r\n",
        );
        assert_write_then_remove_restores(&files, "ci");

        fs::write(
            &files.config,
            "[default]\r\nregion = x\r\n\r\n[profile ci]\r\nregion = y\r\n\r\n[profile b]\r\nregion = z",
        )
        .unwrap();
        remove(&files, "ci").unwrap();
        assert_eq!(
            text(&files.config),
            "[default]\r\nregion = x\r\n\r\n[profile b]\r\nregion = z"
        );
    }

    #[test]
    fn remove_of_the_default_profile() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = "[ci]\nk = v\n";
        let config = "[profile ci]\nregion = x\n";
        let files = existing(dir.path(), credentials, config);
        assert_write_then_remove_restores(&files, "default");
        assert_eq!(text(&files.config), config);

        // `[profile default]` is the default profile too; `[profile default]` in the credentials
        // file is not.
        fs::write(
            &files.credentials,
            "[default]\nk = v\n[profile default]\nk = w\n",
        )
        .unwrap();
        fs::write(
            &files.config,
            "[default]\nregion = a\n\n[profile ci]\nregion = b\n\n[profile  default ]\nregion = c\n",
        )
        .unwrap();
        remove(&files, "default").unwrap();
        assert_eq!(text(&files.credentials), "[profile default]\nk = w\n");
        // Only a blank line above a removed section goes with it.
        assert_eq!(text(&files.config), "\n[profile ci]\nregion = b\n");
    }

    #[test]
    fn remove_from_one_file_for_both() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aws");
        fs::write(&path, "[x]\nk = v\n").unwrap();
        let files = ProfileFiles {
            credentials: path.clone(),
            config: path.clone(),
        };
        assert_write_then_remove_restores(&files, "ci");
        assert_eq!(text(&path), "[x]\nk = v\n");

        // Through two spellings of the same path.
        let files = ProfileFiles {
            credentials: path.clone(),
            config: dir.path().join(".").join("aws"),
        };
        assert_write_then_remove_restores(&files, "ci");

        fs::remove_file(&path).unwrap();
        assert_write_then_remove_restores(&files, "ci");
        assert!(!path.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn restore_puts_back_what_write_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let keep = dir.path().join("kept");
        let credentials = "[a]\nk = 1\n\n[ci]\naws_access_key_id = OLD\n  continued\nlast = x";
        let config = "[profile ci]\r\nregion = eu-west-1\r\n\r\n[profile b]\r\n";
        let files = existing(dir.path(), credentials, config);
        write_one(&files, "ci", &CREDS, "us-east-2", true, Some(&keep)).unwrap();
        assert!(text(&files.credentials).contains("aws_secret_access_key = SECRET"));
        #[cfg(unix)]
        assert_eq!(mode(&keep), 0o600);
        let previous = Previous::load(&keep).unwrap().unwrap();
        assert_eq!(
            previous,
            Previous {
                credentials: vec![b"aws_access_key_id = OLD\n  continued\nlast = x\n".to_vec()],
                config: vec![b"region = eu-west-1\r\n".to_vec()],
            }
        );
        restore(&files, "ci", &previous).unwrap();
        // A last line without a line ending gets one.
        assert_eq!(text(&files.credentials), format!("{credentials}\n"));
        assert_eq!(text(&files.config), config);
        assert_no_leftovers(&files);

        // A comment inside the section stays, after the keys put back; a profile that was in
        // one file only is removed from the other; a section without keys keeps none.
        let files = existing(dir.path(), "[ci]\n# note\nk = v\n", "[x]\n");
        let keep = dir.path().join("kept2");
        write_one(&files, "ci", &CREDS, "us-east-2", true, Some(&keep)).unwrap();
        let previous = Previous::load(&keep).unwrap().unwrap();
        assert_eq!(previous.config, Vec::<Vec<u8>>::new());
        restore(&files, "ci", &previous).unwrap();
        assert_eq!(text(&files.credentials), "[ci]\nk = v\n# note\n");
        assert_eq!(text(&files.config), "[x]\n");

        let files = existing(dir.path(), "[ci]\n[ci]\nk = 2\n", "");
        let keep = dir.path().join("kept3");
        write_one(&files, "ci", &CREDS, "us-east-2", true, Some(&keep)).unwrap();
        let previous = Previous::load(&keep).unwrap().unwrap();
        restore(&files, "ci", &previous).unwrap();
        assert_eq!(text(&files.credentials), "[ci]\n[ci]\nk = 2\n");
        assert!(!files.config.exists());

        assert_eq!(Previous::load(&dir.path().join("missing")).unwrap(), None);
    }

    #[test]
    fn a_failed_write_keeps_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let files = existing(dir.path(), "[ci]\nk = v\n", "");
        let keep = dir.path().join("kept");
        let error = write_one(&files, "ci", &CREDS, "us-east-2", false, Some(&keep)).unwrap_err();
        assert!(matches!(error, Error::ProfileExists { .. }));
        assert!(!keep.exists());
        // A kept copy is never written over.
        fs::write(&keep, "x").unwrap();
        let error = write_one(&files, "ci", &CREDS, "us-east-2", true, Some(&keep)).unwrap_err();
        assert!(matches!(error, Error::ProfileIo { .. }));
        assert_eq!(text(&files.credentials), "[ci]\nk = v\n");
    }

    #[test]
    fn several_profiles_are_written_together_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let before = "[prod]\nk = old\n";
        let files = existing(dir.path(), before, "");
        let other = ProfileCredentials {
            access_key_id: "AKIB",
            secret_access_key: "SECRET2",
            session_token: None,
        };
        let (kept_dev, kept_prod) = (dir.path().join("kept-dev"), dir.path().join("kept-prod"));
        let profiles = [
            NewProfile {
                name: "dev",
                holds: Holds::Keys(CREDS),
                keep: Some(&kept_dev),
            },
            NewProfile {
                name: "prod",
                holds: Holds::Keys(other),
                keep: Some(&kept_prod),
            },
        ];
        // One is there already: neither is written, nothing is kept.
        let error = write(&files, &profiles, "us-east-2", false).unwrap_err();
        assert!(
            matches!(&error, Error::ProfileExists { profile, .. } if profile == "prod"),
            "{error}"
        );
        assert_eq!(text(&files.credentials), before);
        assert_eq!(text(&files.config), "");
        assert!(!kept_dev.exists() && !kept_prod.exists());

        write(&files, &profiles, "us-east-2", true).unwrap();
        assert_eq!(
            text(&files.credentials),
            "[prod]\naws_access_key_id = AKIB\naws_secret_access_key = SECRET2\n\n[dev]\n\
             aws_access_key_id = AKIA\naws_secret_access_key = SECRET\naws_session_token = TOKEN\n"
        );
        assert_eq!(
            text(&files.config),
            "[profile dev]\nregion = us-east-2\n\n[profile prod]\nregion = us-east-2\n"
        );
        // Each keeps what it replaced, and is put back from it.
        for (name, kept) in [("dev", &kept_dev), ("prod", &kept_prod)] {
            let previous = Previous::load(kept).unwrap().unwrap();
            restore(&files, name, &previous).unwrap();
        }
        assert_eq!(text(&files.credentials), before);
        assert!(!files.config.exists());
    }

    #[test]
    fn one_new_file_named_two_ways_gets_both_sections() {
        let dir = tempfile::tempdir().unwrap();
        let files = ProfileFiles {
            credentials: dir.path().join("aws"),
            config: dir.path().join("sub").join("..").join("aws"),
        };
        write_one(&files, "ci", &CREDS, "us-east-2", false, None).unwrap();
        assert_eq!(
            text(&files.credentials),
            "[ci]\naws_access_key_id = AKIA\naws_secret_access_key = SECRET\naws_session_token = TOKEN\n\n[profile ci]\nregion = us-east-2\n"
        );
        assert!(matches!(
            check_writable(&files, "ci", false),
            Err(Error::ProfileExists { .. })
        ));
        remove(&files, "ci").unwrap();
        assert!(!files.credentials.exists());

        // The same through a missing directory that is named again by `..`, and `.`.
        let files = ProfileFiles {
            credentials: dir.path().join("new").join("aws"),
            config: dir
                .path()
                .join("new")
                .join("x")
                .join("..")
                .join(".")
                .join("aws"),
        };
        assert_write_then_remove_restores(&files, "ci");
        assert!(
            !dir.path().join("new").join("x").exists(),
            "one directory made"
        );
        assert!(same_file(&files.credentials, &files.config));
        assert!(!same_file(
            &files.credentials,
            &dir.path().join("new").join("x").join("aws")
        ));
    }

    #[cfg(unix)]
    #[test]
    fn remove_refuses_symbolic_links_and_changes_nothing() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        fs::write(&elsewhere, "[ci]\nk = v\n").unwrap();
        let files = files_in(dir.path());
        fs::create_dir_all(files.config.parent().unwrap()).unwrap();
        symlink(&elsewhere, &files.credentials).unwrap();
        let config = "[profile ci]\nregion = x\n";
        fs::write(&files.config, config).unwrap();

        let error = remove(&files, "ci").unwrap_err();
        assert!(
            matches!(&error, Error::ProfilePath { problem: "path is a symbolic link", path, .. }
            if *path == files.credentials.display().to_string())
        );
        assert_eq!(
            error.to_string(),
            write_one(&files, "ci", &CREDS, "us-east-2", true, None)
                .unwrap_err()
                .to_string()
        );
        assert_eq!(text(&elsewhere), "[ci]\nk = v\n");
        assert_eq!(text(&files.config), config);
        assert!(
            fs::symlink_metadata(&files.credentials)
                .unwrap()
                .is_symlink()
        );

        // The config file's directory is a link.
        let real = dir.path().join("real");
        fs::create_dir(&real).unwrap();
        fs::write(real.join("config"), config).unwrap();
        symlink(&real, dir.path().join("linked")).unwrap();
        let files = ProfileFiles {
            credentials: dir.path().join("plain"),
            config: dir.path().join("linked").join("config"),
        };
        fs::write(&files.credentials, "[ci]\nk = v\n").unwrap();
        let error = remove(&files, "ci").unwrap_err();
        assert!(matches!(
            error,
            Error::ProfilePath {
                problem: "parent directory is a symbolic link",
                ..
            }
        ));
        assert_eq!(text(&files.credentials), "[ci]\nk = v\n");
        assert_eq!(text(&real.join("config")), config);
    }

    #[test]
    fn remove_refuses_a_directory_and_a_bad_name() {
        let dir = tempfile::tempdir().unwrap();
        let files = files_in(dir.path());
        fs::create_dir_all(&files.config).unwrap();
        fs::write(&files.credentials, "[ci]\n").unwrap();
        let error = remove(&files, "ci").unwrap_err();
        assert!(
            matches!(&error, Error::ProfilePath { problem: "path is not a regular file", path, .. }
            if *path == files.config.display().to_string())
        );
        assert_eq!(text(&files.credentials), "[ci]\n");

        let error = remove(&files, "a b").unwrap_err();
        assert_eq!(
            error.to_string(),
            check_writable(&files, "a b", false)
                .unwrap_err()
                .to_string()
        );
        assert_eq!(
            error.to_string(),
            "Input 'aws-profile' must not contain whitespace, got 'a b'"
        );
    }

    #[test]
    fn classifies_lines() {
        assert_eq!(classify(b"  "), LineKind::Blank);
        assert_eq!(classify(b" # x"), LineKind::Comment);
        assert_eq!(classify(b";x"), LineKind::Comment);
        assert_eq!(
            classify(b"\xef\xbb\xbf[ a b ] ; c"),
            LineKind::Header(b"a b")
        );
        assert_eq!(classify(b"[open"), LineKind::Entry);
        assert_eq!(classify(b"k = v"), LineKind::Entry);
        assert_eq!(line_ending(b"a\r\nb\n"), b"\r\n");
        assert_eq!(line_ending(b"a\nb\r\n"), b"\n");
        assert_eq!(line_ending(b"a"), b"\n");
    }
}
