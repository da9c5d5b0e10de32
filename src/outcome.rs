//! The one value the main step ends with and the export reads: the credentials for later steps,
//! whose they are and how they were had. It sits between the two so that data flows one way,
//! from the step through it to what later steps see.

use crate::aws::sts::{Credentials, Identity};

/// What the main step had: the credentials for later steps, whose they are and how they were
/// had. Every secret and (with `mask-aws-account-id`) account id in it is masked already.
pub struct Outcome {
    /// The credentials to export; `None` when there are none of ours (the valid ones already in
    /// the environment, or the ambient chain's without a role).
    pub credentials: Option<Credentials>,
    /// Whose the credentials are, when known.
    pub identity: Option<Identity>,
    /// How they were had.
    pub how: How,
    /// The roles of `profiles`, each assumed, in the input's order.
    pub profiles: Vec<ProfileOutcome>,
    /// What `lint` finds in the role's trust policy (`check-trust-policy`, `trust-policy-file`),
    /// printed as warnings and listed in the job summary.
    pub trust_policy_warnings: Vec<String>,
}

/// A role of `profiles`, assumed: its credentials go to the named profile.
pub struct ProfileOutcome {
    pub name: String,
    pub role_arn: String,
    pub credentials: Credentials,
    pub identity: Identity,
}

/// How the main step had its credentials.
pub enum How {
    /// `use-existing-credentials`, and those in the environment are valid: nothing new.
    Existing,
    /// The source credentials themselves, without a role (none with a web identity: its token
    /// served only `profiles`).
    Source {
        /// How, in words, for the job summary.
        mode: &'static str,
    },
    /// A role assumed.
    Role {
        /// How, in words, for the job summary.
        mode: &'static str,
        role_arn: String,
        session_name: String,
        /// The GitHub token's `sub` claim, when a token was used and has one.
        subject: Option<String>,
    },
}
