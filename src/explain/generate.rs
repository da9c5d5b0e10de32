//! The `policy` subcommand: writes the trust policy that admits the GitHub Actions runs a user
//! names (repositories, and their branches, tags, environments or pull requests) and no other,
//! as the policy document (JSON), Terraform or CloudFormation.
//!
//! Exact subjects go under `StringEquals`; patterns (`*`, `?`) under `StringLike`, in a statement
//! of their own, since every condition of one statement must hold. The audience is always an
//! exact `StringEquals`. The tests check each document with the evaluator `explain` uses.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use serde::{Serialize, Serializer};

use super::issuer::Issuer;
use super::policy::ASSUME_ROLE_WITH_WEB_IDENTITY;
use crate::cli::usage;
use crate::explain::issuer::STS_AUDIENCE;

const USAGE: &str = "usage: aws-oidc-credentials policy --repo OWNER/NAME... \
                     (--branch NAME | --tag NAME | --environment NAME | --pull-request | \
                     --any-ref)... [--audience AUDIENCE] [--account ID] [--issuer URL] \
                     [--format json|terraform|cloudformation]";

const HELP: &str = "\
Writes a role's trust policy that admits the GitHub Actions runs named below and no other:
each run's OIDC token is matched on its audience (aud) and subject (sub). Names are compared
case-sensitively: spell them as GitHub does.

Repositories (at least one; repeatable):
  --repo OWNER/NAME           a repository, subject repo:OWNER/NAME:...
  --repo OWNER@ID/NAME@ID     a repository by name and ids, in the immutable subject form
                              repo:OWNER@ID/NAME@ID:... (repositories created, renamed or
                              transferred after 18 June 2026, and those opted in), which a
                              repository taking over the name later does not match; the ids:
                              gh api repos/OWNER/NAME --jq '.owner.id, .id'

Runs (at least one; --branch, --tag and --environment are repeatable, and a value holding
* or ? is a pattern):
  --branch NAME               runs for a branch (sub ...:ref:refs/heads/NAME), such as
                              pushes to it; never a job with an environment
  --tag NAME                  runs for a tag (sub ...:ref:refs/tags/NAME)
  --environment NAME          jobs in an environment (sub ...:environment:NAME), whatever
                              their branch: its deployment branch rules decide which reach it
  --pull-request              every pull_request run, whatever its branch, including pull
                              requests from forks where the repository gives those a token
                              (sub ...:pull_request): code not yet reviewed gets the role
  --any-ref                   every run of the repository (sub pattern ...:*)

