//! The rules `lint` applies to a trust policy, and the check itself: which statements trust a
//! GitHub issuer, and what each of them lets in. Pure: a policy document comes in as JSON, the
//! findings go out with their place in it.
//!
//! A statement trusts a GitHub issuer when it allows `sts:AssumeRoleWithWebIdentity` (named, or
//! through `sts:*`, `*`, `NotAction`) to a `Principal.Federated` that is a GitHub provider
//! (`…:oidc-provider/token.actions.githubusercontent.com[/ENTERPRISE]`,
//! `…/token.actions.SUBDOMAIN.ghe.com`, `…/HOST/_services/token`), to a principal that is unknown
//! text (a template's parameter) while its condition keys are a GitHub provider's, or to anyone
//! (`"*"`). Only `Allow` statements let anyone in; a `Deny` statement is read for what it takes
//! away from pull requests.

use serde_json::{Map, Value};

use crate::explain::issuer::{
    EVALUATED_CLAIMS, Issuer, STS_AUDIENCE, is_github_provider, normal_provider as normal,
};
use crate::explain::policy::{self, Comparison, Operator, Quantifier};

/// How serious a finding is; the order is `--fail-on`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    /// The name in the output, also SARIF's level.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(name: &str) -> Option<Severity> {
        [Severity::Note, Severity::Warning, Severity::Error]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// A rule: its stable id, short name, severity, why it matters and the fix.
#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// One line: what the rule finds.
    pub summary: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
}

