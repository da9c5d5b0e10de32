//! Each rule on the policy shapes that people publish and copy, and on the mistakes it is for.

use serde_json::{Value, json};

use super::*;

const ARN: &str = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const SUB: &str = "token.actions.githubusercontent.com:sub";
const AUD: &str = "token.actions.githubusercontent.com:aud";

/// A policy of one Allow statement for github.com's provider with `condition`.
fn trust(condition: Value) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": ARN},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }]
    })
}

/// The findings for tokens of any GitHub issuer (no `--issuer`).
fn check(document: &Value) -> Vec<Finding> {
    super::check(document, None)
}

/// The ids of the findings, sorted.
fn ids(policy: &Value) -> Vec<&'static str> {
    let mut ids: Vec<&str> = check(policy).iter().map(|f| f.rule.id).collect();
    ids.sort();
    ids
}

/// The audience as everyone checks it, and `operator` on `sub`.
fn with_sub(operator: &str, sub: Value) -> Value {
    let mut condition = json!({"StringEquals": {AUD: "sts.amazonaws.com"}});
    condition[operator][SUB] = sub;
    trust(condition)
}

#[test]
fn the_table_is_complete_and_ordered() {
    for (i, rule) in RULES.iter().enumerate() {
        assert_eq!(rule.id, format!("GHA{:03}", i + 1));
        assert!(!rule.name.is_empty() && !rule.why.is_empty() && !rule.fix.is_empty());
        assert!(!rule.summary.ends_with('.'), "{}", rule.id);
        assert_eq!(rule.name, rule.name.to_ascii_lowercase());
    }
}

#[test]
fn published_policies_for_one_branch_are_clean_but_for_the_mutable_name() {
    // GitHub's docs, "Configuring OpenID Connect in Amazon Web Services": StringEquals on aud and
    // sub for one branch.
    let github_docs = trust(json!({"StringEquals": {
        AUD: "sts.amazonaws.com",
        SUB: "repo:octo-org/octo-repo:ref:refs/heads/octo-branch",
    }}));
    assert_eq!(ids(&github_docs), ["GHA013"]);
    // AWS's IAM user guide, "Configuring a role for GitHub OIDC identity provider": StringLike on
    // sub, without a wildcard.
    let aws_docs = with_sub(
        "StringLike",
        json!("repo:GitHubOrg/GitHubRepo:ref:refs/heads/GitHubBranch"),
    );
    assert_eq!(ids(&aws_docs), ["GHA013"]);
    // The immutable subject, or the ids checked beside it, leave nothing to say.
    let immutable = with_sub(
        "StringEquals",
        json!("repo:octo-org@123/octo-repo@456:environment:prod"),
    );
    assert!(ids(&immutable).is_empty());
    let mut ids_checked = with_sub(
        "StringEquals",
        json!("repo:octo-org/octo-repo:environment:prod"),
    );
    ids_checked["Statement"][0]["Condition"]["StringEquals"]["token.actions.githubusercontent.com:repository_id"] =
        json!("456");
    assert!(ids(&ids_checked).is_empty());
}

#[test]
fn a_whole_repository_admits_pull_requests() {
    // The shape of terraform-aws-modules' iam-github-oidc-role and of the configure-aws-credentials
    // README's example: StringLike "repo:ORG/REPO:*".
    let findings = check(&with_sub("StringLike", json!("repo:octo-org/octo-repo:*")));
    let found: Vec<&str> = findings.iter().map(|f| f.rule.id).collect();
    assert_eq!(found, ["GHA006", "GHA005", "GHA013"]);
    assert_eq!(
        findings[1].message,
        "statement 1: the sub \"repo:octo-org/octo-repo:*\" admits pull requests \
         (repo:octo-org/octo-repo:pull_request)"
    );
    assert_eq!(
        findings[0].path,
        ["Statement", "0", "Condition", "StringLike", SUB]
    );
    // A pull_request subject named outright is the same.
    assert_eq!(
        ids(&with_sub(
            "StringEquals",
            json!("repo:octo-org/octo-repo:pull_request")
        )),
        ["GHA005", "GHA013"]
    );
    // Each value is judged on its own.
    let findings = check(&with_sub(
        "StringLike",
        json!([
            "repo:o@1/*@2:ref:refs/heads/main",
            "repo:o@1/*@2:pull_request"
        ]),
    ));
    assert_eq!(findings.len(), 1);
    assert!(
        findings[0]
            .message
            .contains("the sub \"repo:o@1/*@2:pull_request\" admits")
    );
    // A branch pattern does not admit them.
    assert_eq!(
        ids(&with_sub(
            "StringLike",
            json!("repo:octo-org/octo-repo:ref:refs/heads/release/*")
        )),
        ["GHA013"]
    );
}

