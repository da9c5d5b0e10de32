//! IAM trust policy evaluation for a web identity token: which statements of a role's trust
//! policy apply to a GitHub OIDC token's claims, and so whether STS would let the token assume
//! the role, condition by condition. Pure: the policy and the claims come in as JSON values.
//!
//! It follows IAM's rules for `sts:AssumeRoleWithWebIdentity`: a statement applies when its
//! `Principal` names the token's OIDC provider, its `Action` matches, and all its conditions
//! hold; an applicable `Deny` wins over any `Allow`, and without an applicable `Allow` the
//! answer is an implicit deny. Condition keys are `<provider>:<claim>`, where the provider is
//! the `iss` claim without `https://`.

use std::fmt;

use crate::explain::issuer::{EVALUATED_CLAIMS, Issuer, is_github_provider};
use serde_json::{Map, Value};

/// The action STS authorizes when it exchanges a web identity token.
pub const ASSUME_ROLE_WITH_WEB_IDENTITY: &str = "sts:AssumeRoleWithWebIdentity";

/// A token's decoded payload.
pub type Claims = Map<String, Value>;

/// Why a policy document cannot be evaluated. Statements are numbered from 1.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("the trust policy is not a JSON object")]
    NotAnObject,

    #[error("the trust policy has no Statement")]
    NoStatement,

    #[error("the trust policy's Statement must be an object or a list of objects")]
    BadStatement,

    /// `NotAction` or `NotPrincipal`.
    #[error("statement {statement} uses {element}, which this check does not support")]
    Unsupported {
        statement: usize,
        element: &'static str,
    },

    #[error(
        "statement {statement} uses the condition operator \"{operator}\", which this check does \
         not support (it knows String(Not)Equals, String(Not)EqualsIgnoreCase, String(Not)Like, \
         with ForAnyValue:/ForAllValues: and IfExists, and Null)"
    )]
    UnknownOperator { statement: usize, operator: String },

    /// A statement element of the wrong shape.
    #[error("statement {statement}: {problem}")]
    Invalid { statement: usize, problem: String },
}

/// The verdict on a token, with the reasons.
#[derive(Debug)]
pub struct Evaluation {
    pub allowed: bool,
    pub statements: Vec<StatementReport>,
    /// What the policy leaves unchecked or this check could not judge, even when allowed.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// How one statement fared.
#[derive(Debug)]
pub struct StatementReport {
    /// The statement's position in the policy, from 1.
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: ElementReport,
    pub action: ElementReport,
    pub conditions: Vec<ConditionReport>,
}

/// How the token fared against a statement's `Principal` or `Action`.
#[derive(Debug)]
pub struct ElementReport {
    /// The element's values: federated principals as their ARN, other principals as
    /// `<type> <id>`, `*` for `"Principal": "*"`.
    pub values: Vec<String>,
    /// Which value matched.
    pub matched: Option<usize>,
    /// What the values were matched against: the token's provider or the action.
    pub target: String,
}

/// How the token fared against one key of one condition operator.
#[derive(Debug)]
pub struct ConditionReport {
    /// The operator as the policy writes it.
    pub operator: String,
    /// The key as the policy writes it.
    pub key: String,
    pub expected: Vec<String>,
    /// The token's values for the key; `None` when it has no such claim.
    pub actual: Option<Vec<String>>,
    pub held: bool,
}

impl StatementReport {
    /// Whether the statement's principal, action and every condition admit the token.
    pub fn applies(&self) -> bool {
        self.principal.matched.is_some()
            && self.action.matched.is_some()
            && self.conditions.iter().all(|c| c.held)
    }

    fn title(&self) -> String {
        match &self.sid {
            Some(sid) => format!("statement {} (Sid {sid:?}, {:?})", self.index, self.effect),
            None => format!("statement {} ({:?})", self.index, self.effect),
        }
    }
}

/// Evaluates `policy` for a request for `action` with a token holding `claims`.
pub fn evaluate(policy: &Value, claims: &Claims, action: &str) -> Result<Evaluation, PolicyError> {
    let Value::Object(policy) = policy else {
        return Err(PolicyError::NotAnObject);
    };
    let statements = match policy.get("Statement") {
        Some(Value::Array(list)) if !list.is_empty() => list.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        Some(Value::Array(_)) | None => return Err(PolicyError::NoStatement),
        Some(_) => return Err(PolicyError::BadStatement),
    };
    let token = Token::new(claims);
    let mut warnings = Vec::new();
    if token.provider.is_none() {
        warnings.push("the token has no iss claim, so no Federated principal can match it".into());
    }
    let statements = statements
        .into_iter()
        .enumerate()
        .map(|(i, s)| statement(i + 1, s, &token, action, &mut warnings))
        .collect::<Result<Vec<_>, _>>()?;
    let allowed = deciding(&statements).is_some_and(|s| s.effect == Effect::Allow);
    let iss = claims.get("iss").and_then(Value::as_str);
    if let Some(issuer) = iss
        .and_then(|iss| Issuer::parse(iss).ok())
        .filter(|_| statements.iter().all(|s| s.principal.matched.is_none()))
    {
        let aud = claims.get("aud").map_or_else(String::new, |aud| match aud {
            Value::Array(list) => list.first().map(text).unwrap_or_default(),
            one => text(one),
        });
        warnings.push(format!(
            "no statement names {}, the token's provider: if the account has none, create it \
             ({}) and name it in Principal.Federated",
            issuer.provider_arn("ACCOUNT"),
            issuer.create_provider_command(&aud)
        ));
    }
    Ok(Evaluation {
        allowed,
        statements,
        warnings,
    })
}

/// The statement that decides: the first applicable `Deny`, else the first applicable `Allow`.
fn deciding(statements: &[StatementReport]) -> Option<&StatementReport> {
    let applicable = |effect| {
        statements
            .iter()
            .find(|s| s.effect == effect && s.applies())
    };
    applicable(Effect::Deny).or_else(|| applicable(Effect::Allow))
}

/// The claims, and the provider their condition keys are prefixed with.
struct Token<'a> {
    claims: &'a Claims,
    provider: Option<String>,
}

