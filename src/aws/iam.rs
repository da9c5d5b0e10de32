//! IAM's `GetRole`, for `check-trust-policy`: the assumed role reads its own trust policy with
//! the credentials it was just given. One request, signed with SigV4 for the `iam` service and
//! sent through the action's HTTP client (the SDK for IAM would add far more to the binary than
//! this one call needs); the policy comes back URL-encoded inside the XML answer.

use std::time::SystemTime;

use aws_credential_types::Credentials as SigningCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::aws::http::{self, BodyError};
use crate::aws::sts::Credentials;

/// What IAM answered instead of the policy, or why it could not be asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamError {
    /// IAM's error code (`AccessDenied`, `NoSuchEntity`, …), or `Transport`, `InvalidResponse`,
    /// `UnknownPartition`.
    pub code: String,
    pub message: String,
}

impl IamError {
    fn new(code: &str, message: impl Into<String>) -> IamError {
        IamError {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// Whether the role may not read itself: no permission, which many roles rightly lack.
    pub fn is_denial(&self) -> bool {
        matches!(
            self.code.as_str(),
            "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation"
        )
    }
}

impl std::fmt::Display for IamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// What a form value keeps unescaped (the unreserved characters).
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The trust policy (JSON text) of the role of `session_arn`
/// (`arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION`), asked for with `creds`, from
/// `endpoint` or the partition's IAM endpoint.
pub async fn role_trust_policy(
    http: &reqwest::Client,
    creds: &Credentials,
    session_arn: &str,
    endpoint: Option<&str>,
) -> Result<String, IamError> {
    let (role, partition) = role_of(session_arn).ok_or_else(|| {
        IamError::new(
            "InvalidResponse",
            format!("{session_arn} is not an assumed role's ARN"),
        )
    })?;
    let (default_endpoint, region) = match partition {
        "aws" => ("https://iam.amazonaws.com", "us-east-1"),
        "aws-cn" => ("https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1"),
        "aws-us-gov" => ("https://iam.us-gov.amazonaws.com", "us-gov-west-1"),
        other => {
            return Err(IamError::new(
                "UnknownPartition",
                format!("the IAM endpoint of the partition {other} is not known"),
            ));
        }
    };
    let url = endpoint.unwrap_or(default_endpoint).trim_end_matches('/');
    let url = format!("{url}/");
    let body = format!(
        "Action=GetRole&RoleName={}&Version=2010-05-08",
        utf8_percent_encode(role, FORM)
    );
    let content_type = "application/x-www-form-urlencoded; charset=utf-8";
    let identity = SigningCredentials::new(
        &creds.access_key_id,
        &creds.secret_access_key,
        creds.session_token.clone(),
        None,
        "aws-oidc-credentials",
    )
    .into();
    let signing_error = |e: &dyn std::fmt::Display| IamError::new("Transport", e.to_string());
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("iam")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| signing_error(&e))?
        .into();
    let headers = [("content-type", content_type)];
    let signable = SignableRequest::new(
        "POST",
        url.as_str(),
        headers.into_iter(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .map_err(|e| signing_error(&e))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| signing_error(&e))?
        .into_parts();
    let mut request = http
        .post(&url)
        .header("content-type", content_type)
        .body(body.clone());
    for (name, value) in instructions.headers() {
        request = request.header(name, value);
    }
    let response = request
        .send()
        .await
        .map_err(|e| IamError::new("Transport", http::error_chain(&e)))?;
    let status = response.status();
    if status.is_redirection() {
        let redirect = http::redirect(&response);
        return Err(IamError::new(
            "InvalidResponse",
            format!("IAM answered with a redirect ({redirect}), which is never followed"),
        ));
    }
    // At most `MAX_BODY`, as every other answer: an endless one is refused.
    let text = match http::read_body(response).await {
        Ok(body) => String::from_utf8_lossy(&body).into_owned(),
        Err(BodyError::TooLarge) => {
            return Err(IamError::new(
                "InvalidResponse",
                BodyError::TooLarge.to_string(),
            ));
        }
        Err(BodyError::Transport(e)) => {
            return Err(IamError::new("Transport", http::error_chain(&e)));
        }
    };
    if !status.is_success() {
        return Err(match element(&text, "Code") {
            Some(code) => IamError::new(&code, element(&text, "Message").unwrap_or_default()),
            None => IamError::new("InvalidResponse", format!("HTTP status {status}")),
        });
    }
    let encoded = element(&text, "AssumeRolePolicyDocument").ok_or_else(|| {
        IamError::new(
            "InvalidResponse",
            "the answer holds no AssumeRolePolicyDocument",
        )
    })?;
    percent_decode_str(&encoded)
        .decode_utf8()
        .map(|policy| policy.into_owned())
        .map_err(|_| IamError::new("InvalidResponse", "the policy is not UTF-8 text"))
}

/// The role's name and the partition of an assumed role's ARN.
fn role_of(session_arn: &str) -> Option<(&str, &str)> {
    let mut parts = session_arn.splitn(6, ':');
    let (arn, partition) = (parts.next()?, parts.next()?);
    let (service, _region, _account, resource) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let role = resource.strip_prefix("assumed-role/")?.split('/').next()?;
    (arn == "arn" && service == "sts" && !role.is_empty()).then_some((role, partition))
}

/// The text of the first `<name>` element of an XML answer, its entities decoded.
fn element(xml: &str, name: &str) -> Option<String> {
    let start = xml.find(&format!("<{name}>"))? + name.len() + 2;
    let end = start + xml[start..].find(&format!("</{name}>"))?;
    Some(unescape(&xml[start..end]))
}

/// The longest reference [`unescape`] decodes, `&#x10FFFF;` or `&#1114111;`.
const MAX_REFERENCE: usize = 10;

/// XML's five entities and numeric character references.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        // Looked for only as far as a reference reaches: each `&` of a long text without a `;`
        // close by would otherwise search the rest of it.
        let end = rest.bytes().take(MAX_REFERENCE).position(|b| b == b';');
        let Some(end) = end else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_of_an_assumed_roles_arn() {
        assert_eq!(
            role_of("arn:aws:sts::111122223333:assumed-role/deploy/GitHubActions"),
            Some(("deploy", "aws"))
        );
        assert_eq!(
            role_of("arn:aws-cn:sts::111122223333:assumed-role/a+b=c,d.e@f-g/s"),
            Some(("a+b=c,d.e@f-g", "aws-cn"))
        );
        assert_eq!(role_of("arn:aws:iam::111122223333:user/ci"), None);
        assert_eq!(role_of("arn:aws:sts::1:assumed-role//s"), None);
    }

    #[test]
    fn the_policy_comes_out_of_the_xml_answer() {
        let xml = "<GetRoleResponse><GetRoleResult><Role><RoleName>deploy</RoleName>\
                   <AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D\
                   </AssumeRolePolicyDocument></Role></GetRoleResult></GetRoleResponse>";
        let encoded = element(xml, "AssumeRolePolicyDocument").unwrap();
        assert_eq!(
            percent_decode_str(&encoded).decode_utf8().unwrap(),
            r#"{"Version":"2012-10-17"}"#
        );
        assert_eq!(
            element(
                "<Message>a &amp; b &lt;c&gt; &#x41;&#66; &bogus; &</Message>",
                "Message"
            ),
            Some("a & b <c> AB &bogus; &".to_owned())
        );
        assert_eq!(element("<a>", "a"), None);
        assert_eq!(
            unescape("&#x10FFFF;&#1114111;&#x110000;&amp"),
            "\u{10FFFF}\u{10FFFF}&#x110000;&amp"
        );
    }

    #[test]
    fn many_ampersands_are_unescaped_in_linear_time() {
        let text = format!("{};", "&".repeat(1 << 20));
        let started = std::time::Instant::now();
        assert_eq!(unescape(&text), text);
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    }
}