/// Every rule, in the order of their ids. The README's table documents this one.
pub const RULES: &[Rule] = &[
    Rule {
        id: "GHA001",
        name: "wildcard-principal",
        severity: Severity::Error,
        summary: "A statement allowing sts:AssumeRoleWithWebIdentity names any principal",
        why: "\"Principal\": \"*\" (or {\"Federated\": \"*\"}, {\"AWS\": \"*\"}) trusts the tokens of \
              every identity provider in the account, not only GitHub's: only the conditions stand \
              between the role and anyone who can get a token from any of them.",
        fix: "Name the provider: \"Principal\": {\"Federated\": \
              \"arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com\"}.",
    },
    Rule {
        id: "GHA002",
        name: "no-sub",
        severity: Severity::Error,
        summary: "A statement trusting a GitHub issuer has no condition on its sub key",
        why: "Without a condition on <provider>:sub, a workflow in any repository on GitHub, anyone's, \
              can get a token the statement accepts and assume the role.",
        fix: "Add \"StringEquals\": {\"<provider>:sub\": \"repo:OWNER/REPO:ref:refs/heads/main\"} (or \
              :environment:NAME); `aws-oidc-credentials policy` writes one.",
    },
    Rule {
        id: "GHA003",
        name: "sub-any-owner",
        severity: Severity::Error,
        summary: "A sub pattern admits repositories of other owners",
        why: "A wildcard in or before the owner of a sub pattern (\"*\", \"repo:*\", \"repo:*/app:*\", \
              \"repo:my-org*\") matches repositories anyone can create under another name, so \
              their workflows can assume the role.",
        fix: "Spell the owner and the repository out: \"repo:OWNER/REPO:…\", a wildcard only after them.",
    },
    Rule {
        id: "GHA004",
        name: "sub-organization-wide",
        severity: Severity::Warning,
        summary: "A sub pattern admits every repository of an owner (or several of them)",
        why: "\"repo:my-org/*\" lets a workflow in any repository of the owner assume the role: one \
              that anyone in the organisation can create, or one with weaker branch protection.",
        fix: "List the repositories that need the role: \"repo:my-org/app:…\", one value each.",
    },
    Rule {
        id: "GHA005",
        name: "pull-requests",
        severity: Severity::Warning,
        summary: "A sub value or pattern admits pull_request runs",
        why: "A pull_request run's sub is repo:OWNER/REPO:pull_request whatever its branch: code that \
              nobody has reviewed yet (and, where the repository gives them a token, a fork's) runs \
              with the role.",
        fix: "Admit branches or environments (…:ref:refs/heads/main, …:environment:prod); give pull \
              requests a separate read-only role, or add a Deny for \"repo:OWNER/REPO:pull_request\".",
    },
    Rule {
        id: "GHA006",
        name: "sub-any-ref",
        severity: Severity::Note,
        summary: "A sub pattern admits every run, or every branch, of a repository",
        why: "\"repo:OWNER/REPO:*\" admits every branch, tag, environment and pull request of the \
              repository, \"repo:OWNER/REPO:ref:refs/heads/*\" every branch: anyone who can push a \
              branch can run a workflow with the role.",
        fix: "Name the branches or environments: \"repo:OWNER/REPO:ref:refs/heads/main\", \
              \"repo:OWNER/REPO:environment:prod\" (whose protection rules then apply).",
    },
    Rule {
        id: "GHA007",
        name: "no-aud",
        severity: Severity::Error,
        summary: "A statement trusting a GitHub issuer has no condition on its aud key",
        why: "Without <provider>:aud only the provider's list of client ids restricts the token's \
              audience: a token a workflow requested for another service (another audience added \
              to the provider) is accepted as well.",
        fix: "Add \"StringEquals\": {\"<provider>:aud\": \"sts.amazonaws.com\"}.",
    },
    Rule {
        id: "GHA008",
        name: "aud-pattern",
        severity: Severity::Warning,
        summary: "The aud condition is a wildcard pattern",
        why: "A StringLike pattern with * or ? on <provider>:aud admits tokens requested for other \
              audiences (other services) as well as AWS's.",
        fix: "Compare the audience exactly: \"StringEquals\": {\"<provider>:aud\": \"sts.amazonaws.com\"}.",
    },
    Rule {
        id: "GHA009",
        name: "for-all-values-missing-claim",
        severity: Severity::Error,
        summary: "A ForAllValues: condition holds for tokens without the claim",
        why: "ForAllValues: is true when the key is missing, so \"ForAllValues:StringEquals\": \
              {\"<provider>:environment\": \"prod\"} admits every job that has no environment: the \
              condition restricts nothing for them.",
        fix: "Use the operator without the set prefix (StringEquals, StringLike), which fails when the \
              claim is missing.",
    },
    Rule {
        id: "GHA010",
        name: "set-operator-on-single-value",
        severity: Severity::Note,
        summary: "ForAnyValue: or ForAllValues: on sub, aud or iss, which hold one value",
        why: "Every GitHub token has sub, aud and iss, each a single value: a set operator adds nothing and hides the \
              intent (ForAllValues: would hold for a token without the claim); IAM Access Analyzer \
              reports it too.",
        fix: "Drop the prefix: StringEquals or StringLike.",
    },
    Rule {
        id: "GHA011",
        name: "ignore-case",
        severity: Severity::Note,
        summary: "sub is compared with StringEqualsIgnoreCase",
        why: "GitHub's owner and repository names ignore case, but Git's branch and tag names do not: \
              refs/heads/Main is another branch than refs/heads/main, without main's protection, and \
              StringEqualsIgnoreCase admits both.",
        fix: "Use StringEquals with the names spelled as GitHub spells them.",
    },
    Rule {
        id: "GHA012",
        name: "unevaluated-key",
        severity: Severity::Note,
        summary: "A condition on a claim IAM does not evaluate for GitHub's tokens",
        why: "IAM evaluates aud, sub and, since February 2026, actor, actor_id, enterprise_id, \
              environment, job_workflow_ref, ref, repository, repository_id and workflow of a \
              GitHub token; any other key is absent from the request. A positive condition on it \
              never holds (the statement admits nothing) and a negated one (StringNotEquals, \
              …IfExists, ForAllValues:) always holds (it restricts nothing).",
        fix: "Condition on a claim IAM evaluates (repository_id, job_workflow_ref, environment, …), \
              or keep the restriction in sub (a custom sub template can add claims to it).",
    },
    Rule {
        id: "GHA013",
        name: "mutable-sub",
        severity: Severity::Note,
        summary: "sub names the repository only by its owner and name",
        why: "An owner or repository name can be given up (renamed, deleted, transferred) and taken \
              by someone else, whose workflows then match repo:OWNER/REPO:…; the immutable form \
              repo:OWNER@OWNER_ID/REPO@REPO_ID:… names the ids, which are never reused.",
        fix: "Use the immutable sub (`aws-oidc-credentials policy --repo OWNER@ID/NAME@ID`), once the \
              repository's tokens carry it.",
    },
    Rule {
        id: "GHA014",
        name: "other-provider-key",
        severity: Severity::Warning,
        summary: "A condition key names another provider than the statement trusts",
        why: "IAM names a token's condition keys after the provider that issued it, so a statement \
              trusting token.actions.SUBDOMAIN.ghe.com never sees \
              token.actions.githubusercontent.com:sub (a common slip when moving to data residency \
              or an enterprise's issuer), nor a misspelt provider's key: a positive condition on it \
              never holds (the role admits nobody), and a negated one, …IfExists or ForAllValues: \
              always holds (it restricts nothing).",
        fix: "Name the keys after the provider in Principal.Federated: \"<provider>:sub\", \
              \"<provider>:aud\" (`aws-oidc-credentials policy --issuer URL` writes them).",
    },
    Rule {
        id: "GHA015",
        name: "issuer-not-trusted",
        severity: Severity::Warning,
        summary: "No statement trusts the provider of the issuer given with --issuer",
        why: "The policy trusts GitHub providers, but not the one of the issuer the workflows' tokens \
              come from (github.com's, an enterprise's own issuer path, a data residency \
              SUBDOMAIN.ghe.com or a GitHub Enterprise Server): IAM refuses every such token.",
        fix: "Create the issuer's OIDC provider (the finding gives the command) and name its ARN in \
              Principal.Federated, with conditions on its own keys.",
    },
];