impl<'a> Token<'a> {
    fn new(claims: &'a Claims) -> Self {
        let provider = claims.get("iss").and_then(Value::as_str).map(|iss| {
            iss.trim_start_matches("https://")
                .trim_end_matches('/')
                .to_owned()
        });
        Token { claims, provider }
    }

    /// Whether `arn` is `arn:PARTITION:iam::ACCOUNT:oidc-provider/<the token's provider>`.
    fn is_provider(&self, arn: &str) -> bool {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        matches!(parts[..], ["arn", _, "iam", "", _, resource]
            if resource.strip_prefix("oidc-provider/") == self.provider.as_deref())
    }

    /// The claim a condition key names: `<provider>:<claim>`, the provider in any case.
    fn claim_name<'k>(&self, key: &'k str) -> Option<&'k str> {
        let provider = self.provider.as_deref()?;
        let prefix = key.get(..provider.len())?;
        let name = key[provider.len()..].strip_prefix(':')?;
        prefix.eq_ignore_ascii_case(provider).then_some(name)
    }

    /// Whether IAM puts `claim` of this token in the request: every claim of another issuer's
    /// token (as far as this check knows), and of a GitHub token only those IAM evaluates.
    fn evaluated(&self, claim: &str) -> bool {
        !self.provider.as_deref().is_some_and(is_github_provider)
            || EVALUATED_CLAIMS
                .iter()
                .any(|evaluated| evaluated.eq_ignore_ascii_case(claim))
    }

    /// The token's values for a condition key (a list claim gives several); `None` if missing,
    /// or not evaluated by IAM.
    fn values(&self, key: &str) -> Option<Vec<String>> {
        let name = self.claim_name(key).filter(|name| self.evaluated(name))?;
        let (_, value) = self
            .claims
            .iter()
            .find(|(claim, _)| claim.eq_ignore_ascii_case(name))?;
        let values: Vec<String> = match value {
            Value::Null => return None,
            Value::Array(items) => items.iter().map(text).collect(),
            other => vec![text(other)],
        };
        (!values.is_empty()).then_some(values)
    }
}

/// A JSON value as IAM compares it: strings as they are, anything else as JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A string, number or boolean, or a list of them, as strings; `Err` names `what`.
pub(crate) fn values(value: &Value, what: &str) -> Result<Vec<String>, String> {
    let scalar = |v: &Value| match v {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => Ok(text(v)),
        _ => Err(format!("{what} must be a string or a list of strings")),
    };
    match value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|v| vec![v]),
    }
}

fn statement(
    index: usize,
    value: &Value,
    token: &Token,
    requested: &str,
    warnings: &mut Vec<String>,
) -> Result<StatementReport, PolicyError> {
    let invalid = |problem: String| PolicyError::Invalid {
        statement: index,
        problem,
    };
    let Value::Object(statement) = value else {
        return Err(invalid("is not an object".into()));
    };
    for element in ["NotPrincipal", "NotAction"] {
        if statement.contains_key(element) {
            return Err(PolicyError::Unsupported {
                statement: index,
                element,
            });
        }
    }
    let sid = match statement.get("Sid") {
        None => None,
        Some(Value::String(sid)) => Some(sid.clone()),
        Some(_) => return Err(invalid("Sid must be a string".into())),
    };
    let effect = match statement.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        _ => return Err(invalid("Effect must be \"Allow\" or \"Deny\"".into())),
    };
    let principal = principal(statement.get("Principal"), token).map_err(invalid)?;
    let actions = values(
        statement
            .get("Action")
            .ok_or_else(|| invalid("has no Action".into()))?,
        "Action",
    )
    .map_err(invalid)?;
    let action = ElementReport {
        matched: actions
            .iter()
            .position(|a| like(&a.to_ascii_lowercase(), &requested.to_ascii_lowercase())),
        values: actions,
        target: requested.to_owned(),
    };
    let conditions = match statement.get("Condition") {
        None => Vec::new(),
        Some(Value::Object(operators)) => conditions(index, operators, token, warnings)?,
        Some(_) => return Err(invalid("Condition must be an object of operators".into())),
    };
    let report = StatementReport {
        index,
        sid,
        effect,
        principal,
        action,
        conditions,
    };
    if report.effect == Effect::Allow
        && report.principal.matched.is_some()
        && report.action.matched.is_some()
    {
        unchecked(&report, token, warnings);
    }
    Ok(report)
}

/// `"*"`, or `{"AWS": "*"}` shown as `AWS *`: any principal at all.
fn is_anyone(principal: &str) -> bool {
    principal == "*" || principal == "AWS *"
}

fn principal(value: Option<&Value>, token: &Token) -> Result<ElementReport, String> {
    let mut report = ElementReport {
        values: Vec::new(),
        matched: None,
        target: match &token.provider {
            Some(provider) => format!("oidc-provider/{provider}"),
            None => "a token without iss".into(),
        },
    };
    let mut add = |shown: String, hit: bool| {
        if hit && report.matched.is_none() {
            report.matched = Some(report.values.len());
        }
        report.values.push(shown);
    };
    match value {
        Some(Value::String(star)) if star == "*" => add(star.clone(), true),
        Some(Value::Object(kinds)) => {
            for (kind, ids) in kinds {
                for id in values(ids, &format!("Principal {kind}"))? {
                    if kind == "Federated" {
                        let hit = token.is_provider(&id);
                        add(id, hit);
                    } else {
                        let shown = format!("{kind} {id}");
                        let hit = is_anyone(&shown);
                        add(shown, hit);
                    }
                }
            }
        }
        Some(_) => {
            return Err("Principal must be \"*\" or an object such as {\"Federated\": …}".into());
        }
        None => return Err("has no Principal".into()),
    }
    Ok(report)
}

