//! The `lint` subcommand: reads trust policies (the document, `aws iam get-role` output, a
//! CloudFormation template in JSON, a Terraform plan or state from `terraform show -json`),
//! finds every statement that trusts a GitHub issuer and reports what it lets in, each finding
//! with a stable rule id, a severity, its place in the file, why it matters and the fix ([`rules`]).
//! Text, JSON or SARIF 2.1.0 (for GitHub code scanning). Exit code 0: no finding at or above
//! `--fail-on`, 1: some, 2: bad input (then the files that could be read are still reported).

mod lines;
pub mod rules;
pub mod sources;
pub mod yaml;

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use serde_json::{Value, json};

use crate::cli::usage;
use crate::explain::issuer::Issuer;
use crate::files::{self, Limit, Unread};
use crate::runner;
use rules::{RULES, Rule, Severity};

const USAGE: &str = "usage: aws-oidc-credentials lint [--format text|json|sarif] \
                     [--fail-on error|warning|note|never] [--issuer URL] FILE...";

const HELP: &str = "\
Checks the trust policies in each FILE for what they let GitHub Actions runs do: every statement
that trusts a GitHub issuer (sts:AssumeRoleWithWebIdentity for a GitHub OIDC provider, or for
anyone), each finding with a rule id, a severity, where it is and the fix.

A FILE is a policy document, the output of `aws iam get-role` or `list-roles`, a CloudFormation
template in JSON or YAML (AWS::IAM::Role), or a Terraform plan or state (`terraform show -json`),
in UTF-8 (or UTF-16 with a byte order mark), at most 64 MiB; `-` is standard input. A file
without any statement trusting GitHub is clean.

