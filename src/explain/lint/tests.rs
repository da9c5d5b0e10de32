//! The files `lint` reads, its outputs and its exit codes.

use serde_json::{Value, json};

use super::*;

const ARN: &str = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const SUB: &str = "token.actions.githubusercontent.com:sub";
const AUD: &str = "token.actions.githubusercontent.com:aud";

/// A trust policy admitting every repository of octo-org: two warnings (GHA004, and GHA005 for
/// their pull requests) and a note (GHA013).
fn org_wide() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": ARN},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {AUD: "sts.amazonaws.com"},
                "StringLike": {SUB: "repo:octo-org/*"},
            },
        }]
    })
}

/// Runs `lint` with `args` (`{dir}` replaced by the directory): exit code, stdout, stderr.
fn lint(dir: &tempfile::TempDir, args: &[&str]) -> (u8, String, String) {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.replace("{dir}", dir.path().to_str().unwrap()))
        .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run(&args, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The (id, path) of each finding in `file`.
fn found(file: &str) -> Vec<(&'static str, String)> {
    lint_file(file, None)
        .unwrap()
        .into_iter()
        .map(|f| (f.rule.id, f.path))
        .collect()
}

#[test]
fn reads_a_policy_and_get_roles_output_as_object_or_encoded_string() {
    let dir = tempfile::tempdir().unwrap();
    let policy = org_wide();
    let expected = "/Statement/0/Condition/StringLike/token.actions.githubusercontent.com:sub";
    let document = write(
        &dir,
        "trust.json",
        &serde_json::to_string_pretty(&policy).unwrap(),
    );
    assert_eq!(found(&document)[0], ("GHA004", expected.to_owned()));

    let role = json!({"Role": {"RoleName": "deploy", "AssumeRolePolicyDocument": policy}});
    let get_role = write(&dir, "role.json", &role.to_string());
    let findings = lint_file(&get_role, None).unwrap();
    assert_eq!(
        findings[0].path,
        format!("/Role/AssumeRolePolicyDocument{expected}")
    );
    assert_eq!(findings[0].role.as_deref(), Some("deploy"));

    // IAM's own API answers with the document URL-encoded.
    let encoded: String = percent_encoding::utf8_percent_encode(
        &policy.to_string(),
        percent_encoding::NON_ALPHANUMERIC,
    )
    .to_string();
    let raw = json!({"Roles": [{"RoleName": "a", "AssumeRolePolicyDocument": encoded}]});
    let list_roles = write(&dir, "roles.json", &raw.to_string());
    assert_eq!(
        found(&list_roles)[0].1,
        format!("/Roles/0/AssumeRolePolicyDocument{expected}")
    );
}

#[test]
fn reads_cloudformation_with_intrinsic_functions() {
    // The shape of the CloudFormation template in configure-aws-credentials' README: the
    // provider by !If/!Ref, the subject by !Sub from parameters.
    let template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "GithubOidc": {
                "Type": "AWS::IAM::OIDCProvider",
                "Properties": {"Url": "https://token.actions.githubusercontent.com",
                               "ClientIdList": ["sts.amazonaws.com"]},
            },
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": {"Statement": [{
                    "Effect": "Allow",
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Principal": {"Federated": {"Fn::If": ["CreateOIDCProvider",
                        {"Ref": "GithubOidc"}, {"Ref": "OIDCProviderArn"}]}},
                    "Condition": {
                        "StringEquals": {AUD: "sts.amazonaws.com"},
                        "StringLike": {SUB: {"Fn::Sub": "repo:${GitHubOrg}/${RepositoryName}:*"}},
                    },
                }]}},
            },
            "ByRef": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": {"Statement": [{
                    "Effect": "Allow",
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Principal": {"Federated": {"Fn::GetAtt": ["GithubOidc", "Arn"]}},
                    "Condition": {"StringLike": {SUB: "*"}},
                }]}},
            },
            "Cdk": {
                "Type": "Custom::AWSCDKOpenIdConnectProvider",
                "Properties": {"Url": "https://token.actions.githubusercontent.com"},
            },
            "CdkRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": {"Statement": [{
                    "Effect": "Allow",
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Principal": {"Federated": {"Ref": "Cdk"}},
                    "Condition": {"StringEquals": {SUB: "repo:o@1/r@2:ref:refs/heads/main"}},
                }]}},
            },
            "Joined": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": {"Statement": {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Principal": {"Federated": {"Fn::Join": ["", [
                        "arn:aws:iam::", {"Ref": "AWS::AccountId"},
                        ":oidc-provider/token.actions.githubusercontent.com"]]}},
                    "Condition": {"StringEquals": {AUD: "sts.amazonaws.com"}},
                }}},
            },
            "Lambda": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": {"Statement": [{
                    "Effect": "Allow", "Action": "sts:AssumeRole",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                }]}},
            },
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "template.json",
        &serde_json::to_string_pretty(&template).unwrap(),
    );
    let found = found(&file);
    let base = "/Resources/Role/Properties/AssumeRolePolicyDocument/Statement/0";
    assert!(found.contains(&(
        "GHA005",
        format!("{base}/Condition/StringLike/token.actions.githubusercontent.com:sub")
    )));
    assert!(found.contains(&(
        "GHA003",
        "/Resources/ByRef/Properties/AssumeRolePolicyDocument/Statement/0/Condition/StringLike/\
         token.actions.githubusercontent.com:sub"
            .to_owned()
    )));
    assert!(found.contains(&(
        "GHA002",
        "/Resources/Joined/Properties/AssumeRolePolicyDocument/Statement".to_owned()
    )));
    assert!(found.contains(&(
        "GHA007",
        "/Resources/CdkRole/Properties/AssumeRolePolicyDocument/Statement/0".to_owned()
    )));
    assert!(!found.iter().any(|(_, path)| path.contains("Lambda")));
}

