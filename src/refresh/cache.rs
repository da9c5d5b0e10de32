//! The credentials `credential-process` last handed out, in a private (0600) file under
//! `RUNNER_TEMP` named after the settings file, replaced atomically; and when they are still
//! good enough to hand out again: while more than the margin remains.

use std::path::Path;

use aws_smithy_types::date_time::{DateTime, Format};
use serde::{Deserialize, Serialize};

use crate::aws::sts::Credentials;
use crate::error::Error;
use crate::export::profiles;

/// What a `credential_process` prints, as the SDKs read it; the cache holds the same.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessCredentials {
    pub version: u8,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// ISO 8601 in UTC, like `2026-11-25T22:00:00Z`.
    pub expiration: String,
}

impl ProcessCredentials {
    /// From a role's credentials, which always have a session token and an expiration.
    pub fn of(creds: &Credentials) -> Option<ProcessCredentials> {
        Some(ProcessCredentials {
            version: 1,
            access_key_id: creds.access_key_id.clone(),
            secret_access_key: creds.secret_access_key.clone(),
            session_token: creds.session_token.clone()?,
            expiration: creds.expiration.clone()?,
        })
    }

    /// When they expire, in Unix seconds.
    pub fn expires_at(&self) -> Option<i64> {
        DateTime::from_str(&self.expiration, Format::DateTime)
            .ok()
            .map(|t| t.secs())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("credentials serialise")
    }
}

/// Whether credentials that expire at `expires_at` can be handed out at `now`: more than
/// `margin` seconds remain.
pub fn fresh(expires_at: i64, now: i64, margin: u64) -> bool {
    expires_at.saturating_sub(now) > i64::try_from(margin).unwrap_or(i64::MAX)
}

/// The cached credentials, if they are still fresh at `now`; a missing, unreadable or garbled
/// cache is no error (the credentials are renewed).
pub fn read_fresh(path: &Path, now: i64, margin: u64) -> Option<ProcessCredentials> {
    let bytes = std::fs::read(path).ok()?;
    let cached: ProcessCredentials = serde_json::from_slice(&bytes).ok()?;
    cached
        .expires_at()
        .is_some_and(|at| fresh(at, now, margin))
        .then_some(cached)
}

/// Replaces the cache with `creds`.
pub fn write(path: &Path, creds: &ProcessCredentials) -> Result<(), Error> {
    profiles::replace_private(path, creds.to_json().as_bytes()).map_err(|e| {
        Error::Renew(format!(
            "could not write the credentials' cache {}: {e}",
            path.display()
        ))
    })
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_REFRESH_MARGIN;

    /// A job of ten hours calling for credentials every ten seconds, with the default margin:
    /// whatever the session's duration, credentials are handed out with at least 15 minutes
    /// left, and renewed only when fewer remain.
    #[test]
    fn the_default_margin_hands_out_at_least_15_minutes() {
        let margin = DEFAULT_REFRESH_MARGIN;
        assert_eq!(margin, 15 * 60);
        // The margin must be less than the session (the inputs are checked so).
        for duration in [901, 1800, 3600, 43_200] {
            let mut cached: Option<i64> = None;
            let mut renewals = 0;
            for now in (0..10 * 3600).step_by(10) {
                let expires_at = match cached.filter(|&at| fresh(at, now, margin)) {
                    Some(at) => at,
                    None => {
                        renewals += 1;
                        let at = now + duration;
                        cached = Some(at);
                        at
                    }
                };
                assert!(
                    expires_at - now >= 15 * 60,
                    "{duration} s sessions: {} s left at {now}",
                    expires_at - now
                );
            }
            // Renewed once fewer than 15 minutes remain, not before.
            let usable = duration - 900;
            assert!(renewals <= 10 * 3600 / usable + 1, "{duration}: {renewals}");
        }
    }

    #[test]
    fn fresh_means_more_than_the_margin_left() {
        assert!(fresh(1000, 0, 900));
        assert!(!fresh(900, 0, 900));
        assert!(!fresh(0, 10, 0));
        assert!(fresh(11, 10, 0));
    }

    #[test]
    fn process_output_is_what_the_sdks_read() {
        let creds = ProcessCredentials {
            version: 1,
            access_key_id: "ASIA1".into(),
            secret_access_key: "s".into(),
            session_token: "t".into(),
            expiration: "2026-11-25T22:00:00Z".into(),
        };
        assert_eq!(
            creds.to_json(),
            r#"{"Version":1,"AccessKeyId":"ASIA1","SecretAccessKey":"s","SessionToken":"t","Expiration":"2026-11-25T22:00:00Z"}"#
        );
        assert_eq!(creds.expires_at(), Some(1_795_644_000));
    }
}