/// The rule with `id`.
pub fn rule(id: &str) -> &'static Rule {
    RULES
        .iter()
        .find(|r| r.id == id)
        .expect("a rule of the table")
}

/// One finding in a policy document: the rule, where (path segments from the document's root)
/// and what exactly.
#[derive(Debug)]
pub struct Finding {
    pub rule: &'static Rule,
    pub path: Vec<String>,
    pub message: String,
}

/// The account of a principal ARN (`arn:PARTITION:iam::ACCOUNT:…`), when it has one.
fn account_of(principal: &str) -> Option<&str> {
    let account = principal.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

/// The provider a principal ARN names, when it names an OIDC provider.
fn provider_of(principal: &str) -> Option<&str> {
    principal
        .split_once(":oidc-provider/")
        .map(|(_, name)| name)
        .or_else(|| principal.strip_prefix("oidc-provider/"))
}

/// A condition key's provider and claim: `token.actions.githubusercontent.com:sub`.
fn split_key(key: &str) -> Option<(&str, &str)> {
    key.rsplit_once(':')
}

/// One key of one condition operator.
struct Condition {
    operator: String,
    parsed: Option<Operator>,
    key: String,
    /// The key's provider ([`normal`]), when its prefix names one (has a `.`: not a global key
    /// such as `aws:SourceIp`), GitHub's or another's.
    provider: Option<String>,
    /// The claim, lower case, when the provider is GitHub's.
    claim: Option<String>,
    values: Vec<String>,
}

impl Condition {
    fn string(&self) -> Option<(Quantifier, Comparison, bool, bool)> {
        match self.parsed? {
            Operator::String {
                quantifier,
                comparison,
                negated,
                if_exists,
            } => Some((quantifier, comparison, negated, if_exists)),
            Operator::Null => None,
        }
    }

    /// A comparison that a token must pass to be admitted (not negated).
    fn positive(&self) -> bool {
        self.string().is_some_and(|(_, _, negated, _)| !negated)
    }

    fn is_like(&self) -> bool {
        self.string()
            .is_some_and(|(_, comparison, _, _)| comparison == Comparison::Like)
    }

    /// Whether one of the condition's values matches `value`, as its operator compares.
    fn matches(&self, value: &str) -> bool {
        self.values.iter().any(|v| self.matches_with(v, value))
    }

    /// Whether the condition's value `expected` matches `value`, as its operator compares.
    fn matches_with(&self, expected: &str, value: &str) -> bool {
        match self.string() {
            Some((_, Comparison::Equals, _, _)) => expected == value,
            Some((_, Comparison::EqualsIgnoreCase, _, _)) => {
                expected.to_lowercase() == value.to_lowercase()
            }
            Some((_, Comparison::Like, _, _)) => policy::like(expected, value),
            None => false,
        }
    }

    fn on(&self, claim: &str) -> bool {
        self.claim.as_deref() == Some(claim)
    }
}

/// One statement as the rules read it.
struct Statement {
    path: Vec<String>,
    title: String,
    allow: bool,
    /// Its principal is anyone's, and where that is written.
    wildcard: Option<Vec<String>>,
    /// Its principal is (also) text a template leaves unknown.
    unknown: bool,
    /// The GitHub providers it names ([`normal`]), each with the account of its ARN.
    providers: Vec<(String, Option<String>)>,
    /// Every provider it names, GitHub's or not ([`normal`]).
    trusted: Vec<String>,
    conditions: Vec<Condition>,
}

impl Statement {
    fn condition_path(&self, c: &Condition) -> Vec<String> {
        let mut path = self.path.clone();
        path.extend(["Condition".into(), c.operator.clone(), c.key.clone()]);
        path
    }

    fn on<'a>(&'a self, claim: &'a str) -> impl Iterator<Item = &'a Condition> + 'a {
        self.conditions.iter().filter(move |c| c.on(claim))
    }

    /// The condition key of `claim` in words: `PROVIDER:claim` for a statement trusting one
    /// provider.
    fn key(&self, claim: &str) -> String {
        match self.providers.as_slice() {
            [(provider, _)] if self.wildcard.is_none() && !self.unknown => {
                format!("{provider}:{claim}")
            }
            _ => format!("the {claim} key"),
        }
    }

    /// Whether it may trust `provider`'s tokens: it names it, anyone, or an unknown principal.
    fn may_trust(&self, provider: &str) -> bool {
        self.wildcard.is_some() || self.unknown || self.trusted.iter().any(|p| p == provider)
    }

    /// Whether `c` never holds for a token this statement accepts: a positive comparison (not
    /// `…IfExists`, not `ForAllValues:`, which hold without the key) on a key such a token never
    /// carries, a claim IAM does not evaluate or another provider's key.
    fn never_holds(&self, c: &Condition) -> bool {
        let absent = c
            .claim
            .as_deref()
            .is_some_and(|claim| !EVALUATED_CLAIMS.contains(&claim))
            || c.provider.as_deref().is_some_and(|p| !self.may_trust(p));
        absent
            && c.string()
                .is_some_and(|(quantifier, _, negated, if_exists)| {
                    !negated && !if_exists && quantifier != Quantifier::AllValues
                })
    }
}

