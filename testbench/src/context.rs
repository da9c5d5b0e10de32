//! The workflow run both fakes describe: the repository, ref, commit, run and actor that the
//! token service puts in its claims and the runner simulator puts in `GITHUB_*` variables.

/// One workflow run, as seen by a job. Defaults describe a push to `main` of
/// `octo-org/octo-repo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkflowContext {
    /// `owner/name`.
    pub repository: String,
    pub repository_id: String,
    pub repository_owner_id: String,
    /// A full ref: `refs/heads/main`, `refs/tags/v1`, `refs/pull/1/merge`.
    pub git_ref: String,
    pub sha: String,
    pub run_id: String,
    pub run_number: String,
    pub run_attempt: String,
    pub actor: String,
    pub actor_id: String,
    /// The workflow's `name:`.
    pub workflow: String,
    /// The workflow file, relative to the repository root.
    pub workflow_path: String,
    pub event_name: String,
    /// The job id.
    pub job: String,
}

impl Default for WorkflowContext {
    fn default() -> Self {
        WorkflowContext {
            repository: "octo-org/octo-repo".into(),
            repository_id: "123456789".into(),
            repository_owner_id: "987654321".into(),
            git_ref: "refs/heads/main".into(),
            sha: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4".into(),
            run_id: "4242424242".into(),
            run_number: "17".into(),
            run_attempt: "1".into(),
            actor: "octocat".into(),
            actor_id: "583231".into(),
            workflow: "CI".into(),
            workflow_path: ".github/workflows/ci.yml".into(),
            event_name: "push".into(),
            job: "deploy".into(),
        }
    }
}

impl WorkflowContext {
    /// The owner part of `repository`.
    pub fn repository_owner(&self) -> &str {
        self.repository
            .split_once('/')
            .map_or(self.repository.as_str(), |(owner, _)| owner)
    }

    /// `branch`, `tag`, or empty for other refs.
    pub fn ref_type(&self) -> &str {
        if self.git_ref.starts_with("refs/heads/") {
            "branch"
        } else if self.git_ref.starts_with("refs/tags/") {
            "tag"
        } else {
            ""
        }
    }

    /// The short ref name: `main` for `refs/heads/main`, `1/merge` for `refs/pull/1/merge`.
    pub fn ref_name(&self) -> &str {
        ["refs/heads/", "refs/tags/", "refs/pull/"]
            .iter()
            .find_map(|prefix| self.git_ref.strip_prefix(prefix))
            .unwrap_or(&self.git_ref)
    }

    /// `owner/name/.github/workflows/ci.yml@refs/heads/main`.
    pub fn workflow_ref(&self) -> String {
        format!(
            "{}/{}@{}",
            self.repository, self.workflow_path, self.git_ref
        )
    }
}
