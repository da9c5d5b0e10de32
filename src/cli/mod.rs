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

/// The arguments as text; `Err` is the usage problem with the first one that is not UTF-8.
pub fn text_args(args: &[std::ffi::OsString]) -> Result<Vec<String>, String> {
    args.iter()
        .map(|arg| {
            arg.to_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("argument {} is not UTF-8 text", arg.to_string_lossy()))
        })
        .collect()
}

/// Prints `problem` and `usage` on stderr; exit code 2.
pub fn usage_error(problem: &str, usage: &str) -> ExitCode {
    eprintln!("error: {problem}\n{usage}");
    ExitCode::from(2)
}

/// Reports a failure as one `::error::` line (and, for a denial, why); exit code 1.
pub fn fail(failed: &Failed) -> ExitCode {
    runner::error(&failed.error.to_string());
    if let (Error::Sts(failure), Some(context)) = (&failed.error, &failed.diagnosis) {
        diagnosis::report(failure, context);
    }
    ExitCode::FAILURE
}