#[test]
fn a_long_sub_pattern_is_checked_quickly() {
    // Matching it against a pull_request subject as long as itself takes quadratic time.
    let sub = format!("repo:octo-org/*{}?", "x".repeat(200_000));
    let started = std::time::Instant::now();
    assert_eq!(
        ids(&with_sub("StringLike", json!(sub))),
        ["GHA004", "GHA013"]
    );
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    // A name as long as GitHub allows, with its id, is still tested.
    let sub = format!("repo:o@1/{}@2:pull_request", "*x".repeat(100));
    assert_eq!(ids(&with_sub("StringLike", json!(sub))), ["GHA005"]);
}

#[test]
fn a_deny_or_a_negated_condition_takes_pull_requests_away() {
    let mut policy = with_sub("StringLike", json!("repo:octo-org/octo-repo:*"));
    policy["Statement"].as_array_mut().unwrap().push(json!({
        "Sid": "NoPullRequests",
        "Effect": "Deny",
        "Principal": {"Federated": ARN},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringLike": {SUB: "repo:*:pull_request"}},
    }));
    assert_eq!(ids(&policy), ["GHA006", "GHA013"]);

    let mut negated = with_sub("StringLike", json!("repo:octo-org/octo-repo:*"));
    negated["Statement"][0]["Condition"]["StringNotLike"] = json!({SUB: "*:pull_request"});
    assert_eq!(ids(&negated), ["GHA006", "GHA013"]);

    // A Deny that also needs another condition does not always apply.
    let mut partial = policy.clone();
    partial["Statement"][1]["Condition"]["StringEquals"] =
        json!({"token.actions.githubusercontent.com:actor": "dependabot[bot]"});
    assert!(ids(&partial).contains(&"GHA005"));
}

#[test]
fn patterns_that_admit_other_owners() {
    for pattern in [
        "*",
        "repo:*",
        "repo:*/octo-repo:*",
        "repo:octo-org*",
        "repo:octo-?rg/octo-repo:*",
        "re*:ref:refs/heads/main",
        "*:environment:prod",
    ] {
        let found = ids(&with_sub("StringLike", json!(pattern)));
        assert_eq!(found, ["GHA003"], "{pattern}");
    }
    // The ids pin the repository, whatever its name.
    assert!(
        ids(&with_sub(
            "StringLike",
            json!("repo:octo-org@59/*@1296269:ref:refs/heads/main")
        ))
        .is_empty()
    );
    assert_eq!(
        ids(&with_sub(
            "StringLike",
            json!("repo:octo-org@59/*:ref:refs/heads/main")
        )),
        ["GHA004"]
    );
    // StringEquals takes * literally: it admits only that (odd) subject.
    assert_eq!(
        ids(&with_sub("StringEquals", json!("repo:*"))),
        Vec::<&str>::new()
    );
    // A value that is not a GitHub subject admits nothing.
    assert!(ids(&with_sub("StringLike", json!("octo-org/*"))).is_empty());
}

#[test]
fn organisation_wide_patterns() {
    for pattern in [
        "repo:octo-org/*",
        "repo:octo-org/*:*",
        "repo:octo-org/app-*:ref:refs/heads/main",
        "repo:octo-org/octo-repo*",
    ] {
        let findings = check(&with_sub("StringLike", json!(pattern)));
        let found: Vec<&str> = findings.iter().map(|f| f.rule.id).collect();
        assert_eq!(found[0], "GHA004", "{pattern}");
        assert!(findings[0].message.contains("every repository of octo-org"));
        assert!(!found.contains(&"GHA003"), "{pattern}");
    }
}