/// The findings of every statement of `document` that trusts a GitHub issuer; with `issuer`, also
/// whether one trusts that issuer's provider. A document that is not a policy (no `Statement`)
/// has none.
pub fn check(document: &Value, issuer: Option<&Issuer>) -> Vec<Finding> {
    let statements: Vec<(Vec<String>, &Value)> = match document.get("Statement") {
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, s)| (vec!["Statement".into(), i.to_string()], s))
            .collect(),
        Some(single @ Value::Object(_)) => vec![(vec!["Statement".into()], single)],
        _ => Vec::new(),
    };
    let statements: Vec<Statement> = statements
        .into_iter()
        .enumerate()
        .filter_map(|(i, (path, s))| read_statement(i + 1, path, s.as_object()?))
        .collect();
    let denies: Vec<&Statement> = statements.iter().filter(|s| !s.allow).collect();
    let mut findings = Vec::new();
    let allows: Vec<&Statement> = statements.iter().filter(|s| s.allow).collect();
    for statement in &allows {
        check_statement(statement, &denies, &mut findings);
    }
    if let (Some(issuer), Some(first)) = (issuer, allows.first()) {
        let provider = normal(issuer.provider());
        if !allows.iter().any(|s| s.may_trust(&provider)) {
            findings.push(untrusted_issuer(issuer, &allows, first));
        }
    }
    findings
}