Options:
  --audience AUDIENCE         the tokens' audience (default sts.amazonaws.com)
  --account ID                the 12-digit AWS account of the OIDC provider, for json
                              (without it the provider ARN holds <ACCOUNT_ID>)
  --issuer URL                the tokens' issuer (default https://token.actions.
                              githubusercontent.com, github.com's): an enterprise's own
                              (https://token.actions.githubusercontent.com/ENTERPRISE),
                              GitHub Enterprise Cloud with data residency
                              (https://token.actions.SUBDOMAIN.ghe.com) or GitHub Enterprise
                              Server (https://HOST/_services/token); it names the provider
                              and the condition keys
  --format FORMAT             json: the policy document (default);
                              terraform: the OIDC provider, the policy document and the role;
                              cloudformation: a YAML template with the provider and the role
                              (the provider exists once per account: import one that exists)
  -h, --help                  this text";

/// The placeholder for the account in the provider's ARN when `--account` is not given.
const ACCOUNT_PLACEHOLDER: &str = "<ACCOUNT_ID>";

/// The `Sid`s of the statement with exact subjects and of the one with patterns.
const EXACT_SID: &str = "GitHubActions";
const PATTERN_SID: &str = "GitHubActionsPatterns";

/// Runs `policy` with the arguments after its name.
pub fn main(args: &[OsString]) -> ExitCode {
    match parse(args) {
        Ok(None) => println!("{USAGE}\n\n{HELP}"),
        Ok(Some(request)) => {
            if request.format == Format::Json && request.account.is_none() {
                eprintln!(
                    "note: the provider ARN holds the placeholder {ACCOUNT_PLACEHOLDER}: replace \
                     it with your account's id, or give --account. The account needs IAM's OIDC \
                     provider for {} ({}); if it has none: {}",
                    request.issuer.url(),
                    request.issuer.kind(),
                    request.issuer.create_provider_command(&request.audience)
                );
            }
            // Output that cannot be written (a closed pipe) leaves nothing better to do.
            let _ = std::io::stdout().write_all(request.render().as_bytes());
        }
        Err(problem) => return usage::error(&problem, USAGE),
    }
    ExitCode::SUCCESS
}

/// What the command line asks for.
#[derive(Debug)]
struct Request {
    repositories: Vec<Repository>,
    runs: Vec<Run>,
    audience: String,
    account: Option<String>,
    issuer: Issuer,
    format: Format,
}

/// A repository as the `sub` claim names it.
#[derive(Debug, PartialEq)]
struct Repository {
    owner: String,
    name: String,
    /// The owner's and the repository's ids, for the immutable form.
    ids: Option<(u64, u64)>,
}

/// Which runs of a repository: the part of `sub` after the repository.
#[derive(Debug, PartialEq)]
enum Run {
    Branch(String),
    Tag(String),
    Environment(String),
    PullRequest,
    AnyRef,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Terraform,
    CloudFormation,
}

/// The request, or `None` for `--help`.
fn parse(args: &[OsString]) -> Result<Option<Request>, String> {
    use lexopt::prelude::*;
    let mut repositories = Vec::new();
    let mut runs = Vec::new();
    let (mut audience, mut account, mut format, mut issuer) = (None, None, None, None);
    let mut parser = lexopt::Parser::from_args(args.iter().cloned());
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Short('h') | Long("help") => return Ok(None),
            Long("repo") => add(&mut repositories, repository(&usage::value(&mut parser)?)?),
            Long("audience") => once(&mut audience, "--audience", usage::value(&mut parser)?)?,
            Long("account") => once(&mut account, "--account", usage::value(&mut parser)?)?,
            Long("format") => once(&mut format, "--format", usage::value(&mut parser)?)?,
            Long("issuer") => once(&mut issuer, "--issuer", usage::value(&mut parser)?)?,
            Long("branch") => {
                let name = git_ref("--branch", usage::value(&mut parser)?)?;
                add(&mut runs, Run::Branch(name));
            }
            Long("tag") => {
                let name = git_ref("--tag", usage::value(&mut parser)?)?;
                add(&mut runs, Run::Tag(name));
            }
            Long("environment") => {
                let name = environment(usage::value(&mut parser)?)?;
                add(&mut runs, Run::Environment(name));
            }
            Long("pull-request") => add(&mut runs, Run::PullRequest),
            Long("any-ref") => add(&mut runs, Run::AnyRef),
            other => return Err(other.unexpected().to_string()),
        }
    }
    if repositories.is_empty() {
        return Err("--repo OWNER/NAME is required".into());
    }
    if runs.is_empty() {
        let choices = "--branch NAME, --tag NAME, --environment NAME, --pull-request or --any-ref";
        return Err(format!("say which runs the role admits: {choices}"));
    }
    if runs.contains(&Run::AnyRef) && runs.len() > 1 {
        return Err("--any-ref admits every run already: give it alone".into());
    }
    let format = match format.as_deref() {
        None | Some("json") => Format::Json,
        Some("terraform") => Format::Terraform,
        Some("cloudformation") => Format::CloudFormation,
        Some(other) => {
            return Err(format!(
                "--format must be json, terraform or cloudformation, not {other:?}"
            ));
        }
    };
    if let Some(account) = &account {
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("--account must be 12 digits, not {account:?}"));
        }
        if format != Format::Json {
            let why = "the terraform and cloudformation output refer to the provider they create";
            return Err(format!("--account is for --format json: {why}"));
        }
    }
    let audience = match audience {
        Some(audience) => claim_text("--audience", audience)?,
        None => STS_AUDIENCE.into(),
    };
    let issuer = match issuer {
        Some(url) => Issuer::parse(&url).map_err(|problem| format!("--issuer {problem}"))?,
        None => Issuer::github(),
    };
    Ok(Some(Request {
        repositories,
        runs,
        audience,
        account,
        issuer,
        format,
    }))
}

/// Adds `item` to `list` unless it is there already.
fn add<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Sets a flag's value, refusing a second one.
fn once(slot: &mut Option<String>, flag: &str, value: String) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("{flag} is given twice"));
    }
    *slot = Some(value);
    Ok(())
}

