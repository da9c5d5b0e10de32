//! A GitHub Actions runner simulator for node actions: a [`Job`] runs steps of an
//! [`ActionDir`] with the environment, inputs and file-command files the runner gives them,
//! then reads back what they wrote and said, as the runner would.
//!
//! ```no_run
//! use testbench::github::GithubTokenService;
//! use testbench::runner::{ActionDir, Job};
//!
//! let github = GithubTokenService::start();
//! let action = ActionDir::source(env!("CARGO_MANIFEST_DIR"));
//! let mut job = Job::new();
//! let result = job
//!     .step(&action)
//!     .with("role-to-assume", "arn:aws:iam::111122223333:role/deploy")
//!     .with("aws-region", "us-east-1")
//!     .id_token(&github)
//!     .run();
//! result.assert_success();
//! let post = job.finish();
//! ```

mod action;
mod commands;
mod condition;
mod files;
mod job;
mod mask;
mod process;

pub use action::{ActionDir, ActionInput, ActionMeta};
pub use commands::{
    Stream, WorkflowCommand, parse as parse_command, unescape_data, unescape_property,
};
pub use files::{LineEnds, parse_key_values, parse_path};
pub use job::{Job, PostRun, Step, StepResult};
