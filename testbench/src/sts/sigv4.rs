//! AWS Signature Version 4 (`AWS4-HMAC-SHA256`) over the bench's [`Request`]: the canonical
//! request, the string to sign, the signing key and the signature, derived as AWS derives them.
//! The STS stand-in verifies signed requests with it; tests sign requests with [`sign`].
//!
//! Paths are taken as sent and not normalised (`/./`, `//`), which is all STS's `POST /` needs.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::clock;
use crate::http::Request;

/// The one algorithm SigV4 names.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// What a request is signed for: `DATE/REGION/SERVICE/aws4_request`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// `YYYYMMDD`.
    pub date: String,
    pub region: String,
    pub service: String,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/aws4_request",
            self.date, self.region, self.service
        )
    }
}

/// The parts of `Authorization: AWS4-HMAC-SHA256 Credential=KEY/SCOPE, SignedHeaders=a;b,
/// Signature=HEX`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub access_key_id: String,
    pub scope: Scope,
    /// Lower-case header names, as listed.
    pub signed_headers: Vec<String>,
    /// Lower-case hex.
    pub signature: String,
}

impl Authorization {
    /// Reads the header. The error is AWS's `IncompleteSignature` message naming what is
    /// missing or unreadable.
    pub fn parse(header: &str) -> Result<Authorization, String> {
        let fields = header
            .strip_prefix(ALGORITHM)
            .filter(|rest| rest.starts_with(' '))
            .unwrap_or("");
        let field = |name: &str| {
            fields.split(',').find_map(|part| {
                part.trim()
                    .strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix('='))
            })
        };
        let credential = field("Credential").and_then(|credential| {
            let parts: Vec<&str> = credential.split('/').collect();
            match parts.as_slice() {
                [key, date, region, service, "aws4_request"] => Some((
                    key.to_string(),
                    Scope {
                        date: date.to_string(),
                        region: region.to_string(),
                        service: service.to_string(),
                    },
                )),
                _ => None,
            }
        });
        let signed_headers = field("SignedHeaders").filter(|names| !names.is_empty());
        let signature = field("Signature").filter(|signature| !signature.is_empty());
        match (credential, signed_headers, signature) {
            (Some((access_key_id, scope)), Some(signed_headers), Some(signature)) => {
                Ok(Authorization {
                    access_key_id,
                    scope,
                    signed_headers: signed_headers.split(';').map(str::to_string).collect(),
                    signature: signature.to_string(),
                })
            }
            (credential, signed_headers, signature) => {
                let missing = [
                    ("Credential", credential.is_none()),
                    ("Signature", signature.is_none()),
                    ("SignedHeaders", signed_headers.is_none()),
                ];
                let message: Vec<String> = missing
                    .iter()
                    .filter(|(_, missing)| *missing)
                    .map(|(name, _)| format!("Authorization header requires '{name}' parameter."))
                    .collect();
                Err(format!("{} Authorization={header}", message.join(" ")))
            }
        }
    }
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ALGORITHM} Credential={}/{}, SignedHeaders={}, Signature={}",
            self.access_key_id,
            self.scope,
            self.signed_headers.join(";"),
            self.signature
        )
    }
}

/// The keys a request is signed with.
#[derive(Clone, Copy, Debug)]
pub struct Keys<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    /// Sent as `x-amz-security-token` (and signed) for temporary credentials.
    pub session_token: Option<&'a str>,
}

/// `20261125T220000Z` for a Unix time, the form of `x-amz-date`.
pub fn amz_date(unix: i64) -> String {
    clock::iso8601(unix).replace(['-', ':'], "")
}

/// Signs `request` for `region` and `service` as of `unix` time: sets `x-amz-date`,
/// `x-amz-security-token` when the keys have a session token, and `authorization`, signing
/// every header the request then has.
pub fn sign(request: &mut Request, keys: Keys<'_>, region: &str, service: &str, unix: i64) {
    let date = amz_date(unix);
    request.headers.insert("x-amz-date".into(), date.clone());
    if let Some(token) = keys.session_token {
        request
            .headers
            .insert("x-amz-security-token".into(), token.into());
    }
    request.headers.remove("authorization");
    let scope = Scope {
        date: date[..8].to_string(),
        region: region.into(),
        service: service.into(),
    };
    let signed_headers: Vec<String> = request.headers.keys().cloned().collect();
    let signature = signature(
        keys.secret_access_key,
        &date,
        &scope,
        &canonical_request(request, &signed_headers),
    );
    let authorization = Authorization {
        access_key_id: keys.access_key_id.into(),
        scope,
        signed_headers,
        signature,
    };
    request
        .headers
        .insert("authorization".into(), authorization.to_string());
}

/// The canonical request: method, canonical URI, canonical query string, the signed headers
/// with their values trimmed, their names, and the payload hash (`x-amz-content-sha256` when
/// sent, else the hex SHA-256 of the body). A signed header the request lacks counts as empty.
pub fn canonical_request(request: &Request, signed_headers: &[String]) -> String {
    let headers: String = signed_headers
        .iter()
        .map(|name| {
            let value = request.header(name).unwrap_or_default();
            format!(
                "{name}:{}\n",
                value.split_whitespace().collect::<Vec<_>>().join(" ")
            )
        })
        .collect();
    let payload_hash = request.header("x-amz-content-sha256").map_or_else(
        || hex::encode(Sha256::digest(&request.body)),
        str::to_string,
    );
    [
        request.method.clone(),
        canonical_uri(&request.path),
        canonical_query(&request.query),
        headers,
        signed_headers.join(";"),
        payload_hash,
    ]
    .join("\n")
}