/// `OWNER/NAME` or `OWNER@ID/NAME@ID`, by GitHub's rules for names.
fn repository(text: &str) -> Result<Repository, String> {
    let bad = |why: &str| format!("--repo {text:?}: {why}");
    let (owner, name) = text
        .split_once('/')
        .ok_or_else(|| bad("give it as OWNER/NAME or OWNER@ID/NAME@ID"))?;
    let (owner, owner_id) = split_id(owner).map_err(|why| bad(&why))?;
    let (name, name_id) = split_id(name).map_err(|why| bad(&why))?;
    let ids = match (owner_id, name_id) {
        (Some(owner), Some(name)) => Some((owner, name)),
        (None, None) => None,
        _ => return Err(bad("give both ids (OWNER@ID/NAME@ID) or neither")),
    };
    let owner_ok = (1..=39).contains(&owner.len())
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !owner.starts_with('-')
        && !owner.ends_with('-')
        && !owner.contains("--");
    if !owner_ok {
        return Err(bad(
            "an owner is 1 to 39 letters, digits and single hyphens, not at either end",
        ));
    }
    let name_ok = (1..=100).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && name != "."
        && name != "..";
    if !name_ok {
        return Err(bad(
            "a repository's name is 1 to 100 letters, digits, '.', '_' and '-', not . or ..",
        ));
    }
    Ok(Repository {
        owner: owner.into(),
        name: name.into(),
        ids,
    })
}

/// `part` without its `@ID`, and the id if there is one.
fn split_id(part: &str) -> Result<(&str, Option<u64>), String> {
    let Some((name, id)) = part.split_once('@') else {
        return Ok((part, None));
    };
    match id.parse::<u64>() {
        Ok(number) if number > 0 && !id.starts_with(['0', '+']) => Ok((name, Some(number))),
        _ => Err(format!("the id {id:?} is not a number")),
    }
}

/// A branch or tag name as git allows it, `*` and `?` aside (those make a pattern).
fn git_ref(flag: &str, name: String) -> Result<String, String> {
    if name.starts_with("refs/") {
        return Err(format!(
            "{flag} {name:?}: give the name alone, without refs/heads/ or refs/tags/"
        ));
    }
    let broken = name.contains(['~', '^', ':', '\\', '[', ' '])
        || ["..", "@{", "//", "/."].iter().any(|s| name.contains(s))
        || name.starts_with(['/', '.', '-'])
        || name.ends_with(['/', '.'])
        || name.ends_with(".lock");
    if broken {
        return Err(format!("{flag} {name:?} is not a name git allows"));
    }
    claim_text(flag, name)
}

/// An environment's name, as GitHub allows it.
fn environment(name: String) -> Result<String, String> {
    if name.contains(':') {
        return Err(format!(
            "--environment {name:?}: ':' cannot be in a subject"
        ));
    }
    claim_text("--environment", name)
}

/// Text for a claim: 1 to 255 bytes, no control characters and no IAM policy variable.
fn claim_text(flag: &str, text: String) -> Result<String, String> {
    if text.is_empty() || text.len() > 255 {
        return Err(format!("{flag} must be 1 to 255 bytes long"));
    }
    if text.chars().any(char::is_control) || text.contains("${") {
        return Err(format!(
            "{flag} {text:?}: control characters and '${{' (an IAM policy variable) cannot be \
             in a condition"
        ));
    }
    Ok(text)
}

impl Repository {
    /// How the `sub` claim names it.
    fn subject(&self) -> String {
        match self.ids {
            Some((owner_id, name_id)) => {
                format!("{}@{owner_id}/{}@{name_id}", self.owner, self.name)
            }
            None => format!("{}/{}", self.owner, self.name),
        }
    }
}

impl Run {
    /// The `sub` claim's part after `repo:OWNER/NAME:`.
    fn subject(&self) -> String {
        match self {
            Run::Branch(name) => format!("ref:refs/heads/{name}"),
            Run::Tag(name) => format!("ref:refs/tags/{name}"),
            Run::Environment(name) => format!("environment:{name}"),
            Run::PullRequest => "pull_request".into(),
            Run::AnyRef => "*".into(),
        }
    }
}