#[test]
fn sub_and_aud_must_be_checked() {
    assert_eq!(
        ids(&trust(json!({"StringEquals": {AUD: "sts.amazonaws.com"}}))),
        ["GHA002"]
    );
    assert_eq!(
        ids(&trust(
            json!({"StringEquals": {SUB: "repo:o@1/r@2:ref:refs/heads/main"}})
        )),
        ["GHA007"]
    );
    let none = check(&trust(json!({})));
    let found: Vec<&str> = none.iter().map(|f| f.rule.id).collect();
    assert_eq!(found, ["GHA002", "GHA007"]);
    assert_eq!(none[0].path, ["Statement", "0"]);
    // A negated condition on sub restricts nothing for the others.
    let negated = trust(json!({
        "StringEquals": {AUD: "sts.amazonaws.com"},
        "StringNotLike": {SUB: "repo:evil/*"},
    }));
    assert_eq!(ids(&negated), ["GHA002"]);
    // Other keys are named as what it relies on.
    let other = trust(json!({"StringEquals": {
        AUD: "sts.amazonaws.com",
        "token.actions.githubusercontent.com:job_workflow_ref":
            "octo-org/pipelines/.github/workflows/deploy.yml@refs/heads/main",
    }}));
    let findings = check(&other);
    assert_eq!(findings[0].rule.id, "GHA002");
    assert!(
        findings[0]
            .message
            .contains("relies on token.actions.githubusercontent.com:job_workflow_ref alone")
    );
    assert_eq!(findings.len(), 1, "IAM evaluates job_workflow_ref");

    // aud as a pattern.
    let mut pattern = with_sub("StringEquals", json!("repo:o@1/r@2:ref:refs/heads/main"));
    pattern["Statement"][0]["Condition"] = json!({
        "StringEquals": {SUB: "repo:o@1/r@2:ref:refs/heads/main"},
        "StringLike": {AUD: "sts.*"},
    });
    assert_eq!(ids(&pattern), ["GHA008"]);
}

#[test]
fn set_operators() {
    // terraform-aws-modules' iam-github-oidc-role wrote ForAllValues:StringEquals on iss and aud.
    let module = trust(json!({
        "ForAllValues:StringEquals": {
            "token.actions.githubusercontent.com:iss": "https://token.actions.githubusercontent.com",
            AUD: "sts.amazonaws.com",
        },
        "StringLike": {SUB: "repo:octo-org@1/octo-repo@2:ref:refs/heads/main"},
    }));
    assert_eq!(ids(&module), ["GHA010", "GHA010", "GHA012"]);
    // On a claim a job may lack, ForAllValues: holds without it.
    let environment = trust(json!({
        "StringEquals": {AUD: "sts.amazonaws.com", SUB: "repo:o@1/r@2:ref:refs/heads/main"},
        "ForAllValues:StringEquals": {"token.actions.githubusercontent.com:environment": "prod"},
    }));
    assert_eq!(ids(&environment), ["GHA009"]);
    // ForAnyValue: fails without the claim: nothing to say.
    let any = trust(json!({
        "StringEquals": {AUD: "sts.amazonaws.com", SUB: "repo:o@1/r@2:ref:refs/heads/main"},
        "ForAnyValue:StringEquals": {"token.actions.githubusercontent.com:environment": "prod"},
    }));
    assert!(ids(&any).is_empty());
    // A claim of GitHub's tokens that IAM does not evaluate.
    let event = trust(json!({
        "StringEquals": {
            AUD: "sts.amazonaws.com",
            SUB: "repo:o@1/r@2:ref:refs/heads/main",
            "token.actions.githubusercontent.com:event_name": "push",
        },
    }));
    let findings = check(&event);
    assert_eq!(ids(&event), ["GHA012"]);
    // Positive: the statement admits no token, and says so.
    assert!(
        findings[0]
            .message
            .ends_with(":event_name: it never holds, so the statement admits no token"),
        "{}",
        findings[0].message
    );
    let typo = trust(json!({
        "StringEquals": {
            AUD: "sts.amazonaws.com",
            SUB: "repo:o@1/r@2:ref:refs/heads/main",
            "token.actions.githubusercontent.com:repo": "o/r",
        },
    }));
    let findings = check(&typo);
    assert!(findings[0].message.ends_with(
        "(no GitHub token has such a claim): it never holds, so the statement admits no token"
    ));
}

#[test]
fn ignore_case() {
    assert_eq!(
        ids(&with_sub(
            "StringEqualsIgnoreCase",
            json!("repo:octo-org/octo-repo:ref:refs/heads/main")
        )),
        ["GHA011", "GHA013"]
    );
}

