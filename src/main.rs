//! `aws-oidc-credentials`: the binary behind the action. With no argument it is the main step;
//! with `post` the post step; with `credential-process` what a renewing profile runs. Every failure becomes one `::error::` line and exit code 1.
//! The modules live in the library (`lib.rs`).

use std::ffi::OsString;
use std::process::ExitCode;

use aws_oidc_credentials::config::Config;
use aws_oidc_credentials::config::inputs::Inputs;
use aws_oidc_credentials::error::Error;
use aws_oidc_credentials::explain::{self, diagnosis};
use aws_oidc_credentials::export::{self, cleanup};
use aws_oidc_credentials::{refresh, runner, step};

fn main() -> ExitCode {
    // A bug must still end as one error line and exit code 1, never a backtrace.
    std::panic::set_hook(Box::new(|info| {
        runner::error(&format!(
            "aws-oidc-credentials hit an internal error, please report it: {info}"
        ));
        std::process::exit(1);
    }));
    let raw: Vec<OsString> = std::env::args_os().skip(1).collect();
    if raw.first().is_some_and(|first| first == "explain") {
        return explain::main(&raw[1..]);
    }
    if raw
        .first()
        .is_some_and(|first| first == refresh::SUBCOMMAND)
    {
        return refresh::process::main(&raw[1..]);
    }
    let args: Vec<String> = raw
        .iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => main_step(),
        ["post"] => cleanup::run(&Inputs::from_env(), |name| std::env::var(name).ok()),
        ["--version"] => {
            println!("aws-oidc-credentials {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        _ => Err(Error::Usage(args)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            runner::error(&error.to_string());
            if let Error::Sts(failure) = &error {
                diagnosis::report(failure);
            }
            ExitCode::FAILURE
        }
    }
}

fn main_step() -> Result<(), Error> {
    runner::init_debug_tracing();
    let config = Config::from_inputs(&Inputs::from_env(), |name| std::env::var(name).ok())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(e.to_string()))?;
    let outcome = runtime.block_on(step::run(&config))?;
    export::write(&config, &outcome)
}
