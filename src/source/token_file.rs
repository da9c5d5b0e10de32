//! The web identity token file (`web-identity-token-file`): read fresh for each attempt, never
//! through a symbolic link (except Kubernetes' projected service-account token), and only if it
//! is a regular file.

use std::path::Path;

use crate::error::Error;
use crate::files::{self, ReadError};

/// The token, without surrounding white space.
pub fn read(path: &Path) -> Result<String, Error> {
    let content = files::read_regular(path, is_kubernetes_token(path), files::Limit::InputFile)
        .map_err(|e| {
            Error::TokenFile(match e {
                ReadError::Refused { path, problem } => {
                    format!(
                        "Refusing web identity token file {} ({problem})",
                        path.display()
                    )
                }
                ReadError::Io {
                    action,
                    path,
                    source,
                } => format!(
                    "Could not {action} web identity token file {}: {source}",
                    path.display()
                ),
            })
        })?;
    let Some(content) = content else {
        return Err(Error::TokenFile(format!(
            "Web identity token file does not exist: {}",
            path.display()
        )));
    };
    let token = String::from_utf8(content).map_err(|_| {
        Error::TokenFile(format!(
            "Web identity token file {} is not UTF-8 text",
            path.display()
        ))
    })?;
    let token = token.trim();
    if token.is_empty() {
        return Err(Error::TokenFile(format!(
            "Web identity token file {} is empty",
            path.display()
        )));
    }
    Ok(token.to_owned())
}

/// `/var/run/secrets/<name>/serviceaccount/token`: the kubelet projects it through links.
fn is_kubernetes_token(path: &Path) -> bool {
    if cfg!(windows) {
        return false;
    }
    let Some(text) = path.to_str() else {
        return false;
    };
    let parts: Vec<&str> = text.split('/').collect();
    matches!(
        parts.as_slice(),
        ["", "var", "run", "secrets", name, "serviceaccount", "token"] if !name.is_empty()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "header.payload.sig\n").unwrap();
        assert_eq!(read(&path).unwrap(), "header.payload.sig");
    }

    #[test]
    fn refuses_missing_empty_links_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        assert!(
            read(&missing)
                .unwrap_err()
                .to_string()
                .starts_with("Web identity token file does not exist")
        );
        let empty = dir.path().join("empty");
        std::fs::write(&empty, " \n").unwrap();
        assert!(read(&empty).unwrap_err().to_string().ends_with("is empty"));
        assert!(
            read(dir.path())
                .unwrap_err()
                .to_string()
                .contains("(path is not a regular file)")
        );
        #[cfg(unix)]
        {
            let real = dir.path().join("real");
            std::fs::write(&real, "t").unwrap();
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&real, &link).unwrap();
            assert!(
                read(&link)
                    .unwrap_err()
                    .to_string()
                    .contains("(path is a symbolic link)")
            );
            let linked_dir = dir.path().join("linked-dir");
            std::os::unix::fs::symlink(dir.path(), &linked_dir).unwrap();
            assert!(
                read(&linked_dir.join("real"))
                    .unwrap_err()
                    .to_string()
                    .contains("(parent directory is a symbolic link)")
            );
        }
    }

    #[test]
    fn refuses_a_file_over_the_size_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "t".repeat(1024 * 1024)).unwrap();
        assert_eq!(read(&path).unwrap().len(), 1024 * 1024);
        std::fs::write(&path, "t".repeat(1024 * 1024 + 1)).unwrap();
        assert_eq!(
            read(&path).unwrap_err().to_string(),
            format!(
                "Refusing web identity token file {} (file is larger than 1 MiB, the limit for an input file)",
                path.display()
            )
        );
        #[cfg(unix)]
        assert!(
            read(Path::new("/dev/zero"))
                .unwrap_err()
                .to_string()
                .contains("(path is not a regular file)")
        );
    }

    #[test]
    fn only_the_kubernetes_token_path_may_be_a_link() {
        assert!(is_kubernetes_token(Path::new(
            "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"
        )));
        assert!(!is_kubernetes_token(Path::new(
            "/var/run/secrets//serviceaccount/token"
        )));
        assert!(!is_kubernetes_token(Path::new(
            "/tmp/var/run/secrets/x/serviceaccount/token"
        )));
    }
}