/// A condition operator: `Null`, or a string comparison with its set and `IfExists` modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operator {
    Null,
    String {
        quantifier: Quantifier,
        comparison: Comparison,
        negated: bool,
        if_exists: bool,
    },
}

/// How a comparison treats a key with several values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quantifier {
    /// No prefix: meant for a single value (see [`Operator::holds`] for several).
    Single,
    AnyValue,
    AllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparison {
    Equals,
    EqualsIgnoreCase,
    Like,
}

impl Operator {
    /// Reads an operator name, whatever its case: a policy IAM stored is not refused over it.
    pub(crate) fn parse(name: &str) -> Option<Operator> {
        let lower = name.to_ascii_lowercase();
        if lower == "null" {
            return Some(Operator::Null);
        }
        let (quantifier, rest) = if let Some(rest) = lower.strip_prefix("foranyvalue:") {
            (Quantifier::AnyValue, rest)
        } else if let Some(rest) = lower.strip_prefix("forallvalues:") {
            (Quantifier::AllValues, rest)
        } else {
            (Quantifier::Single, lower.as_str())
        };
        let (rest, if_exists) = match rest.strip_suffix("ifexists") {
            Some(rest) => (rest, true),
            None => (rest, false),
        };
        let (comparison, negated) = match rest {
            "stringequals" => (Comparison::Equals, false),
            "stringnotequals" => (Comparison::Equals, true),
            "stringequalsignorecase" => (Comparison::EqualsIgnoreCase, false),
            "stringnotequalsignorecase" => (Comparison::EqualsIgnoreCase, true),
            "stringlike" => (Comparison::Like, false),
            "stringnotlike" => (Comparison::Like, true),
            _ => return None,
        };
        Some(Operator::String {
            quantifier,
            comparison,
            negated,
            if_exists,
        })
    }

    /// Whether the condition holds for the token's `actual` values (`None`: no such claim).
    ///
    /// A missing key fails a positive comparison and satisfies a negated one, `ForAnyValue:`
    /// fails and `ForAllValues:` holds, and `IfExists` always holds. A comparison without a
    /// set prefix given several values (a list `aud`) holds, like IAM's, when any value
    /// matches; negated, when none does.
    fn holds(self, expected: &[String], actual: Option<&[String]>) -> bool {
        let Operator::String {
            quantifier,
            comparison,
            negated,
            if_exists,
        } = self
        else {
            // Null: "true" holds when the key is missing, "false" when it is there.
            return expected
                .iter()
                .any(|e| e.eq_ignore_ascii_case("true") == actual.is_none());
        };
        let Some(actual) = actual else {
            return if_exists
                || match quantifier {
                    Quantifier::Single => negated,
                    Quantifier::AnyValue => false,
                    Quantifier::AllValues => true,
                };
        };
        let matches = |value: &String| expected.iter().any(|e| comparison.matches(e, value));
        match (quantifier, negated) {
            (Quantifier::Single | Quantifier::AnyValue, false) => actual.iter().any(matches),
            (Quantifier::Single, true) => !actual.iter().any(matches),
            (Quantifier::AnyValue, true) => !actual.iter().all(matches),
            (Quantifier::AllValues, false) => actual.iter().all(matches),
            (Quantifier::AllValues, true) => !actual.iter().any(matches),
        }
    }

    /// Whether the policy's values are patterns that admit what they match.
    fn admits_patterns(self) -> bool {
        matches!(
            self,
            Operator::String {
                comparison: Comparison::Like,
                negated: false,
                ..
            }
        )
    }
}

impl Comparison {
    fn matches(self, expected: &str, value: &str) -> bool {
        match self {
            Comparison::Equals => expected == value,
            Comparison::EqualsIgnoreCase => expected.to_lowercase() == value.to_lowercase(),
            Comparison::Like => like(expected, value),
        }
    }
}

