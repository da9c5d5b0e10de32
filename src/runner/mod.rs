//! The runner contract: workflow commands on stdout (`::add-mask::`, annotations, debug; on
//! stderr where stdout belongs to a command we run, see [`to_stderr`]) and the file commands
//! (`GITHUB_ENV`, `GITHUB_OUTPUT`, `GITHUB_STATE` in the runner's heredoc form, `GITHUB_PATH`).
//!
//! Every value registered as a secret is also scrubbed from anything this module prints, so a
//! secret cannot leak through our own messages even where the runner's masking would not apply:
//! the whole value, each of its lines, each part of a JWT, and any run of [`SCRUB_WINDOW`] or
//! more of its characters (an echo of a secret cut short).
//!
//! Nothing printed can start a workflow command unless this module means it to: annotation and
//! debug text is escaped as the runner's command encoding asks, and a plain log line that would
//! read as a command (`::name::…`) has its first `:` escaped. Text from outside (STS, the token
//! service, token claims, a trust policy file) is therefore printed only through this module.
//!
//! The stage owns everything the runner reads: [`markdown`] renders outside text inert in the
//! job summary.

pub mod markdown;

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::Error;

/// Values registered with `::add-mask::`, scrubbed from everything printed afterwards.
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A run of this many characters of a secret is scrubbed wherever it appears, so that an echo
/// of part of a secret (a JWT without a few characters) does not show the rest. Sixteen
/// characters of a key, token or signature are at least 80 random bits, so such a run never
/// turns up by chance in other text; shorter runs could (the `ASIA` of every key id), and are
/// left to the whole-value match.
const SCRUB_WINDOW: usize = 16;

/// Registers a secret with the runner before it is written anywhere: one `::add-mask::` per
/// line (the runner masks line by line), and every line and JWT part for [`scrub`].
pub fn mask(value: &str) {
    let mut secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    if value.trim().is_empty() || secrets.iter().any(|s| s == value) {
        return;
    }
    secrets.push(value.to_owned());
    // The command line itself is never echoed by the runner.
    if !value.contains(['\r', '\n']) {
        print_line(&format!("::add-mask::{}", escape_data(value)));
    } else {
        for line in value.split(['\r', '\n']).map(str::trim) {
            if !line.is_empty() && !secrets.iter().any(|s| s == line) {
                secrets.push(line.to_owned());
                print_line(&format!("::add-mask::{}", escape_data(line)));
            }
        }
    }
    // A JWT's parts (header, payload, signature), each hidden when echoed alone.
    let parts: Vec<&str> = value.split('.').collect();
    if parts.len() == 3 && parts.iter().all(|p| p.len() >= 8) {
        for part in parts {
            if !secrets.iter().any(|s| s == part) {
                secrets.push(part.to_owned());
            }
        }
    }
}

/// Registers a secret the runner masks already (it gave it to us, like the token request's
/// bearer token) for [`scrub`] only: no `::add-mask::` is needed, but echoes of parts of it are
/// scrubbed from what we print.
pub fn known_secret(value: &str) {
    let mut secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    if !value.trim().is_empty() && !secrets.iter().any(|s| s == value) {
        secrets.push(value.to_owned());
    }
}

/// Holds the SDK's debug lines while credentials it reads are being masked: lines that arrive
/// while a [`DebugHold`] lives are printed (scrubbed) when it ends.
static HELD_DEBUG: Mutex<Option<Vec<String>>> = Mutex::new(None);

/// While this lives, SDK debug lines wait; dropping it prints them, scrubbed of every secret
/// registered by then.
pub struct DebugHold(());

impl DebugHold {
    pub fn start() -> DebugHold {
        let mut held = HELD_DEBUG.lock().unwrap_or_else(|e| e.into_inner());
        held.get_or_insert_with(Vec::new);
        DebugHold(())
    }
}

impl Drop for DebugHold {
    fn drop(&mut self) {
        let lines = HELD_DEBUG
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_default();
        for line in lines {
            debug(&line);
        }
    }
}

/// A collapsible group of log lines.
pub fn group(title: &str, lines: &[String]) {
    print_line(&format!("::group::{}", escape_data(&scrub(title))));
    for line in lines {
        info(line);
    }
    print_line("::endgroup::");
}

