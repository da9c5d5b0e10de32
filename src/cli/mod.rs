//! The binary's command line beyond the action's two steps: the usage text (`--help`),
//! `--version`, how a usage error and a failure end, and the subcommand a user runs in a `run:`
//! step ([`exec`]). (`explain` and `policy` live with the trust-policy evaluation.)
//!
//! Usage errors go to stderr as `error: …` and the usage, exit code 2, as `explain` does; a
//! failure of the action's own kind is one `::error::` line and exit code 1.

pub mod exec;

use std::process::ExitCode;

use crate::error::Error;
use crate::explain::diagnosis;
use crate::runner;
use crate::step::Failed;

/// The top-level usage, for `--help` and usage errors.
pub const USAGE: &str = "\
usage: aws-oidc-credentials                 the action's main step (configured by INPUT_* variables)
       aws-oidc-credentials post            the action's post step
       aws-oidc-credentials exec [OPTIONS] -- COMMAND [ARGS]...
                                            run one command with credentials for it alone
       aws-oidc-credentials explain --trust-policy FILE (--claims FILE | --sub SUB --aud AUD ...)
                                            check a role's trust policy against a token's claims
       aws-oidc-credentials policy --repo OWNER/NAME (--branch NAME | --environment NAME | ...)
                                            write a trust policy admitting those runs alone
       aws-oidc-credentials lint [--format text|json|sarif] [--fail-on SEVERITY] FILE...
                                            check trust policies for what they let GitHub runs do
       aws-oidc-credentials --help | --version";

/// `--help`'s text.
pub fn help() -> String {
    format!(
        "{}: temporary AWS credentials from GitHub OIDC\n\n{USAGE}\n\n\
         Run 'aws-oidc-credentials COMMAND --help' for the options of exec, explain, policy and lint.",
        version()
    )
}

/// `--version`'s line.
pub fn version() -> String {
    format!("aws-oidc-credentials {}", env!("CARGO_PKG_VERSION"))
}

/// The value of the option `parser` just read, as text.
pub fn value(parser: &mut lexopt::Parser) -> Result<String, String> {
    parser
        .value()
        .map_err(|e| e.to_string())?
        .into_string()
        .map_err(|value| format!("the value {value:?} is not UTF-8 text"))
}

/// Runs a subcommand whose `run` writes to the streams it is given (so that its tests can
/// capture them) and returns the exit code, with the arguments as text: one that is not UTF-8
/// is a usage error.
pub fn main_with_text_args(
    args: &[std::ffi::OsString],
    usage: &str,
    run: impl FnOnce(&[String], &mut std::io::Stdout, &mut std::io::Stderr) -> u8,
) -> ExitCode {
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let args: Result<Vec<String>, _> = args
        .iter()
        .map(|arg| arg.to_str().map(str::to_owned).ok_or(arg))
        .collect();
    ExitCode::from(match args {
        Ok(args) => run(&args, &mut out, &mut err),
        Err(arg) => {
            let problem = format!("argument {} is not UTF-8 text", arg.to_string_lossy());
            write_usage_error(&mut err, &problem, usage)
        }
    })
}

/// Writes `problem` and `usage` to `err`; exit code 2.
pub fn write_usage_error(err: &mut impl std::io::Write, problem: &str, usage: &str) -> u8 {
    // Output that cannot be written (a closed pipe) leaves nothing better to do.
    let _ = writeln!(err, "error: {problem}\n{usage}");
    2
}

/// Prints `problem` and `usage` on stderr; exit code 2.
pub fn usage_error(problem: &str, usage: &str) -> ExitCode {
    ExitCode::from(write_usage_error(&mut std::io::stderr(), problem, usage))
}

/// Reports a failure as one `::error::` line (and, for a denial, why); exit code 1.
pub fn fail(failed: &Failed) -> ExitCode {
    runner::error(&failed.error.to_string());
    if let (Error::Sts(failure), Some(context)) = (&failed.error, &failed.diagnosis) {
        diagnosis::report(failure, context);
    }
    ExitCode::FAILURE
}