#[test]
fn wildcard_principals() {
    for principal in [json!("*"), json!({"Federated": "*"}), json!({"AWS": "*"})] {
        let mut policy = with_sub("StringEquals", json!("repo:o@1/r@2:ref:refs/heads/main"));
        policy["Statement"][0]["Principal"] = principal.clone();
        assert_eq!(ids(&policy), ["GHA001"], "{principal}");
    }
    // Even without any GitHub key: every provider's tokens get in.
    let open = json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:*"}});
    assert_eq!(ids(&open), ["GHA001", "GHA002", "GHA007"]);
    // Only web identity matters.
    let assume_role = json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"},
                              "Action": "sts:AssumeRole"}});
    assert!(ids(&assume_role).is_empty());
}

#[test]
fn which_statements_trust_github() {
    let with_principal = |federated: &str| {
        let mut policy = trust(json!({}));
        policy["Statement"][0]["Principal"]["Federated"] = json!(federated);
        let mut condition = json!({});
        let provider = federated.split(":oidc-provider/").nth(1).unwrap_or("x");
        condition["StringEquals"][format!("{provider}:aud")] = json!("sts.amazonaws.com");
        policy["Statement"][0]["Condition"] = condition;
        ids(&policy)
    };
    for github in [
        ARN,
        "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com/octo-enterprise",
        "arn:aws:iam::1:oidc-provider/token.actions.octocorp.ghe.com",
        "arn:aws-us-gov:iam::1:oidc-provider/github.example.com/_services/token",
        "arn:aws:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com",
    ] {
        assert_eq!(with_principal(github), ["GHA002"], "{github}");
    }
    for other in [
        "arn:aws:iam::1:oidc-provider/gitlab.com",
        "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com.evil.example",
        "arn:aws:iam::1:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
        "cognito-identity.amazonaws.com",
    ] {
        assert!(with_principal(other).is_empty(), "{other}");
    }
    // A principal a template left unknown is GitHub's when its keys are.
    assert_eq!(
        with_principal("${GitHubOidcProviderArn}"),
        Vec::<&str>::new()
    );
    let mut unknown = with_sub("StringLike", json!("repo:o/r:*"));
    unknown["Statement"][0]["Principal"]["Federated"] = json!("${Fn::If}");
    assert_eq!(ids(&unknown), ["GHA005", "GHA006", "GHA013"]);
    // Actions: lists, wildcards, NotAction.
    for (action, trusts) in [
        (
            json!({"Action": ["sts:TagSession", "sts:AssumeRoleWithWebIdentity"]}),
            true,
        ),
        (json!({"Action": "sts:*"}), true),
        (json!({"Action": "*"}), true),
        (json!({"Action": "sts:AssumeRole"}), false),
        (json!({"NotAction": "sts:AssumeRole"}), true),
        (json!({"NotAction": "sts:AssumeRoleWith*"}), false),
    ] {
        let mut policy = trust(json!({}));
        let statement = policy["Statement"][0].as_object_mut().unwrap();
        statement.remove("Action");
        statement.extend(action.as_object().unwrap().clone());
        assert_eq!(!ids(&policy).is_empty(), trusts, "{action}");
    }
}

#[test]
fn a_provider_is_github_by_its_name() {
    for name in [
        "token.actions.githubusercontent.com",
        "Token.Actions.GitHubUserContent.com",
        "token.actions.githubusercontent.com/octo-enterprise",
        "token.actions.octocorp.ghe.com",
        "github.example.com/_services/token",
    ] {
        assert!(is_github_provider(name), "{name}");
    }
    for name in [
        "token.actions.githubusercontent.com.evil.example",
        "token.actions.githubusercontent.com/a/b",
        "token.actions.ghe.com",
        "token.actions.a.b.ghe.com",
        "gitlab.com",
        "github.example.com/_services/token/x",
    ] {
        assert!(!is_github_provider(name), "{name}");
    }
}

#[test]
fn the_readme_documents_every_rule() {
    let readme = include_str!("../../../../README.md");
    for rule in RULES {
        let row = format!(
            "| {} | {} | {} | ",
            rule.id,
            rule.name,
            rule.severity.name()
        );
        assert!(readme.contains(&row), "the README's table lacks {row}");
    }
}

/// A policy trusting `provider` (an ARN's name) with conditions on `keys_of`'s aud and sub.
fn trusting(provider: &str, keys_of: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::123456789012:oidc-provider/{provider}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                format!("{keys_of}:aud"): "sts.amazonaws.com",
                format!("{keys_of}:sub"): "repo:octo-org/app:ref:refs/heads/main",
            }},
        }]
    })
}

