//! `aws-oidc-credentials`: the binary behind the action. With no argument it is the main step;
//! with `post` the post step; every failure of theirs becomes one `::error::` line and exit
//! code 1. `credential-process` is what a renewing profile runs (its errors go to stderr). A
//! user runs the other commands (`exec`, `explain`, `policy`, `lint`, `--help`, `--version`); a
//! usage error exits with code 2. The modules live in the library (`lib.rs`).

use std::ffi::OsString;
use std::process::ExitCode;

use aws_oidc_credentials::cli::{self, usage};
use aws_oidc_credentials::config::Config;
use aws_oidc_credentials::config::inputs::Inputs;
use aws_oidc_credentials::explain;
use aws_oidc_credentials::export::{self, cleanup};
use aws_oidc_credentials::step::{self, Failed};
use aws_oidc_credentials::{refresh, runner};

fn main() -> ExitCode {
    // A bug must still end as one error line and exit code 1, never a backtrace.
    std::panic::set_hook(Box::new(|info| {
        // Release binaries carry no source locations (their line is 0): only the message then.
        let place = info
            .location()
            .filter(|l| l.line() != 0)
            .map(|l| format!(" (at {l})"))
            .unwrap_or_default();
        let payload = info.payload();
        let what = (payload.downcast_ref::<&str>().copied())
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("a panic");
        runner::error(&format!(
            "aws-oidc-credentials hit an internal error, please report it: {what}{place}"
        ));
        std::process::exit(1);
    }));
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    dispatch(&args).unwrap_or_else(|e| usage::error(&e.to_string(), cli::USAGE))
}

/// Runs what the command line asks for.
fn dispatch(args: &[OsString]) -> Result<ExitCode, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let run: fn() -> ExitCode = match parser.next()? {
        None => return Ok(finish(main_step())),
        Some(Value(command)) if command == "explain" => return Ok(explain::main(&args[1..])),
        Some(Value(command)) if command == "policy" => {
            return Ok(explain::generate::main(&args[1..]));
        }
        Some(Value(command)) if command == "lint" => {
            return Ok(explain::lint::main(&args[1..]));
        }
        Some(Value(command)) if command == "exec" => return Ok(cli::exec::main(&args[1..])),
        Some(Value(command)) if command == refresh::SUBCOMMAND => {
            return Ok(refresh::process::main(&args[1..]));
        }
        Some(Value(command)) if command == "post" => || {
            finish(cleanup::run(&Inputs::from_env(), |name| {
                std::env::var(name).ok()
            }))
        },
        Some(Short('h') | Long("help")) => || {
            println!("{}", cli::help());
            ExitCode::SUCCESS
        },
        Some(Short('V') | Long("version")) => || {
            println!("{}", cli::version());
            ExitCode::SUCCESS
        },
        Some(Value(command)) => {
            let problem = format!("unknown command '{}'", command.to_string_lossy());
            return Err(problem.into());
        }
        Some(other) => return Err(other.unexpected()),
    };
    // These take no arguments.
    match parser.next()? {
        Some(extra) => Err(extra.unexpected()),
        None => Ok(run()),
    }
}

fn finish(result: Result<(), impl Into<Failed>>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failed) => cli::fail(&failed.into()),
    }
}

fn main_step() -> Result<(), Failed> {
    runner::init_debug_tracing();
    let inputs = Inputs::from_env();
    if Config::install_cli_only(&inputs)? {
        return Ok(export::install_cli_only()?);
    }
    let config = Config::from_inputs(&inputs, |name| std::env::var(name).ok())?;
    let outcome = step::run_blocking(&config)?;
    Ok(export::write(&config, &outcome)?)
}