/// A trust policy document, its elements in the order IAM's examples write them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Document {
    version: &'static str,
    statement: Vec<Statement>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Statement {
    sid: &'static str,
    effect: &'static str,
    principal: Principal,
    action: &'static str,
    /// Operator, then condition key, then the values.
    condition: BTreeMap<&'static str, BTreeMap<String, Values>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Principal {
    federated: String,
}

/// A condition's values: one is written as a string, several as a list.
#[derive(Debug)]
struct Values(Vec<String>);

impl Serialize for Values {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0[..] {
            [one] => one.serialize(serializer),
            all => all.serialize(serializer),
        }
    }
}

impl Request {
    /// The policy document: one statement for the exact subjects, one for the patterns.
    fn document(&self) -> Document {
        let account = self.account.as_deref().unwrap_or(ACCOUNT_PLACEHOLDER);
        let (mut exact, mut patterns) = (Vec::new(), Vec::new());
        for repository in &self.repositories {
            for run in &self.runs {
                let sub = format!("repo:{}:{}", repository.subject(), run.subject());
                if sub.contains(['*', '?']) {
                    patterns.push(sub);
                } else {
                    exact.push(sub);
                }
            }
        }
        let statement = |sid, operator, subjects: Vec<String>| {
            let key = |claim| self.issuer.key(claim);
            let mut condition = BTreeMap::from([(
                "StringEquals",
                BTreeMap::from([(key("aud"), Values(vec![self.audience.clone()]))]),
            )]);
            (condition.entry(operator).or_default()).insert(key("sub"), Values(subjects));
            Statement {
                sid,
                effect: "Allow",
                principal: Principal {
                    federated: self.issuer.provider_arn(account),
                },
                action: ASSUME_ROLE_WITH_WEB_IDENTITY,
                condition,
            }
        };
        let statements = [
            (EXACT_SID, "StringEquals", exact),
            (PATTERN_SID, "StringLike", patterns),
        ];
        Document {
            version: "2012-10-17",
            statement: statements
                .into_iter()
                .filter(|(_, _, subjects)| !subjects.is_empty())
                .map(|(sid, operator, subjects)| statement(sid, operator, subjects))
                .collect(),
        }
    }

    /// The output in the format asked for, ending with a newline.
    fn render(&self) -> String {
        let document = self.document();
        match self.format {
            Format::Json => {
                let json = serde_json::to_string_pretty(&document);
                json.expect("a document of strings is JSON") + "\n"
            }
            Format::Terraform => self.terraform(&document),
            Format::CloudFormation => self.cloudformation(&document),
        }
    }

    /// The OIDC provider, the policy document as an `aws_iam_policy_document` and the role.
    fn terraform(&self, document: &Document) -> String {
        let mut out = format!(
            "resource \"aws_iam_openid_connect_provider\" \"github\" {{\n  \
             url            = {}\n  client_id_list = [{}]\n}}\n\n\
             data \"aws_iam_policy_document\" \"github_actions_trust\" {{\n",
            hcl(self.issuer.url()),
            hcl(&self.audience)
        );
        for statement in &document.statement {
            let _ = write!(
                out,
                "  statement {{\n    sid     = {}\n    effect  = {}\n    actions = [{}]\n\n    \
                 principals {{\n      type        = \"Federated\"\n      \
                 identifiers = [aws_iam_openid_connect_provider.github.arn]\n    }}\n",
                hcl(statement.sid),
                hcl(statement.effect),
                hcl(statement.action)
            );
            for (operator, keys) in &statement.condition {
                for (key, Values(values)) in keys {
                    let values: Vec<String> = values.iter().map(|v| hcl(v)).collect();
                    let _ = write!(
                        out,
                        "\n    condition {{\n      test     = {}\n      variable = {}\n      \
                         values   = [{}]\n    }}\n",
                        hcl(operator),
                        hcl(key),
                        values.join(", ")
                    );
                }
            }
            out.push_str("  }\n");
        }
        out + "}\n\nresource \"aws_iam_role\" \"github_actions\" {\n  \
               assume_role_policy = data.aws_iam_policy_document.github_actions_trust.json\n}\n"
    }