/// IAM's wildcard match: `*` is any run of characters (even none), `?` exactly one.
pub(crate) fn like(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // The last `*` seen, and where in the text it started matching.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            // Let the `*` take one more character and retry.
            star = Some((star_p, star_t + 1));
            p = star_p + 1;
            t = star_t + 1;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

fn conditions(
    index: usize,
    operators: &Map<String, Value>,
    token: &Token,
    warnings: &mut Vec<String>,
) -> Result<Vec<ConditionReport>, PolicyError> {
    let invalid = |problem: String| PolicyError::Invalid {
        statement: index,
        problem,
    };
    let mut reports = Vec::new();
    for (name, keys) in operators {
        let operator = Operator::parse(name).ok_or_else(|| PolicyError::UnknownOperator {
            statement: index,
            operator: name.clone(),
        })?;
        let Value::Object(keys) = keys else {
            return Err(invalid(format!(
                "Condition operator {name} must be an object of keys and values"
            )));
        };
        for (key, expected) in keys {
            let expected =
                values(expected, &format!("the value of {name} {key}")).map_err(invalid)?;
            if operator == Operator::Null
                && !expected
                    .iter()
                    .all(|e| e.eq_ignore_ascii_case("true") || e.eq_ignore_ascii_case("false"))
            {
                return Err(invalid(format!("Null {key} must be \"true\" or \"false\"")));
            }
            let actual = token.values(key);
            let held = operator.holds(&expected, actual.as_deref());
            if let Some(provider) = &token.provider {
                match token.claim_name(key) {
                    None => warnings.push(format!(
                        "statement {index}: the condition key \"{key}\" is not a claim of this \
                         token (its keys are {provider}:<claim>), so it counts as missing"
                    )),
                    Some(claim) if !token.evaluated(claim) => warnings.push(format!(
                        "statement {index}: IAM does not evaluate {key} for GitHub's tokens, so \
                         {name} sees no value ({})",
                        if held { "holds" } else { "fails" }
                    )),
                    Some(claim) if actual.is_none() && held && operator != Operator::Null => {
                        warnings.push(format!(
                            "statement {index}: {name} {key} holds only because the token has \
                             no {claim} claim"
                        ));
                    }
                    Some(_) => {}
                }
            }
            if let Some(variable) = expected.iter().find(|e| e.contains("${")) {
                warnings.push(format!(
                    "statement {index}: {variable:?} holds a policy variable, which this check \
                     does not substitute: it is compared as written"
                ));
            }
            reports.push(ConditionReport {
                operator: name.clone(),
                key: key.clone(),
                held,
                expected,
                actual,
            });
        }
    }
    Ok(reports)
}

/// Notes on an `Allow` statement that admits the token's provider: a principal of anyone, no
/// `aud` or `sub` condition, `sub` patterns that admit any repository of an owner, or any at all.
fn unchecked(report: &StatementReport, token: &Token, warnings: &mut Vec<String>) {
    let title = report.title();
    if report
        .principal
        .matched
        .is_some_and(|i| is_anyone(&report.principal.values[i]))
    {
        warnings.push(format!(
            "{title} admits any principal (\"Principal\": \"*\"): only its conditions restrict \
             who assumes the role"
        ));
    }
    let Some(provider) = &token.provider else {
        return;
    };
    let on = |claim: &'static str| {
        report.conditions.iter().filter(move |c| {
            token
                .claim_name(&c.key)
                .is_some_and(|name| name.eq_ignore_ascii_case(claim))
        })
    };
    if on("aud").next().is_none() {
        warnings.push(format!(
            "{title} does not check {provider}:aud: only the OIDC provider's list of client ids \
             (audiences) restricts the token's audience"
        ));
    }
    if on("sub").next().is_none() {
        warnings.push(format!(
            "{title} does not check {provider}:sub: workflows of any repository may assume the \
             role, unless other conditions restrict them"
        ));
    }
    let patterns = on("sub")
        .filter(|c| Operator::parse(&c.operator).is_some_and(Operator::admits_patterns))
        .flat_map(|c| &c.expected);
    for pattern in patterns {
        if pattern.chars().all(|c| c == '*') {
            warnings.push(format!(
                "{title} admits any repository: the {provider}:sub pattern {pattern:?} matches \
                 every GitHub workflow"
            ));
        } else if let Some(repositories) = wildcard_repositories(pattern) {
            warnings.push(format!(
                "{title} admits every repository matching {repositories:?} (the {provider}:sub \
                 pattern {pattern:?}), not one repository"
            ));
        }
    }
}

/// The repository part of a `sub` pattern (`repo:<owner>/<name>:…`) when it holds a wildcard.
fn wildcard_repositories(pattern: &str) -> Option<&str> {
    let repositories = match pattern.strip_prefix("repo:") {
        Some(rest) => rest.split(':').next().unwrap_or_default(),
        None => pattern,
    };
    repositories.contains(['*', '?']).then_some(repositories)
}

impl fmt::Display for Evaluation {
    /// The verdict on the first line, then each statement with its principal, action and
    /// conditions, then the warnings.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match deciding(&self.statements) {
            Some(s) if s.effect == Effect::Deny => {
                writeln!(f, "denied: {} applies to this token", s.title())?;
            }
            Some(s) => writeln!(f, "allowed: {} applies to this token", s.title())?,
            None => writeln!(
                f,
                "denied: no Allow statement applies to this token (implicit deny)"
            )?,
        }
        for statement in &self.statements {
            let applies = if statement.applies() {
                "applies"
            } else {
                "does not apply"
            };
            writeln!(f, "{}: {applies}", statement.title())?;
            write_element(f, "principal", &statement.principal)?;
            write_element(f, "action", &statement.action)?;
            for c in &statement.conditions {
                let actual = match c.actual.as_deref() {
                    None => "(no such claim)".to_owned(),
                    Some([one]) => format!("{one:?}"),
                    Some(many) => format!("{many:?}"),
                };
                writeln!(
                    f,
                    "  {:<10} {} {}  policy {}  token {actual}  {}",
                    "condition",
                    c.operator,
                    c.key,
                    alternatives(&c.expected),
                    if c.held { "holds" } else { "FAILS" }
                )?;
            }
        }
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        Ok(())
    }
}

fn write_element(f: &mut fmt::Formatter<'_>, label: &str, element: &ElementReport) -> fmt::Result {
    match element.matched {
        Some(i) => writeln!(f, "  {label:<10} {}  matches", element.values[i]),
        None => writeln!(
            f,
            "  {label:<10} {}  does not match {}",
            element.values.join(", "),
            element.target
        ),
    }
}

