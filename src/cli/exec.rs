//! `exec`: credentials for one command. It assumes the role as the main step does (the same
//! inputs, given as flags, through the same validation into one `Config`) or names a profile an
//! earlier step wrote, then runs the command with the credentials in its environment alone:
//! nothing goes to `GITHUB_ENV` or any other runner file, so no later step sees them.
//!
//! Our own lines (masks included) go to stderr, before the command starts: its stdout stays its
//! own. On Unix the command replaces this process, so its exit code and signals are the
//! command's; elsewhere it is waited for and its exit code returned. A command that cannot be
//! started ends as a shell's would: 127 when not found, 126 when not executable.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::process::{Command, ExitCode};

use crate::cli::{self, usage};
use crate::config::inputs::Inputs;
use crate::config::profile_files;
use crate::config::{self, Config};
use crate::error::Error;
use crate::explain::issuer::STS_AUDIENCE;
use crate::runner;
use crate::step::{self, Failed};

const USAGE: &str = "usage: aws-oidc-credentials exec [--role-to-assume ARN] [--aws-region REGION] \
                     [--audience AUDIENCE] [--role-session-name NAME] \
                     [--role-duration-seconds SECONDS] [--profile NAME] -- COMMAND [ARGS]...";

const HELP: &str = "\
Runs COMMAND with AWS credentials in its environment alone: AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION and AWS_DEFAULT_REGION (AWS_PROFILE
removed). Nothing is written for later steps. The exit code and signals are COMMAND's.

Options (each is the action's input of the same name, checked by the same rules; an option
not given falls back to the environment variable the action reads, like AWS_REGION or
ROLE_TO_ASSUME):
  --role-to-assume ARN             the role to assume (with the job's GitHub OIDC token when
                                   the job has 'id-token: write')
  --aws-region REGION              the region
  --audience AUDIENCE              the GitHub token's audience (default sts.amazonaws.com)
  --role-session-name NAME         the session's name (default GitHubActions)
  --role-duration-seconds SECONDS  the session's length (default 3600)
  --profile NAME                   use this profile, written by an earlier step with
                                   'aws-profile', instead of assuming a role: COMMAND gets
                                   AWS_PROFILE=NAME and no keys; no STS call
  -h, --help                       this text";

/// The flags that are the action's inputs of the same name.
const INPUT_FLAGS: [&str; 5] = [
    "role-to-assume",
    "aws-region",
    "audience",
    "role-session-name",
    "role-duration-seconds",
];

