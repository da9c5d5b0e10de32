//! `AssumeRole` as AWS answers it: the signature is verified first, then the parameters, then
//! the role's trust rule (principals, external id), the session duration (at most an hour when
//! the caller is itself a role session: role chaining), the session policy, and the packed size
//! of the session tags. On success new credentials are issued and recorded with the caller as
//! their source.

use std::collections::BTreeMap;

use super::session::{self, SessionParams};
use super::validation::{IamArn, Violations, list, string_like};
use super::wire::{StsError, Xml, text};
use super::{IssuedCredentials, State};
use crate::http::Request;

/// The longest session a role session may start by assuming another role.
const ROLE_CHAINING_LIMIT: u32 = 3600;

/// The request's parameters, once they satisfy STS's constraints.
struct Input<'a> {
    session: SessionParams<'a>,
    external_id: Option<&'a str>,
    tags: Vec<(String, String)>,
    transitive_tag_keys: Vec<String>,
}

/// IAM's tag character class `[\p{L}\p{Z}\p{N}_.:/=+\-@]`.
fn tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

impl<'a> Input<'a> {
    fn validate(params: &'a BTreeMap<String, String>) -> Result<Input<'a>, StsError> {
        let param = |name: &str| params.get(name).map(String::as_str);
        let mut v = Violations::default();
        let session = SessionParams::check(params, &mut v);

        let tags: Vec<(Option<&str>, Option<&str>)> = (1..)
            .map(|n| {
                (
                    param(&format!("Tags.member.{n}.Key")),
                    param(&format!("Tags.member.{n}.Value")),
                )
            })
            .take_while(|(key, value)| key.is_some() || value.is_some())
            .collect();
        let listed: Vec<String> = tags
            .iter()
            .map(|(key, value)| {
                format!(
                    "Tag(Key={}, Value={})",
                    key.unwrap_or_default(),
                    value.unwrap_or_default()
                )
            })
            .collect();
        v.count("tags", &listed, 50);
        for (n, (key, value)) in (1..).zip(&tags) {
            let member = format!("tags.{n}.member.key");
            if let Some(key) = v.required(&member, *key) {
                v.length(&member, key, false, 1, 128);
                let pattern = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+";
                v.pattern(&member, key, key.chars().all(tag_char), pattern);
            }
            let member = format!("tags.{n}.member.value");
            if let Some(value) = v.required(&member, *value) {
                v.length(&member, value, false, 0, 256);
                let pattern = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*";
                v.pattern(&member, value, value.chars().all(tag_char), pattern);
            }
        }

        let transitive_tag_keys = list(params, |n| format!("TransitiveTagKeys.member.{n}"));
        v.count("transitiveTagKeys", &transitive_tag_keys, 50);
        for (n, key) in (1..).zip(&transitive_tag_keys) {
            v.length(&format!("transitiveTagKeys.{n}.member"), key, false, 1, 128);
        }

        let external_id = param("ExternalId");
        if let Some(id) = external_id {
            v.length("externalId", id, false, 2, 1224);
            let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c);
            v.pattern("externalId", id, id.chars().all(allowed), r"[\w+=,.@:\/-]*");
        }

        v.finish()?;
        let Some(session) = session else {
            unreachable!("validation passed with a member missing");
        };
        let tags = tags
            .into_iter()
            .map(|(key, value)| {
                (
                    key.unwrap_or_default().into(),
                    value.unwrap_or_default().into(),
                )
            })
            .collect();
        Ok(Input {
            session,
            external_id,
            tags,
            transitive_tag_keys,
        })
    }
}

pub(super) fn assume_role(
    state: &mut State,
    request: &Request,
    params: &BTreeMap<String, String>,
) -> Result<Vec<Xml>, StsError> {
    let caller = state.authenticate(request)?;
    let input = Input::validate(params)?;
    let session = input.session;
    let arn = IamArn::parse(session.role_arn, "role")?;
    let denied = || {
        StsError::new(
            403,
            "AccessDenied",
            format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {}",
                caller.arn, session.role_arn
            ),
        )
    };
    let role = state.roles.get(session.role_arn).ok_or_else(denied)?;
    let trusted = match &role.trust_principals {
        Some(patterns) => patterns
            .iter()
            .any(|pattern| string_like(pattern, &caller.arn)),
        None => caller.account == arn.account,
    };
    let external_id_matches = role
        .external_id
        .as_deref()
        .is_none_or(|id| input.external_id == Some(id));
    if !trusted || !external_id_matches {
        return Err(denied());
    }
    if caller.role_session && session.duration > ROLE_CHAINING_LIMIT {
        return Err(StsError::validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed \
             by role chaining.",
        ));
    }
    session.check_role(role)?;
    let packed: usize = input.tags.iter().map(|(k, v)| k.len() + v.len()).sum();
    let limit = role.packed_policy_limit.max(1);
    let percent = (packed * 100).div_ceil(limit);
    if packed > limit {
        return Err(StsError::new(
            400,
            "PackedPolicyTooLarge",
            format!(
                "Packed policy consumes {percent}% of allotted space, please use smaller policy \
                 for your session."
            ),
        ));
    }
    let credentials = IssuedCredentials {
        tags: input.tags,
        transitive_tag_keys: input.transitive_tag_keys,
        external_id: input.external_id.map(str::to_string),
        ..session::issue(state, &arn, session, caller.arn)
    };
    let mut result = vec![
        session::assumed_role_user(&credentials),
        session::credentials(&credentials),
    ];
    if !credentials.tags.is_empty() {
        result.push(text("PackedPolicySize", percent.to_string()));
    }
    state.issued.push(credentials);
    Ok(result)
}
