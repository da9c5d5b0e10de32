//! The post step, at the end of the job: remove the profiles the main step wrote (`aws-profile`'s
//! and those of `profiles`; their sections only; the main step left their names and files in
//! `GITHUB_STATE`), or put back those it replaced under `overwrite-aws-profile` (kept under
//! `RUNNER_TEMP` until now), delete the settings and cache of `refresh-credentials`, and blank
//! the variables it exported, as the original does (the runner cannot unset a variable; the SDKs
//! treat empty as unset).

use std::path::PathBuf;

use crate::config::inputs::Inputs;
use crate::config::profile_files::ProfileFiles;
use crate::error::Error;
use crate::export::profiles::{self, Previous};
use crate::export::{
    CREDENTIAL_VARIABLES, STATE_CONFIG_FILE, STATE_CREDENTIALS_FILE, STATE_PROFILE,
    STATE_PROFILE_KEPT, STATE_PROFILES, STATE_REFRESH_SETTINGS, StateProfile, write_all,
};
use crate::runner::{self, FileCommand, FileWrites};

pub fn run(inputs: &Inputs, state: impl Fn(&str) -> Option<String>) -> Result<(), Error> {
    let state = |name: &str| state(&format!("STATE_{name}")).filter(|v| !v.is_empty());
    let mut written: Vec<StateProfile> = match state(STATE_PROFILES) {
        None => Vec::new(),
        Some(listed) => serde_json::from_str(&listed).map_err(|e| Error::ProfileIo {
            profile: "profiles".to_owned(),
            action: "read the list of profiles in",
            path: "GITHUB_STATE".to_owned(),
            source: e.into(),
        })?,
    };
    if let Some(name) = state(STATE_PROFILE) {
        let kept = state(STATE_PROFILE_KEPT);
        written.insert(
            0,
            StateProfile {
                name,
                kept,
                settings: state(STATE_REFRESH_SETTINGS),
            },
        );
    }
    // The renewing profiles' settings and caches go first, whatever happens to the profiles.
    for settings in written.iter().filter_map(|p| p.settings.as_deref()) {
        crate::refresh::delete(std::path::Path::new(settings));
    }
    if let (Some(credentials), Some(config)) =
        (state(STATE_CREDENTIALS_FILE), state(STATE_CONFIG_FILE))
    {
        let files = ProfileFiles {
            credentials: PathBuf::from(credentials),
            config: PathBuf::from(config),
        };
        // Each is taken out even when another cannot be; the first failure is reported.
        let mut failure = None;
        for StateProfile { name, kept, .. } in written {
            let result = match kept.map(PathBuf::from) {
                None => profiles::remove(&files, &name).map(|()| {
                    runner::info(&format!("Removed the AWS profile '{name}' this job wrote"));
                }),
                Some(kept) => restore(&files, &name, &kept),
            };
            if let Err(error) = result {
                failure.get_or_insert(error);
            }
        }
        if let Some(error) = failure {
            return Err(error);
        }
    }

    let profile = inputs.get("aws-profile");
    let refresh = inputs.boolean("refresh-credentials", false)?;
    if !inputs.boolean("output-env-credentials", profile.is_none() || refresh)? {
        return Ok(());
    }
    let mut env = FileWrites::new(FileCommand::Env);
    for name in CREDENTIAL_VARIABLES {
        env.set(name, "");
    }
    // `refresh-credentials` exports our profile for `role-to-assume` only (not for `profiles`).
    if profile.is_some() || (refresh && inputs.get("role-to-assume").is_some()) {
        env.set("AWS_PROFILE", "");
    }
    write_all(&[env])
}

/// Puts back the profile the main step replaced, then deletes the copy it kept.
fn restore(files: &ProfileFiles, name: &str, kept: &std::path::Path) -> Result<(), Error> {
    let previous = Previous::load(kept).map_err(|source| Error::ProfileIo {
        profile: name.to_owned(),
        action: "read the replaced profile kept in",
        path: kept.display().to_string(),
        source,
    })?;
    let Some(previous) = previous else {
        // Nothing to put back: at least the job's credentials do not outlive it.
        profiles::remove(files, name)?;
        runner::warning(&format!(
            "Removed the AWS profile '{name}' this job wrote; the profile it replaced was kept in \
             {}, which is gone, so it could not be put back",
            kept.display()
        ));
        return Ok(());
    };
    profiles::restore(files, name, &previous)?;
    let _ = std::fs::remove_file(kept);
    if previous == Previous::default() {
        runner::info(&format!("Removed the AWS profile '{name}' this job wrote"));
    } else {
        runner::info(&format!(
            "Put back the AWS profile '{name}' this job replaced"
        ));
    }
    Ok(())
}
