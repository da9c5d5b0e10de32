//! The `credential_process` line `refresh-credentials` writes on a Windows runner, split back the
//! way the SDKs there split it: botocore (the AWS CLI, boto3) with its own Windows splitter and
//! then `subprocess`, and the JavaScript SDK through `cmd.exe /d /s /c`. Each must hand this
//! binary its own path, `credential-process` and the settings file, for runner folders as they
//! are and as hostile as Windows allows; a folder no quoting makes safe is refused by name.
//!
//! botocore's splitter and Python's `list2cmdline` are run for real (the Python of the AWS CLI);
//! cmd.exe and the command-line parsing of Rust's standard library on Windows are modelled here.

use std::io::Write;
use std::process::{Command, Stdio};

use aws_oidc_credentials::refresh::{SUBCOMMAND, command_line_for};

const EXE: &str = r"aws-oidc-credentials.exe";
const SETTINGS: &str = r"aws-oidc-credentials-8c0e6f0e-3b7a-4f57-9c4e-2f1d0a6b5e71.json";

/// Runner folders: a self-hosted runner's, then ones with spaces, with each character Windows
/// allows in a name that cmd.exe or the C runtime reads, and with all of them at once.
fn runner_folders() -> Vec<String> {
    let mut folders: Vec<String> = [
        r"C:\actions-runner",
        r"C:\actions runner",
        r"C:\Program Files (x86)\actions-runner",
        r"C:\Users\Jürgen Müller\runner",
        r"C:\two  spaces\ leading",
        r"\\fileserver\runners\a,b",
        r"C:\R&D (build) ^1, a;b=c 'd' !e [f] {g} +h #i $j @k ~l `m",
    ]
    .map(str::to_owned)
    .into();
    folders.extend(" &()^,;=!'[]{}+#$@~`".chars().map(|c| format!(r"C:\r{c}x")));
    folders
}

/// Every (program, settings file) pair: the GitHub-hosted runner's, then each runner folder's
/// program with each one's settings.
fn windows_paths() -> Vec<(String, String)> {
    let mut pairs = vec![(
        format!(r"D:\a\_actions\owner\repo\v1\dist\bin\windows-x64\{EXE}"),
        format!(r"D:\a\_temp\{SETTINGS}"),
    )];
    let folders = runner_folders();
    for program in &folders {
        for settings in &folders {
            pairs.push((
                format!(r"{program}\_work\_actions\owner\repo\v1\dist\bin\windows-x64\{EXE}"),
                format!(r"{settings}\_work\_temp\{SETTINGS}"),
            ));
        }
    }
    pairs
}

/// The line written on Windows for `program` and `settings`.
fn windows_line(program: &str, settings: &str) -> String {
    command_line_for(program.as_ref(), settings.as_ref(), true)
        .unwrap_or_else(|e| panic!("a line for {program} and {settings}: {e}"))
}

/// What a Windows program built with Rust's standard library reads from its command line
/// (`std::env::args`): the program's name up to a space or tab outside quotes, no escapes; then
/// the C runtime's rules: space and tab separate outside quotes, `"` toggles them, `""` within
/// them is one quote, and backslashes escape only before a quote. A copy of the standard
/// library's `parse_lp_cmd_line` (library/std/src/sys/args/windows.rs).
fn windows_argv(command_line: &str) -> Vec<String> {
    let mut units = command_line.chars().peekable();
    let mut argv = Vec::new();
    let mut quoted = false;
    let mut word = String::new();
    for c in units.by_ref() {
        match c {
            '"' => quoted = !quoted,
            ' ' | '\t' if !quoted => break,
            _ => word.push(c),
        }
    }
    argv.push(std::mem::take(&mut word));
    while units.next_if(|c| matches!(c, ' ' | '\t')).is_some() {}
    let mut quoted = false;
    while let Some(c) = units.next() {
        match c {
            ' ' | '\t' if !quoted => {
                argv.push(std::mem::take(&mut word));
                while units.next_if(|c| matches!(c, ' ' | '\t')).is_some() {}
            }
            '\\' => {
                let mut backslashes = 1;
                while units.next_if_eq(&'\\').is_some() {
                    backslashes += 1;
                }
                if units.peek() == Some(&'"') {
                    word.extend(std::iter::repeat_n('\\', backslashes / 2));
                    if backslashes % 2 == 1 {
                        units.next();
                        word.push('"');
                    }
                } else {
                    word.extend(std::iter::repeat_n('\\', backslashes));
                }
            }
            '"' if quoted => match units.peek() {
                Some('"') => {
                    word.push('"');
                    units.next();
                }
                Some(_) => quoted = false,
                None => break,
            },
            '"' => quoted = true,
            _ => word.push(c),
        }
    }
    if !word.is_empty() || quoted {
        argv.push(word);
    }
    argv
}

