//! RS256 JSON Web Tokens: the committed test keys, signing, decoding, signature checks, and the
//! JWK form of a public key.
//!
//! The keys are fixed 2048-bit RSA keys committed with this crate, so no key is generated at
//! test time. They protect nothing.

use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::traits::PublicKeyParts;
use rsa::{BoxedUint, PrivateKey, PublicKey, pkcs1v15};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

static GITHUB_KEY: LazyLock<SigningKey> =
    LazyLock::new(|| SigningKey::from_pem(include_str!("../keys/github-oidc.pem")));
static UNTRUSTED_KEY: LazyLock<SigningKey> =
    LazyLock::new(|| SigningKey::from_pem(include_str!("../keys/untrusted.pem")));

/// A private key that signs tokens with RS256, named by a key id (`kid`).
#[derive(Clone)]
pub struct SigningKey {
    key: pkcs1v15::SigningKey<Sha256>,
    public: VerifyingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.public.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The key the token service signs with unless told otherwise.
    pub fn github() -> SigningKey {
        GITHUB_KEY.clone()
    }

    /// A second key, which no stand-in trusts unless told to: tokens it signs fail signature
    /// checks.
    pub fn untrusted() -> SigningKey {
        UNTRUSTED_KEY.clone()
    }

    fn from_pem(pem: &str) -> SigningKey {
        let private = PrivateKey::from_pkcs8_pem(pem).expect("a committed test key is valid PEM");
        let public = VerifyingKey::new(PublicKey::from(&private));
        SigningKey {
            key: pkcs1v15::SigningKey::new(private),
            public,
        }
    }

    /// The key id put in the `kid` and `x5t` header fields.
    pub fn kid(&self) -> &str {
        &self.public.kid
    }

    /// The public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.public.clone()
    }

    /// A compact JWT with header `{"alg":"RS256","typ":"JWT","kid":…,"x5t":…}` and these claims.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": self.kid(), "x5t": self.kid()});
        let signing_input = format!(
            "{}.{}",
            B64URL.encode(header.to_string()),
            B64URL.encode(claims.to_string())
        );
        let signature = self.key.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", B64URL.encode(signature.to_bytes()))
    }
}

/// An RSA public key that checks RS256 signatures, with its key id.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifyingKey {
    kid: String,
    key: pkcs1v15::VerifyingKey<Sha256>,
}

impl VerifyingKey {
    /// Names the key by the SHA-256 of its modulus and exponent, cut to the length of an `x5t`.
    fn new(public: PublicKey) -> VerifyingKey {
        let digest = Sha256::new()
            .chain_update(public.n_bytes())
            .chain_update(public.e_bytes())
            .finalize();
        VerifyingKey {
            kid: B64URL.encode(&digest[..20]),
            key: pkcs1v15::VerifyingKey::new(public),
        }
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The key as a JWK: `kty`, `alg`, `use`, `kid`, `x5t`, and `n`, `e` in base64url.
    pub fn to_jwk(&self) -> Value {
        let public = self.key.as_ref();
        json!({
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": B64URL.encode(public.n_bytes()),
            "e": B64URL.encode(public.e_bytes()),
        })
    }

    /// Reads an RSA JWK (`n`, `e` in base64url). The key id is recomputed from the key.
    pub fn from_jwk(jwk: &Value) -> Result<VerifyingKey, String> {
        let component = |name: &str| -> Result<BoxedUint, String> {
            let text = jwk[name]
                .as_str()
                .ok_or_else(|| format!("the JWK has no `{name}`"))?;
            let bytes = B64URL
                .decode(text)
                .map_err(|e| format!("the JWK's `{name}` is not base64url: {e}"))?;
            Ok(BoxedUint::from_be_slice_vartime(&bytes))
        };
        let public = PublicKey::new(component("n")?, component("e")?)
            .map_err(|e| format!("the JWK is not a usable RSA key: {e}"))?;
        Ok(VerifyingKey::new(public))
    }

    /// Whether `signature` is this key's RS256 signature of `message`.
    fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        pkcs1v15::Signature::try_from(signature)
            .is_ok_and(|signature| self.key.verify(message, &signature).is_ok())
    }
}

/// A decoded (not yet verified) compact JWT.
#[derive(Clone, Debug)]
pub struct Jwt {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

impl Jwt {
    /// Splits and decodes `header.claims.signature`; the first two must be JSON objects.
    pub fn decode(token: &str) -> Result<Jwt, String> {
        let mut parts = token.split('.');
        let (Some(header), Some(claims), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("a JWT has three dot-separated parts".into());
        };
        let object = |part: &str, what: &str| -> Result<Map<String, Value>, String> {
            let bytes = B64URL
                .decode(part)
                .map_err(|e| format!("the {what} is not base64url: {e}"))?;
            match serde_json::from_slice(&bytes) {
                Ok(Value::Object(map)) => Ok(map),
                _ => Err(format!("the {what} is not a JSON object")),
            }
        };
        Ok(Jwt {
            header: object(header, "header")?,
            claims: object(claims, "claims")?,
            signing_input: format!("{header}.{claims}"),
            signature: B64URL
                .decode(signature)
                .map_err(|e| format!("the signature is not base64url: {e}"))?,
        })
    }

    /// The header's `kid`.
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// A string claim.
    pub fn str_claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A numeric claim (`exp`, `iat`, `nbf`), truncated to whole seconds.
    pub fn int_claim(&self, name: &str) -> Option<i64> {
        let value = self.claims.get(name)?;
        value.as_i64().or_else(|| value.as_f64().map(|f| f as i64))
    }

    /// Whether the header says RS256 and `key` made the signature.
    pub fn verify(&self, key: &VerifyingKey) -> bool {
        self.header.get("alg").and_then(Value::as_str) == Some("RS256")
            && key.verifies(self.signing_input.as_bytes(), &self.signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_with_the_committed_keys() {
        let key = SigningKey::github();
        let token = key.sign(&json!({"sub": "x"}));
        let jwt = Jwt::decode(&token).unwrap();
        assert_eq!(jwt.kid(), Some(key.kid()));
        assert_eq!(jwt.str_claim("sub"), Some("x"));
        assert!(jwt.verify(&key.verifying_key()));
        assert!(!jwt.verify(&SigningKey::untrusted().verifying_key()));
        let from_jwk = VerifyingKey::from_jwk(&key.verifying_key().to_jwk()).unwrap();
        assert_eq!(from_jwk, key.verifying_key());
    }

    #[test]
    fn rejects_malformed_tokens() {
        assert!(Jwt::decode("a.b").is_err());
        assert!(Jwt::decode("e30.e30.!!").is_err());
        assert!(Jwt::decode("W10.e30.").is_err());
    }
}
