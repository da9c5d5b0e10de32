//! The binary's command line beyond the action's two steps: the usage text (`--help`),
//! `--version`, how a usage error and a failure end, and the subcommand a user runs in a `run:`
//! step ([`exec`]). (`explain`, `policy` and `lint` live with the trust-policy evaluation; they
//! read their arguments with [`usage`], as `exec` does.)
//!
//! Usage errors go to stderr as `error: …` and the usage, exit code 2, as `explain` does; a
//! failure of the action's own kind is one `::error::` line and exit code 1.

pub mod exec;
pub mod usage;

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
       aws-oidc-credentials lint [--format text|json|sarif] [--fail-on SEVERITY] [--issuer URL] FILE...
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

/// Reports a failure as one `::error::` line (and, for a denial, why); exit code 1.
pub fn fail(failed: &Failed) -> ExitCode {
    runner::error(&failed.error.to_string());
    if let (Error::Sts(failure), Some(context)) = (&failed.error, &failed.diagnosis) {
        diagnosis::report(failure, context);
    }
    ExitCode::FAILURE
}
