//! `aws-oidc-credentials credential-process SETTINGS_FILE`: what the profile that
//! `refresh-credentials` writes runs whenever an SDK wants credentials. It prints the
//! `credential_process` JSON on stdout and nothing else there; an error is one line on stderr,
//! which the SDK shows, and exit code 1. Callers that start at once (a `make -j`, Terraform's
//! providers) take turns on a lock around check-the-cache-then-renew, so that only the first
//! renews and the others get its credentials from the cache. Each call, waiting included, ends
//! within the settings' time limit (50 s, or the step's shorter `action-timeout-s`).

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use super::Settings;
use super::cache::{self, ProcessCredentials};
use crate::error::Error;
use crate::export::lock::FileLock;
use crate::{runner, step};

pub fn main(args: &[OsString]) -> ExitCode {
    // Stdout is the answer: no workflow command or log line goes there.
    runner::quiet();
    let answer = run(args).and_then(|creds| {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", creds.to_json())
            .and_then(|()| out.flush())
            .map_err(|e| Error::Renew(format!("could not print the credentials: {e}")))
    });
    match answer {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            runner::error(&format!("aws-oidc-credentials: {error}"));
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[OsString]) -> Result<ProcessCredentials, Error> {
    let [path] = args else {
        return Err(Error::Renew(
            "usage: aws-oidc-credentials credential-process SETTINGS_FILE, as the profile \
             written by 'refresh-credentials' runs it"
                .into(),
        ));
    };
    let started = Instant::now();
    let settings = Settings::load(Path::new(path))?;
    let limit = Duration::from_secs(settings.limit_seconds);
    let _lock = FileLock::acquire_within(&settings.cache, limit).map_err(|e| {
        Error::Renew(match e.kind() {
            std::io::ErrorKind::TimedOut => format!(
                "another call was renewing the credentials for all of the {} s a call may take \
                 (GitHub's token service or STS did not answer in time); gave up",
                limit.as_secs()
            ),
            _ => format!(
                "could not lock the credentials' cache {}: {e}",
                settings.cache.display()
            ),
        })
    })?;
    if let Some(cached) = cache::read_fresh(&settings.cache, cache::now(), settings.margin_seconds)
    {
        return Ok(cached);
    }
    let mut config = settings.config(|name| std::env::var(name).ok())?;
    // What is left of the limit after waiting for the lock.
    config.timeout = Some(limit.saturating_sub(started.elapsed()));
    let outcome = step::run_blocking(&config).map_err(|failed| match failed.error {
        Error::Timeout(_) => Error::Renew(format!(
            "could not renew the credentials within the {} s a call may take (GitHub's token \
             service or STS did not answer in time)",
            limit.as_secs()
        )),
        other => other,
    })?;
    let creds = outcome
        .credentials
        .as_ref()
        .and_then(ProcessCredentials::of)
        .ok_or_else(|| Error::Renew("STS answered without a session token or expiry".into()))?;
    cache::write(&settings.cache, &creds)?;
    Ok(creds)
}