#[test]
fn reads_terraform_plans_and_states() {
    let policy = org_wide().to_string();
    let plan = json!({
        "format_version": "1.2",
        "resource_changes": [
            {"address": "aws_s3_bucket.b", "type": "aws_s3_bucket", "change": {"after": {}}},
            {"address": "aws_iam_role.deploy", "type": "aws_iam_role",
             "change": {"after": {"assume_role_policy": policy}}},
            // Computed until applied.
            {"address": "aws_iam_role.later", "type": "aws_iam_role",
             "change": {"after": {"name": "later"}}},
        ]
    });
    let state = json!({
        "format_version": "1.0",
        "terraform_version": "1.9.0",
        "values": {"root_module": {
            "resources": [],
            "child_modules": [{"resources": [
                {"address": "module.oidc.aws_iam_role.this", "mode": "managed",
                 "type": "aws_iam_role", "values": {"assume_role_policy": policy}},
            ]}],
        }}
    });
    let empty_state = json!({"format_version": "1.0", "terraform_version": "1.9.0"});
    let dir = tempfile::tempdir().unwrap();
    let plan = write(&dir, "plan.json", &plan.to_string());
    let findings = lint_file(&plan, None).unwrap();
    assert_eq!(
        findings[0].path,
        "/resource_changes/1/change/after/assume_role_policy/Statement/0/Condition/StringLike/\
         token.actions.githubusercontent.com:sub"
    );
    assert_eq!(findings[0].role.as_deref(), Some("aws_iam_role.deploy"));
    assert_eq!(findings[0].line, 1);
    let state = write(&dir, "state.json", &state.to_string());
    assert!(found(&state)[0].1.starts_with(
        "/values/root_module/child_modules/0/resources/0/values/assume_role_policy/Statement/0/"
    ));
    let empty_state = write(&dir, "empty.json", &empty_state.to_string());
    assert!(found(&empty_state).is_empty());
}