/// `"a"`, `"a" or "b"`, or `(no values)`.
fn alternatives(values: &[String]) -> String {
    if values.is_empty() {
        return "(no values)".into();
    }
    values
        .iter()
        .map(|v| format!("{v:?}"))
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const GITHUB: &str = "token.actions.githubusercontent.com";
    const SUB: &str = "token.actions.githubusercontent.com:sub";
    const AUD: &str = "token.actions.githubusercontent.com:aud";
    const PROVIDER_ARN: &str =
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

    /// A GitHub token's claims for `sub`, with `extra` claims added or replaced.
    fn token(sub: &str, extra: Value) -> Claims {
        let mut claims = json!({
            "iss": "https://token.actions.githubusercontent.com",
            "aud": "sts.amazonaws.com",
            "sub": sub,
            "repository": "octo-org/octo-repo",
            "repository_owner": "octo-org",
            "ref": "refs/heads/main",
            "workflow": "CI",
            "event_name": "push",
        });
        for (name, value) in extra.as_object().unwrap() {
            claims[name] = value.clone();
        }
        claims.as_object().unwrap().clone()
    }

    /// The usual trust policy: one Allow for the GitHub provider with `condition`.
    fn trust(condition: Value) -> Value {
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "GitHubDeploy",
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER_ARN},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": condition,
            }]
        })
    }

    /// The usual condition: the audience, and `operator` on the subject.
    fn sub_condition(operator: &str, sub: Value) -> Value {
        let mut condition = json!({"StringEquals": {AUD: "sts.amazonaws.com"}});
        condition[operator][SUB] = sub;
        condition
    }

    fn eval(policy: &Value, claims: &Claims) -> Evaluation {
        evaluate(policy, claims, ASSUME_ROLE_WITH_WEB_IDENTITY).unwrap()
    }

    /// The failing conditions, as `operator key`.
    fn failing(evaluation: &Evaluation) -> Vec<String> {
        evaluation
            .statements
            .iter()
            .flat_map(|s| &s.conditions)
            .filter(|c| !c.held)
            .map(|c| format!("{} {}", c.operator, c.key))
            .collect()
    }

    const BRANCH: &str = "repo:octo-org/octo-repo:ref:refs/heads/main";
    const ENVIRONMENT: &str = "repo:octo-org/octo-repo:environment:prod";
    const PULL_REQUEST: &str = "repo:octo-org/octo-repo:pull_request";
    const TAG: &str = "repo:octo-org/octo-repo:ref:refs/tags/v1.2.0";
    const OTHER_REPO: &str = "repo:octo-org/other-repo:ref:refs/heads/main";
    const IMMUTABLE: &str = "repo:octo-org@123/octo-repo@456:ref:refs/heads/main";

    #[test]
    fn subject_forms_against_their_policies() {
        const WILDCARD: &str = "repo:octo-org/octo-repo:*";
        const TAGS: &str = "repo:octo-org/octo-repo:ref:refs/tags/v*";
        // The operator on sub, the policy's sub, the token's sub, whether it is allowed.
        let table = [
            ("StringEquals", BRANCH, BRANCH, true),
            ("StringEquals", ENVIRONMENT, ENVIRONMENT, true),
            // The classic mistake: the job has an environment, so its sub names no branch.
            ("StringEquals", BRANCH, ENVIRONMENT, false),
            ("StringLike", WILDCARD, BRANCH, true),
            ("StringLike", WILDCARD, ENVIRONMENT, true),
            ("StringLike", WILDCARD, PULL_REQUEST, true),
            ("StringLike", WILDCARD, OTHER_REPO, false),
            ("StringEquals", PULL_REQUEST, PULL_REQUEST, true),
            ("StringEquals", PULL_REQUEST, BRANCH, false),
            ("StringLike", TAGS, TAG, true),
            ("StringLike", TAGS, BRANCH, false),
            // StringEquals takes `*` literally.
            ("StringEquals", TAGS, TAG, false),
            ("StringLike", "repo:octo-org/*", OTHER_REPO, true),
            // Repositories created since mid-2026 have ids in their subject.
            ("StringEquals", BRANCH, IMMUTABLE, false),
            ("StringLike", WILDCARD, IMMUTABLE, false),
            ("StringEquals", IMMUTABLE, IMMUTABLE, true),
        ];
        for (operator, sub, token_sub, allowed) in table {
            let policy = trust(sub_condition(operator, json!(sub)));
            let evaluation = eval(&policy, &token(token_sub, json!({})));
            let case = format!("{operator} {sub} for {token_sub}");
            assert_eq!(evaluation.allowed, allowed, "{case}");
            let failed = (!allowed).then(|| format!("{operator} {GITHUB}:sub"));
            assert_eq!(failing(&evaluation), Vec::from_iter(failed), "{case}");
        }
        let several = trust(sub_condition("StringEquals", json!([BRANCH, ENVIRONMENT])));
        assert!(eval(&several, &token(ENVIRONMENT, json!({}))).allowed);
    }

    #[test]
    fn reports_the_failing_condition() {
        let policy = trust(sub_condition("StringLike", json!(BRANCH)));
        let report = eval(&policy, &token(ENVIRONMENT, json!({"environment": "prod"}))).to_string();
        assert_eq!(
            report,
            format!(
                "denied: no Allow statement applies to this token (implicit deny)\n\
                 statement 1 (Sid \"GitHubDeploy\", Allow): does not apply\n\
                 \x20 principal  {PROVIDER_ARN}  matches\n\
                 \x20 action     sts:AssumeRoleWithWebIdentity  matches\n\
                 \x20 condition  StringEquals {GITHUB}:aud  policy \"sts.amazonaws.com\"  token \"sts.amazonaws.com\"  holds\n\
                 \x20 condition  StringLike {GITHUB}:sub  policy \"{BRANCH}\"  token \"{ENVIRONMENT}\"  FAILS\n"
            )
        );
        let allowed = eval(&policy, &token(BRANCH, json!({}))).to_string();
        assert!(allowed.starts_with(
            "allowed: statement 1 (Sid \"GitHubDeploy\", Allow) applies to this token\n"
        ));
        assert!(!allowed.contains("warning"), "{allowed}");
    }

    #[test]
    fn warns_about_what_the_policy_leaves_open() {
        let warnings = |policy: &Value| eval(policy, &token(BRANCH, json!({}))).warnings;

        let no_aud = trust(json!({"StringEquals": {SUB: BRANCH}}));
        let evaluation = eval(&no_aud, &token(BRANCH, json!({})));
        assert!(evaluation.allowed);
        assert_eq!(evaluation.warnings.len(), 1);
        assert!(
            evaluation.warnings[0]
                .contains("does not check token.actions.githubusercontent.com:aud")
        );
        assert!(
            evaluation
                .to_string()
                .contains("\nwarning: statement 1 (Sid \"GitHubDeploy\", Allow) does not check")
        );

        let org = warnings(&trust(sub_condition(
            "StringLike",
            json!("repo:octo-org/*"),
        )));
        assert_eq!(org.len(), 1);
        assert!(
            org[0].contains("every repository matching \"octo-org/*\""),
            "{org:?}"
        );

        let any = warnings(&trust(sub_condition("StringLike", json!("*"))));
        assert!(any[0].contains("admits any repository"), "{any:?}");

        let no_sub = warnings(&trust(json!({"StringEquals": {AUD: "sts.amazonaws.com"}})));
        assert!(no_sub[0].contains("does not check token.actions.githubusercontent.com:sub"));

        // A wildcard after the repository is not org-wide, and a negated pattern admits nothing.
        assert!(
            warnings(&trust(sub_condition(
                "StringLike",
                json!("repo:octo-org/octo-repo:*")
            )))
            .is_empty()
        );
        let mut negated = trust(sub_condition("StringEquals", json!(BRANCH)));
        negated["Statement"][0]["Condition"]["StringNotLike"] =
            json!({SUB: "repo:octo-org/*:pull_request"});
        let negated = warnings(&negated);
        assert!(negated.is_empty(), "{negated:?}");

        let mut anyone = trust(sub_condition("StringEquals", json!(BRANCH)));
        anyone["Statement"][0]["Principal"] = json!("*");
        let evaluation = eval(&anyone, &token(BRANCH, json!({})));
        assert!(evaluation.allowed);
        assert!(evaluation.warnings[0].contains("admits any principal"));
        anyone["Statement"][0]["Principal"] = json!({"AWS": "*"});
        assert!(eval(&anyone, &token(BRANCH, json!({}))).allowed);

        let foreign = warnings(&trust(json!({
            "StringEquals": {AUD: "sts.amazonaws.com",
                             SUB: BRANCH},
            "StringLike": {"aws:SourceIp": "10.*"},
        })));
        assert!(
            foreign[0].contains("\"aws:SourceIp\" is not a claim of this token"),
            "{foreign:?}"
        );

        let mut missing = trust(sub_condition("StringEquals", json!(BRANCH)));
        missing["Statement"][0]["Condition"]["StringNotEquals"] =
            json!({ format!("{GITHUB}:environment"): "prod" });
        let missing = warnings(&missing);
        assert_eq!(
            missing,
            [format!(
                "statement 1: StringNotEquals {GITHUB}:environment holds only because the token \
                 has no environment claim"
            )]
        );

        let variable = warnings(&trust(sub_condition(
            "StringEquals",
            json!("repo:${aws:username}/*"),
        )));
        assert!(variable[0].contains("policy variable"), "{variable:?}");
    }

    #[test]
    fn deny_overrides_allow() {
        let mut policy = trust(sub_condition(
            "StringLike",
            json!("repo:octo-org/octo-repo:*"),
        ));
        policy["Statement"].as_array_mut().unwrap().push(json!({
            "Sid": "NoPullRequests",
            "Effect": "Deny",
            "Principal": {"Federated": PROVIDER_ARN},
            "Action": "sts:*",
            "Condition": {"StringLike": {SUB: "*:pull_request"}},
        }));
        let denied = eval(&policy, &token(PULL_REQUEST, json!({})));
        assert!(!denied.allowed);
        assert!(denied.statements[0].applies());
        assert!(denied.to_string().starts_with(
            "denied: statement 2 (Sid \"NoPullRequests\", Deny) applies to this token\n"
        ));
        let allowed = eval(&policy, &token(BRANCH, json!({})));
        assert!(allowed.allowed);
        assert!(!allowed.statements[1].applies());
    }

    #[test]
    fn actions_are_strings_or_lists_with_wildcards_in_any_case() {
        let with_action = |action: Value| {
            let mut policy = trust(sub_condition("StringEquals", json!(BRANCH)));
            policy["Statement"][0]["Action"] = action;
            eval(&policy, &token(BRANCH, json!({})))
        };
        assert!(with_action(json!(["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"])).allowed);
        assert!(with_action(json!(["sts:TagSession", "sts:*"])).allowed);
        assert!(with_action(json!("STS:assumerolewithwebidentity")).allowed);
        assert!(with_action(json!("*")).allowed);
        assert!(with_action(json!("sts:AssumeRoleWith?ebIdentity")).allowed);
        let wrong = with_action(json!(["sts:AssumeRole", "sts:TagSession"]));
        assert!(!wrong.allowed);
        assert!(failing(&wrong).is_empty());
        assert!(wrong.to_string().contains(
            "  action     sts:AssumeRole, sts:TagSession  does not match sts:AssumeRoleWithWebIdentity\n"
        ));
    }

    #[test]
    fn principals_must_name_the_tokens_provider() {
        let with_principal = |principal: Value, claims: &Claims| {
            let mut policy = trust(json!({}));
            policy["Statement"][0]["Principal"] = principal;
            eval(&policy, claims)
        };
        let github = token(BRANCH, json!({}));
        let google = "arn:aws:iam::123456789012:oidc-provider/accounts.google.com";
        assert!(with_principal(json!({ "Federated": [google, PROVIDER_ARN] }), &github).allowed);
        let gov = "arn:aws-us-gov:iam::1:oidc-provider/token.actions.githubusercontent.com";
        assert!(with_principal(json!({ "Federated": gov }), &github).allowed);
        let other = with_principal(
            json!({"Federated": "arn:aws:iam::1:oidc-provider/gitlab.com",
                   "AWS": "arn:aws:iam::1:root"}),
            &github,
        );
        assert!(!other.allowed);
        assert!(
            other.to_string().contains(&format!(
                "  principal  AWS arn:aws:iam::1:root, arn:aws:iam::1:oidc-provider/gitlab.com  \
                 does not match oidc-provider/{GITHUB}\n"
            )),
            "{other}"
        );

        // A GitHub Enterprise Server's provider has a path, and its keys start with it.
        let ghes_claims = token(
            BRANCH,
            json!({"iss": "https://ghes.example.com/_services/token"}),
        );
        let mut ghes =
            trust(json!({"StringEquals": {"ghes.example.com/_services/token:sub": BRANCH}}));
        ghes["Statement"][0]["Principal"]["Federated"] =
            json!("arn:aws:iam::123456789012:oidc-provider/ghes.example.com/_services/token");
        assert!(eval(&ghes, &ghes_claims).allowed);
        assert!(!eval(&ghes, &github).allowed);
        // A policy for github.com's tokens names no provider for the server's: what to create.
        let evaluation = eval(&trust(json!({})), &ghes_claims);
        assert!(
            evaluation.warnings.iter().any(|w| w.starts_with(
                "no statement names arn:aws:iam::ACCOUNT:oidc-provider/ghes.example.com/_services/token, \
                 the token's provider: if the account has none, create it (aws iam \
                 create-open-id-connect-provider --url https://ghes.example.com/_services/token \
                 --client-id-list sts.amazonaws.com)"
            )),
            "{:?}",
            evaluation.warnings
        );
        assert!(!eval(&trust(json!({})), &ghes_claims).allowed);

        let mut no_iss = github.clone();
        no_iss.remove("iss");
        let evaluation = eval(&trust(json!({})), &no_iss);
        assert!(!evaluation.allowed);
        assert!(evaluation.warnings[0].contains("no iss claim"));
    }

    #[test]
    fn statement_may_be_a_single_object() {
        let mut policy = trust(sub_condition("StringEquals", json!(BRANCH)));
        policy["Statement"] = policy["Statement"][0].take();
        let evaluation = eval(&policy, &token(BRANCH, json!({})));
        assert!(evaluation.allowed);
        assert_eq!(evaluation.statements[0].index, 1);
    }

    #[test]
    fn keys_ignore_case_and_values_do_not() {
        let policy =
            trust(json!({"StringEquals": {"Token.Actions.GitHubUserContent.com:SUB": BRANCH}}));
        assert!(eval(&policy, &token(BRANCH, json!({}))).allowed);
        let shouting = token("repo:Octo-Org/octo-repo:ref:refs/heads/main", json!({}));
        assert!(!eval(&policy, &shouting).allowed);
        let ignoring = trust(json!({"stringequalsignorecase": {SUB: BRANCH}}));
        assert!(eval(&ignoring, &shouting).allowed);
        let not_ignoring = trust(json!({"StringNotEqualsIgnoreCase": {SUB: BRANCH}}));
        assert!(!eval(&not_ignoring, &shouting).allowed);
    }

    /// Checks, for a token with `extra` claims, whether each `operator` on `key` with
    /// `expected` holds as it should.
    fn check(extra: Value, table: Vec<(&str, &str, Value, bool)>) {
        for (operator, key, expected, held) in table {
            let policy = trust(json!({ operator: { format!("{GITHUB}:{key}"): expected } }));
            let evaluation = eval(&policy, &token(BRANCH, extra.clone()));
            let condition = &evaluation.statements[0].conditions[0];
            assert_eq!(
                condition.held, held,
                "{operator} {key} {expected} with {extra}"
            );
        }
    }

    #[test]
    fn operators_follow_iam() {
        check(
            json!({}),
            vec![
                ("StringNotEquals", "workflow", json!("Release"), true),
                ("StringNotEquals", "workflow", json!("CI"), false),
                (
                    "StringNotEquals",
                    "workflow",
                    json!(["Release", "CI"]),
                    false,
                ),
                // A claim IAM does not evaluate for GitHub's tokens counts as missing.
                ("StringEquals", "event_name", json!("push"), false),
                ("StringNotEquals", "event_name", json!("push"), true),
                ("StringNotLike", "ref", json!("refs/tags/*"), true),
                // A missing key: positive operators fail, negated ones hold.
                ("StringEquals", "environment", json!("prod"), false),
                ("StringLike", "environment", json!("*"), false),
                ("StringNotEquals", "environment", json!("prod"), true),
                ("StringNotLike", "environment", json!("prod*"), true),
                ("StringEqualsIfExists", "environment", json!("prod"), true),
                (
                    "ForAnyValue:StringEquals",
                    "environment",
                    json!("prod"),
                    false,
                ),
                (
                    "ForAnyValue:StringNotEquals",
                    "environment",
                    json!("prod"),
                    false,
                ),
                (
                    "ForAnyValue:StringEqualsIfExists",
                    "environment",
                    json!("prod"),
                    true,
                ),
                (
                    "ForAllValues:StringEquals",
                    "environment",
                    json!("prod"),
                    true,
                ),
                ("Null", "environment", json!("true"), true),
                ("Null", "environment", json!("false"), false),
                ("Null", "sub", json!("true"), false),
            ],
        );
        check(
            json!({"environment": "prod", "actor_id": "2", "job_workflow_ref": null}),
            vec![
                ("StringEqualsIfExists", "environment", json!("prod"), true),
                ("StringEqualsIfExists", "environment", json!("dev"), false),
                ("StringNotLikeIfExists", "environment", json!("pr*"), false),
                ("Null", "environment", json!(false), true),
                ("StringEquals", "actor_id", json!(2), true),
                ("StringEquals", "job_workflow_ref", json!("x"), false),
                ("Null", "job_workflow_ref", json!("true"), true),
            ],
        );
        // A list aud: any value satisfies a positive operator, none may match a negated one.
        check(
            json!({"aud": ["sts.amazonaws.com", "https://github.com/octo-org"]}),
            vec![
                ("StringEquals", "aud", json!("sts.amazonaws.com"), true),
                (
                    "StringNotEquals",
                    "aud",
                    json!("https://github.com/octo-org"),
                    false,
                ),
                ("StringNotEquals", "aud", json!("other"), true),
                (
                    "ForAnyValue:StringLike",
                    "aud",
                    json!("https://github.com/*"),
                    true,
                ),
                (
                    "ForAnyValue:StringLike",
                    "aud",
                    json!("https://gitlab.com/*"),
                    false,
                ),
                (
                    "ForAnyValue:StringNotEquals",
                    "aud",
                    json!("sts.amazonaws.com"),
                    true,
                ),
                (
                    "ForAllValues:StringEquals",
                    "aud",
                    json!("sts.amazonaws.com"),
                    false,
                ),
                (
                    "ForAllValues:StringLike",
                    "aud",
                    json!(["sts.*", "https://*"]),
                    true,
                ),
                (
                    "ForAllValues:StringNotLike",
                    "aud",
                    json!("https://gitlab.com/*"),
                    true,
                ),
                (
                    "ForAllValues:StringNotLike",
                    "aud",
                    json!("https://github.com/*"),
                    false,
                ),
            ],
        );
    }

    #[test]
    fn claims_iam_does_not_evaluate_count_as_missing_for_github_tokens() {
        let key = format!("{GITHUB}:event_name");
        let policy = trust(json!({
            "StringEquals": {AUD: "sts.amazonaws.com", SUB: BRANCH, &key: "push"},
        }));
        let evaluation = eval(&policy, &token(BRANCH, json!({})));
        assert!(
            !evaluation.allowed,
            "the token's event_name is not in IAM's request"
        );
        assert!(
            evaluation.warnings.contains(&format!(
                "statement 1: IAM does not evaluate {key} for GitHub's tokens, so StringEquals \
                 sees no value (fails)"
            )),
            "{:?}",
            evaluation.warnings
        );
        // Another issuer's claims are all taken as IAM's.
        let mut other = trust(json!({"StringEquals": {"gitlab.com:event_name": "push"}}));
        other["Statement"][0]["Principal"]["Federated"] =
            json!("arn:aws:iam::123456789012:oidc-provider/gitlab.com");
        let gitlab = token(BRANCH, json!({"iss": "https://gitlab.com"}));
        assert!(eval(&other, &gitlab).allowed);
    }

    #[test]
    fn all_conditions_must_hold() {
        let event = format!("{GITHUB}:workflow");
        let policy = trust(json!({
            "StringEquals": {AUD: "sts.amazonaws.com", SUB: BRANCH},
            "StringNotEquals": { &event: "CI" },
        }));
        let evaluation = eval(&policy, &token(BRANCH, json!({})));
        assert!(!evaluation.allowed);
        assert_eq!(failing(&evaluation), [format!("StringNotEquals {event}")]);
        let report = evaluation.to_string();
        assert!(report.contains(&format!(
            "  condition  StringNotEquals {event}  policy \"CI\"  token \"CI\"  FAILS\n"
        )));

        let environment = format!("{GITHUB}:environment");
        let list = trust(json!({"StringEquals": {AUD: ["a", "b"], &environment: "prod"}}));
        let report = eval(&list, &token(BRANCH, json!({"aud": ["b", "c"]}))).to_string();
        assert!(
            report.contains("policy \"a\" or \"b\"  token [\"b\", \"c\"]  holds\n"),
            "{report}"
        );
        assert!(
            report.contains("policy \"prod\"  token (no such claim)  FAILS\n"),
            "{report}"
        );
    }

    #[test]
    fn invalid_documents_are_errors() {
        let error = |policy: Value| {
            evaluate(
                &policy,
                &token(BRANCH, json!({})),
                ASSUME_ROLE_WITH_WEB_IDENTITY,
            )
            .unwrap_err()
            .to_string()
        };
        assert_eq!(error(json!([])), "the trust policy is not a JSON object");
        assert_eq!(
            error(json!({"Version": "2012-10-17"})),
            "the trust policy has no Statement"
        );
        assert_eq!(
            error(json!({"Statement": []})),
            "the trust policy has no Statement"
        );
        assert!(error(json!({"Statement": "x"})).contains("Statement must be an object or a list"));

        let unknown = error(trust(
            json!({"NumericLessThan": {"token.actions.githubusercontent.com:iat": 5}}),
        ));
        assert!(
            unknown.starts_with("statement 1 uses the condition operator \"NumericLessThan\""),
            "{unknown}"
        );
        assert!(
            error(trust(json!({"ForAnyValue:Null": {"x": "true"}})))
                .contains("\"ForAnyValue:Null\"")
        );
        assert!(error(trust(json!({"StringEqualz": {"x": "y"}}))).contains("\"StringEqualz\""));

        let with = |element: &str, value: Value| {
            let mut policy = trust(json!({}));
            policy["Statement"][0][element] = value;
            error(policy)
        };
        let not_action = {
            let mut policy = trust(json!({}));
            let statement = policy["Statement"][0].as_object_mut().unwrap();
            statement.remove("Action");
            statement.insert("NotAction".into(), json!("sts:AssumeRole"));
            error(policy)
        };
        assert_eq!(
            not_action,
            "statement 1 uses NotAction, which this check does not support"
        );
        assert_eq!(
            with("NotPrincipal", json!({"AWS": "x"})),
            "statement 1 uses NotPrincipal, which this check does not support"
        );
        assert!(with("Effect", json!("allow")).contains("Effect must be"));
        assert!(with("Principal", json!("someone")).contains("Principal must be"));
        assert!(
            with("Principal", json!({"Federated": {"a": 1}}))
                .contains("Principal Federated must be a string")
        );
        assert!(with("Action", json!({"a": 1})).contains("Action must be"));
        assert!(with("Condition", json!([])).contains("Condition must be an object"));
        assert!(
            with("Condition", json!({"StringEquals": "x"}))
                .contains("StringEquals must be an object")
        );
        assert!(
            with("Condition", json!({"StringEquals": {"k": {"a": 1}}}))
                .contains("the value of StringEquals k")
        );
        assert!(
            with("Condition", json!({"Null": {"k": "maybe"}})).contains("\"true\" or \"false\"")
        );
        assert!(with("Sid", json!(1)).contains("Sid must be a string"));
    }

    #[test]
    fn wildcards_match_like_iam() {
        assert!(like(
            "repo:octo-org/*",
            "repo:octo-org/a:ref:refs/heads/main"
        ));
        assert!(like("a*b*c", "aXbYbZc"));
        assert!(like("a?c", "abc"));
        assert!(!like("a?c", "ac"));
        assert!(like("*", ""));
        assert!(like("**x", "x"));
        assert!(!like("a*b", "acbd"));
        assert!(like("é?", "éü"));
        assert!(!like("abc", "ab"));
    }
}
