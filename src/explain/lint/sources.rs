//! Where the trust policies are in a file `lint` reads: the policy document itself, the output of
//! `aws iam get-role` (or `list-roles`), a CloudFormation template (`AWS::IAM::Role`), a Terraform
//! plan or state as `terraform show -json` writes it (`aws_iam_role`). Each policy comes with its
//! path in the file; a policy held as a JSON string (Terraform's `assume_role_policy`, IAM's
//! URL-encoded `AssumeRolePolicyDocument`) is parsed, and the paths inside it continue the path of
//! the string.

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

/// One trust policy in a file.
#[derive(Debug)]
pub struct Document {
    /// Its path in the file, as segments.
    pub path: Vec<String>,
    /// The role it belongs to, when the file names it.
    pub role: Option<String>,
    pub policy: Value,
}

/// Every trust policy in `file`; `Err` when the file is none of the kinds `lint` reads.
pub fn documents(file: &Value) -> Result<Vec<Document>, String> {
    let Value::Object(top) = file else {
        return Err("it is not a JSON object".into());
    };
    let mut found = Vec::new();
    if top.contains_key("Statement") {
        found.push(Document {
            path: Vec::new(),
            role: None,
            policy: file.clone(),
        });
    } else if let Some(role) = top.get("Role") {
        iam_role(role, vec!["Role".into()], &mut found);
    } else if let Some(Value::Array(roles)) = top.get("Roles") {
        for (i, role) in roles.iter().enumerate() {
            iam_role(role, vec!["Roles".into(), i.to_string()], &mut found);
        }
    } else if let Some(Value::Object(resources)) = top.get("Resources") {
        let no_parameters = Map::new();
        let parameters = match top.get("Parameters") {
            Some(Value::Object(parameters)) => parameters,
            _ => &no_parameters,
        };
        let template = Template {
            resources,
            parameters,
        };
        cloudformation(&template, &mut found);
    } else if let Some(Value::Array(changes)) = top.get("resource_changes") {
        for (i, change) in changes.iter().enumerate() {
            if change.get("type").and_then(Value::as_str) != Some("aws_iam_role") {
                continue;
            }
            let role = change.get("address").and_then(Value::as_str);
            let path = ["resource_changes", &i.to_string(), "change", "after"];
            if let Some(after) = change.pointer("/change/after") {
                terraform_role(after, role, &path, &mut found);
            }
        }
    } else if top.contains_key("format_version")
        && (top.contains_key("values") || top.contains_key("terraform_version"))
    {
        // A state; one without resources has no `values`.
        if let Some(module) = top.get("values").and_then(|v| v.get("root_module")) {
            terraform_module(
                module,
                vec!["values".into(), "root_module".into()],
                &mut found,
            );
        }
    } else {
        return Err(
            "it holds no trust policy (a document with a Statement), no `aws iam get-role` \
                    output, no CloudFormation template (Resources) and no Terraform plan or state \
                    (`terraform show -json`)"
                .into(),
        );
    }
    Ok(found)
}

/// A role of IAM's answers: `AssumeRolePolicyDocument` is an object, or URL-encoded JSON.
fn iam_role(role: &Value, path: Vec<String>, found: &mut Vec<Document>) {
    let Some(document) = role.get("AssumeRolePolicyDocument") else {
        return;
    };
    if let Some(policy) = policy_value(document) {
        found.push(Document {
            path: [path, vec!["AssumeRolePolicyDocument".into()]].concat(),
            role: role
                .get("RoleName")
                .and_then(Value::as_str)
                .map(str::to_owned),
            policy,
        });
    }
}

/// A policy given as an object, a JSON string, or a URL-encoded JSON string.
fn policy_value(value: &Value) -> Option<Value> {
    match value {
        Value::Object(_) => Some(value.clone()),
        Value::String(text) => serde_json::from_str(text)
            .ok()
            .or_else(|| {
                let decoded = percent_decode_str(text).decode_utf8().ok()?;
                serde_json::from_str(&decoded).ok()
            })
            .filter(Value::is_object),
        _ => None,
    }
}

fn terraform_module(module: &Value, path: Vec<String>, found: &mut Vec<Document>) {
    if let Some(Value::Array(resources)) = module.get("resources") {
        for (i, resource) in resources.iter().enumerate() {
            if resource.get("type").and_then(Value::as_str) != Some("aws_iam_role")
                || resource.get("mode").and_then(Value::as_str) == Some("data")
            {
                continue;
            }
            let index = i.to_string();
            let mut here: Vec<&str> = path.iter().map(String::as_str).collect();
            here.extend(["resources", &index, "values"]);
            if let Some(values) = resource.get("values") {
                let role = resource.get("address").and_then(Value::as_str);
                terraform_role(values, role, &here, found);
            }
        }
    }
    if let Some(Value::Array(children)) = module.get("child_modules") {
        for (i, child) in children.iter().enumerate() {
            let child_path = [path.clone(), vec!["child_modules".into(), i.to_string()]].concat();
            terraform_module(child, child_path, found);
        }
    }
}

/// An `aws_iam_role`'s attributes: `assume_role_policy` is a JSON string (unknown until applied
/// when it is computed: then there is nothing to check).
fn terraform_role(values: &Value, role: Option<&str>, path: &[&str], found: &mut Vec<Document>) {
    if let Some(policy) = values.get("assume_role_policy").and_then(policy_value) {
        let mut path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        path.push("assume_role_policy".into());
        found.push(Document {
            path,
            role: role.map(str::to_owned),
            policy,
        });
    }
}

/// A CloudFormation template's resources and parameters, which its intrinsic functions name.
struct Template<'a> {
    resources: &'a Map<String, Value>,
    parameters: &'a Map<String, Value>,
}