/// A template's parameters are read as their defaults, what a stack created without them gets
/// (AWS's own example defaults the repository to `*`); `Fn::Sub`'s variables as their values;
/// a parameter without a default, a pseudo parameter and `${!Literal}` stay as they are.
#[test]
fn reads_cloudformation_parameters_as_their_defaults() {
    let template = json!({
        "Parameters": {
            "Org": {"Type": "String"},
            "Repo": {"Type": "String", "Default": "*"},
            "Audience": {"Type": "String", "Default": "sts.amazonaws.com"},
            "Subjects": {"Type": "CommaDelimitedList", "Default": "repo:a/b:*,repo:c/d:*"},
        },
        "Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": {"Fn::Sub":
                    "arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com"}},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {AUD: {"Ref": "Audience"}},
                    "StringLike": {SUB: [
                        {"Fn::Sub": "repo:${Org}/${Repo}:ref:refs/heads/main"},
                        {"Fn::Sub": ["repo:${Owner}/${!Literal}:${Rest", {"Owner": {"Ref": "Org"}}]},
                    ]},
                    // A list's default of several items is not one text: it stays unknown.
                    "StringNotLike": {SUB: {"Ref": "Subjects"}},
                },
            }]},
        }}},
    });
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "template.json", &template.to_string());
    let findings = lint_file(&file, None).unwrap();
    let messages: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f.rule.id, f.message.as_str()))
        .collect();
    assert!(
        messages
            .iter()
            .any(|(id, m)| *id == "GHA004" && m.contains("\"repo:${Org}/*:ref:refs/heads/main\"")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|(_, m)| m.contains("\"repo:${Org}/${!Literal}:${Rest\"")),
        "{messages:?}"
    );
    assert!(!format!("{findings:?}").contains("repo:a/b"));
    // The audience's default is compared: no GHA007.
    assert!(
        messages.iter().all(|(id, _)| *id != "GHA007"),
        "{messages:?}"
    );
}

/// A plan of a whole configuration is tens of MB: read up to 64 MiB; a larger file is refused
/// before it is read.
#[test]
fn reads_large_plans_up_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let other = json!({"type": "aws_s3_bucket", "change": {"after": {"tags": "x".repeat(4000)}}});
    let mut changes = vec![other; 3000];
    changes.push(
        json!({"address": "aws_iam_role.deploy", "type": "aws_iam_role",
        "change": {"after": {"assume_role_policy": org_wide().to_string()}}}),
    );
    let plan = json!({"format_version": "1.2", "resource_changes": changes}).to_string();
    assert!(plan.len() > 8 * 1024 * 1024);
    let plan = write(&dir, "plan.json", &plan);
    assert_eq!(found(&plan).len(), 3);
    let huge = dir.path().join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(64 * 1024 * 1024 + 1)
        .unwrap();
    let problem = lint_file(huge.to_str().unwrap(), None).unwrap_err();
    assert!(
        problem.ends_with("file is larger than 64 MiB, the limit for a file lint reads"),
        "{problem}"
    );
}

/// What editors on Windows write: a byte order mark before UTF-8, or UTF-16 (Windows
/// PowerShell 5.1's `>`), lints as the same file in UTF-8.
#[test]
fn reads_text_with_a_byte_order_mark_and_utf16() {
    let dir = tempfile::tempdir().unwrap();
    let text = serde_json::to_string_pretty(&org_wide()).unwrap();
    let plain = write(&dir, "plain.json", &text);
    let expected = found(&plain);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    for (name, bytes) in [
        (
            "bom.json",
            [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
        ),
        ("utf16.json", utf16),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let path = path.to_str().unwrap();
        assert_eq!(found(path), expected, "{name}");
        let lines: Vec<usize> = lint_file(path, None)
            .unwrap()
            .iter()
            .map(|f| f.line)
            .collect();
        assert!(lines.iter().all(|line| *line > 1), "{name}: {lines:?}");
    }
}

#[test]
fn finds_the_line_of_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "trust.json",
        &serde_json::to_string_pretty(&org_wide()).unwrap(),
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let findings = lint_file(&file, None).unwrap();
    let line = text.lines().nth(findings[0].line - 1).unwrap();
    assert!(line.contains("\"repo:octo-org/*\""), "{line}");
    assert_eq!(pointer(&["a/b".into(), "c~d".into()]), "/a~1b/c~0d");
    assert_eq!(uri("./infra\\trust.json"), "infra/trust.json");
}

