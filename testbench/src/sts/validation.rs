//! Parameter checks worded as STS words them: every constraint violation of a request is
//! collected into one `ValidationError` ("2 validation errors detected: Value … at '…' failed
//! to satisfy constraint: …; …"), and IAM ARNs and list parameters are read.

use std::collections::BTreeMap;

use super::wire::StsError;

/// The constraint violations found so far in one request.
#[derive(Default)]
pub struct Violations(Vec<String>);

impl Violations {
    /// A required member: reports `Member must not be null` when absent.
    pub fn required<'a>(&mut self, member: &str, value: Option<&'a str>) -> Option<&'a str> {
        if value.is_none() {
            self.0.push(format!(
                "Value null at '{member}' failed to satisfy constraint: Member must not be null"
            ));
        }
        value
    }

    /// A length constraint, in characters. A sensitive value is not repeated in the message.
    pub fn length(&mut self, member: &str, value: &str, sensitive: bool, min: usize, max: usize) {
        let length = value.chars().count();
        if length < min {
            self.fail(
                member,
                value,
                sensitive,
                &format!("Member must have length greater than or equal to {min}"),
            );
        }
        if length > max {
            self.fail(
                member,
                value,
                sensitive,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    /// A regular-expression constraint, decided by `matches`.
    pub fn pattern(&mut self, member: &str, value: &str, matches: bool, pattern: &str) {
        if !matches {
            self.fail(
                member,
                value,
                false,
                &format!("Member must satisfy regular expression pattern: {pattern}"),
            );
        }
    }

    /// A numeric range constraint; returns the number when the value is one.
    pub fn range(&mut self, member: &str, value: &str, min: i64, max: i64) -> Option<i64> {
        let Ok(number) = value.trim().parse::<i64>() else {
            self.fail(member, value, false, "Member must be a number");
            return None;
        };
        if number < min {
            self.fail(
                member,
                value,
                false,
                &format!("Member must have value greater than or equal to {min}"),
            );
        }
        if number > max {
            self.fail(
                member,
                value,
                false,
                &format!("Member must have value less than or equal to {max}"),
            );
        }
        Some(number)
    }

    /// A list-size constraint.
    pub fn count(&mut self, member: &str, items: &[String], max: usize) {
        if items.len() > max {
            let value = format!("[{}]", items.join(", "));
            self.fail(
                member,
                &value,
                false,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    fn fail(&mut self, member: &str, value: &str, sensitive: bool, constraint: &str) {
        let value = if sensitive {
            "*** Sensitive Data Redacted ***"
        } else {
            value
        };
        self.0.push(format!(
            "Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// `Ok` when nothing failed, else the `ValidationError` listing every violation.
    pub fn finish(self) -> Result<(), StsError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(StsError::validation(format!(
                "1 validation error detected: {}",
                self.0[0]
            ))),
            n => Err(StsError::validation(format!(
                "{n} validation errors detected: {}",
                self.0.join("; ")
            ))),
        }
    }
}

/// The parts of `arn:PARTITION:iam::ACCOUNT:KIND/PATH/NAME`, the ARN of a role or a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IamArn {
    pub partition: String,
    pub account: String,
    /// The name, without its path.
    pub name: String,
}

impl IamArn {
    /// Parses the ARN of a `kind` (`role`, `user`); anything else is STS's "Request ARN is
    /// invalid".
    pub fn parse(arn: &str, kind: &str) -> Result<IamArn, StsError> {
        let invalid = || StsError::validation("Request ARN is invalid");
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let ["arn", partition, "iam", "", account, resource] = parts.as_slice() else {
            return Err(invalid());
        };
        let name = resource
            .strip_prefix(kind)
            .and_then(|rest| rest.strip_prefix('/'))
            .and_then(|path_and_name| path_and_name.rsplit('/').next())
            .filter(|name| !name.is_empty())
            .ok_or_else(invalid)?;
        if partition.is_empty()
            || account.len() != 12
            || !account.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(invalid());
        }
        Ok(IamArn {
            partition: partition.to_string(),
            account: account.to_string(),
            name: name.to_string(),
        })
    }
}

/// The values of a list parameter, `name(1)`, `name(2)`, … up to the first one missing.
pub fn list(params: &BTreeMap<String, String>, name: impl Fn(usize) -> String) -> Vec<String> {
    (1..).map_while(|n| params.get(&name(n)).cloned()).collect()
}

/// IAM's `StringLike`: `*` matches any run of characters, `?` any one character.
pub fn string_like(pattern: &str, value: &str) -> bool {
    let (pattern, value): (Vec<char>, Vec<char>) =
        (pattern.chars().collect(), value.chars().collect());
    // matches[j]: whether the pattern read so far matches value[..j].
    let mut matches = vec![false; value.len() + 1];
    matches[0] = true;
    for p in pattern {
        let previous = matches.clone();
        matches[0] = p == '*' && previous[0];
        for j in 1..=value.len() {
            matches[j] = match p {
                '*' => previous[j] || matches[j - 1],
                '?' => previous[j - 1],
                c => previous[j - 1] && value[j - 1] == c,
            };
        }
    }
    matches[value.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_like_wildcards() {
        assert!(string_like(
            "repo:octo-org/*",
            "repo:octo-org/x:ref:refs/heads/main"
        ));
        assert!(string_like("*", ""));
        assert!(string_like("a?c", "abc"));
        assert!(!string_like("a?c", "ac"));
        assert!(!string_like("repo:octo-org/*", "repo:other/x"));
        assert!(string_like(
            "repo:*:environment:prod",
            "repo:o/r:environment:prod"
        ));
        assert!(!string_like("repo:o/r", "repo:o/r2"));
    }

    #[test]
    fn parses_iam_arns() {
        let arn =
            IamArn::parse("arn:aws-cn:iam::111122223333:role/path/to/Deploy", "role").unwrap();
        assert_eq!(
            (
                arn.partition.as_str(),
                arn.account.as_str(),
                arn.name.as_str()
            ),
            ("aws-cn", "111122223333", "Deploy")
        );
        for bad in [
            "arn:aws:iam::1111:role/x",
            "arn:aws:iam::111122223333:user/x",
            "arn:aws:s3::111122223333:role/x",
            "arn:aws:iam::111122223333:role/",
            "arn:aws:iam::111122223333:roles/x",
        ] {
            assert_eq!(
                IamArn::parse(bad, "role").unwrap_err().message,
                "Request ARN is invalid"
            );
        }
        let user = IamArn::parse("arn:aws:iam::111122223333:user/ci", "user").unwrap();
        assert_eq!(user.name, "ci");
    }

    #[test]
    fn collects_violations_in_aws_wording() {
        let mut v = Violations::default();
        v.length("roleSessionName", "x", false, 2, 64);
        assert_eq!(
            v.finish().unwrap_err().message,
            "1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy \
             constraint: Member must have length greater than or equal to 2"
        );
        let mut v = Violations::default();
        v.required("roleArn", None);
        v.range("durationSeconds", "60", 900, 43200);
        let error = v.finish().unwrap_err();
        assert_eq!(error.code, "ValidationError");
        assert_eq!(
            error.message,
            "2 validation errors detected: Value null at 'roleArn' failed to satisfy \
             constraint: Member must not be null; Value '60' at 'durationSeconds' failed to \
             satisfy constraint: Member must have value greater than or equal to 900"
        );
    }
}
