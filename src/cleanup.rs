//! The post step: at the end of the job, blank the variables the main step exported, as the
//! original does (the runner cannot unset a variable; the SDKs treat empty as unset).

use crate::error::Error;
use crate::export::{CREDENTIAL_VARIABLES, write_all};
use crate::inputs::Inputs;
use crate::runner::{FileCommand, FileWrites};

pub fn run(inputs: &Inputs) -> Result<(), Error> {
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