/// The path as sent, each segment encoded once more (AWS encodes paths twice for every
/// service but S3).
fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    path.split('/')
        .map(uri_encode)
        .collect::<Vec<_>>()
        .join("/")
}

/// The query's decoded pairs, encoded, sorted by name then value, joined with `&`.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| (uri_encode(&name), uri_encode(&value)))
        .collect();
    pairs.sort();
    let pairs: Vec<String> = pairs
        .into_iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    pairs.join("&")
}

/// Percent-encodes every byte but the unreserved `A-Z a-z 0-9 - _ . ~`, in upper-case hex.
fn uri_encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// `AWS4-HMAC-SHA256`, the request time, the scope, and the hex SHA-256 of the canonical
/// request, one per line.
pub fn string_to_sign(amz_date: &str, scope: &Scope, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request))
    )
}

/// The key derived from the secret: HMAC chained over the date, region, service and
/// `aws4_request`.
pub fn signing_key(secret_access_key: &str, scope: &Scope) -> Vec<u8> {
    [
        scope.date.as_str(),
        &scope.region,
        &scope.service,
        "aws4_request",
    ]
    .iter()
    .fold(
        format!("AWS4{secret_access_key}").into_bytes(),
        |key, part| hmac(&key, part),
    )
}

/// The hex signature of a canonical request.
pub fn signature(
    secret_access_key: &str,
    amz_date: &str,
    scope: &Scope,
    canonical_request: &str,
) -> String {
    hex::encode(hmac(
        &signing_key(secret_access_key, scope),
        &string_to_sign(amz_date, scope, canonical_request),
    ))
}

fn hmac(key: &[u8], message: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn request(method: &str, query: &str, headers: &[(&str, &str)], body: &str) -> Request {
        Request {
            method: method.into(),
            path: "/".into(),
            query: query.into(),
            headers: headers
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect::<BTreeMap<_, _>>(),
            body: body.into(),
        }
    }

    /// The example AWS documents for SigV4: IAM `ListUsers` signed with its example key.
    #[test]
    fn matches_the_documented_example() {
        let request = request(
            "GET",
            "Version=2010-05-08&Action=ListUsers",
            &[
                (
                    "content-type",
                    "application/x-www-form-urlencoded; charset=utf-8",
                ),
                ("host", "iam.amazonaws.com"),
                ("x-amz-date", "20150830T123600Z"),
            ],
            "",
        );
        let names = ["content-type", "host", "x-amz-date"].map(String::from);
        let canonical = canonical_request(&request, &names);
        assert_eq!(
            canonical,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n\
             content-type:application/x-www-form-urlencoded; charset=utf-8\n\
             host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
             content-type;host;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let scope = Scope {
            date: "20150830".into(),
            region: "us-east-1".into(),
            service: "iam".into(),
        };
        assert_eq!(
            string_to_sign("20150830T123600Z", &scope, &canonical),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n\
             f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        assert_eq!(
            hex::encode(signing_key(secret, &scope)),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
        assert_eq!(
            signature(secret, "20150830T123600Z", &scope, &canonical),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    /// A signed STS `POST` with a session token, checked against an independent computation.
    #[test]
    fn signs_a_post_with_a_session_token() {
        let mut request = request(
            "POST",
            "",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("host", "sts.us-east-2.amazonaws.com"),
            ],
            "Action=GetCallerIdentity&Version=2011-06-15",
        );
        let keys = Keys {
            access_key_id: "ASIAEXAMPLEEXAMPLE00",
            secret_access_key: "AKIDEXAMPLESECRETKEY/K7MDENG+bPxRfiCYEXAMPLE",
            session_token: Some("FQoGZXIvYXdzEXAMPLE"),
        };
        sign(&mut request, keys, "us-east-2", "sts", 1_795_644_000);
        assert_eq!(request.headers["x-amz-date"], "20261125T220000Z");
        assert_eq!(
            request.headers["x-amz-security-token"],
            "FQoGZXIvYXdzEXAMPLE"
        );
        let authorization = &request.headers["authorization"];
        assert_eq!(
            authorization,
            "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEEXAMPLE00/20261125/us-east-2/sts/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, \
             Signature=dae5fa4a25920d52287a7fd1d2baec7c034cfe1ed60ab58b550cae92374d199b"
        );
        let parsed = Authorization::parse(authorization).unwrap();
        assert_eq!(&parsed.to_string(), authorization);
        assert_eq!(parsed.scope.service, "sts");
    }

    #[test]
    fn canonicalises_queries_paths_and_header_values() {
        assert_eq!(canonical_query("b=2&a=x%20y&a=1&c"), "a=1&a=x%20y&b=2&c=");
        assert_eq!(canonical_query("k=%2F%7E+"), "k=%2F~%20");
        assert_eq!(canonical_uri("/a%20b/c~"), "/a%2520b/c~");
        assert_eq!(canonical_uri(""), "/");
        let request = request("POST", "", &[("x-a", "  one   two ")], "");
        assert!(canonical_request(&request, &["x-a".into()]).contains("\nx-a:one two\n"));
    }

    #[test]
    fn names_what_an_authorization_header_lacks() {
        assert_eq!(
            Authorization::parse("AWS4-HMAC-SHA256 SignedHeaders=host").unwrap_err(),
            "Authorization header requires 'Credential' parameter. Authorization header \
             requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 SignedHeaders=host"
        );
        let bad_scope = "AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/sts, \
                         SignedHeaders=host, Signature=00";
        assert!(
            Authorization::parse(bad_scope)
                .unwrap_err()
                .starts_with("Authorization header requires 'Credential' parameter.")
        );
        assert!(Authorization::parse("Bearer token").is_err());
    }
}