#[test]
fn keys_of_another_provider_than_the_trusted_one_are_found() {
    let ghe = "token.actions.octocorp.ghe.com";
    let dotcom = "token.actions.githubusercontent.com";
    // Trusting data residency's provider with github.com's keys (copied from a guide): each key
    // is GHA014, and the message names both providers.
    let moved = check(&trusting(ghe, dotcom));
    let gha014: Vec<&Finding> = moved.iter().filter(|f| f.rule.id == "GHA014").collect();
    assert_eq!(gha014.len(), 2, "{moved:?}");
    assert!(gha014[0].message.contains(ghe) && gha014[0].message.contains(dotcom));
    assert_eq!(
        gha014[0].path,
        [
            "Statement",
            "0",
            "Condition",
            "StringEquals",
            &format!("{dotcom}:aud")
        ]
    );
    // Its own keys, in any case and with a trailing slash in the ARN: none.
    for (provider, keys_of) in [
        (ghe, ghe),
        (
            "token.actions.OctoCorp.ghe.com/",
            "token.actions.octocorp.ghe.com",
        ),
        (
            "token.actions.githubusercontent.com/octo-enterprise",
            "token.actions.githubusercontent.com/octo-enterprise",
        ),
        (
            "github.example.com/_services/token",
            "github.example.com/_services/token",
        ),
    ] {
        let ids = ids(&trusting(provider, keys_of));
        assert!(!ids.contains(&"GHA014"), "{provider}: {ids:?}");
    }
    // An enterprise's own issuer path is another provider than github.com's.
    let enterprise = "token.actions.githubusercontent.com/octo-enterprise";
    assert!(ids(&trusting(enterprise, dotcom)).contains(&"GHA014"));
    // A principal anyone's or unknown may be any provider: no GHA014 there.
    let mut anyone = trusting(ghe, dotcom);
    anyone["Statement"][0]["Principal"] = json!({"Federated": "*"});
    assert!(!ids(&anyone).contains(&"GHA014"));
}

#[test]
fn an_issuer_that_no_statement_trusts_is_named_with_its_provider_and_command() {
    let dotcom = "token.actions.githubusercontent.com";
    let policy = trusting(dotcom, dotcom);
    for (url, provider) in [
        (
            "https://token.actions.octocorp.ghe.com",
            "token.actions.octocorp.ghe.com",
        ),
        (
            "https://github.example.com/_services/token",
            "github.example.com/_services/token",
        ),
        (
            "https://token.actions.githubusercontent.com/octo-enterprise",
            "token.actions.githubusercontent.com/octo-enterprise",
        ),
    ] {
        let issuer = Issuer::parse(url).unwrap();
        let findings = super::check(&policy, Some(&issuer));
        let found: Vec<&Finding> = findings.iter().filter(|f| f.rule.id == "GHA015").collect();
        assert_eq!(found.len(), 1, "{url}: {findings:?}");
        let message = &found[0].message;
        for part in [
            format!("arn:aws:iam::123456789012:oidc-provider/{provider}"),
            format!("{provider}:sub"),
            format!("{provider}:aud"),
            format!(
                "aws iam create-open-id-connect-provider --url {url} \
                 --client-id-list sts.amazonaws.com"
            ),
            format!("it trusts {dotcom}"),
        ] {
            assert!(message.contains(&part), "{part} in {message}");
        }
        assert_eq!(found[0].path, ["Statement", "0", "Principal"]);
    }
    // The issuer it trusts, any case or slash: nothing more than without --issuer.
    for url in [
        "https://token.actions.githubusercontent.com",
        "https://token.actions.githubusercontent.com/",
        "https://TOKEN.actions.githubusercontent.com",
    ] {
        let issuer = Issuer::parse(url).unwrap();
        assert_eq!(
            super::check(&policy, Some(&issuer)).len(),
            check(&policy).len(),
            "{url}"
        );
    }
    // A wildcard principal trusts every issuer (GHA001 says so); a policy trusting no GitHub
    // issuer at all is not about GitHub.
    let ghe = Issuer::parse("https://token.actions.octocorp.ghe.com").unwrap();
    let mut anyone = policy.clone();
    anyone["Statement"][0]["Principal"] = json!("*");
    assert!(
        !super::check(&anyone, Some(&ghe))
            .iter()
            .any(|f| f.rule.id == "GHA015")
    );
    let ec2 = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"}]});
    assert!(super::check(&ec2, Some(&ghe)).is_empty());
    // No account in the policy: the ARN says ACCOUNT; the policy's audience is the command's.
    let mut template = trusting(dotcom, dotcom);
    template["Statement"][0]["Principal"]["Federated"] =
        json!("arn:aws:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com");
    template["Statement"][0]["Condition"]["StringEquals"][format!("{dotcom}:aud")] =
        json!("my-audience");
    let message = &super::check(&template, Some(&ghe))
        .into_iter()
        .find(|f| f.rule.id == "GHA015")
        .unwrap()
        .message;
    assert!(
        message.contains("arn:aws:iam::ACCOUNT:oidc-provider/token.actions.octocorp.ghe.com"),
        "{message}"
    );
    assert!(
        message.contains("--client-id-list my-audience"),
        "{message}"
    );
}

