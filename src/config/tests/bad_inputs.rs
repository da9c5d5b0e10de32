//! The bad-input table: invalid combinations of inputs and runner environment, each with the
//! exact one-line error the step fails with. Every row changes the valid OIDC setup of
//! [`super::config`] (an empty value unsets a variable).

use super::config;

/// What is wrong, the variables changed, the exact error.
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

const CASES: &[Case] = &[
    (
        "region: missing",
        &[("INPUT_AWS-REGION", "")],
        "Input 'aws-region' is required (for example us-east-2)",
    ),
    (
        "region: upper case",
        &[("INPUT_AWS-REGION", "US-EAST-2")],
        "Input 'aws-region' must be a region name of lower-case letters, digits and hyphens, like us-east-2 or us-gov-west-1, got 'US-EAST-2'",
    ),
    (
        "region: underscores",
        &[("INPUT_AWS-REGION", "us_east_2")],
        "Input 'aws-region' must be a region name of lower-case letters, digits and hyphens, like us-east-2 or us-gov-west-1, got 'us_east_2'",
    ),
    (
        "region: inner space",
        &[("INPUT_AWS-REGION", "us east 2")],
        "Input 'aws-region' must be a region name of lower-case letters, digits and hyphens, like us-east-2 or us-gov-west-1, got 'us east 2'",
    ),
    (
        "region: a URL",
        &[("INPUT_AWS-REGION", "https://sts.us-east-2.amazonaws.com")],
        "Input 'aws-region' must be a region name of lower-case letters, digits and hyphens, like us-east-2 or us-gov-west-1, got 'https://sts.us-east-2.amazonaws.com'",
    ),
    (
        "region: hyphens only",
        &[("INPUT_AWS-REGION", "---")],
        "Input 'aws-region' must be a region name of lower-case letters, digits and hyphens, like us-east-2 or us-gov-west-1, got '---'",
    ),
    (
        "region: no number at the end",
        &[("INPUT_AWS-REGION", "us-east")],
        "Input 'aws-region' must be a region name of lower-case letters, digits and hyphens, like us-east-2 or us-gov-west-1, got 'us-east'",
    ),
    (
        "boolean: output-env-credentials",
        &[("INPUT_OUTPUT-ENV-CREDENTIALS", "yes")],
        "Input 'output-env-credentials' must be a boolean (true | True | TRUE | false | False | FALSE), got 'yes'",
    ),
    (
        "boolean: mask-aws-account-id",
        &[("INPUT_MASK-AWS-ACCOUNT-ID", "1")],
        "Input 'mask-aws-account-id' must be a boolean (true | True | TRUE | false | False | FALSE), got '1'",
    ),
    (
        "boolean: output-credentials",
        &[("INPUT_OUTPUT-CREDENTIALS", "on")],
        "Input 'output-credentials' must be a boolean (true | True | TRUE | false | False | FALSE), got 'on'",
    ),
    (
        "boolean: unset-current-credentials",
        &[("INPUT_UNSET-CURRENT-CREDENTIALS", "tRUE")],
        "Input 'unset-current-credentials' must be a boolean (true | True | TRUE | false | False | FALSE), got 'tRUE'",
    ),
    (
        "boolean: disable-retry",
        &[("INPUT_DISABLE-RETRY", "no")],
        "Input 'disable-retry' must be a boolean (true | True | TRUE | false | False | FALSE), got 'no'",
    ),
    (
        "boolean: special-characters-workaround",
        &[("INPUT_SPECIAL-CHARACTERS-WORKAROUND", "0")],
        "Input 'special-characters-workaround' must be a boolean (true | True | TRUE | false | False | FALSE), got '0'",
    ),
    (
        "boolean: use-existing-credentials",
        &[("INPUT_USE-EXISTING-CREDENTIALS", "y")],
        "Input 'use-existing-credentials' must be a boolean (true | True | TRUE | false | False | FALSE), got 'y'",
    ),
    (
        "boolean: overwrite-aws-profile",
        &[("INPUT_OVERWRITE-AWS-PROFILE", "off")],
        "Input 'overwrite-aws-profile' must be a boolean (true | True | TRUE | false | False | FALSE), got 'off'",
    ),
    (
        "boolean: job-summary",
        &[("INPUT_JOB-SUMMARY", "enabled")],
        "Input 'job-summary' must be a boolean (true | True | TRUE | false | False | FALSE), got 'enabled'",
    ),
    (
        "boolean: role-skip-session-tagging",
        &[("INPUT_ROLE-SKIP-SESSION-TAGGING", "truee")],
        "Input 'role-skip-session-tagging' must be a boolean (true | True | TRUE | false | False | FALSE), got 'truee'",
    ),
    (
        "boolean: role-chaining",
        &[("INPUT_ROLE-CHAINING", "'true'")],
        "Input 'role-chaining' must be a boolean (true | True | TRUE | false | False | FALSE), got ''true''",
    ),
    (
        "boolean: force-skip-oidc",
        &[("INPUT_FORCE-SKIP-OIDC", "False!")],
        "Input 'force-skip-oidc' must be a boolean (true | True | TRUE | false | False | FALSE), got 'False!'",
    ),
    (
        "boolean: from the environment fallback",
        &[("DISABLE_RETRY", "maybe")],
        "Input 'disable-retry' must be a boolean (true | True | TRUE | false | False | FALSE), got 'maybe' (the input is empty, so the value came from the DISABLE_RETRY environment variable)",
    ),
    (
        "contradiction: unset-current-credentials with role-chaining",
        &[
            ("INPUT_UNSET-CURRENT-CREDENTIALS", "true"),
            ("INPUT_ROLE-CHAINING", "true"),
        ],
        "Input 'unset-current-credentials' cannot be true together with 'role-chaining': role chaining starts from the credentials in the environment, which 'unset-current-credentials' drops; set one of them to false",
    ),
    (
        "contradiction: force-skip-oidc with a role and no other source",
        &[("INPUT_FORCE-SKIP-OIDC", "true")],
        "Input 'force-skip-oidc' is true and 'role-to-assume' is set, so 'aws-access-key-id' or 'web-identity-token-file' must be set too",
    ),
    (
        "keys: an access key id without its secret",
        &[("INPUT_AWS-ACCESS-KEY-ID", "AKIAIOSFODNN7EXAMPLE")],
        "Input 'aws-secret-access-key' is required when 'aws-access-key-id' is set",
    ),
    (
        "token file: without a role",
        &[
            ("INPUT_WEB-IDENTITY-TOKEN-FILE", "token"),
            ("INPUT_ROLE-TO-ASSUME", ""),
        ],
        "Input 'web-identity-token-file' needs 'role-to-assume': the token is exchanged for that role's credentials",
    ),
    (
        "token file: relative, without a workspace",
        &[
            ("INPUT_WEB-IDENTITY-TOKEN-FILE", "token"),
            ("GITHUB_WORKSPACE", ""),
        ],
        "GITHUB_WORKSPACE is not set: run this action as a step of a GitHub Actions job",
    ),
    (
        "runner: an OIDC request token without its URL",
        &[("ACTIONS_ID_TOKEN_REQUEST_URL", "")],
        "ACTIONS_ID_TOKEN_REQUEST_URL is not set: run this action as a step of a GitHub Actions job",
    ),
    (
        "custom-tags: not JSON",
        &[("INPUT_CUSTOM-TAGS", "{team: web}")],
        "Input 'custom-tags' must be valid JSON",
    ),
    (
        "custom-tags: an array",
        &[("INPUT_CUSTOM-TAGS", "[\"team\",\"web\"]")],
        "Input 'custom-tags' must be a JSON object (not an array or a single value)",
    ),
    (
        "custom-tags: a nested value",
        &[("INPUT_CUSTOM-TAGS", "{\"team\":{\"name\":\"web\"}}")],
        "Input 'custom-tags' must give key 'team' a string, number or boolean (not an object, array or null)",
    ),
    (
        "custom-tags: an empty key",
        &[("INPUT_CUSTOM-TAGS", "{\"\":\"web\"}")],
        "Input 'custom-tags' must have keys of 1 to 128 characters, got ''",
    ),
    (
        "custom-tags: a forbidden character",
        &[("INPUT_CUSTOM-TAGS", "{\"team\":\"web;prod\"}")],
        "Input 'custom-tags' must use only letters, digits, spaces and _.:/=+-@ in keys and values (key 'team')",
    ),
    (
        "custom-tags: a tag the action sets",
        &[("INPUT_CUSTOM-TAGS", "{\"Repository\":\"mine\"}")],
        "Input 'custom-tags' must not set 'Repository': the action sets that session tag itself",
    ),
    (
        "role: a bare name with a web identity",
        &[("INPUT_ROLE-TO-ASSUME", "deploy")],
        "Input 'role-to-assume' must be the role's full ARN with a web identity, like arn:aws:iam::123456789012:role/deploy, got the role name 'deploy'",
    ),
    (
        "role: a name with a slash, with keys",
        &[
            ("INPUT_ROLE-TO-ASSUME", "team/deploy"),
            ("INPUT_AWS-ACCESS-KEY-ID", "AKIAIOSFODNN7EXAMPLE"),
            ("INPUT_AWS-SECRET-ACCESS-KEY", "secret"),
        ],
        "Input 'role-to-assume' must be a role ARN like arn:aws:iam::123456789012:role/NAME, or a role name, got 'team/deploy'",
    ),
    (
        "role: a name of 65 characters, with keys",
        &[
            (
                "INPUT_ROLE-TO-ASSUME",
                "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
            ),
            ("INPUT_AWS-ACCESS-KEY-ID", "AKIAIOSFODNN7EXAMPLE"),
            ("INPUT_AWS-SECRET-ACCESS-KEY", "secret"),
        ],
        "Input 'role-to-assume' must be a role ARN like arn:aws:iam::123456789012:role/NAME, or a role name, got 'ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd'",
    ),
    (
        "role: the ARN of a user",
        &[(
            "INPUT_ROLE-TO-ASSUME",
            "arn:aws:iam::123456789012:user/deploy",
        )],
        "Input 'role-to-assume' must be a role ARN like arn:aws:iam::123456789012:role/NAME (a path may come before NAME), got 'arn:aws:iam::123456789012:user/deploy'",
    ),
    (
        "role: an STS ARN",
        &[(
            "INPUT_ROLE-TO-ASSUME",
            "arn:aws:sts::123456789012:assumed-role/deploy/s",
        )],
        "Input 'role-to-assume' must be a role ARN like arn:aws:iam::123456789012:role/NAME (a path may come before NAME), got 'arn:aws:sts::123456789012:assumed-role/deploy/s'",
    ),
    (
        "role: an 11-digit account",
        &[(
            "INPUT_ROLE-TO-ASSUME",
            "arn:aws:iam::12345678901:role/deploy",
        )],
        "Input 'role-to-assume' must be a role ARN like arn:aws:iam::123456789012:role/NAME (a path may come before NAME), got 'arn:aws:iam::12345678901:role/deploy'",
    ),
    (
        "role: an unknown partition",
        &[(
            "INPUT_ROLE-TO-ASSUME",
            "arn:azure:iam::123456789012:role/deploy",
        )],
        "Input 'role-to-assume' must be a role ARN like arn:aws:iam::123456789012:role/NAME (a path may come before NAME), got 'arn:azure:iam::123456789012:role/deploy'",
    ),
    (
        "role: no name after the path",
        &[("INPUT_ROLE-TO-ASSUME", "arn:aws:iam::123456789012:role/ci/")],
        "Input 'role-to-assume' must be a role ARN like arn:aws:iam::123456789012:role/NAME (a path may come before NAME), got 'arn:aws:iam::123456789012:role/ci/'",
    ),
    (
        "role: a region in the ARN",
        &[(
            "INPUT_ROLE-TO-ASSUME",
            "arn:aws:iam:us-east-1:123456789012:role/deploy",
        )],
        "Input 'role-to-assume' must be a role ARN like arn:aws:iam::123456789012:role/NAME (a path may come before NAME), got 'arn:aws:iam:us-east-1:123456789012:role/deploy'",
    ),
    (
        "session name: one character",
        &[("INPUT_ROLE-SESSION-NAME", "x")],
        "Input 'role-session-name' must be 2 to 64 characters long, got 1: 'x'",
    ),
    (
        "session name: 65 characters",
        &[(
            "INPUT_ROLE-SESSION-NAME",
            "sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss",
        )],
        "Input 'role-session-name' must be 2 to 64 characters long, got 65: 'sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss'",
    ),
    (
        "session name: a space",
        &[("INPUT_ROLE-SESSION-NAME", "my session")],
        "Input 'role-session-name' must use only letters, digits and _+=,.@-, got 'my session' (with ' ')",
    ),
    (
        "session name: a slash",
        &[("INPUT_ROLE-SESSION-NAME", "ci/deploy")],
        "Input 'role-session-name' must use only letters, digits and _+=,.@-, got 'ci/deploy' (with '/')",
    ),
    (
        "duration: below 900",
        &[("INPUT_ROLE-DURATION-SECONDS", "899")],
        "Input 'role-duration-seconds' must be a whole number of seconds from 900 to 43200 (and at most the role's maximum), got '899'",
    ),
    (
        "duration: above 43200",
        &[("INPUT_ROLE-DURATION-SECONDS", "43201")],
        "Input 'role-duration-seconds' must be a whole number of seconds from 900 to 43200 (and at most the role's maximum), got '43201'",
    ),
    (
        "duration: with a unit",
        &[("INPUT_ROLE-DURATION-SECONDS", "1h")],
        "Input 'role-duration-seconds' must be a whole number of seconds from 900 to 43200 (and at most the role's maximum), got '1h'",
    ),
    (
        "duration: negative",
        &[("INPUT_ROLE-DURATION-SECONDS", "-900")],
        "Input 'role-duration-seconds' must be a whole number of seconds from 900 to 43200 (and at most the role's maximum), got '-900'",
    ),
    (
        "duration: a fraction",
        &[("INPUT_ROLE-DURATION-SECONDS", "900.5")],
        "Input 'role-duration-seconds' must be a whole number of seconds from 900 to 43200 (and at most the role's maximum), got '900.5'",
    ),
    (
        "inline policy: not JSON",
        &[("INPUT_INLINE-SESSION-POLICY", "Allow s3:*")],
        "Input 'inline-session-policy' must be an IAM policy document: a JSON object like {\"Version\":\"2012-10-17\",\"Statement\":[…]}",
    ),
    (
        "inline policy: an array",
        &[("INPUT_INLINE-SESSION-POLICY", "[{\"Effect\":\"Allow\"}]")],
        "Input 'inline-session-policy' must be an IAM policy document: a JSON object like {\"Version\":\"2012-10-17\",\"Statement\":[…]}",
    ),
    (
        "managed policies: eleven",
        &[(
            "INPUT_MANAGED-SESSION-POLICIES",
            "arn:aws:iam::aws:policy/P1\narn:aws:iam::aws:policy/P2\narn:aws:iam::aws:policy/P3\narn:aws:iam::aws:policy/P4\narn:aws:iam::aws:policy/P5\narn:aws:iam::aws:policy/P6\narn:aws:iam::aws:policy/P7\narn:aws:iam::aws:policy/P8\narn:aws:iam::aws:policy/P9\narn:aws:iam::aws:policy/P10\narn:aws:iam::aws:policy/P11",
        )],
        "Input 'managed-session-policies' must list at most 10 policies (STS's limit), got 11",
    ),
    (
        "managed policies: a bare name",
        &[("INPUT_MANAGED-SESSION-POLICIES", "ReadOnlyAccess")],
        "Input 'managed-session-policies' must list policy ARNs, one per line, like arn:aws:iam::aws:policy/ReadOnlyAccess, got 'ReadOnlyAccess'",
    ),
    (
        "managed policies: comma-separated",
        &[(
            "INPUT_MANAGED-SESSION-POLICIES",
            "arn:aws:iam::aws:policy/A,arn:aws:iam::aws:policy/B",
        )],
        "Input 'managed-session-policies' must list policy ARNs, one per line, like arn:aws:iam::aws:policy/ReadOnlyAccess, got 'arn:aws:iam::aws:policy/A,arn:aws:iam::aws:policy/B'",
    ),
    (
        "managed policies: no policy name",
        &[("INPUT_MANAGED-SESSION-POLICIES", "arn:aws:iam::aws:policy/")],
        "Input 'managed-session-policies' must list policy ARNs, one per line, like arn:aws:iam::aws:policy/ReadOnlyAccess, got 'arn:aws:iam::aws:policy/'",
    ),
    (
        "external id: one character",
        &[("INPUT_ROLE-EXTERNAL-ID", "x")],
        "Input 'role-external-id' must be 2 to 1224 letters, digits and _+=,.@:/-, got 'x'",
    ),
    (
        "external id: a space",
        &[("INPUT_ROLE-EXTERNAL-ID", "my id")],
        "Input 'role-external-id' must be 2 to 1224 letters, digits and _+=,.@:/-, got 'my id'",
    ),
    (
        "profile: whitespace",
        &[("INPUT_AWS-PROFILE", "my profile")],
        "Input 'aws-profile' must not contain whitespace, got 'my profile'",
    ),
    (
        "profile: brackets",
        &[("INPUT_AWS-PROFILE", "[dev]")],
        "Input 'aws-profile' must not contain brackets, got '[dev]'",
    ),
    (
        "profile: a path separator",
        &[("INPUT_AWS-PROFILE", "team/dev")],
        "Input 'aws-profile' must not contain path separators ('/' or '\\'), got 'team/dev'",
    ),
    (
        "profile: without a home",
        &[("INPUT_AWS-PROFILE", "dev"), ("HOME", "")],
        "Cannot locate the AWS profile files: HOME is not set (set it, or set both AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE)",
    ),
    (
        "profile: without GITHUB_STATE",
        &[("INPUT_AWS-PROFILE", "dev"), ("GITHUB_STATE", "")],
        "GITHUB_STATE is not set: run this action as a step of a GitHub Actions job",
    ),
    (
        "retry: zero attempts",
        &[("INPUT_RETRY-MAX-ATTEMPTS", "0")],
        "Input 'retry-max-attempts' must be a whole number from 1 to 100, got '0'",
    ),
    (
        "retry: 101 attempts",
        &[("INPUT_RETRY-MAX-ATTEMPTS", "101")],
        "Input 'retry-max-attempts' must be a whole number from 1 to 100, got '101'",
    ),
    (
        "retry: in words",
        &[("INPUT_RETRY-MAX-ATTEMPTS", "three")],
        "Input 'retry-max-attempts' must be a whole number from 1 to 100, got 'three'",
    ),
    (
        "timeout: negative",
        &[("INPUT_ACTION-TIMEOUT-S", "-1")],
        "Input 'action-timeout-s' must be a whole number of seconds (0 for no timeout), got '-1'",
    ),
    (
        "timeout: a fraction",
        &[("INPUT_ACTION-TIMEOUT-S", "1.5")],
        "Input 'action-timeout-s' must be a whole number of seconds (0 for no timeout), got '1.5'",
    ),
    (
        "timeout: with a unit",
        &[("INPUT_ACTION-TIMEOUT-S", "30s")],
        "Input 'action-timeout-s' must be a whole number of seconds (0 for no timeout), got '30s'",
    ),
    (
        "accounts: too short",
        &[("INPUT_ALLOWED-ACCOUNT-IDS", "12345")],
        "Input 'allowed-account-ids' must be a comma-separated list of 12-digit AWS account ids, got '12345'",
    ),
    (
        "accounts: one bad among good",
        &[("INPUT_ALLOWED-ACCOUNT-IDS", "111122223333, abc")],
        "Input 'allowed-account-ids' must be a comma-separated list of 12-digit AWS account ids, got 'abc'",
    ),
    (
        "accounts: separated by spaces",
        &[("INPUT_ALLOWED-ACCOUNT-IDS", "111122223333 444455556666")],
        "Input 'allowed-account-ids' must be a comma-separated list of 12-digit AWS account ids, got '111122223333 444455556666'",
    ),
    (
        "sts-endpoint: no scheme",
        &[("INPUT_STS-ENDPOINT", "sts.us-east-2.amazonaws.com")],
        "Input 'sts-endpoint' must be an http:// or https:// URL, like https://sts.us-east-2.amazonaws.com, got 'sts.us-east-2.amazonaws.com'",
    ),
    (
        "sts-endpoint: another scheme",
        &[("INPUT_STS-ENDPOINT", "ftp://sts.example.com")],
        "Input 'sts-endpoint' must be an http:// or https:// URL, like https://sts.us-east-2.amazonaws.com, got 'ftp://sts.example.com'",
    ),
    (
        "http-proxy: socks",
        &[("INPUT_HTTP-PROXY", "socks5://proxy:1080")],
        "Input 'http-proxy' must be a proxy URL like http://proxy.example.com:3128, got 'socks5://proxy:1080'",
    ),
    (
        "http-proxy: no host",
        &[("INPUT_HTTP-PROXY", "http://")],
        "Input 'http-proxy' must be a proxy URL like http://proxy.example.com:3128, got 'http://'",
    ),
    (
        "http-proxy: from the environment",
        &[("HTTPS_PROXY", "socks5h://proxy:1080")],
        "Input 'http-proxy' must be a proxy URL like http://proxy.example.com:3128, got 'socks5h://proxy:1080' (the input is empty, so the value came from the HTTPS_PROXY environment variable)",
    ),
    (
        "runner: no GITHUB_ENV",
        &[("GITHUB_ENV", "")],
        "GITHUB_ENV is not set: run this action as a step of a GitHub Actions job",
    ),
    (
        "runner: no GITHUB_OUTPUT",
        &[("GITHUB_OUTPUT", "")],
        "GITHUB_OUTPUT is not set: run this action as a step of a GitHub Actions job",
    ),
    (
        "runner: no GITHUB_REPOSITORY for session tags",
        &[
            ("GITHUB_REPOSITORY", ""),
            ("INPUT_AWS-ACCESS-KEY-ID", "AKIAIOSFODNN7EXAMPLE"),
            ("INPUT_AWS-SECRET-ACCESS-KEY", "secret"),
        ],
        "GITHUB_REPOSITORY is not set: run this action as a step of a GitHub Actions job",
    ),
    (
        "profiles: no '='",
        &[("INPUT_PROFILES", "dev arn:aws:iam::111111111111:role/a")],
        "Input 'profiles' line 1 ('dev arn:aws:iam::111111111111:role/a'): must be NAME=ROLE_ARN, like prod=arn:aws:iam::123456789012:role/deploy",
    ),
    (
        "profiles: a name with a bracket",
        &[(
            "INPUT_PROFILES",
            "# accounts\n[dev]=arn:aws:iam::111111111111:role/a",
        )],
        "Input 'profiles' line 2 ('[dev]=arn:aws:iam::111111111111:role/a'): the profile name must not contain brackets",
    ),
    (
        "profiles: a name twice",
        &[(
            "INPUT_PROFILES",
            "dev=arn:aws:iam::111111111111:role/a\ndev=arn:aws:iam::222222222222:role/b",
        )],
        "Input 'profiles' line 2 ('dev=arn:aws:iam::222222222222:role/b'): the profile 'dev' is named twice",
    ),
    (
        "profiles: the aws-profile name",
        &[
            ("INPUT_AWS-PROFILE", "ci"),
            ("INPUT_PROFILES", "ci=arn:aws:iam::111111111111:role/a"),
        ],
        "Input 'profiles' line 1 ('ci=arn:aws:iam::111111111111:role/a'): the profile 'ci' is already the one 'aws-profile' names; give it another name",
    ),
    (
        "profiles: a role name",
        &[("INPUT_PROFILES", "dev=deploy")],
        "Input 'profiles' line 1 ('dev=deploy'): must name the role by its full ARN, like arn:aws:iam::123456789012:role/NAME (a path may come before NAME), got 'deploy'",
    ),
    (
        "profiles: with use-existing-credentials",
        &[
            ("INPUT_PROFILES", "dev=arn:aws:iam::111111111111:role/a"),
            ("INPUT_USE-EXISTING-CREDENTIALS", "true"),
        ],
        "Input 'profiles' cannot be used with 'use-existing-credentials', which may skip every role; set one of them",
    ),
    (
        "profiles: aws-profile without a role to fill it",
        &[
            ("INPUT_ROLE-TO-ASSUME", ""),
            ("INPUT_AWS-PROFILE", "ci"),
            ("INPUT_PROFILES", "dev=arn:aws:iam::111111111111:role/a"),
        ],
        "Input 'profiles' is set with 'aws-profile' but without 'role-to-assume': with a web identity there are no credentials for 'aws-profile'; name that profile in 'profiles' instead",
    ),
    (
        "profiles: force-skip-oidc without another source",
        &[
            ("INPUT_ROLE-TO-ASSUME", ""),
            ("INPUT_FORCE-SKIP-OIDC", "true"),
            ("INPUT_PROFILES", "dev=arn:aws:iam::111111111111:role/a"),
        ],
        "Input 'force-skip-oidc' is true and 'profiles' is set, so 'aws-access-key-id' or 'web-identity-token-file' must be set too",
    ),
    (
        "runner: no GITHUB_STATE for profiles",
        &[
            ("GITHUB_STATE", ""),
            ("INPUT_PROFILES", "dev=arn:aws:iam::111111111111:role/a"),
        ],
        "GITHUB_STATE is not set: run this action as a step of a GitHub Actions job",
    ),
    (
        "trust-policy-file: relative, without a workspace",
        &[
            ("INPUT_TRUST-POLICY-FILE", "trust.json"),
            ("GITHUB_WORKSPACE", ""),
        ],
        "GITHUB_WORKSPACE is not set: run this action as a step of a GitHub Actions job",
    ),
];

#[test]
fn each_bad_input_fails_with_its_one_line_error() {
    let mut mismatches = Vec::new();
    for (what, set, expected) in CASES {
        let error = match config(set) {
            Ok(_) => "(accepted)".to_owned(),
            Err(e) => e.to_string(),
        };
        assert!(!error.contains('\n'), "{what}: one line: {error:?}");
        if error != *expected {
            mismatches.push(format!(
                "{what}:\n  got      {error}\n  expected {expected}"
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn the_table_is_large_and_has_no_twins() {
    assert!(CASES.len() >= 50, "{} cases", CASES.len());
    let mut names: Vec<&str> = CASES.iter().map(|(what, ..)| *what).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), CASES.len(), "every case is named once");
}