/// GHA015 for `issuer`, which none of `allows` trusts: its provider's ARN (in the account of a
/// provider they name), its keys, and the command that creates it (for the audience they
/// compare, else AWS's).
fn untrusted_issuer(issuer: &Issuer, allows: &[&Statement], first: &Statement) -> Finding {
    let account = allows
        .iter()
        .flat_map(|s| &s.providers)
        .find_map(|(_, account)| account.clone())
        .unwrap_or_else(|| "ACCOUNT".into());
    let audience = allows
        .iter()
        .flat_map(|s| s.on("aud").filter(|c| c.positive()))
        .flat_map(|c| &c.values)
        .find(|v| !v.contains(['*', '?']))
        .map_or(STS_AUDIENCE, String::as_str);
    let trusted: Vec<&str> = allows
        .iter()
        .flat_map(|s| &s.providers)
        .map(|(p, _)| p.as_str())
        .collect();
    let mut path = first.path.clone();
    path.push("Principal".into());
    Finding {
        rule: rule("GHA015"),
        path,
        message: format!(
            "no statement trusts {} ({}), it trusts {}: its provider is {}, its keys {} and {}; \
             where the account has none: {}",
            issuer.url(),
            issuer.kind(),
            trusted.join(", "),
            issuer.provider_arn(&account),
            issuer.key("aud"),
            issuer.key("sub"),
            issuer.create_provider_command(audience)
        ),
    }
}

/// The statement, when it lets a GitHub token (or anyone's) assume the role.
fn read_statement(index: usize, path: Vec<String>, s: &Map<String, Value>) -> Option<Statement> {
    let allow = match s.get("Effect")?.as_str()? {
        "Allow" => true,
        "Deny" => false,
        _ => return None,
    };
    let web_identity = |list: &Value| {
        policy::values(list, "")
            .unwrap_or_default()
            .iter()
            .any(|a| {
                policy::like(
                    &a.to_ascii_lowercase(),
                    &policy::ASSUME_ROLE_WITH_WEB_IDENTITY.to_ascii_lowercase(),
                )
            })
    };
    let acts = match (s.get("Action"), s.get("NotAction")) {
        (Some(action), _) => web_identity(action),
        (None, Some(not_action)) => !web_identity(not_action),
        (None, None) => false,
    };
    if !acts {
        return None;
    }
    let mut wildcard = None;
    let mut providers = Vec::new();
    let mut trusted = Vec::new();
    let mut unknown = false;
    match s.get("Principal") {
        Some(Value::String(star)) if star == "*" => wildcard = Some(vec!["Principal".into()]),
        Some(Value::Object(kinds)) => {
            for (kind, ids) in kinds {
                for id in policy::values(ids, "").unwrap_or_default() {
                    if id == "*" && (kind == "Federated" || kind == "AWS") {
                        wildcard = Some(vec!["Principal".into(), kind.clone()]);
                    } else if kind == "Federated" {
                        match provider_of(&id) {
                            Some(name) => {
                                if is_github_provider(name) {
                                    let account = account_of(&id).map(str::to_owned);
                                    providers.push((normal(name), account));
                                }
                                trusted.push(normal(name));
                            }
                            // A provider named by its host (accounts.google.com).
                            None if !id.starts_with("arn:") && id.contains('.') => {
                                trusted.push(normal(&id));
                            }
                            // A template's parameter or unresolved reference.
                            None => unknown |= !id.starts_with("arn:"),
                        }
                    }
                }
            }
        }
        _ => return None,
    }
    let mut conditions = Vec::new();
    if let Some(Value::Object(operators)) = s.get("Condition") {
        for (operator, keys) in operators {
            let Value::Object(keys) = keys else { continue };
            for (key, values) in keys {
                let split = split_key(key).filter(|(provider, _)| provider.contains('.'));
                let github_key = split.filter(|(provider, _)| is_github_provider(provider));
                conditions.push(Condition {
                    operator: operator.clone(),
                    parsed: Operator::parse(operator),
                    key: key.clone(),
                    provider: split.map(|(provider, _)| normal(provider)),
                    claim: github_key.map(|(_, claim)| claim.to_ascii_lowercase()),
                    values: policy::values(values, "").unwrap_or_default(),
                });
            }
        }
    }
    let github_keys = conditions.iter().any(|c| c.claim.is_some());
    if !(!providers.is_empty() || wildcard.is_some() || unknown && github_keys) {
        return None;
    }
    let mut title = format!("statement {index}");
    if let Some(sid) = s
        .get("Sid")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        title.push_str(&format!(" (Sid {sid:?})"));
    }
    Some(Statement {
        wildcard: wildcard.map(|tail| [path.clone(), tail].concat()),
        path,
        title,
        allow,
        unknown,
        providers,
        trusted,
        conditions,
    })
}

