//! The action under test: the directory holding `action.yml` and `dist/`, and what the runner
//! reads from `action.yml` (inputs with defaults, outputs, `runs`).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tempfile::TempDir;
use yaml_rust2::{Yaml, YamlLoader};

/// The binary's name in a release layout.
const BINARY: &str = "aws-oidc-credentials";

/// One declared input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionInput {
    pub name: String,
    /// The `default:` as the runner passes it (a string), if any.
    pub default: Option<String>,
    pub required: bool,
}

/// What the runner reads from `action.yml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionMeta {
    /// Inputs in declaration order.
    pub inputs: Vec<ActionInput>,
    /// Output names in declaration order.
    pub outputs: Vec<String>,
    /// `runs.using`: `node20` or `node24`.
    pub using: String,
    /// `runs.main`, relative to the action directory.
    pub main: String,
    /// `runs.post`, if any.
    pub post: Option<String>,
    /// `runs.post-if`; the runner's default is `always()`.
    pub post_if: String,
}

impl ActionMeta {
    /// Reads the metadata of a node action. Anything the runner would reject is an error.
    pub fn parse(text: &str) -> Result<ActionMeta, String> {
        let docs = YamlLoader::load_from_str(text).map_err(|e| format!("not YAML: {e}"))?;
        let doc = docs.first().ok_or("the file is empty")?;
        let runs = &doc["runs"];
        let using = scalar(&runs["using"]).ok_or("runs.using is missing")?;
        if using != "node20" && using != "node24" {
            return Err(format!(
                "runs.using is {using:?}; the simulator runs node20 and node24 actions"
            ));
        }
        let mut inputs = Vec::new();
        for (name, spec) in entries(&doc["inputs"]) {
            inputs.push(ActionInput {
                name,
                default: scalar(&spec["default"]),
                required: scalar(&spec["required"]).is_some_and(|r| r == "true"),
            });
        }
        Ok(ActionMeta {
            inputs,
            outputs: entries(&doc["outputs"]).map(|(name, _)| name).collect(),
            using,
            main: scalar(&runs["main"]).ok_or("runs.main is missing")?,
            post: scalar(&runs["post"]),
            post_if: scalar(&runs["post-if"]).unwrap_or_else(|| "always()".into()),
        })
    }

    /// The declared input of this name (input names are case-insensitive).
    pub fn input(&self, name: &str) -> Option<&ActionInput> {
        self.inputs
            .iter()
            .find(|input| input.name.eq_ignore_ascii_case(name))
    }
}