    /// A template with the OIDC provider and the role whose trust policy is the document.
    fn cloudformation(&self, document: &Document) -> String {
        let q = yaml;
        let mut out = format!(
            "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  \
             GitHubOidcProvider:\n    Type: AWS::IAM::OIDCProvider\n    Properties:\n      \
             Url: {}\n      ClientIdList:\n        - {}\n  \
             GitHubActionsRole:\n    Type: AWS::IAM::Role\n    Properties:\n      \
             AssumeRolePolicyDocument:\n        Version: {}\n        Statement:\n",
            q(self.issuer.url()),
            q(&self.audience),
            q(document.version)
        );
        for statement in &document.statement {
            let _ = write!(
                out,
                "          - Sid: {}\n            Effect: {}\n            Principal:\n              \
                 Federated: !Ref GitHubOidcProvider\n            Action: {}\n            \
                 Condition:\n",
                q(statement.sid),
                q(statement.effect),
                q(statement.action)
            );
            for (operator, keys) in &statement.condition {
                let _ = writeln!(out, "              {}:", q(operator));
                for (key, Values(values)) in keys {
                    let _ = writeln!(out, "                {}:", q(key));
                    for value in values {
                        let _ = writeln!(out, "                  - {}", q(value));
                    }
                }
            }
        }
        out
    }
}

/// `text` as an HCL string: JSON's escapes, with `${` and `%{` kept from starting a template.
fn hcl(text: &str) -> String {
    yaml(text).replace("${", "$${").replace("%{", "%%{")
}