/// GitHub's claims, lower case: a condition key of another name matches no GitHub token.
const GITHUB_CLAIMS: &[&str] = &[
    "actor",
    "actor_id",
    "aud",
    "base_ref",
    "check_run_id",
    "enterprise",
    "enterprise_id",
    "environment",
    "environment_node_id",
    "event_name",
    "exp",
    "head_ref",
    "iat",
    "iss",
    "job_workflow_ref",
    "job_workflow_sha",
    "jti",
    "nbf",
    "ref",
    "ref_protected",
    "ref_type",
    "repository",
    "repository_id",
    "repository_owner",
    "repository_owner_id",
    "repository_visibility",
    "run_attempt",
    "run_id",
    "run_number",
    "runner_environment",
    "sha",
    "sub",
    "workflow",
    "workflow_ref",
    "workflow_sha",
];

fn check_statement(s: &Statement, denies: &[&Statement], findings: &mut Vec<Finding>) {
    let mut add = |id: &str, path: Vec<String>, message: String| {
        findings.push(Finding {
            rule: rule(id),
            path,
            message,
        });
    };
    let title = &s.title;
    if let Some(path) = &s.wildcard {
        add(
            "GHA001",
            path.clone(),
            format!("{title} lets any principal assume the role with a web identity token"),
        );
    }

    // A condition that never holds: the statement admits no token, whatever else it lacks
    // (GHA012 or GHA014 says which).
    let admits_nobody = s.conditions.iter().any(|c| s.never_holds(c));

    // sub: who gets in.
    let subs: Vec<&Condition> = s.on("sub").filter(|c| c.positive()).collect();
    if subs.is_empty() && !admits_nobody {
        let others: Vec<&str> = s
            .conditions
            .iter()
            .filter(|c| c.positive() && c.claim.as_deref().is_some_and(|n| n != "aud"))
            .map(|c| c.key.as_str())
            .collect();
        let relying = if others.is_empty() {
            String::new()
        } else {
            format!(" (it relies on {} alone)", others.join(", "))
        };
        add(
            "GHA002",
            s.path.clone(),
            format!("{title} has no condition on {}{relying}", s.key("sub")),
        );
    }
    let ids_checked = s
        .conditions
        .iter()
        .any(|c| c.positive() && c.on("repository_id"));
    for c in &subs {
        let path = s.condition_path(c);
        let mut mutable = Vec::new();
        for value in &c.values {
            match check_sub(value, c.is_like()) {
                Sub::AnyOwner => add(
                    "GHA003",
                    path.clone(),
                    format!("{title}: the sub pattern {value:?} admits repositories of any owner"),
                ),
                Sub::Repository {
                    owner,
                    name_wildcard,
                    any_ref,
                    any_branch,
                    pull_request,
                } => {
                    if name_wildcard {
                        add(
                            "GHA004",
                            path.clone(),
                            format!(
                                "{title}: the sub pattern {value:?} admits every repository of \
                                 {owner} it matches"
                            ),
                        );
                    } else if any_ref {
                        add(
                            "GHA006",
                            path.clone(),
                            format!(
                                "{title}: the sub pattern {value:?} admits every run of the repository"
                            ),
                        );
                    } else if any_branch {
                        add(
                            "GHA006",
                            path.clone(),
                            format!(
                                "{title}: the sub pattern {value:?} admits every branch of the \
                                 repository"
                            ),
                        );
                    }
                    if let Some(candidate) = pull_request.filter(|p| c.matches_with(value, p))
                        && !narrowed(s, denies, &candidate)
                    {
                        add(
                            "GHA005",
                            path.clone(),
                            format!(
                                "{title}: the sub {value:?} admits pull requests ({candidate})"
                            ),
                        );
                    }
                    if !owner.contains('@') && !ids_checked {
                        mutable.push(format!("{value:?}"));
                    }
                }
                Sub::Other => {}
            }
        }
        if let Some((_, Comparison::EqualsIgnoreCase, _, _)) = c.string() {
            add(
                "GHA011",
                path.clone(),
                format!(
                    "{title} compares sub with {} (branch names differ by case)",
                    c.operator
                ),
            );
        }
        if !mutable.is_empty() {
            add(
                "GHA013",
                path.clone(),
                format!(
                    "{title}: the sub {} names repositories by name only",
                    mutable.join(", ")
                ),
            );
        }
    }

    // aud: which tokens.
    let auds: Vec<&Condition> = s.on("aud").filter(|c| c.positive()).collect();
    if auds.is_empty() && !admits_nobody {
        add(
            "GHA007",
            s.path.clone(),
            format!("{title} has no condition on {}", s.key("aud")),
        );
    }
    for c in &auds {
        if let Some(pattern) = c
            .values
            .iter()
            .find(|v| c.is_like() && v.contains(['*', '?']))
        {
            add(
                "GHA008",
                s.condition_path(c),
                format!("{title}: the aud pattern {pattern:?} admits other audiences"),
            );
        }
    }

    // Operators and keys.
    for c in &s.conditions {
        let path = s.condition_path(c);
        let never = if s.never_holds(c) {
            ": it never holds, so the statement admits no token"
        } else {
            ""
        };
        if let Some(provider) = c.provider.as_deref().filter(|p| !s.may_trust(p)) {
            add(
                "GHA014",
                path.clone(),
                format!(
                    "{title} trusts {} but its condition {} {} is on a key of {provider}, which \
                     its tokens never carry{never}",
                    s.trusted.join(", "),
                    c.operator,
                    c.key
                ),
            );
            continue;
        }
        let Some(claim) = c.claim.as_deref() else {
            continue;
        };
        if let Some((quantifier, _, negated, if_exists)) = c.string() {
            // Claims every GitHub token has, with one value.
            let single = ["sub", "aud", "iss"].contains(&claim);
            if single && quantifier != Quantifier::Single {
                add(
                    "GHA010",
                    path.clone(),
                    format!(
                        "{title} uses {} on {}, a single-valued key",
                        c.operator, c.key
                    ),
                );
            } else if quantifier == Quantifier::AllValues && !negated && !if_exists {
                add(
                    "GHA009",
                    path.clone(),
                    format!(
                        "{title}: {} {} holds for every token without the {claim} claim",
                        c.operator, c.key
                    ),
                );
            }
        }
        if !EVALUATED_CLAIMS.contains(&claim) {
            let known = if GITHUB_CLAIMS.contains(&claim) {
                ""
            } else {
                " (no GitHub token has such a claim)"
            };
            add(
                "GHA012",
                path,
                format!("{title} has a condition on {}{known}{never}", c.key),
            );
        }
    }
}

