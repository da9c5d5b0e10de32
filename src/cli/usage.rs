//! How a subcommand reads its arguments (as UTF-8 text, with `lexopt`) and how a usage error
//! ends: `error: …` and the usage on stderr, exit code 2.

use std::process::ExitCode;

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
            write_error(&mut err, &problem, usage)
        }
    })
}

/// Writes `problem` and `usage` to `err`; exit code 2.
pub fn write_error(err: &mut impl std::io::Write, problem: &str, usage: &str) -> u8 {
    // Output that cannot be written (a closed pipe) leaves nothing better to do.
    let _ = writeln!(err, "error: {problem}\n{usage}");
    2
}

/// Prints `problem` and `usage` on stderr; exit code 2.
pub fn error(problem: &str, usage: &str) -> ExitCode {
    ExitCode::from(write_error(&mut std::io::stderr(), problem, usage))
}