/// The key variables a command must not get from our environment when it should use a profile.
const KEY_VARIABLES: [&str; 3] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// What the command line asks for.
#[derive(Debug, PartialEq)]
struct Request {
    /// Input name and value, for each input flag given.
    inputs: Vec<(&'static str, String)>,
    profile: Option<String>,
    command: OsString,
    args: Vec<OsString>,
}

/// Why `exec` stopped before the command started.
enum Stop {
    /// The command line cannot be used: exit code 2.
    Usage(String),
    /// The action's own failure: exit code 1.
    Failed(Failed),
}

/// Runs `exec` with the arguments after its name.
pub fn main(args: &[OsString]) -> ExitCode {
    let request = match parse(args) {
        Ok(Some(request)) => request,
        Ok(None) => {
            println!("{USAGE}\n\n{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => return usage::error(&problem, USAGE),
    };
    runner::to_stderr();
    let environment = match &request.profile {
        Some(name) => profile_environment(&request, name),
        None => assumed_environment(&request),
    };
    match environment {
        Ok(environment) => run(&request, &environment),
        Err(Stop::Usage(problem)) => usage::error(&problem, USAGE),
        Err(Stop::Failed(error)) => cli::fail(&error),
    }
}

/// The request, or `None` for `--help`.
fn parse(args: &[OsString]) -> Result<Option<Request>, String> {
    use lexopt::prelude::*;
    // Everything after the first `--` is the command, however it looks.
    let split = args.iter().position(|arg| arg == "--");
    let (flags, command) = match split {
        Some(at) => (&args[..at], &args[at + 1..]),
        None => (args, &args[args.len()..]),
    };
    let mut inputs: Vec<(&'static str, String)> = Vec::new();
    let mut profile = None;
    let mut parser = lexopt::Parser::from_args(flags.iter().cloned());
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Short('h') | Long("help") => return Ok(None),
            Long("profile") => {
                let value = given_value(&mut parser, "profile")?;
                once(profile.is_some(), "profile")?;
                profile = Some(value);
            }
            Long(flag) => {
                let Some(input) = INPUT_FLAGS.iter().copied().find(|input| *input == flag) else {
                    return Err(arg.unexpected().to_string());
                };
                let value = given_value(&mut parser, input)?;
                once(inputs.iter().any(|(given, _)| *given == input), input)?;
                inputs.push((input, value));
            }
            Value(value) => {
                return Err(format!(
                    "unexpected argument '{}': put the command after '--'",
                    value.to_string_lossy()
                ));
            }
            Short(_) => return Err(arg.unexpected().to_string()),
        }
    }
    let Some((command, args)) = command.split_first() else {
        return Err(match split {
            Some(_) => "no command after '--'".into(),
            None => "no command: give it after '--'".into(),
        });
    };
    if let Some((input, _)) = inputs.iter().find(|(input, _)| *input != "aws-region")
        && profile.is_some()
    {
        return Err(format!(
            "--profile cannot be combined with --{input}: the profile's credentials are used \
             as they are"
        ));
    }
    Ok(Some(Request {
        inputs,
        profile,
        command: command.clone(),
        args: args.to_vec(),
    }))
}

/// The value of `--flag`, which must not be blank: an input left empty falls back to its
/// environment variable (`ROLE_TO_ASSUME`, `AWS_REGION`), which an empty flag must not ask for
/// without a word.
fn given_value(parser: &mut lexopt::Parser, flag: &str) -> Result<String, String> {
    let value = usage::value(parser)?;
    match value.trim().is_empty() {
        true => Err(format!(
            "--{flag} is given an empty value: give it a value, or leave it out"
        )),
        false => Ok(value),
    }
}

/// Refuses an option given twice.
fn once(given: bool, flag: &str) -> Result<(), String> {
    match given {
        true => Err(format!("--{flag} is given twice")),
        false => Ok(()),
    }
}

/// Changes to the command's environment: a variable set, or removed (`None`).
type Environment = Vec<(&'static str, Option<String>)>;

/// With `--profile`: the profile, and no keys that would win over it.
fn profile_environment(request: &Request, name: &str) -> Result<Environment, Stop> {
    profile_files::check_name(name)
        .map_err(|problem| Stop::Usage(format!("--profile {problem}, got '{name}'")))?;
    let mut environment: Environment = KEY_VARIABLES.iter().map(|&var| (var, None)).collect();
    environment.push(("AWS_PROFILE", Some(name.to_owned())));
    if let Some((_, region)) = request.inputs.iter().find(|(i, _)| *i == "aws-region") {
        config::check_region(region).map_err(|e| flag_error(request, e))?;
        environment.push(("AWS_REGION", Some(region.clone())));
        environment.push(("AWS_DEFAULT_REGION", Some(region.clone())));
    }
    Ok(environment)
}

/// Assumes the role as the main step does, with the flags as its inputs.
fn assumed_environment(request: &Request) -> Result<Environment, Stop> {
    runner::init_debug_tracing();
    // The flags stand in for the step's inputs: a `run:` step has none of its own, and one
    // inherited from an enclosing action must not change what the flags ask for.
    let mut given: BTreeMap<String, &str> = request
        .inputs
        .iter()
        .map(|(input, value)| (input_variable(input), value.as_str()))
        .collect();
    let read = |given: &BTreeMap<String, &str>| {
        Inputs::from_os_lookup(|var| match var.strip_prefix("INPUT_") {
            Some(_) => given.get(var).map(OsString::from),
            None => std::env::var_os(var),
        })
    };
    let mut inputs = read(&given);
    // The default `action.yml` gives, where neither a flag nor the environment gives one.
    if inputs.get("audience").is_none() {
        given.insert(input_variable("audience"), STS_AUDIENCE);
        inputs = read(&given);
    }
    if inputs.get("role-to-assume").is_none() {
        return Err(Stop::Usage(
            "no role: give --role-to-assume ARN (or set ROLE_TO_ASSUME), or --profile NAME".into(),
        ));
    }
    let config = Config::for_command(&inputs, |name| std::env::var(name).ok())
        .map_err(|e| flag_error(request, e))?;
    let outcome = step::run_blocking(&config).map_err(Stop::Failed)?;
    let mut environment: Environment = Vec::new();
    if let Some(creds) = &outcome.credentials {
        environment.push(("AWS_ACCESS_KEY_ID", Some(creds.access_key_id.clone())));
        environment.push((
            "AWS_SECRET_ACCESS_KEY",
            Some(creds.secret_access_key.clone()),
        ));
        environment.push(("AWS_SESSION_TOKEN", creds.session_token.clone()));
        // A profile in the environment must not stand beside the keys.
        environment.push(("AWS_PROFILE", None));
    }
    environment.push(("AWS_REGION", Some(config.region.clone())));
    environment.push(("AWS_DEFAULT_REGION", Some(config.region)));
    Ok(environment)
}

/// The variable the runner passes an input in.
fn input_variable(input: &str) -> String {
    format!("INPUT_{}", input.to_uppercase())
}

/// An input's error names the flag when the value came from one: a usage error.
fn flag_error(request: &Request, error: Error) -> Stop {
    match error {
        Error::Input { input, problem } if request.inputs.iter().any(|(i, _)| *i == input) => {
            Stop::Usage(format!("--{input} {problem}"))
        }
        other => Stop::Failed(other.into()),
    }
}

/// Runs the command with `environment`'s changes; its exit code is ours.
fn run(request: &Request, environment: &Environment) -> ExitCode {
    let mut command = Command::new(&request.command);
    command.args(&request.args);
    for (name, value) in environment {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    start(request, command)
}

/// Replaces this process with the command: its exit code and signals are the process's own.
/// Returns only when the command could not be started.
#[cfg(unix)]
fn start(request: &Request, mut command: Command) -> ExitCode {
    use std::os::unix::process::CommandExt;
    let error = command.exec();
    cannot_start(request, &error)
}

/// Runs the command and exits with its exit code.
#[cfg(not(unix))]
fn start(request: &Request, mut command: Command) -> ExitCode {
    match command.status() {
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(error) => cannot_start(request, &error),
    }
}

/// One error line, and a shell's exit code: 127 for a command not found, else 126.
fn cannot_start(request: &Request, error: &std::io::Error) -> ExitCode {
    runner::error(&format!(
        "Cannot run '{}': {error}",
        request.command.to_string_lossy()
    ));
    match error.kind() {
        std::io::ErrorKind::NotFound => ExitCode::from(127),
        _ => ExitCode::from(126),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Option<Request>, String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        parse(&args)
    }

    #[test]
    fn the_default_audience_is_action_ymls() {
        let action = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml"));
        let audience = action.split("\n  audience:\n").nth(1).unwrap();
        let default = audience
            .lines()
            .find_map(|line| line.trim().strip_prefix("default: "))
            .unwrap();
        assert_eq!(default, STS_AUDIENCE);
    }

    #[test]
    fn flags_then_the_command() {
        let request = parse_strs(&[
            "--role-to-assume",
            "arn:aws:iam::111122223333:role/r",
            "--aws-region=eu-west-1",
            "--",
            "terraform",
            "plan",
            "--",
            "-x",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            request.inputs,
            [
                ("role-to-assume", "arn:aws:iam::111122223333:role/r".into()),
                ("aws-region", "eu-west-1".into())
            ]
        );
        assert_eq!(request.command, "terraform");
        assert_eq!(request.args, ["plan", "--", "-x"]);
        assert_eq!(parse_strs(&["-h", "--", "x"]).unwrap(), None);
        assert_eq!(parse_strs(&["--help"]).unwrap(), None);
    }

    #[test]
    fn usage_errors_name_the_flag() {
        for (args, problem) in [
            (&["--role", "x", "--", "ls"][..], "invalid option '--role'"),
            (&["-x", "--", "ls"], "invalid option '-x'"),
            (&["--audience"], "missing argument for option '--audience'"),
            (&["--audience", "--", "ls"], "missing argument for option"),
            (
                &["ls"],
                "unexpected argument 'ls': put the command after '--'",
            ),
            (
                &["--aws-region", "eu-west-1"],
                "no command: give it after '--'",
            ),
            (&["--"], "no command after '--'"),
            (
                &["--aws-region", "a-1", "--aws-region", "b-1", "--", "ls"],
                "--aws-region is given twice",
            ),
            (
                &["--profile", "p", "--role-to-assume", "r", "--", "ls"],
                "--profile cannot be combined with --role-to-assume",
            ),
            (
                &["--role-to-assume", "", "--", "ls"],
                "--role-to-assume is given an empty value",
            ),
            (
                &["--aws-region", " ", "--", "ls"],
                "--aws-region is given an empty value",
            ),
            (
                &["--profile=", "--", "ls"],
                "--profile is given an empty value",
            ),
        ] {
            let error = parse_strs(args).unwrap_err();
            assert!(error.starts_with(problem), "{args:?}: {error}");
        }
        let request = parse_strs(&["--profile", "p", "--aws-region", "a-1", "--", "ls"]);
        assert_eq!(request.unwrap().unwrap().profile.as_deref(), Some("p"));
    }
}