Options:
  --format FORMAT      text (default), json (a list of findings) or sarif (SARIF 2.1.0, for
                       GitHub code scanning's upload-sarif)
  --fail-on SEVERITY   exit 1 when a finding is at least this severe: error (default), warning,
                       note, or never
  --issuer URL         the issuer of the workflows' tokens (default: any GitHub issuer): report
                       a policy that trusts other GitHub providers but not this one's, with the
                       provider's ARN, its condition keys and the command that creates it
                       (https://token.actions.githubusercontent.com, …/ENTERPRISE,
                       https://token.actions.SUBDOMAIN.ghe.com, https://HOST/_services/token)
  -h, --help           this text

Exit codes: 0 no finding at or above --fail-on, 1 some, 2 a file could not be read.";

/// Where the SARIF output says the tool and its rules are documented: the README of the
/// repository the binary was built from, when it was built by a workflow (release binaries are),
/// which knows it; a local build does not, and its log leaves the field out (it is optional).
fn information_uri() -> Option<String> {
    information_uri_of(
        option_env!("GITHUB_SERVER_URL"),
        option_env!("GITHUB_REPOSITORY"),
    )
}

fn information_uri_of(server: Option<&str>, repository: Option<&str>) -> Option<String> {
    let (server, repository) = (server?, repository?);
    Some(format!(
        "{}/{repository}#check-trust-policies-lint",
        server.trim_end_matches('/')
    ))
}

/// The FILE that stands for standard input (`aws iam get-role … | … lint -`).
const STDIN: &str = "-";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Sarif,
}

struct Request {
    format: Format,
    /// `None`: never fail.
    fail_on: Option<Severity>,
    issuer: Option<Issuer>,
    files: Vec<String>,
}

/// A finding in a file.
#[derive(Debug)]
pub struct Located {
    pub rule: &'static Rule,
    /// The file as given on the command line.
    pub file: String,
    /// A JSON pointer into the file.
    pub path: String,
    pub line: usize,
    pub role: Option<String>,
    pub message: String,
}

/// The findings on a trust policy `document` (for tokens of `issuer`, when known), as the step
/// warns about them: one line each, with its severity, rule and what it found.
pub fn warnings(document: &Value, issuer: Option<&Issuer>) -> Vec<String> {
    rules::check(document, issuer)
        .iter()
        .map(|f| {
            let rule = f.rule;
            format!(
                "{} {} {}: {}",
                rule.severity.name(),
                rule.id,
                rule.name,
                shown(&f.message)
            )
        })
        .collect()
}

/// Runs `lint` with the arguments after its name.
pub fn main(args: &[OsString]) -> ExitCode {
    usage::main_with_text_args(args, USAGE, run)
}

fn usage_error(problem: &str, err: &mut impl Write) -> u8 {
    usage::write_error(err, problem, USAGE)
}

/// `main`, writing to `out` and `err` and returning the exit code.
fn run(args: &[String], out: &mut impl Write, err: &mut impl Write) -> u8 {
    let request = match parse(args) {
        Ok(Some(request)) => request,
        Ok(None) => {
            let _ = writeln!(out, "{USAGE}\n\n{HELP}");
            return 0;
        }
        Err(problem) => return usage_error(&problem, err),
    };
    let mut findings = Vec::new();
    let mut bad = false;
    for file in &request.files {
        match lint_file(file, request.issuer.as_ref()) {
            Ok(mut found) => findings.append(&mut found),
            Err(problem) => {
                bad = true;
                let _ = writeln!(err, "error: {problem}");
            }
        }
    }
    let text = match request.format {
        Format::Text => text(&findings),
        Format::Json => {
            let list: Vec<Value> = findings.iter().map(finding_json).collect();
            serde_json::to_string_pretty(&list).expect("JSON") + "\n"
        }
        Format::Sarif => serde_json::to_string_pretty(&sarif(&findings)).expect("JSON") + "\n",
    };
    // A policy's text could otherwise start workflow commands when this runs in a workflow step.
    let inert = match request.format {
        Format::Text => runner::inert_lines(text.trim_end_matches('\n')).join("\n") + "\n",
        // JSON escapes line breaks: a line never starts with what the policy wrote.
        Format::Json | Format::Sarif => text,
    };
    let _ = out.write_all(inert.as_bytes());
    if bad {
        2
    } else if request
        .fail_on
        .is_some_and(|least| findings.iter().any(|f| f.rule.severity >= least))
    {
        1
    } else {
        0
    }
}

fn parse(args: &[String]) -> Result<Option<Request>, String> {
    let mut format = None;
    let mut fail_on = None;
    let mut issuer = None;
    let mut files = Vec::new();
    let mut parser = lexopt::Parser::from_args(args);
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        use lexopt::prelude::*;
        match arg {
            Short('h') | Long("help") => return Ok(None),
            Long("format") => {
                let value = usage::value(&mut parser)?;
                let parsed = match value.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    "sarif" => Format::Sarif,
                    _ => {
                        return Err(format!(
                            "--format must be text, json or sarif, not {value:?}"
                        ));
                    }
                };
                if format.replace(parsed).is_some() {
                    return Err("--format is given twice".into());
                }
            }
            Long("fail-on") => {
                let value = usage::value(&mut parser)?;
                let parsed = match value.as_str() {
                    "never" => None,
                    other => Some(Severity::parse(other).ok_or_else(|| {
                        format!("--fail-on must be error, warning, note or never, not {value:?}")
                    })?),
                };
                if fail_on.replace(parsed).is_some() {
                    return Err("--fail-on is given twice".into());
                }
            }
            Long("issuer") => {
                let value = usage::value(&mut parser)?;
                let parsed = Issuer::parse(&value).map_err(|why| format!("--issuer {why}"))?;
                if issuer.replace(parsed).is_some() {
                    return Err("--issuer is given twice".into());
                }
            }
            Value(file) => {
                let file = file
                    .into_string()
                    .map_err(|f| format!("the file name {f:?} is not UTF-8 text"))?;
                if file == STDIN && files.contains(&file) {
                    return Err("standard input (-) is given twice".into());
                }
                files.push(file);
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    if files.is_empty() {
        return Err("name at least one FILE".into());
    }
    Ok(Some(Request {
        format: format.unwrap_or(Format::Text),
        fail_on: fail_on.unwrap_or(Some(Severity::Error)),
        issuer,
        files,
    }))
}

/// The findings in `file` (for tokens of `issuer`, when given); `Err` is why it could not be
/// read, in one line.
fn lint_file(file: &str, issuer: Option<&Issuer>) -> Result<Vec<Located>, String> {
    let bytes = if file == STDIN {
        files::read_to_limit(std::io::stdin().lock(), Limit::LintSource).map_err(|e| match e {
            Unread::TooLarge => format!(
                "cannot read standard input: {}",
                Limit::LintSource.exceeded()
            ),
            Unread::Io(e) => format!("cannot read standard input: {e}"),
        })?
    } else {
        match files::read_regular(Path::new(file), false, Limit::LintSource) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Err(format!("cannot read {file}: it does not exist")),
            Err(e) => return Err(format!("cannot read {file}: {e}")),
        }
    };
    let text = files::text(bytes).ok_or_else(|| format!("{file} is not UTF-8 (or UTF-16) text"))?;
    lint_text(file, &text, issuer)
}

/// The findings in `text`, the content of `file` (for tokens of `issuer`, when given); `Err` is
/// why it is none of the kinds `lint` reads, in one line.
pub fn lint_text(file: &str, text: &str, issuer: Option<&Issuer>) -> Result<Vec<Located>, String> {
    // JSON, or else YAML (a CloudFormation template's other form).
    let (value, is_yaml): (Value, bool) = match serde_json::from_str(text) {
        Ok(value) => (value, false),
        Err(json) => match yaml::parse(text) {
            Ok(value) if value.is_object() => (value, true),
            Ok(_) => {
                return Err(format!(
                    "{file} is neither valid JSON ({json}) nor a YAML mapping"
                ));
            }
            Err(yaml) => {
                return Err(format!(
                    "{file} is neither valid JSON ({json}) nor a YAML mapping ({yaml})"
                ));
            }
        },
    };
    let documents = sources::documents(&value).map_err(|problem| format!("{file}: {problem}"))?;
    let (mut found, mut paths) = (Vec::new(), Vec::new());
    for document in documents {
        for finding in rules::check(&document.policy, issuer) {
            let segments = [document.path.clone(), finding.path].concat();
            found.push(Located {
                rule: finding.rule,
                file: file.to_owned(),
                path: pointer(&segments),
                line: 1,
                role: document.role.clone(),
                message: finding.message,
            });
            paths.push(segments);
        }
    }
    for (f, line) in found.iter_mut().zip(lines::lines(text, is_yaml, &paths)) {
        f.line = line;
    }
    Ok(found)
}

/// The JSON pointer of `segments` (RFC 6901: `~` as `~0`, `/` as `~1`).
fn pointer(segments: &[String]) -> String {
    segments
        .iter()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// `text` with its control characters escaped (`\n`, `\u{1b}`): a file's text cannot break a
/// finding's lines, nor move the cursor, recolour or retitle a terminal or the runner's log.
fn shown(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn text(findings: &[Located]) -> String {
    let mut text = String::new();
    for f in findings {
        let role = f
            .role
            .as_deref()
            .map(|r| format!(" (role {})", shown(r)))
            .unwrap_or_default();
        text.push_str(&format!(
            "{} {} {}  {}:{}{role}\n  {}\n  why: {}\n  fix: {}\n\n",
            f.rule.severity.name(),
            f.rule.id,
            f.rule.name,
            shown(&f.file),
            shown(&f.path),
            shown(&f.message),
            f.rule.why,
            f.rule.fix
        ));
    }
    let count = |s: Severity| {
        let n = findings.iter().filter(|f| f.rule.severity == s).count();
        format!("{n} {}{}", s.name(), if n == 1 { "" } else { "s" })
    };
    text.push_str(&format!(
        "{}, {}, {}\n",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note)
    ));
    text
}

fn finding_json(f: &Located) -> Value {
    json!({
        "id": f.rule.id,
        "name": f.rule.name,
        "severity": f.rule.severity.name(),
        "file": f.file,
        "path": f.path,
        "line": f.line,
        "role": f.role,
        "message": f.message,
        "why": f.rule.why,
        "fix": f.rule.fix,
    })
}

/// A file as a SARIF URI: a relative path, as given, with `/` between its parts.
fn uri(file: &str) -> String {
    let file = file.replace('\\', "/");
    let mut relative = file.as_str();
    while let Some(rest) = relative.strip_prefix("./") {
        relative = rest;
    }
    relative.to_owned()
}

/// The findings as a SARIF 2.1.0 log that GitHub code scanning accepts.
fn sarif(findings: &[Located]) -> Value {
    let information_uri = information_uri();
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            let mut rule = json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.why},
                "help": {
                    "text": format!("{}\n\nFix: {}", r.why, r.fix),
                    "markdown": format!("{}\n\n**Fix:** {}", r.why, r.fix),
                },
                "defaultConfiguration": {"level": r.severity.name()},
                "properties": {
                    "tags": ["security"],
                    "security-severity": match r.severity {
                        Severity::Error => "8.0",
                        Severity::Warning => "5.0",
                        Severity::Note => "2.0",
                    },
                },
            });
            if let Some(uri) = &information_uri {
                rule["helpUri"] = json!(uri);
            }
            rule
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "ruleId": f.rule.id,
                "ruleIndex": RULES.iter().position(|r| r.id == f.rule.id),
                "level": f.rule.severity.name(),
                "message": {"text": format!("{} Fix: {}", f.message, f.rule.fix)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&f.file)},
                        "region": {"startLine": f.line},
                    },
                    "logicalLocations": [{"fullyQualifiedName": f.path, "kind": "object"}],
                }],
                "partialFingerprints": {
                    "ruleAndPath/v1": format!("{}:{}", f.rule.id, f.path),
                },
            })
        })
        .collect();
    let mut driver = json!({
        "name": "aws-oidc-credentials",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    if let Some(uri) = information_uri {
        driver["informationUri"] = json!(uri);
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    })
}

#[cfg(test)]
mod tests;