#[test]
fn each_statement_has_its_own_line_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    // The second statement's finding is on its line, not the first one's.
    let mut policy = org_wide();
    let mut second = policy["Statement"][0].clone();
    second["Condition"]["StringLike"][SUB] = json!("repo:octo-org/octo-repo:pull_request");
    policy["Statement"].as_array_mut().unwrap().push(second);
    let file = write(
        &dir,
        "two.json",
        &serde_json::to_string_pretty(&policy).unwrap(),
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let findings = lint_file(&file, None).unwrap();
    let last = findings.last().unwrap();
    assert_eq!(
        last.path,
        format!("/Statement/1/Condition/StringLike/{SUB}")
    );
    assert!(
        lines[last.line - 1].contains("octo-repo:pull_request"),
        "{}",
        last.line
    );
    let yaml = "Statement:\n  - Effect: Allow\n    Principal: '*'\n    Action: sts:*\n  - Effect: Allow\n    Principal: '*'\n    Action: sts:*\n";
    let file = write(&dir, "two.yaml", yaml);
    let found: Vec<usize> = lint_file(&file, None)
        .unwrap()
        .iter()
        .map(|f| f.line)
        .collect();
    assert_eq!(found, [3, 2, 2, 6, 5, 5]);
    // A megabyte of statements, keys escaped so no text search finds them.
    let statement = r#"{"Effect":"Allow","\u0050rincipal":"*","Action":"sts:*"}"#;
    let many = vec![statement; 14_000].join(",\n");
    let file = write(&dir, "many.json", &format!("{{\"Statement\": [\n{many}]}}"));
    let started = std::time::Instant::now();
    let findings = lint_file(&file, None).unwrap();
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    assert_eq!(
        (findings.len(), findings.last().unwrap().line),
        (42_000, 14_001)
    );
}

#[test]
fn exit_codes_follow_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "warn.json", &org_wide().to_string());
    let clean = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                      "Action": "sts:AssumeRole"}]});
    write(&dir, "clean.json", &clean.to_string());
    let (code, out, err) = lint(&dir, &["{dir}/warn.json"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("warning GHA004 sub-organization-wide  "),
        "{out}"
    );
    assert!(
        out.contains(
            ":/Statement/0/Condition/StringLike/token.actions.githubusercontent.com:sub\n"
        )
    );
    assert!(out.contains("\n  why: ") && out.contains("\n  fix: "));
    assert!(out.ends_with("0 errors, 2 warnings, 1 note\n"), "{out}");
    assert_eq!(
        lint(&dir, &["--fail-on", "warning", "{dir}/warn.json"]).0,
        1
    );
    assert_eq!(lint(&dir, &["--fail-on", "note", "{dir}/warn.json"]).0, 1);
    assert_eq!(lint(&dir, &["--fail-on", "never", "{dir}/warn.json"]).0, 0);
    let (code, out, _) = lint(&dir, &["--fail-on", "note", "{dir}/clean.json"]);
    assert_eq!((code, out.as_str()), (0, "0 errors, 0 warnings, 0 notes\n"));

    // Bad input: 2, saying why, and the other files are still reported.
    write(&dir, "broken.json", "{\"Statement\": [");
    write(&dir, "list.yaml", "- a\n- b\n");
    write(&dir, "other.json", "{\"a\": 1}");
    write(
        &dir,
        "deep.yaml",
        &format!("a:\n{}x\n", "- ".repeat(100_000)),
    );
    let mut bomb = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 8].join(", ")
        ));
    }
    write(&dir, "bomb.yaml", &bomb);
    for (file, problem) in [
        ("missing.json", "it does not exist"),
        ("broken.json", "is neither valid JSON (EOF while parsing"),
        ("list.yaml", "nor a YAML mapping"),
        ("other.json", "holds no trust policy"),
        (
            "deep.yaml",
            "nor a YAML mapping (it nests collections more than 128 deep)",
        ),
        (
            "bomb.yaml",
            "nor a YAML mapping (its aliases copy more than",
        ),
    ] {
        let path = format!("{{dir}}/{file}");
        let (code, out, err) = lint(&dir, &["--fail-on", "warning", &path, "{dir}/warn.json"]);
        assert_eq!(code, 2, "{file}");
        assert!(
            err.starts_with("error: ") && err.contains(problem),
            "{file}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{file}: {err}");
        assert!(out.contains("GHA004"), "{file}");
    }
    for (args, problem) in [
        (&[][..], "name at least one FILE"),
        (&["--format", "xml", "a"][..], "--format must be"),
        (&["--fail-on", "info", "a"][..], "--fail-on must be"),
        (
            &["--format", "json", "--format", "json", "a"][..],
            "given twice",
        ),
        (&["--verbose", "a"][..], "invalid option '--verbose'"),
    ] {
        let (code, out, err) = lint(&dir, args);
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty());
        assert!(
            err.contains(problem) && err.ends_with(&format!("{USAGE}\n")),
            "{err}"
        );
    }
    let (code, out, _) = lint(&dir, &["--help"]);
    assert_eq!(code, 0);
    assert!(out.starts_with(USAGE));
}