/// Appends Markdown to the job summary (`GITHUB_STEP_SUMMARY`); nothing when there is none.
pub fn append_summary(markdown: &str) -> Result<(), Error> {
    let Ok(path) = std::env::var("GITHUB_STEP_SUMMARY") else {
        return Ok(());
    };
    if path.is_empty() {
        return Ok(());
    }
    let io_error = |source| Error::FileCommandIo {
        file: "GITHUB_STEP_SUMMARY",
        path: path.clone(),
        source,
    };
    OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .and_then(|mut f| f.write_all(scrub(markdown).as_bytes()))
        .map_err(io_error)
}

/// A notice annotation.
pub fn notice(message: &str) {
    print_line(&format!("::notice::{}", escape_data(&scrub(message))));
}

/// Plain log lines: one per line of `message` (the runner splits on CR and LF alike), none of
/// them able to start a workflow command.
pub fn info(message: &str) {
    for line in inert_lines(&scrub(message)) {
        print_line(&line);
    }
}

/// `text`'s lines as the runner reads them (split at CR, LF or CRLF), each made [`inert`].
pub fn inert_lines(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n")
        .split(['\r', '\n'])
        .map(inert)
        .collect()
}

/// A plain line that the runner would read as a command (`::` after leading whitespace) gets
/// its first `:` escaped as `%3A`, the runner's own escape for `:`; other lines are unchanged.
fn inert(line: &str) -> String {
    let text = line.trim_start();
    match text.strip_prefix("::") {
        Some(rest) => format!("{}%3A:{rest}", &line[..line.len() - text.len()]),
        None => line.to_owned(),
    }
}

/// A line shown only when the runner runs in debug mode (`RUNNER_DEBUG=1`).
pub fn debug(message: &str) {
    print_line(&format!("::debug::{}", escape_data(&scrub(message))));
}

pub fn warning(message: &str) {
    print_line(&format!("::warning::{}", escape_data(&scrub(message))));
}

pub fn error(message: &str) {
    if QUIET.load(Ordering::Relaxed) {
        // One plain line, which the program that ran us shows to its user.
        let line = scrub(message).replace(['\r', '\n'], " ");
        let _ = writeln!(std::io::stderr().lock(), "{line}");
        return;
    }
    print_line(&format!("::error::{}", escape_data(&scrub(message))));
}

/// Set when stdout is not the runner's log but an answer to another program (the
/// `credential-process` subcommand): nothing but that answer may go there.
static QUIET: AtomicBool = AtomicBool::new(false);

/// From now on no workflow command or log line is printed, and [`error`] writes one plain line
/// to stderr instead: stdout belongs to the caller's answer. Secrets are still registered for
/// [`scrub`].
pub fn quiet() {
    QUIET.store(true, Ordering::Relaxed);
}

/// Whether the runner asked for debug output.
fn debug_enabled() -> bool {
    std::env::var("RUNNER_DEBUG").is_ok_and(|v| v == "1")
}

/// Sends the SDK's own tracing, at debug level at most, to `::debug::` lines when the runner is in
/// debug mode. Request and response bodies are logged only at trace level, which stays off, and
/// every line is scrubbed of registered secrets like all our output.
pub fn init_debug_tracing() {
    if !debug_enabled() {
        return;
    }
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let targets = Targets::new()
        .with_default(LevelFilter::WARN)
        .with_target("aws_config", LevelFilter::DEBUG)
        .with_target(
            "aws_smithy_runtime::client::orchestrator::endpoints",
            LevelFilter::DEBUG,
        )
        .with_target("aws_sdk_sts", LevelFilter::DEBUG);
    let layer = tracing_subscriber::fmt::layer()
        .compact()
        .with_ansi(false)
        .without_time()
        .with_writer(DebugLines::default)
        .with_filter(targets);
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// Collects one tracing event and prints each of its lines as `::debug::` when dropped.
#[derive(Default)]
struct DebugLines(Vec<u8>);

impl Write for DebugLines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for DebugLines {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.0);
        let mut held = HELD_DEBUG.lock().unwrap_or_else(|e| e.into_inner());
        match held.as_mut() {
            Some(held) => held.extend(text.lines().map(str::to_owned)),
            None => {
                drop(held);
                for line in text.lines() {
                    debug(line);
                }
            }
        }
    }
}