/// What a positive `sub` value or pattern admits.
#[derive(Debug, PartialEq)]
enum Sub {
    /// Repositories of owners it does not name.
    AnyOwner,
    /// Repositories of one owner.
    Repository {
        owner: String,
        /// The repository's name holds a wildcard.
        name_wildcard: bool,
        /// Everything after the repository is `*`.
        any_ref: bool,
        /// What follows the repository admits every branch (`ref:refs/heads/*`, `ref:*`).
        any_branch: bool,
        /// A pull_request subject of a repository it names, to test it with.
        pull_request: Option<String>,
    },
    /// Not a GitHub subject at all.
    Other,
}

fn check_sub(value: &str, pattern: bool) -> Sub {
    let wild = |s: &str| pattern && s.contains(['*', '?']);
    let Some(rest) = value.strip_prefix("repo:") else {
        // A pattern that does not start with repo: literally, like "*" or "re*:…": it admits
        // another owner's subjects if it matches one.
        let foreign = [
            "repo:zz-other-owner/zz-other-repo:ref:refs/heads/main",
            "repo:zz-other-owner/zz-other-repo:environment:prod",
            "repo:zz-other-owner/zz-other-repo:pull_request",
        ];
        if pattern && foreign.iter().any(|f| policy::like(value, f)) {
            return Sub::AnyOwner;
        }
        return Sub::Other;
    };
    let owner_end = rest.find(['/', ':']).unwrap_or(rest.len());
    let owner = &rest[..owner_end];
    if wild(owner) || owner.is_empty() || !rest[owner_end..].starts_with('/') {
        return if wild(owner) || wild(rest) {
            Sub::AnyOwner
        } else {
            Sub::Other
        };
    }
    let after_owner = &rest[owner_end + 1..];
    let name_end = after_owner.find(':').unwrap_or(after_owner.len());
    let name = &after_owner[..name_end];
    let context = after_owner.get(name_end + 1..);
    // In the immutable form a literal id pins the repository, whatever its name: a wildcard in
    // the name (`repo:OWNER@1/*@2:…`) only survives renames.
    let pinned = name
        .rsplit_once('@')
        .is_some_and(|(_, id)| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
    let name_wildcard = wild(name) && !pinned;
    // A name whose characters besides `*` outnumber any repository's admits none; a longer
    // subject to test would make the match slow.
    let shortest = name.chars().filter(|&c| c != '*').count();
    let concrete = name.replace(['*', '?'], "x");
    Sub::Repository {
        owner: owner.to_owned(),
        name_wildcard,
        any_ref: pattern && context == Some("*"),
        any_branch: pattern
            && context.is_some_and(|c| policy::like(c, "ref:refs/heads/zz-any-new-branch")),
        pull_request: (shortest <= MAX_NAME)
            .then(|| format!("repo:{owner}/{concrete}:pull_request")),
    }
}

/// The longest repository name in a subject: GitHub's 100 characters, then `@` and an id.
const MAX_NAME: usize = 100 + 1 + 20;

/// Whether a pull_request subject that `s` admits is taken away again: by a negated `sub`
/// condition of the statement, or by a `Deny` statement whose only conditions on GitHub keys are
/// on sub (and aud) and match it.
fn narrowed(s: &Statement, denies: &[&Statement], candidate: &str) -> bool {
    let refused_here = s
        .on("sub")
        .any(|c| c.string().is_some_and(|(_, _, negated, _)| negated) && c.matches(candidate));
    let denied = denies.iter().any(|d| {
        let subs: Vec<&Condition> = d.on("sub").collect();
        !subs.is_empty()
            && subs.iter().all(|c| c.positive() && c.matches(candidate))
            && d.conditions.iter().all(|c| c.on("sub") || c.on("aud"))
    });
    refused_here || denied
}

#[cfg(test)]
mod tests;
