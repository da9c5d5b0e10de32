//! Where the shared AWS profile files are (`~/.aws/credentials` and `~/.aws/config`, or the
//! files the SDKs' variables name) and which profile names the action writes: the inputs'
//! validation uses both, and the export ([`crate::export::profiles`]) writes there.

use std::path::PathBuf;

use crate::error::Error;

/// Where the two files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileFiles {
    pub credentials: PathBuf,
    pub config: PathBuf,
}

impl ProfileFiles {
    /// From `AWS_SHARED_CREDENTIALS_FILE` / `AWS_CONFIG_FILE` (non-empty, a leading `~` meaning
    /// the home directory) or the home directory (`HOME`, `USERPROFILE` on Windows) + `.aws/`.
    pub fn locate(env: impl Fn(&str) -> Option<String>) -> Result<ProfileFiles, Error> {
        let get = |name: &str| env(name).filter(|value| !value.is_empty());
        let home_variable = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
        let home = || {
            get(home_variable)
                .map(PathBuf::from)
                .ok_or(Error::ProfileHome(home_variable))
        };
        let file = |variable: &str, default_name: &str| match get(variable) {
            Some(path) => expand_home(&path, home),
            None => Ok(home()?.join(".aws").join(default_name)),
        };
        Ok(ProfileFiles {
            credentials: file("AWS_SHARED_CREDENTIALS_FILE", "credentials")?,
            config: file("AWS_CONFIG_FILE", "config")?,
        })
    }
}

/// `~` and `~/…` as the SDKs read them; any other path as given.
fn expand_home(
    path: &str,
    home: impl FnOnce() -> Result<PathBuf, Error>,
) -> Result<PathBuf, Error> {
    if path == "~" {
        return home();
    }
    let rest = path
        .strip_prefix("~/")
        .or_else(|| path.strip_prefix("~\\").filter(|_| cfg!(windows)));
    match rest {
        Some(rest) => Ok(home()?.join(rest)),
        None => Ok(PathBuf::from(path)),
    }
}

/// Checks a profile name; `Err(problem)` is a sentence fragment like "must not contain
/// whitespace", used by the config validation as `Input 'aws-profile' <problem>, got '<name>'`.
pub fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        Err("must not be empty")
    } else if name.chars().any(char::is_whitespace) {
        Err("must not contain whitespace")
    } else if name.chars().any(char::is_control) {
        Err("must not contain control characters")
    } else if name.contains(['[', ']']) {
        Err("must not contain brackets")
    } else if name.contains(['/', '\\']) {
        Err("must not contain path separators ('/' or '\\')")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn locates_the_files_from_the_environment() {
        let home = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
        // An empty variable counts as unset.
        let files = ProfileFiles::locate(env(&[(home, "/h"), ("AWS_SHARED_CREDENTIALS_FILE", "")]))
            .unwrap();
        assert_eq!(
            files,
            ProfileFiles {
                credentials: Path::new("/h").join(".aws").join("credentials"),
                config: Path::new("/h").join(".aws").join("config"),
            }
        );
        let files = ProfileFiles::locate(env(&[
            (home, "/h"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/x/creds"),
            ("AWS_CONFIG_FILE", "~/cfg"),
        ]))
        .unwrap();
        assert_eq!(files.credentials, PathBuf::from("/x/creds"));
        assert_eq!(files.config, Path::new("/h").join("cfg"));
        // No home needed when both are set.
        let files = ProfileFiles::locate(env(&[
            ("AWS_SHARED_CREDENTIALS_FILE", "c"),
            ("AWS_CONFIG_FILE", "d"),
        ]))
        .unwrap();
        assert_eq!(files.credentials, PathBuf::from("c"));
        assert_eq!(files.config, PathBuf::from("d"));
        let error = ProfileFiles::locate(env(&[("AWS_CONFIG_FILE", "d")])).unwrap_err();
        assert!(matches!(error, Error::ProfileHome(variable) if variable == home));
        assert_eq!(
            error.to_string(),
            format!(
                "Cannot locate the AWS profile files: {home} is not set (set it, or set both \
                 AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE)"
            )
        );
    }

    #[test]
    fn checks_profile_names() {
        for name in ["ci", "default", "my-profile_1.prod", "prod@acct", "ünïcode"] {
            assert_eq!(check_name(name), Ok(()), "{name}");
        }
        for (name, problem) in [
            ("", "must not be empty"),
            ("a b", "must not contain whitespace"),
            (" ", "must not contain whitespace"),
            ("a\tb", "must not contain whitespace"),
            ("a\nb", "must not contain whitespace"),
            ("a\u{a0}b", "must not contain whitespace"),
            ("[ci]", "must not contain brackets"),
            ("ci]", "must not contain brackets"),
            ("../ci", "must not contain path separators ('/' or '\\')"),
            ("a\\b", "must not contain path separators ('/' or '\\')"),
        ] {
            assert_eq!(check_name(name), Err(problem), "{name:?}");
        }
    }
}