impl Template<'_> {
    /// A parameter's `Default` when it is one text: what a stack created without the parameter
    /// gets (a list parameter's only when it holds one item).
    fn default_of(&self, name: &str) -> Option<&str> {
        let parameter = self.parameters.get(name)?;
        let default = parameter.get("Default")?.as_str()?;
        let list = parameter
            .get("Type")
            .and_then(Value::as_str)
            .is_some_and(|t| t == "CommaDelimitedList" || t.starts_with("List<"));
        (!list || !default.contains(',')).then_some(default)
    }

    /// `Fn::Sub`'s text with each `${Name}` of a parameter with a default, or of `variables`
    /// (its second argument), replaced; `${AWS::…}`, `${!Literal}` and the rest stay.
    fn substitute(&self, template: &str, variables: Option<&Map<String, Value>>) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                rest = &rest[start..];
                break;
            };
            let name = &after[..end];
            let value = match variables.and_then(|v| v.get(name)) {
                Some(value) => Some(text(value, self)),
                None => self.default_of(name).map(str::to_owned),
            };
            match value {
                Some(value) => out.push_str(&value),
                None => out.push_str(&rest[start..start + 3 + end]),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

fn cloudformation(template: &Template, found: &mut Vec<Document>) {
    for (name, resource) in template.resources {
        if resource.get("Type").and_then(Value::as_str) != Some("AWS::IAM::Role") {
            continue;
        }
        let Some(document) = resource.pointer("/Properties/AssumeRolePolicyDocument") else {
            continue;
        };
        let Some(mut policy) = policy_value(document) else {
            continue;
        };
        resolve_intrinsics(&mut policy, template);
        found.push(Document {
            path: vec![
                "Resources".into(),
                name.clone(),
                "Properties".into(),
                "AssumeRolePolicyDocument".into(),
            ],
            role: Some(name.clone()),
            policy,
        });
    }
}

/// Replaces the intrinsic functions in each statement's `Principal.Federated` and condition
/// values by the text they stand for, so far as the template says: `Fn::Sub`'s string (with its
/// variables, and the parameters' defaults), `Fn::Join`'s parts, a `Ref` of a parameter by its
/// default, a `Ref` or `Fn::GetAtt` of the template's `AWS::IAM::OIDCProvider` by its ARN; what
/// stays unknown (a parameter without a default, an import, `Fn::If`) becomes `${…}` text.
fn resolve_intrinsics(policy: &mut Value, template: &Template) {
    let statements: Vec<&mut Value> = match policy.get_mut("Statement") {
        Some(Value::Array(list)) => list.iter_mut().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => return,
    };
    let resolve = |value: &mut Value| {
        *value = match value.take() {
            Value::Array(items) => items
                .iter()
                .map(|item| Value::String(text(item, template)))
                .collect(),
            other => Value::String(text(&other, template)),
        };
    };
    for statement in statements {
        if let Some(federated) = statement.pointer_mut("/Principal/Federated") {
            resolve(federated);
        }
        if let Some(Value::Object(operators)) = statement.get_mut("Condition") {
            for keys in operators.values_mut() {
                if let Value::Object(keys) = keys {
                    keys.values_mut().for_each(resolve);
                }
            }
        }
    }
}

/// The text a CloudFormation value stands for.
fn text(value: &Value, template: &Template) -> String {
    let Value::Object(function) = value else {
        return value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
    };
    let Some((name, argument)) = function.iter().next().filter(|_| function.len() == 1) else {
        return "${?}".into();
    };
    match (name.as_str(), argument) {
        ("Fn::Sub", Value::String(string)) => template.substitute(string, None),
        ("Fn::Sub", Value::Array(args)) => match args.first().and_then(Value::as_str) {
            Some(string) => template.substitute(string, args.get(1).and_then(Value::as_object)),
            None => "${?}".into(),
        },
        ("Fn::Join", Value::Array(args)) => match (args.first(), args.get(1)) {
            (Some(Value::String(separator)), Some(Value::Array(parts))) => parts
                .iter()
                .map(|p| text(p, template))
                .collect::<Vec<_>>()
                .join(separator),
            _ => "${?}".into(),
        },
        ("Ref", Value::String(id)) => match template.default_of(id) {
            Some(default) => default.to_owned(),
            None => provider_arn(id, template.resources),
        },
        ("Fn::GetAtt", Value::Array(args)) => match args.first() {
            Some(Value::String(id)) => provider_arn(id, template.resources),
            _ => "${?}".into(),
        },
        ("Fn::GetAtt", Value::String(dotted)) => provider_arn(
            dotted.split('.').next().unwrap_or_default(),
            template.resources,
        ),
        _ => format!("${{{name}}}"),
    }
}

/// The ARN of the template's OIDC provider `id` (`AWS::IAM::OIDCProvider`, or the CDK's custom
/// resource), or `${id}` when it is something else.
fn provider_arn(id: &str, resources: &Map<String, Value>) -> String {
    let resource = resources.get(id);
    let url = resource
        .filter(|r| {
            // The CDK's OpenIdConnectProvider is a custom resource with the same Url.
            let kind = r.get("Type").and_then(Value::as_str);
            kind == Some("AWS::IAM::OIDCProvider")
                || kind == Some("Custom::AWSCDKOpenIdConnectProvider")
        })
        .and_then(|r| r.pointer("/Properties/Url"))
        .and_then(Value::as_str);
    match url {
        Some(url) => format!(
            "arn:aws:iam::${{AWS::AccountId}}:oidc-provider/{}",
            url.trim_start_matches("https://").trim_end_matches('/')
        ),
        None => format!("${{{id}}}"),
    }
}