/// Everything this module prints goes to stderr instead of stdout.
static TO_STDERR: AtomicBool = AtomicBool::new(false);

/// Prints everything from now on to stderr: for a command run with the credentials (`exec`),
/// whose stdout must stay the command's own. In a `run:` step the runner reads workflow
/// commands from stderr as well, so masks and annotations still work.
pub fn to_stderr() {
    TO_STDERR.store(true, Ordering::Relaxed);
}

fn print_line(line: &str) {
    if QUIET.load(Ordering::Relaxed) {
        return;
    }
    // A closed stream leaves nothing to report to; the exit code still tells the runner.
    if TO_STDERR.load(Ordering::Relaxed) {
        let mut out = std::io::stderr().lock();
        let _ = writeln!(out, "{line}");
    } else {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

/// Replaces every registered secret in `text`, and every run of [`SCRUB_WINDOW`] or more
/// characters of one, with `***` (overlapping or adjacent matches make one `***`).
pub fn scrub(text: &str) -> String {
    let secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    scrub_with(text, &secrets)
}

fn scrub_with(text: &str, secrets: &[String]) -> String {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for secret in secrets {
        ranges.extend(
            text.match_indices(secret.as_str())
                .map(|(start, s)| (start, start + s.len())),
        );
    }
    // Runs of each line (a multi-line secret's lines are registered on their own).
    let windows: std::collections::HashSet<&[u8]> = secrets
        .iter()
        .filter(|s| !s.contains(['\r', '\n']))
        .flat_map(|s| s.as_bytes().windows(SCRUB_WINDOW))
        .collect();
    let bytes = text.as_bytes();
    for start in 0..bytes.len().saturating_sub(SCRUB_WINDOW - 1) {
        let end = start + SCRUB_WINDOW;
        if text.is_char_boundary(start)
            && text.is_char_boundary(end)
            && windows.contains(&bytes[start..end])
        {
            ranges.push((start, end));
        }
    }
    if ranges.is_empty() {
        return text.to_owned();
    }
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut current: Option<(usize, usize)> = None;
    for (start, end) in ranges.into_iter().chain([(usize::MAX, usize::MAX)]) {
        match &mut current {
            Some(range) if start <= range.1 => range.1 = range.1.max(end),
            _ => {
                if let Some((from, to)) = current {
                    out.push_str(&text[copied..from]);
                    out.push_str("***");
                    copied = to;
                }
                current = Some((start, end));
            }
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The runner's escaping of a workflow command's data.
fn escape_data(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// One of the runner's file commands: `NAME=VALUE` pairs, or `GITHUB_PATH`'s folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileCommand {
    Env,
    Output,
    /// Values for the post step, which gets them as `STATE_<name>`.
    State,
    /// Folders put first on `PATH` for later steps, one a line.
    Path,
}

impl FileCommand {
    pub fn variable(self) -> &'static str {
        match self {
            FileCommand::Env => "GITHUB_ENV",
            FileCommand::Output => "GITHUB_OUTPUT",
            FileCommand::State => "GITHUB_STATE",
            FileCommand::Path => "GITHUB_PATH",
        }
    }

    /// The file's path, from the runner's environment.
    pub fn path(self) -> Result<String, Error> {
        std::env::var(self.variable())
            .ok()
            .filter(|p| !p.is_empty())
            .ok_or(Error::RunnerEnv(self.variable()))
    }
}

/// Pairs (or, for `GITHUB_PATH`, folders) gathered for one file command, written in one piece at
/// the end so that a failure never leaves a file half-written.
#[derive(Debug)]
pub struct FileWrites {
    command: FileCommand,
    /// For `GITHUB_PATH`, the folders as values of empty names.
    pairs: Vec<(String, String)>,
}

impl FileWrites {
    pub fn new(command: FileCommand) -> Self {
        FileWrites {
            command,
            pairs: Vec::new(),
        }
    }

    /// Adds a folder to `GITHUB_PATH`'s writes.
    pub fn add_path(&mut self, folder: &str) {
        debug_assert_eq!(self.command, FileCommand::Path);
        self.pairs.push((String::new(), folder.to_owned()));
    }

    /// Sets `name`; a name set before keeps its place and takes the new value.
    pub fn set(&mut self, name: &str, value: &str) {
        debug_assert_ne!(self.command, FileCommand::Path);
        match self.pairs.iter_mut().find(|(n, _)| n == name) {
            Some(pair) => pair.1 = value.to_owned(),
            None => self.pairs.push((name.to_owned(), value.to_owned())),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub fn command(&self) -> FileCommand {
        self.command
    }

    /// Renders every pair in the heredoc form with a fresh random delimiter, refusing names and
    /// values that would break the file's format.
    pub fn render(&self) -> Result<String, Error> {
        if self.command == FileCommand::Path {
            return self.render_path();
        }
        let delimiter = format!("ghadelimiter_{}", random_uuid());
        let mut text = String::new();
        for (name, value) in &self.pairs {
            let refuse = |problem| Error::FileCommandValue {
                file: self.command.variable(),
                name: name.clone(),
                problem,
            };
            if name.is_empty() || name.contains(['\n', '\r', '=']) || name.contains("<<") {
                return Err(refuse(
                    "the name is empty or holds a line break, '=' or '<<'",
                ));
            }
            if value.contains(['\n', '\r']) {
                return Err(refuse("the value holds a line break"));
            }
            if name.contains(&delimiter) || value.contains(&delimiter) {
                return Err(refuse("it contains the file's delimiter"));
            }
            text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
        }
        Ok(text)
    }

    /// Renders `GITHUB_PATH`'s folders, one a line, refusing what is not one line of text.
    fn render_path(&self) -> Result<String, Error> {
        let mut text = String::new();
        for (_, folder) in &self.pairs {
            if folder.trim().is_empty() || folder.contains(['\n', '\r']) {
                return Err(Error::FileCommandValue {
                    file: self.command.variable(),
                    name: folder.clone(),
                    problem: "a folder must be one line and not empty",
                });
            }
            text.push_str(folder);
            text.push('\n');
        }
        Ok(text)
    }

    /// Opens the runner's file for appending, so that every file can be opened before any is
    /// written, and notes its length.
    pub fn open(&self, path: &str) -> Result<OpenFile, Error> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|source| self.io_error(path, source))?;
        let length = file
            .metadata()
            .map_err(|source| self.io_error(path, source))?
            .len();
        Ok(OpenFile {
            file,
            path: path.to_owned(),
            length,
        })
    }

    /// Appends rendered pairs to a file opened by [`FileWrites::open`]. On failure the file is
    /// cut back to its length before, as [`OpenFile::undo`] does.
    pub fn write(&self, open: &mut OpenFile, text: &str) -> Result<(), Error> {
        open.file
            .write_all(text.as_bytes())
            .and_then(|()| open.file.flush())
            .map_err(|source| {
                open.undo();
                self.io_error(&open.path, source)
            })
    }

    fn io_error(&self, path: &str, source: std::io::Error) -> Error {
        Error::FileCommandIo {
            file: self.command.variable(),
            path: path.to_owned(),
            source,
        }
    }
}

/// A runner file, open for appending.
pub struct OpenFile {
    file: std::fs::File,
    path: String,
    /// Its length when opened.
    length: u64,
}

impl OpenFile {
    /// Cuts the file back to its length when opened, taking out what this step appended (best
    /// effort: this runs after another failure).
    pub fn undo(&self) {
        let _ = self.file.set_len(self.length);
    }
}

/// A random (version 4) UUID, as the toolkit uses for its delimiters.
pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    // Without an OS random source there is no safe delimiter; this cannot happen on a runner.
    getrandom::fill(&mut b).expect("the operating system's random source is available");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_command_data() {
        assert_eq!(escape_data("a%b\r\nc"), "a%25b%0D%0Ac");
    }

    #[test]
    fn renders_heredoc_pairs_with_one_delimiter() {
        let mut w = FileWrites::new(FileCommand::Env);
        w.set("AWS_REGION", "us-east-2");
        w.set("EMPTY", "");
        let text = w.render().unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6);
        let delimiter = lines[0].strip_prefix("AWS_REGION<<").unwrap();
        assert!(delimiter.starts_with("ghadelimiter_"));
        assert_eq!(delimiter.len(), "ghadelimiter_".len() + 36);
        assert_eq!(lines[1], "us-east-2");
        assert_eq!(lines[2], delimiter);
        assert_eq!(lines[3], format!("EMPTY<<{delimiter}"));
        assert_eq!(lines[4], "");
        assert_eq!(lines[5], delimiter);
    }

    #[test]
    fn refuses_line_breaks_and_bad_names() {
        for (name, value) in [
            ("A", "x\ny"),
            ("A", "x\r"),
            ("A=B", "x"),
            ("", "x"),
            ("A<<B", "x"),
        ] {
            let mut w = FileWrites::new(FileCommand::Output);
            w.set(name, value);
            assert!(
                matches!(w.render(), Err(Error::FileCommandValue { .. })),
                "{name:?}={value:?}"
            );
        }
    }

    #[test]
    fn renders_path_folders_one_a_line() {
        let mut w = FileWrites::new(FileCommand::Path);
        w.add_path("/opt/tool bin");
        assert_eq!(w.render().unwrap(), "/opt/tool bin\n");
        for bad in ["/a\n/b", " ", "/a\r"] {
            let mut w = FileWrites::new(FileCommand::Path);
            w.add_path(bad);
            assert!(
                matches!(w.render(), Err(Error::FileCommandValue { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn uuids_are_random_and_well_formed() {
        let (a, b) = (random_uuid(), random_uuid());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }

    #[test]
    fn plain_lines_cannot_start_commands() {
        assert_eq!(inert("::set-output name=x::y"), "%3A:set-output name=x::y");
        assert_eq!(inert("  ::error::x"), "  %3A:error::x");
        assert_eq!(inert("a ::error::x"), "a ::error::x");
        assert_eq!(inert("100% : done"), "100% : done");
        assert_eq!(
            inert_lines("a\r\n::error::x\r::warning::y\nb"),
            ["a", "%3A:error::x", "%3A:warning::y", "b"]
        );
    }

    #[test]
    fn scrubs_runs_of_a_secret_as_one() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOnVuaXQtdGVzdCJ9.c2lnbmF0dXJlLW9mLXRoZS11bml0LXRlc3Q";
        let secrets = vec![jwt.to_owned()];
        // The JWT without its first and last characters, and the signature alone.
        assert_eq!(
            scrub_with(
                &format!("bad token {} here", &jwt[3..jwt.len() - 3]),
                &secrets
            ),
            "bad token *** here"
        );
        let signature = jwt.rsplit('.').next().unwrap();
        assert_eq!(
            scrub_with(&format!("sig={signature}."), &secrets),
            "sig=***."
        );
        // Shorter runs and other text stay.
        assert_eq!(scrub_with("eyJhbGciOiJSUzI1", &secrets), "***");
        assert_eq!(scrub_with("eyJhbGciOiJSUzI", &secrets), "eyJhbGciOiJSUzI");
        assert_eq!(scrub_with("é nothing é", &secrets), "é nothing é");
        // Whole parts and runs next to each other make one mark.
        let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
        let trimmed = format!("[{}]", &jwt[2..jwt.len() - 2]);
        assert_eq!(scrub_with(&trimmed, &parts), "[***.***.***]");
        parts.push(jwt.to_owned());
        assert_eq!(scrub_with(&trimmed, &parts), "[***]");
    }

    #[test]
    fn masks_each_line_and_each_jwt_part() {
        mask("first-line-of-a-unit-secret\n  second-line-of-a-unit-secret  ");
        assert_eq!(scrub("a second-line-of-a-unit-secret b"), "a *** b");
        mask("unit-header.unit-payload-part.unit-signature-part");
        assert_eq!(scrub("[unit-signature-part]"), "[***]");
        assert_eq!(scrub("[unit-header]"), "[***]");
    }

    #[test]
    fn scrubs_registered_secrets() {
        mask("s3cr3t-value-for-scrub-test");
        assert_eq!(
            scrub("key s3cr3t-value-for-scrub-test here"),
            "key *** here"
        );
    }
}
