//! The post step, at the end of the job: remove the profile the main step wrote (its sections
//! only; the main step left their names and files in `GITHUB_STATE`), and blank the variables
//! it exported, as the original does (the runner cannot unset a variable; the SDKs treat empty
//! as unset).

use std::path::PathBuf;

use crate::error::Error;
use crate::export::{
    CREDENTIAL_VARIABLES, STATE_CONFIG_FILE, STATE_CREDENTIALS_FILE, STATE_PROFILE, write_all,
};
use crate::inputs::Inputs;
use crate::profiles::{self, ProfileFiles};
use crate::runner::{self, FileCommand, FileWrites};

pub fn run(inputs: &Inputs, state: impl Fn(&str) -> Option<String>) -> Result<(), Error> {
    let state = |name: &str| state(&format!("STATE_{name}")).filter(|v| !v.is_empty());
    if let (Some(name), Some(credentials), Some(config)) = (
        state(STATE_PROFILE),
        state(STATE_CREDENTIALS_FILE),
        state(STATE_CONFIG_FILE),
    ) {
        let files = ProfileFiles {
            credentials: PathBuf::from(credentials),
            config: PathBuf::from(config),
        };
        profiles::remove(&files, &name)?;
        runner::info(&format!("Removed the AWS profile '{name}' this job wrote"));
    }

    let profile = inputs.get("aws-profile");
    if !inputs.boolean("output-env-credentials", profile.is_none())? {
        return Ok(());
    }
    let mut env = FileWrites::new(FileCommand::Env);
    for name in CREDENTIAL_VARIABLES {
        env.set(name, "");
    }
    if profile.is_some() {
        env.set("AWS_PROFILE", "");
    }
    write_all(&[env])
}