/// A scalar as the string the runner would see; `None` for null or missing.
fn scalar(node: &Yaml) -> Option<String> {
    match node {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The string-keyed entries of a mapping (none when it is missing).
fn entries(node: &Yaml) -> impl Iterator<Item = (String, &Yaml)> {
    node.as_hash()
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| scalar(key).map(|key| (key, value)))
}

/// A directory holding `action.yml` and `dist/`, with its metadata. Cheap to clone; a
/// temporary directory lives as long as any clone.
#[derive(Clone, Debug)]
pub struct ActionDir {
    path: PathBuf,
    meta: ActionMeta,
    _temp: Option<Arc<TempDir>>,
}

impl ActionDir {
    /// The checkout as it is: its launcher finds whatever binary the checkout has.
    pub fn source(repo_root: impl AsRef<Path>) -> ActionDir {
        ActionDir::open(repo_root.as_ref().to_path_buf(), None)
    }

    /// A temporary copy of the action laid out as a release: `action.yml`, `dist/` (without
    /// any `dist/bin`), and `bin_path` as `dist/bin/<os>-<arch>/aws-oidc-credentials[.exe]`,
    /// so the launcher picks the binary the way it does in a release.
    pub fn with_binary(repo_root: impl AsRef<Path>, bin_path: impl AsRef<Path>) -> ActionDir {
        let (repo_root, bin_path) = (repo_root.as_ref(), bin_path.as_ref());
        let temp = tempfile::Builder::new()
            .prefix("action-")
            .tempdir()
            .expect("cannot make a temporary action directory");
        let root = temp.path();
        fs::copy(repo_root.join("action.yml"), root.join("action.yml"))
            .unwrap_or_else(|e| panic!("cannot copy {}/action.yml: {e}", repo_root.display()));
        copy_tree(&repo_root.join("dist"), &root.join("dist"));
        let bin_dir = root.join("dist").join("bin").join(platform());
        fs::create_dir_all(&bin_dir).expect("cannot make dist/bin");
        let binary = bin_dir.join(format!("{BINARY}{}", std::env::consts::EXE_SUFFIX));
        link_or_copy(bin_path, &binary);
        ActionDir::open(root.to_path_buf(), Some(Arc::new(temp)))
    }

    /// Like [`ActionDir::with_binary`], but with the binary packed as in a release tag
    /// (`scripts/pack-dist.js`, run with the `node` on PATH): the launcher unpacks it on its
    /// first run. [`ActionDir::remove_unpacked`] makes the next run a first run again.
    pub fn packed(repo_root: impl AsRef<Path>, bin_path: impl AsRef<Path>) -> ActionDir {
        let action = ActionDir::with_binary(repo_root.as_ref(), bin_path);
        let script = repo_root.as_ref().join("scripts").join("pack-dist.js");
        let status = std::process::Command::new("node")
            .arg(&script)
            .arg(action.path.join("dist").join("bin"))
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("cannot run node {}: {e}", script.display()));
        assert!(status.success(), "node {} failed", script.display());
        action.remove_unpacked();
        action
    }

    /// Removes this machine's binary from `dist/bin`, where the launcher unpacks it, if it is
    /// there.
    pub fn remove_unpacked(&self) {
        let dir = self.path.join("dist").join("bin").join(platform());
        match fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                panic!("cannot remove {}: {e}", dir.display())
            }
            _ => {}
        }
    }

    fn open(path: PathBuf, temp: Option<Arc<TempDir>>) -> ActionDir {
        let file = path.join("action.yml");
        let text = fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let meta = ActionMeta::parse(&text)
            .unwrap_or_else(|e| panic!("the runner would refuse {}: {e}", file.display()));
        ActionDir {
            path,
            meta,
            _temp: temp,
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What `action.yml` declares.
    pub fn meta(&self) -> &ActionMeta {
        &self.meta
    }
}

/// The `dist/bin/<os>-<arch>` directory the launcher picks on this machine: `linux-x64`,
/// `macos-arm64`, …, and `windows-x64` on Windows on Arm.
fn platform() -> String {
    let os = match std::env::consts::OS {
        "linux" => "linux",
        "macos" => "macos",
        "windows" => "windows",
        other => panic!("no release binary name for the OS {other}"),
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => panic!("no release binary name for the architecture {other}"),
    };
    // The launcher runs the x64 binary on Windows on Arm (under emulation).
    if (os, arch) == ("windows", "arm64") {
        return "windows-x64".to_owned();
    }
    format!("{os}-{arch}")
}

/// Copies a directory tree, leaving out `bin/` at its top.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap_or_else(|e| panic!("cannot make {}: {e}", to.display()));
    let entries =
        fs::read_dir(from).unwrap_or_else(|e| panic!("cannot list {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("a readable directory entry");
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().expect("a file type").is_dir() {
            if entry.file_name() != "bin" {
                copy_tree(&source, &target);
            }
        } else {
            fs::copy(&source, &target)
                .unwrap_or_else(|e| panic!("cannot copy {}: {e}", source.display()));
        }
    }
}

/// Puts the binary in place: a symbolic link where the OS has them cheaply, else a copy.
fn link_or_copy(binary: &Path, target: &Path) {
    let binary = binary
        .canonicalize()
        .unwrap_or_else(|e| panic!("no binary at {}: {e}", binary.display()));
    #[cfg(unix)]
    let placed = std::os::unix::fs::symlink(&binary, target);
    #[cfg(not(unix))]
    let placed = fs::copy(&binary, target).map(drop);
    placed.unwrap_or_else(|e| panic!("cannot place {}: {e}", binary.display()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_inputs_outputs_and_runs() {
        let meta = ActionMeta::parse(
            "name: x\ninputs:\n  aws-region:\n    required: true\n  audience:\n    default: \
             sts.amazonaws.com\n  retries:\n    default: 12\n  flag:\n    default: false\n\
             outputs:\n  aws-account-id:\n    description: d\nruns:\n  using: node24\n  main: \
             dist/main.js\n  post: dist/post.js\n  post-if: env.X != 'true'\n",
        )
        .unwrap();
        let input = |name: &str| meta.input(name).unwrap().clone();
        assert!(input("AWS-REGION").required);
        assert_eq!(input("aws-region").default, None);
        assert_eq!(
            input("audience").default.as_deref(),
            Some("sts.amazonaws.com")
        );
        assert_eq!(input("retries").default.as_deref(), Some("12"));
        assert_eq!(input("flag").default.as_deref(), Some("false"));
        assert_eq!(meta.outputs, ["aws-account-id"]);
        assert_eq!(
            (meta.using.as_str(), meta.main.as_str()),
            ("node24", "dist/main.js")
        );
        assert_eq!(meta.post.as_deref(), Some("dist/post.js"));
        assert_eq!(meta.post_if, "env.X != 'true'");
    }

    #[test]
    fn refuses_other_runtimes() {
        let error = ActionMeta::parse("runs:\n  using: docker\n  image: x\n").unwrap_err();
        assert!(error.contains("node20 and node24"), "{error}");
        let meta = ActionMeta::parse("runs:\n  using: node20\n  main: m.js\n").unwrap();
        assert_eq!(meta.post_if, "always()");
    }
}