#[test]
fn the_missing_key_is_named_after_the_trusted_provider() {
    let ghe = "token.actions.octocorp.ghe.com";
    let policy = json!({"Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": format!("arn:aws:iam::123456789012:oidc-provider/{ghe}")},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }]});
    let messages: Vec<String> = check(&policy).into_iter().map(|f| f.message).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.ends_with(&format!("no condition on {ghe}:sub")))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.ends_with(&format!("no condition on {ghe}:aud")))
    );
}

/// A positive condition on a key no accepted token carries never holds: the statement admits
/// nobody, so it lacks no sub or aud (GHA002, GHA007); the finding on the key says so. A
/// condition that holds without the key (…IfExists, ForAllValues:, negated) restricts nothing.
#[test]
fn a_statement_that_admits_nobody_lacks_nothing() {
    let misspelt = trust(json!({
        "StringEquals": {"token.actions.githubuser.content.com:aud": "sts.amazonaws.com"},
    }));
    let findings = check(&misspelt);
    assert_eq!(ids(&misspelt), ["GHA014"]);
    assert!(
        findings[0]
            .message
            .ends_with("so the statement admits no token")
    );
    let owner = trust(json!({"StringEquals": {
        AUD: "sts.amazonaws.com",
        "token.actions.githubusercontent.com:repository_owner": "octo-org",
    }}));
    assert_eq!(ids(&owner), ["GHA012"]);
    for operator in [
        "StringEqualsIfExists",
        "ForAllValues:StringEquals",
        "StringNotEquals",
    ] {
        let holds = trust(json!({
            "StringEquals": {AUD: "sts.amazonaws.com"},
            operator: {"token.actions.githubusercontent.com:repository_owner": "octo-org"},
        }));
        let found = ids(&holds);
        assert!(found.contains(&"GHA002"), "{operator}: {found:?}");
        assert!(
            check(&holds)
                .iter()
                .all(|f| !f.message.contains("admits no token"))
        );
    }
    // A key of a provider the statement names, GitHub's or not, is no other provider's.
    let mut google = trust(json!({"StringEquals": {
        AUD: "sts.amazonaws.com",
        SUB: "repo:o@1/r@2:ref:refs/heads/main",
        "accounts.google.com:sub": "1234",
    }}));
    google["Statement"][0]["Principal"]["Federated"] = json!([ARN, "accounts.google.com"]);
    assert!(ids(&google).is_empty(), "{:?}", ids(&google));
}

#[test]
fn every_branch_is_a_note_a_branch_pattern_is_not() {
    for (pattern, every_branch) in [
        ("repo:octo-org/app:ref:refs/heads/*", true),
        ("repo:octo-org/app:ref:*", true),
        ("repo:octo-org/app:ref:refs/heads/release/*", false),
        ("repo:octo-org/app:ref:refs/tags/*", false),
        ("repo:octo-org/app:environment:*", false),
    ] {
        let findings = check(&with_sub("StringLike", json!(pattern)));
        let branch = findings.iter().any(|f| {
            f.rule.id == "GHA006" && f.message.ends_with("every branch of the repository")
        });
        assert_eq!(branch, every_branch, "{pattern}");
    }
}

/// Only repository_id, which IAM evaluates, pins the repository beside a sub with names.
#[test]
fn only_an_evaluated_id_pins_the_repository() {
    let sub = "repo:octo-org/app:ref:refs/heads/main";
    for (key, mutable) in [("repository_id", false), ("repository_owner_id", true)] {
        let policy = trust(json!({"StringEquals": {
            AUD: "sts.amazonaws.com",
            SUB: sub,
            format!("token.actions.githubusercontent.com:{key}"): "1296269",
        }}));
        assert_eq!(ids(&policy).contains(&"GHA013"), mutable, "{key}");
    }
}
