//! What a successful run leaves for later steps: the environment variables and outputs, masked
//! first, gathered completely, then written to `GITHUB_ENV` and `GITHUB_OUTPUT` in one go.

use crate::config::Config;
use crate::error::Error;
use crate::runner::{self, FileCommand, FileWrites};
use crate::sts::Credentials;

/// The variables the action owns in the job's environment.
pub const CREDENTIAL_VARIABLES: [&str; 5] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
];

/// Masks what must be masked, then writes the environment and outputs for `creds`.
pub fn export(config: &Config, creds: &Credentials) -> Result<(), Error> {
    // The key id, secret and session token were masked when they arrived.
    if config.mask_account_id {
        runner::mask(creds.account_id());
        runner::mask(&creds.arn);
    }

    let mut env = FileWrites::new(FileCommand::Env);
    let mut outputs = FileWrites::new(FileCommand::Output);
    if config.output_env_credentials {
        if config.unset_current_credentials {
            for name in CREDENTIAL_VARIABLES {
                env.set(name, "");
            }
        }
        env.set("AWS_DEFAULT_REGION", &config.region);
        env.set("AWS_REGION", &config.region);
        env.set("AWS_ACCESS_KEY_ID", &creds.access_key_id);
        env.set("AWS_SECRET_ACCESS_KEY", &creds.secret_access_key);
        env.set("AWS_SESSION_TOKEN", &creds.session_token);
    }
    if config.output_credentials {
        outputs.set("aws-access-key-id", &creds.access_key_id);
        outputs.set("aws-secret-access-key", &creds.secret_access_key);
        outputs.set("aws-session-token", &creds.session_token);
        outputs.set("aws-expiration", &creds.expiration);
    }
    if config.output_env_credentials {
        outputs.set("aws-account-id", creds.account_id());
        outputs.set("authenticated-arn", &creds.arn);
    }
    write_all(&[env, outputs])
}

/// Renders and opens every file first, so that a value that cannot be written or a file that
/// cannot be opened stops the run before any file is touched; then appends to each.
pub fn write_all(writes: &[FileWrites]) -> Result<(), Error> {
    let mut ready = Vec::new();
    for w in writes.iter().filter(|w| !w.is_empty()) {
        let text = w.render()?;
        ready.push((w, w.open(&w.command().path()?)?, text));
    }
    for (w, file, text) in ready {
        w.write(file, &text)?;
    }
    Ok(())
}