/// `text` as a YAML double-quoted scalar, whose escapes include JSON's; the noncharacters
/// U+FFFE and U+FFFF, which YAML cannot hold as they are (git's names can), and a byte order
/// mark are escaped too.
fn yaml(text: &str) -> String {
    let json = serde_json::Value::from(text).to_string();
    json.chars()
        .map(|c| match c {
            '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}' => format!("\\u{:04X}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::explain::policy::{self, Claims};

    fn request(args: &[&str]) -> Result<Request, String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        parse(&args).map(|request| request.expect("not --help"))
    }

    fn output(args: &[&str]) -> String {
        request(args).unwrap().render()
    }

    /// A github.com token's claims.
    fn claims(sub: &str, aud: &str) -> Claims {
        let claims = json!({"iss": crate::explain::issuer::GITHUB, "aud": aud, "sub": sub});
        claims.as_object().unwrap().clone()
    }

    /// Whether the JSON document admits a token; one that does must leave nothing unchecked.
    fn admits(document: &Value, sub: &str, aud: &str) -> bool {
        let evaluation =
            policy::evaluate(document, &claims(sub, aud), ASSUME_ROLE_WITH_WEB_IDENTITY).unwrap();
        if evaluation.allowed {
            assert!(evaluation.warnings.is_empty(), "{evaluation}");
        }
        evaluation.allowed
    }

    /// Whether the JSON document admits a token of `issuer` for the main branch.
    fn admits_from(document: &Value, issuer: &str) -> bool {
        let claims = json!({"iss": issuer, "aud": STS_AUDIENCE, "sub": MAIN});
        let claims = claims.as_object().unwrap().clone();
        policy::evaluate(document, &claims, ASSUME_ROLE_WITH_WEB_IDENTITY)
            .unwrap()
            .allowed
    }

    #[test]
    fn names_yaml_cannot_hold_as_they_are_are_escaped() {
        let branch = "a\u{FFFF}b\u{FEFF}\u{2028}";
        let template = output(&[
            "--repo",
            "o/r",
            "--branch",
            branch,
            "--format",
            "cloudformation",
        ]);
        let value = crate::explain::lint::yaml::parse(&template).unwrap();
        let statement = &value["Resources"]["GitHubActionsRole"]["Properties"]["AssumeRolePolicyDocument"]
            ["Statement"][0];
        let sub = format!("repo:o/r:ref:refs/heads/{branch}");
        assert_eq!(
            statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"][0],
            sub
        );
        assert!(template.contains("a\\uFFFFb\\uFEFF"), "{template}");
        assert!(hcl(branch).contains("a\\uFFFFb"));
    }

    #[test]
    fn every_github_issuer_gets_its_own_provider_and_keys() {
        let issuers = [
            crate::explain::issuer::GITHUB,
            "https://token.actions.githubusercontent.com/octo-enterprise",
            "https://token.actions.octocorp.ghe.com",
            "https://github.example.com/_services/token",
        ];
        for issuer in issuers {
            let args = ["--repo", "octo-org/my-repo", "--branch", "main"];
            let json = output(
                &[
                    &args[..],
                    &["--issuer", issuer, "--account", "123456789012"],
                ]
                .concat(),
            );
            let document: Value = serde_json::from_str(&json).unwrap();
            let provider = issuer.trim_start_matches("https://");
            assert!(
                json.contains(&format!("oidc-provider/{provider}\""))
                    && json.contains(&format!("\"{provider}:sub\""))
                    && json.contains(&format!("\"{provider}:aud\"")),
                "{json}"
            );
            // Its own tokens only: another issuer is another provider.
            for other in issuers {
                assert_eq!(
                    admits_from(&document, other),
                    other == issuer,
                    "{issuer} {other}"
                );
            }
            let terraform =
                output(&[&args[..], &["--issuer", issuer, "--format", "terraform"]].concat());
            assert!(
                terraform.contains(&format!("url            = \"{issuer}\"")),
                "{terraform}"
            );
        }
        let error = request(&["--repo", "o/r", "--any-ref", "--issuer", "http://x"]).unwrap_err();
        assert!(
            error.starts_with("--issuer must be an https URL"),
            "{error}"
        );
    }

    const MAIN: &str = "repo:octo-org/my-repo:ref:refs/heads/main";
    const PROD: &str = "repo:octo-org/my-repo:environment:prod";
    const PULL_REQUEST: &str = "repo:octo-org/my-repo:pull_request";

    #[test]
    fn each_policy_admits_its_runs_and_not_the_near_misses() {
        let sts = STS_AUDIENCE;
        // The arguments after --repo octo-org/my-repo, the subjects admitted, those refused.
        let cases: [(&[&str], &[&str], &[&str]); 7] = [
            (
                &["--branch", "main"],
                &[MAIN],
                &[
                    "repo:other-org/my-repo:ref:refs/heads/main",
                    "repo:octo-org/my-repo-fork:ref:refs/heads/main",
                    "repo:octo-org/my-rep:ref:refs/heads/main",
                    "repo:Octo-Org/my-repo:ref:refs/heads/main",
                    PULL_REQUEST,
                    "repo:octo-org/my-repo:ref:refs/heads/main-old",
                    "repo:octo-org/my-repo:ref:refs/heads/dev",
                    "repo:octo-org/my-repo:ref:refs/tags/main",
                    PROD,
                    "repo:octo-org@1/my-repo@2:ref:refs/heads/main",
                ],
            ),
            (
                &["--environment", "prod", "--environment", "staging"],
                &[PROD, "repo:octo-org/my-repo:environment:staging"],
                &[
                    "repo:octo-org/my-repo:environment:prod-eu",
                    "repo:octo-org/my-repo:environment:dev",
                    "repo:octo-org/my-repo-fork:environment:prod",
                    "repo:other-org/my-repo:environment:prod",
                    MAIN,
                    PULL_REQUEST,
                ],
            ),
            (
                &["--branch", "release/*", "--branch", "main", "--tag", "v*"],
                &[
                    MAIN,
                    "repo:octo-org/my-repo:ref:refs/heads/release/1.0",
                    "repo:octo-org/my-repo:ref:refs/tags/v1.2.0",
                ],
                &[
                    "repo:octo-org/my-repo:ref:refs/heads/releases/1.0",
                    "repo:octo-org/my-repo:ref:refs/heads/main2",
                    "repo:octo-org/my-repo:ref:refs/tags/1.2.0",
                    "repo:octo-org/my-repo-fork:ref:refs/heads/release/1.0",
                    "repo:octo-org/my-repo-fork:ref:refs/tags/v1",
                    PULL_REQUEST,
                    PROD,
                ],
            ),
            (
                &["--pull-request"],
                &[PULL_REQUEST],
                &["repo:octo-org/my-repo-fork:pull_request", MAIN, PROD],
            ),
            (
                &["--any-ref"],
                &[
                    MAIN,
                    PROD,
                    PULL_REQUEST,
                    "repo:octo-org/my-repo:ref:refs/tags/v1",
                ],
                &[
                    "repo:octo-org/my-repo-fork:ref:refs/heads/main",
                    "repo:other-org/my-repo:pull_request",
                    "repo:octo-org/my-repo",
                ],
            ),
            (
                &["--repo", "other-org/tools", "--branch", "main"],
                &[MAIN, "repo:other-org/tools:ref:refs/heads/main"],
                &[
                    "repo:octo-org/tools:ref:refs/heads/main",
                    "repo:other-org/my-repo:ref:refs/heads/main",
                ],
            ),
            (
                &["--environment", "prod-*"],
                &["repo:octo-org/my-repo:environment:prod-eu"],
                &[PROD, "repo:octo-org/my-repo-fork:environment:prod-eu"],
            ),
        ];
        for (args, admitted, refused) in cases {
            let args = [&["--repo", "octo-org/my-repo"][..], args].concat();
            let document = serde_json::to_value(request(&args).unwrap().document()).unwrap();
            for sub in admitted {
                assert!(admits(&document, sub, sts), "{args:?} admits {sub}");
                assert!(
                    !admits(&document, sub, "other"),
                    "{args:?}: another audience"
                );
            }
            for sub in refused {
                assert!(!admits(&document, sub, sts), "{args:?} refuses {sub}");
            }
        }
    }

    #[test]
    fn ids_admit_the_immutable_subject_alone() {
        let args = ["--repo", "octo-org@10/my-repo@20", "--branch", "main"];
        let document = serde_json::to_value(request(&args).unwrap().document()).unwrap();
        let sts = STS_AUDIENCE;
        assert!(admits(
            &document,
            "repo:octo-org@10/my-repo@20:ref:refs/heads/main",
            sts
        ));
        for recycled in [
            MAIN,
            "repo:octo-org@11/my-repo@20:ref:refs/heads/main",
            "repo:octo-org@10/my-repo@21:ref:refs/heads/main",
            "repo:octo-org@10/my-repo@200:ref:refs/heads/main",
        ] {
            assert!(!admits(&document, recycled, sts), "{recycled}");
        }
    }

    #[test]
    fn the_audience_is_always_exact() {
        let args = [
            "--repo",
            "octo-org/my-repo",
            "--any-ref",
            "--audience",
            "https://github.com/octo-*",
        ];
        let document = serde_json::to_value(request(&args).unwrap().document()).unwrap();
        assert!(admits(&document, MAIN, "https://github.com/octo-*"));
        assert!(!admits(&document, MAIN, "https://github.com/octo-org"));
        assert!(!admits(&document, MAIN, STS_AUDIENCE));
    }

    #[test]
    fn json_is_the_policy_document() {
        let args = [
            "--repo",
            "octo-org/my-repo",
            "--branch",
            "main",
            "--branch",
            "release/*",
            "--account",
            "123456789012",
        ];
        let expected = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "GitHubActions",
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": "repo:octo-org/my-repo:ref:refs/heads/main"
        }
      }
    },
    {
      "Sid": "GitHubActionsPatterns",
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
        },
        "StringLike": {
          "token.actions.githubusercontent.com:sub": "repo:octo-org/my-repo:ref:refs/heads/release/*"
        }
      }
    }
  ]
}
"#;
        assert_eq!(output(&args), expected);
        // Without --account, a placeholder IAM would refuse.
        let placeholder = output(&args[..6]);
        assert!(placeholder.contains("\"arn:aws:iam::<ACCOUNT_ID>:oidc-provider/"));
        // Several subjects make a list.
        let two = output(&["--repo", "a/b", "--environment", "x", "--environment", "y"]);
        assert!(two.contains(
            "\"token.actions.githubusercontent.com:sub\": [\n            \
             \"repo:a/b:environment:x\",\n            \"repo:a/b:environment:y\"\n          ]"
        ));
    }

    #[test]
    fn terraform_has_the_provider_the_document_and_the_role() {
        let args = [
            "--repo",
            "octo-org/my-repo",
            "--environment",
            "prod",
            "--tag",
            "v*",
            "--format",
            "terraform",
        ];
        let expected = r#"resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "github_actions_trust" {
  statement {
    sid     = "GitHubActions"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:octo-org/my-repo:environment:prod"]
    }
  }
  statement {
    sid     = "GitHubActionsPatterns"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:octo-org/my-repo:ref:refs/tags/v*"]
    }
  }
}