/// The command line node's `child_process.exec(LINE)` starts on Windows, as every JavaScript SDK
/// v3 runs `credential_process`: `%ComSpec% /d /s /c "LINE"`, verbatim (node's
/// `normalizeSpawnArguments` with `windowsVerbatimArguments`).
pub fn node_exec(line: &str) -> String {
    format!(r#"C:\Windows\system32\cmd.exe /d /s /c "{line}""#)
}

/// What cmd.exe does with `command_line` (`cmd.exe /s /c COMMAND`): the program it starts and the
/// command line it hands that program, or why it would not start exactly one program.
/// - `/s`: the first character of COMMAND, a quote, and the last quote go.
/// - `%NAME%` is replaced by the variable's value, within quotes too, where `var` gives one;
///   otherwise the text stays and the second `%` may open another name.
/// - Outside quotes `^` escapes and `&`, `|`, `<`, `>` end the command: an error here, and so
///   are `(` and `)`, which are cmd.exe's only in some places (this model is stricter).
/// - The program is the first word, which ends at a space, tab, `,`, `;` or `=` outside quotes
///   (its quotes removed); the whole command, program included, is its command line.
///
/// Delayed expansion (`!NAME!`) is off: node does not ask for it, nor does Windows by default.
fn cmd_exe(
    command_line: &str,
    var: impl Fn(&str) -> Option<String>,
) -> Result<(String, String), String> {
    let (_, command) = command_line
        .split_once(" /s /c ")
        .ok_or("not a cmd.exe /s /c command line")?;
    let command = match command.strip_prefix('"') {
        Some(rest) => match rest.rfind('"') {
            Some(last) => format!("{}{}", &rest[..last], &rest[last + 1..]),
            None => rest.to_owned(),
        },
        None => command.to_owned(),
    };
    let command = expand_variables(&command, var);
    let mut quoted = false;
    for c in command.chars() {
        match c {
            '"' => quoted = !quoted,
            '^' | '&' | '|' | '<' | '>' | '(' | ')' if !quoted => {
                return Err(format!("cmd.exe reads the {c:?} of {command}"));
            }
            _ => {}
        }
    }
    let command = command.trim_start_matches([' ', '\t', ',', ';', '=']);
    let mut quoted = false;
    let end = command
        .char_indices()
        .find(|&(_, c)| {
            quoted ^= c == '"';
            !quoted && matches!(c, ' ' | '\t' | ',' | ';' | '=')
        })
        .map_or(command.len(), |(at, _)| at);
    Ok((command[..end].replace('"', ""), command.to_owned()))
}

/// cmd.exe's `%NAME%` expansion on a command line (not in a batch file).
fn expand_variables(text: &str, var: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('%') {
            Some(end) if end > 0 && var(&after[..end]).is_some() => {
                out.push_str(&var(&after[..end]).unwrap_or_default());
                rest = &after[end + 1..];
            }
            Some(end) => {
                out.push('%');
                out.push_str(&after[..end]);
                rest = &after[end..];
            }
            None => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A later step's environment may hold any variable.
fn any_variable(name: &str) -> Option<String> {
    Some(format!("<{name}>"))
}

/// The words the binary reads when the JavaScript SDK runs `line`: the program cmd.exe starts,
/// then what the binary parses from the command line cmd.exe hands it.
fn through_cmd_exe(line: &str) -> Result<Vec<String>, String> {
    let (program, command) = cmd_exe(&node_exec(line), any_variable)?;
    let mut words = vec![program];
    words.extend(windows_argv(&command).into_iter().skip(1));
    Ok(words)
}

fn words(program: &str, settings: &str) -> Vec<String> {
    vec![
        program.to_owned(),
        SUBCOMMAND.to_owned(),
        settings.to_owned(),
    ]
}

#[test]
fn the_models_split_as_documented() {
    // Microsoft's examples for the C runtime, and the name of the program.
    for (line, argv) in [
        (r#"x "a b c" d e"#, &[r"x", r"a b c", r"d", r"e"][..]),
        (r#"x "ab\"c" "\\" d"#, &[r"x", r#"ab"c"#, r"\", r"d"]),
        (r#"x a\\\b d"e f"g h"#, &[r"x", r"a\\\b", r"de fg", r"h"]),
        (r#"x a\\\"b c d"#, &[r"x", r#"a\"b"#, r"c", r"d"]),
        (r#"x a\\\\"b c" d e"#, &[r"x", r"a\\b c", r"d", r"e"]),
        (r#"x a"b"" c d"#, &[r"x", r#"ab" c d"#]),
        (r#""C:\a b\x.exe" y"#, &[r"C:\a b\x.exe", r"y"]),
        (r#"C:\a\"b c"\x.exe y"#, &[r"C:\a\b c\x.exe", r"y"]),
    ] {
        assert_eq!(windows_argv(line), argv, "{line}");
    }

    let cmd = |line: &str| cmd_exe(&node_exec(line), |name| (name == "X").then(|| "v".into()));
    assert_eq!(
        cmd(r#""C:\a b\x.exe" y "z" %X%"#).unwrap(),
        (r"C:\a b\x.exe".into(), r#""C:\a b\x.exe" y "z" v"#.into())
    );
    assert_eq!(cmd(r"C:\a,b\x.exe y").unwrap().0, r"C:\a");
    assert_eq!(cmd(r"x %Y% 50%X%").unwrap().1, r"x %Y% 50v");
    for line in [r"x a&b", r"x a^b", r"C:\a(1)\x.exe", r#""x" a)b"#] {
        assert!(cmd(line).is_err(), "{line}");
    }
}

#[test]
fn the_javascript_sdks_cmd_exe_hands_the_binary_its_three_words() {
    for (program, settings) in windows_paths() {
        let line = windows_line(&program, &settings);
        assert_eq!(
            through_cmd_exe(&line).as_deref(),
            Ok(&words(&program, &settings)[..]),
            "{line}"
        );
    }
}

/// The Python that runs the AWS CLI, whose botocore the test splits with; `None` (the test is
/// skipped, and says so) where there is none, but never in CI, which installs it.
pub fn python_with_botocore() -> Option<&'static str> {
    let found = ["python3", "python"].into_iter().find(|python| {
        Command::new(python)
            .args(["-c", "import botocore.compat"])
            .output()
            .is_ok_and(|out| out.status.success())
    });
    if found.is_none() {
        let why = "no python3 or python on PATH imports botocore: scripts/test installs the AWS \
                   CLI, and botocore with it, into .venv";
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("skipped: {why}");
    }
    found
}

/// What botocore does with a `credential_process` line on Windows (`ProcessProvider`): splits it
/// with `compat_shell_split(line, platform="win32")` and starts the words with
/// `subprocess.Popen`, which joins them into a command line with `list2cmdline`. For each line:
/// the words and that command line.
pub fn botocore_on_windows(python: &str, lines: &[String]) -> Vec<(Vec<String>, String)> {
    // The lines go in as UTF-8 bytes and come out as ASCII (JSON's escapes): Python on Windows
    // would read and write its pipes in the locale's encoding.
    const SCRIPT: &str = "import json, subprocess, sys\n\
        from botocore.compat import compat_shell_split\n\
        lines = json.loads(sys.stdin.buffer.read())\n\
        split = [compat_shell_split(line, platform='win32') for line in lines]\n\
        json.dump([[words, subprocess.list2cmdline(words)] for words in split], sys.stdout)\n";
    let mut child = Command::new(python)
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python starts");
    let input = serde_json::to_vec(lines).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "botocore's split failed");
    serde_json::from_slice(&out.stdout).expect("the splits as JSON")
}

#[test]
fn botocore_splits_the_line_into_the_three_words_and_the_binary_reads_them_back() {
    let Some(python) = python_with_botocore() else {
        return;
    };
    let paths = windows_paths();
    let lines: Vec<String> = paths.iter().map(|(p, s)| windows_line(p, s)).collect();
    let split = botocore_on_windows(python, &lines);
    for (((program, settings), line), (split, command_line)) in paths.iter().zip(&lines).zip(split)
    {
        let words = words(program, settings);
        assert_eq!(split, words, "{line}");
        assert_eq!(windows_argv(&command_line), words, "{command_line}");
    }
}

#[test]
fn a_folder_cmd_exe_would_expand_is_refused_by_name() {
    let program = format!(r"C:\actions-runner\_work\_actions\o\r\v1\{EXE}");
    let settings = format!(r"D:\a\_temp\{SETTINGS}");
    for folder in [r"C:\50%", r"C:\a%PATH%b", r"D:\a%", r"C:\100% sure"] {
        let hostile = format!(r"{folder}\{EXE}");
        for (p, s) in [(&hostile, &settings), (&program, &hostile)] {
            let error = command_line_for(p.as_ref(), s.as_ref(), true)
                .unwrap_err()
                .to_string();
            assert!(error.contains(&hostile), "{error}");
        }
    }
    // Quotes would not help: cmd.exe expands within them.
    let quoted = format!(r#""C:\a%PATH%b\{EXE}" {SUBCOMMAND} "{settings}""#);
    let read = through_cmd_exe(&quoted).unwrap();
    assert_eq!(read[0], format!(r"C:\a<PATH>b\{EXE}"));
}
