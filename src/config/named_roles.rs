//! The `profiles` input: one `NAME=ROLE_ARN` per line, each a role to assume with the same token
//! or source credentials and to write as the named profile. Blank lines and comments (from a `#`
//! at the start of a line or after a space) are ignored. Names follow the `aws-profile` rules
//! and appear once (`aws-profile` included); roles are full ARNs, since a bare name would need
//! the source credentials' account, which a web identity does not have.

use crate::config::profile_files::check_name;

/// One line of `profiles`: the profile's name and the role's ARN, both checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedRole {
    pub name: String,
    pub arn: String,
}

/// Parses the input's text. `taken` is the profile the same step writes for `role-to-assume`,
/// if any, with what writes it (`'aws-profile' names`); `is_role_arn` judges an ARN. `Err` is
/// the problem, naming the line, to follow `Input 'profiles' `.
pub fn parse(
    text: &str,
    taken: Option<(&str, &str)>,
    is_role_arn: impl Fn(&str) -> bool,
) -> Result<Vec<NamedRole>, String> {
    let mut roles: Vec<NamedRole> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = uncomment(raw).trim();
        if line.is_empty() {
            continue;
        }
        let at = |problem: String| format!("line {} ('{}'): {problem}", index + 1, raw.trim());
        let Some((name, arn)) = line.split_once('=') else {
            return Err(at(
                "must be NAME=ROLE_ARN, like prod=arn:aws:iam::123456789012:role/deploy".into(),
            ));
        };
        let (name, arn) = (name.trim(), arn.trim());
        check_name(name).map_err(|problem| at(format!("the profile name {problem}")))?;
        if let Some((_, by)) = taken.filter(|(taken, _)| *taken == name) {
            return Err(at(format!(
                "the profile '{name}' is already the one {by}; give it another name"
            )));
        }
        if roles.iter().any(|role| role.name == name) {
            return Err(at(format!("the profile '{name}' is named twice")));
        }
        if !is_role_arn(arn) {
            return Err(at(format!(
                "must name the role by its full ARN, like arn:aws:iam::123456789012:role/NAME \
                 (a path may come before NAME), got '{arn}'"
            )));
        }
        roles.push(NamedRole {
            name: name.to_owned(),
            arn: arn.to_owned(),
        });
    }
    Ok(roles)
}

/// The line without its comment: from a `#` at its start or after whitespace.
fn uncomment(line: &str) -> &str {
    let mut previous = ' ';
    for (at, c) in line.char_indices() {
        if c == '#' && previous.is_whitespace() {
            return &line[..at];
        }
        previous = c;
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arn(s: &str) -> bool {
        s.starts_with("arn:aws:iam::") && s.contains(":role/")
    }

    fn roles(text: &str) -> Vec<(String, String)> {
        parse(text, Some(("ci", "'aws-profile' names")), arn)
            .unwrap()
            .into_iter()
            .map(|r| (r.name, r.arn))
            .collect()
    }

    #[test]
    fn lines_comments_and_blanks() {
        let text = "# accounts\n\n dev = arn:aws:iam::111111111111:role/a \r\n\
                    prod=arn:aws:iam::222222222222:role/b # the big one\n  # audit later\n";
        assert_eq!(
            roles(text),
            vec![
                ("dev".into(), "arn:aws:iam::111111111111:role/a".into()),
                ("prod".into(), "arn:aws:iam::222222222222:role/b".into()),
            ]
        );
        assert!(roles("# nothing\n\n").is_empty());
        // A name may hold '#' and '=' comes first: only a '#' after a space starts a comment.
        assert_eq!(roles("a#b=arn:aws:iam::111111111111:role/x")[0].0, "a#b");
    }

    #[test]
    fn bad_lines_are_named() {
        for (text, needles) in [
            (
                "dev arn:aws:iam::1:role/a",
                &[
                    "line 1 ('dev arn:aws:iam::1:role/a')",
                    "must be NAME=ROLE_ARN",
                ][..],
            ),
            (
                "\n=arn:aws:iam::111111111111:role/a",
                &["line 2", "the profile name must not be empty"],
            ),
            (
                "a b=arn:aws:iam::111111111111:role/a",
                &["must not contain whitespace"],
            ),
            (
                "[x]=arn:aws:iam::111111111111:role/a",
                &["must not contain brackets"],
            ),
            (
                "ci=arn:aws:iam::111111111111:role/a",
                &["'ci' is already the one 'aws-profile' names"],
            ),
            (
                "d=arn:aws:iam::111111111111:role/a\nd=arn:aws:iam::111111111111:role/b",
                &["line 2", "the profile 'd' is named twice"],
            ),
            ("d=deploy", &["line 1", "full ARN", "got 'deploy'"]),
            ("d=", &["full ARN", "got ''"]),
        ] {
            let problem = parse(text, Some(("ci", "'aws-profile' names")), arn).unwrap_err();
            for needle in needles {
                assert!(problem.contains(needle), "{needle:?} in {problem}");
            }
        }
        // The renewing profile of `role-to-assume` is taken the same way.
        let renewing = "aws-oidc-credentials-1-1-deploy-0a1b2c3d";
        let text = format!("{renewing}=arn:aws:iam::111111111111:role/a");
        let by = "'refresh-credentials' writes for 'role-to-assume'";
        let problem = parse(&text, Some((renewing, by)), arn).unwrap_err();
        assert!(
            problem.ends_with(&format!(
                "the profile '{renewing}' is already the one {by}; give it another name"
            )),
            "{problem}"
        );
    }
}