resource "aws_iam_role" "github_actions" {
  assume_role_policy = data.aws_iam_policy_document.github_actions_trust.json
}
"#;
        assert_eq!(output(&args), expected);
    }

    #[test]
    fn cloudformation_has_the_provider_and_the_role() {
        let args = [
            "--repo",
            "octo-org/my-repo",
            "--branch",
            "main",
            "--audience",
            "aud \"quoted\" %{x}",
            "--format",
            "cloudformation",
        ];
        let expected = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  GitHubOidcProvider:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: "https://token.actions.githubusercontent.com"
      ClientIdList:
        - "aud \"quoted\" %{x}"
  GitHubActionsRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Sid: "GitHubActions"
            Effect: "Allow"
            Principal:
              Federated: !Ref GitHubOidcProvider
            Action: "sts:AssumeRoleWithWebIdentity"
            Condition:
              "StringEquals":
                "token.actions.githubusercontent.com:aud":
                  - "aud \"quoted\" %{x}"
                "token.actions.githubusercontent.com:sub":
                  - "repo:octo-org/my-repo:ref:refs/heads/main"
"#;
        assert_eq!(output(&args), expected);
    }

    #[test]
    fn hcl_strings_start_no_template() {
        assert_eq!(hcl("a\"b\\c %{d} ${e}"), r#""a\"b\\c %%{d} $${e}""#);
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        let long_owner = format!("{}/x", "a".repeat(40));
        let repositories: [(&str, &str); 11] = [
            ("octo-org", "give it as OWNER/NAME"),
            ("a/b/c", "a repository's name is"),
            ("-octo/x", "an owner is 1 to 39"),
            ("octo--org/x", "an owner is"),
            ("octo_org/x", "an owner is"),
            (&long_owner, "an owner is"),
            ("o/..", "not . or .."),
            ("o/a*", "a repository's name is"),
            ("o@1/r", "give both ids"),
            ("o@01/r@2", "the id \"01\" is not"),
            ("o@x/r@2", "the id \"x\" is not"),
        ];
        for (repository, problem) in repositories {
            let error = request(&["--repo", repository, "--any-ref"]).unwrap_err();
            assert!(error.contains(problem), "{repository}: {error}");
        }
        let long = "e".repeat(256);
        // The arguments after --repo octo-org/my-repo.
        let cases: [(&[&str], &str); 16] = [
            (&[], "say which runs the role admits: --branch NAME"),
            (&["--branch", "refs/heads/main"], "without refs/heads/"),
            (&["--branch", "a:b"], "not a name git allows"),
            (&["--tag", "v1..2"], "not a name git allows"),
            (&["--branch", "a${aws:x}"], "not a name git allows"),
            (&["--branch", "${x}"], "IAM policy variable"),
            (&["--tag", ""], "1 to 255 bytes"),
            (&["--environment", &long], "1 to 255 bytes"),
            (&["--environment", "a:b"], "':' cannot be"),
            (&["--environment", "a\nb"], "control characters"),
            (&["--any-ref", "--branch", "main"], "give it alone"),
            (&["--any-ref", "--format", "yaml"], "not \"yaml\""),
            (
                &["--any-ref", "--account", "12345"],
                "--account must be 12 digits",
            ),
            (
                &[
                    "--any-ref",
                    "--account",
                    "123456789012",
                    "--format",
                    "terraform",
                ],
                "--account is for --format json",
            ),
            (
                &["--any-ref", "--audience", "a", "--audience", "b"],
                "--audience is given twice",
            ),
            (&["--any-ref", "--verbose"], "invalid option '--verbose'"),
        ];
        for (args, problem) in cases {
            let args = [&["--repo", "octo-org/my-repo"][..], args].concat();
            let error = request(&args).unwrap_err();
            assert!(error.contains(problem), "{args:?}: {error}");
        }
        let error = request(&["--branch", "main"]).unwrap_err();
        assert_eq!(error, "--repo OWNER/NAME is required");
        assert!(parse(&[OsString::from("--help")]).unwrap().is_none());
    }

    #[test]
    fn repeated_values_are_written_once() {
        let args = [
            "--repo", "o/r", "--repo", "o/r", "--branch", "main", "--branch", "main",
        ];
        let request = request(&args).unwrap();
        assert_eq!((request.repositories.len(), request.runs.len()), (1, 1));
    }
}