#[test]
fn json_lists_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "warn.json", &org_wide().to_string());
    let (code, out, _) = lint(&dir, &["--format", "json", "{dir}/warn.json"]);
    assert_eq!(code, 0);
    let list: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(list.len(), 3);
    for field in [
        "id", "name", "severity", "file", "path", "message", "fix", "why", "line",
    ] {
        assert!(!list[0][field].is_null(), "{field}");
    }
    assert_eq!(list[0]["id"], "GHA004");
    assert_eq!(list[0]["severity"], "warning");
    let (_, out, _) = lint(
        &dir,
        &["--format", "json", "{dir}/warn.json", "{dir}/warn.json"],
    );
    assert_eq!(serde_json::from_str::<Vec<Value>>(&out).unwrap().len(), 6);
}

#[test]
fn sarif_has_what_code_scanning_needs() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir,
        "warn.json",
        &serde_json::to_string_pretty(&org_wide()).unwrap(),
    );
    let (code, out, _) = lint(&dir, &["--format", "sarif", "{dir}/warn.json"]);
    assert_eq!(code, 0);
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "aws-oidc-credentials");
    // Only a build that knows its repository names it, and then never a placeholder.
    let uri = driver.get("informationUri").and_then(Value::as_str);
    assert_eq!(uri.map(str::to_owned), information_uri());
    if let Some(uri) = uri {
        assert!(
            uri.starts_with("https://") && !uri.contains("OWNER"),
            "{uri}"
        );
        assert!(uri.ends_with("#check-trust-policies-lint"), "{uri}");
    }
    assert_eq!(
        information_uri_of(
            Some("https://github.com/"),
            Some("octo-org/aws-oidc-credentials")
        )
        .as_deref(),
        Some("https://github.com/octo-org/aws-oidc-credentials#check-trust-policies-lint")
    );
    assert_eq!(information_uri_of(None, Some("octo-org/x")), None);
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULES.len());
    for rule in rules {
        for field in ["id", "name"] {
            assert!(rule[field].is_string(), "{field}");
        }
        for field in ["shortDescription", "fullDescription", "help"] {
            assert!(rule[field]["text"].is_string(), "{field}");
        }
        let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(["error", "warning", "note"].contains(&level));
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let result = &results[0];
    assert_eq!(result["ruleId"], "GHA004");
    assert_eq!(
        rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "GHA004"
    );
    assert_eq!(result["level"], "warning");
    assert!(result["message"]["text"].is_string());
    let location = &result["locations"][0];
    let uri = location["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(uri.ends_with("/warn.json"));
    assert!(
        location["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
            > 1
    );
    assert_eq!(
        location["logicalLocations"][0]["fullyQualifiedName"],
        "/Statement/0/Condition/StringLike/token.actions.githubusercontent.com:sub"
    );
    // No finding is still a valid log.
    let clean = json!({"Statement": []});
    write(&dir, "clean.json", &clean.to_string());
    let (_, out, _) = lint(&dir, &["--format", "sarif", "{dir}/clean.json"]);
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(log["runs"][0]["results"], json!([]));
}

#[test]
fn text_from_the_policy_cannot_start_workflow_commands() {
    let dir = tempfile::tempdir().unwrap();
    let mut policy = org_wide();
    policy["Statement"][0]["Sid"] = json!("x\n::error::injected");
    write(&dir, "trust.json", &policy.to_string());
    let (_, out, _) = lint(&dir, &["{dir}/trust.json"]);
    for line in out.split(['\r', '\n']) {
        assert!(!line.trim_start().starts_with("::"), "{out}");
    }
}

#[test]
fn control_characters_from_the_file_are_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let mut policy = org_wide();
    let key = "token.actions.githubusercontent.com:x\u{1b}]0;title\u{7}\u{1b}[2J";
    policy["Statement"][0]["Condition"]["StringEquals"][key] = json!("a");
    let role =
        json!({"Role": {"RoleName": "r\u{1b}[31m\nfake", "AssumeRolePolicyDocument": policy}});
    write(&dir, "role.json", &role.to_string());
    let (_, out, _) = lint(&dir, &["{dir}/role.json"]);
    assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
    assert!(out.contains("(role r\\u{1b}[31m\\nfake)"), "{out}");
    assert!(
        out.contains("condition on token.actions.githubusercontent.com:x\\u{1b}]0;title\\u{7}"),
        "{out}"
    );
    let warnings = warnings(&role["Role"]["AssumeRolePolicyDocument"], None);
    assert!(
        warnings.iter().all(|w| !w.contains('\u{1b}')),
        "{warnings:?}"
    );
}

#[test]
fn reads_cloudformation_in_yaml() {
    // The configure-aws-credentials README's template, in YAML with its short forms.
    let template = "\
Parameters:
  GitHubOrg: {Type: String}
  RepositoryName: {Type: String}
Resources:
  GithubOidc:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://token.actions.githubusercontent.com
      ClientIdList: [sts.amazonaws.com]
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal:
              Federated: !Ref GithubOidc
            Condition:
              StringEquals:
                token.actions.githubusercontent.com:aud: sts.amazonaws.com
              StringLike:
                token.actions.githubusercontent.com:sub: !Sub repo:${GitHubOrg}/*
";
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "template.yaml", template);
    let findings = lint_file(&file, None).unwrap();
    assert_eq!(findings[0].rule.id, "GHA004");
    assert_eq!(
        findings[0].path,
        "/Resources/Role/Properties/AssumeRolePolicyDocument/Statement/0/Condition/StringLike/\
         token.actions.githubusercontent.com:sub"
    );
    assert_eq!(findings[0].line, 23);
    assert_eq!(findings[0].role.as_deref(), Some("Role"));
}

#[test]
fn finds_the_line_in_the_statement_of_the_finding() {
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Federated": ARN},
             "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"StringEquals": {AUD: "sts.amazonaws.com"},
                           "StringLike": {SUB: "repo:octo-org/app:ref:refs/heads/main"}}},
            {"Effect": "Allow", "Principal": {"Federated": ARN},
             "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"StringLike": {SUB: "repo:octo-org/*"}}},
        ]
    });
    let json = serde_json::to_string_pretty(&policy).unwrap();
    let yaml = "\
Statement:
  - Effect: Allow
    Principal: {Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com}
    Action: sts:AssumeRoleWithWebIdentity
    Condition:
      StringEquals: {token.actions.githubusercontent.com:aud: sts.amazonaws.com}
      StringLike: {token.actions.githubusercontent.com:sub: 'repo:octo-org/app:ref:refs/heads/main'}
  # the second statement
  - Effect: Allow
    Principal: {Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com}
    Action: sts:AssumeRoleWithWebIdentity
    Condition:
      StringLike: {token.actions.githubusercontent.com:sub: 'repo:octo-org/*'}
";
    let dir = tempfile::tempdir().unwrap();
    for (name, text, item) in [
        ("trust.json", json.as_str(), "{"),
        ("trust.yaml", yaml, "- Effect: Allow"),
    ] {
        let file = write(&dir, name, text);
        let findings = lint_file(&file, None).unwrap();
        let line = |id: &str| findings.iter().find(|f| f.rule.id == id).unwrap().line;
        let text_at = |line: usize| text.lines().nth(line - 1).unwrap().trim();
        // GHA004 and GHA007 are the second statement's: its sub, and the statement itself.
        assert!(
            text_at(line("GHA004")).contains("repo:octo-org/*"),
            "{name}"
        );
        assert_eq!(text_at(line("GHA007")), item, "{name}");
        assert!(line("GHA007") > line("GHA013"), "{name}");
    }
}

/// The rule ids (sorted, repeated as found) that `lint` reports on each published trust policy of
/// tests/fixtures/trust-corpus/ (SOURCES.md there says where each comes from).
const CORPUS: &[(&str, &[&str])] = &[
    (
        "01-aws-actions-readme-cfn.yaml",
        &["GHA005", "GHA006", "GHA013"],
    ),
    (
        "02-aws-actions-federation-role-no-aud-cfn.yaml",
        &["GHA004", "GHA007", "GHA013"],
    ),
    ("03-dceoy-sub-list-parameter-cfn.yaml", &[]),
    (
        "04-power-tuning-provider-in-template-cfn.yaml",
        &["GHA005", "GHA006", "GHA013"],
    ),
    (
        "05-terraform-aws-modules-for-all-values-iss-aud.json",
        &["GHA005", "GHA006", "GHA010", "GHA010", "GHA012", "GHA013"],
    ),
    (
        "06-unfunco-two-repos-any-ref-no-aud.json",
        &["GHA005", "GHA005", "GHA006", "GHA006", "GHA007", "GHA013"],
    ),
    ("07-philips-labs-main-deny-pull-request.json", &["GHA013"]),
    (
        "08-philips-labs-all-environments-deny-pull-request.json",
        &["GHA006", "GHA013"],
    ),
    ("09-jjno91-repository-owner-only.json", &["GHA012"]),
    (
        "10-dvdmelamed-repo-star-template.json",
        &["GHA003", "GHA007"],
    ),
    ("11-redja-s-empty-repo-sub-template.json", &[]),
    ("12-busytoddler-misspelt-aud-key-no-sub.json", &["GHA014"]),
    (
        "13-lambda-bot-any-ref-no-aud.json",
        &["GHA005", "GHA006", "GHA007", "GHA013"],
    ),
    (
        "14-eks-mlops-environment-then-pull-request.json",
        &["GHA013"],
    ),
    ("15-shared-infra-string-equals-list.json", &["GHA013"]),
    ("16-rsschool-main-branch-no-aud.json", &["GHA007", "GHA013"]),
    (
        "17-nsbno-org-wide-environment-no-aud.json",
        &["GHA004", "GHA007", "GHA013"],
    ),
    ("18-glueops-immutable-sub-and-ids.json", &["GHA012"]),
    ("19-stroeer-misspelt-ref-no-aud.json", &["GHA007", "GHA013"]),
    (
        "20-moj-modernisation-two-repos-any-ref.json",
        &["GHA005", "GHA005", "GHA006", "GHA006", "GHA013"],
    ),
    (
        "21-github-docs-any-ref.json",
        &["GHA005", "GHA006", "GHA013"],
    ),
    ("22-github-docs-ghes-branch.json", &["GHA013"]),
    ("23-github-docs-environment.json", &["GHA013"]),
    (
        "24-aripalo-cdk-for-any-value-tags.json",
        &["GHA010", "GHA013"],
    ),
    (
        "25-pahud-cdk-custom-provider-three-repos.json",
        &[
            "GHA005", "GHA005", "GHA005", "GHA006", "GHA006", "GHA006", "GHA013",
        ],
    ),
    ("26-blimmer-cdk-any-branch.json", &["GHA006", "GHA013"]),
    (
        "27-douglasnaphas-cdk-stringlike-literal-ref.json",
        &["GHA013"],
    ),
    (
        "28-vela-services-token-not-github.json",
        &["GHA005", "GHA006", "GHA012", "GHA012", "GHA013"],
    ),
    ("29-armakuni-string-equals-branch.json", &["GHA013"]),
    ("30-ml-inference-opaque-sub-template.json", &[]),
    (
        "31-adhocteam-string-equals-star-no-aud.json",
        &["GHA007", "GHA013"],
    ),
    (
        "32-adhocteam-for-any-value-string-equals.json",
        &["GHA007", "GHA010", "GHA013"],
    ),
    (
        "33-order-tracking-dev-environment-and-branches.json",
        &["GHA013"],
    ),
    ("34-order-tracking-prod-tags.json", &["GHA013"]),
    (
        "35-workshop-template-principal-any-ref.json",
        &["GHA005", "GHA006", "GHA013"],
    ),
    (
        "36-macpro-quoted-keys-sub-parameter-cfn.yaml",
        &["GHA005", "GHA006", "GHA013"],
    ),
    (
        "37-philips-labs-account-root-and-web-identity.json",
        &["GHA005", "GHA006", "GHA013"],
    ),
];

#[test]
fn published_trust_policies_keep_their_findings() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trust-corpus");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != "SOURCES.md")
        .collect();
    files.sort();
    let listed: Vec<&str> = CORPUS.iter().map(|(name, _)| *name).collect();
    assert_eq!(files, listed);
    for (name, expected) in CORPUS {
        let findings = lint_file(dir.join(name).to_str().unwrap(), None)
            .unwrap_or_else(|problem| panic!("{name} is not read: {problem}"));
        let mut ids: Vec<&str> = findings.iter().map(|f| f.rule.id).collect();
        ids.sort();
        assert_eq!(&ids, expected, "{name}");
    }
}
