//! YAML as JSON values, for CloudFormation templates: the parser's events built into a
//! `serde_json::Value`, with CloudFormation's short forms turned into the functions they stand
//! for (`!Sub x` as `{"Fn::Sub": x}`, `!Ref x` as `{"Ref": x}`, `!GetAtt A.Arn` as
//! `{"Fn::GetAtt": "A.Arn"}`), plain scalars typed by YAML 1.2's core schema, aliases copied. Only
//! the first document of a stream is read. Nesting is limited as serde_json limits JSON's, and
//! what aliases copy is limited too: a hostile file is an error, not a crash.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

/// The deepest nesting of collections, serde_json's limit for JSON.
const MAX_DEPTH: usize = 128;

/// The most nodes and string bytes that aliases may copy, all together: far more than any
/// template's, far less than a "billion laughs" file's.
const MAX_COPIED: usize = 1 << 22;

/// The first document of `text`; `Err` is the parser's complaint, or says the document nests
/// too deep or its aliases copy too much.
pub fn parse(text: &str) -> Result<Value, String> {
    let mut builder = Builder::default();
    // Events one by one: the parser's own loader recurses once per level of nesting.
    let mut parser = Parser::new_from_str(text);
    loop {
        match parser.next_token().map_err(|e| e.to_string())?.0 {
            Event::DocumentEnd | Event::StreamEnd => break,
            event => builder.on_event(event)?,
        }
    }
    Ok(builder.root.unwrap_or(Value::Null))
}

/// A collection being built: its items (or entries and the key waiting for its value), its
/// anchor and its tag.
enum Frame {
    Sequence(Vec<Value>, usize, Option<Tag>),
    Mapping(Map<String, Value>, Option<String>, usize, Option<Tag>),
}

/// An anchored value, its depth and its size (nodes and string bytes).
struct Anchored {
    value: Value,
    depth: usize,
    size: usize,
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    /// The size of what aliases copied so far.
    copied: usize,
    root: Option<Value>,
}

impl Builder {
    fn add(&mut self, value: Value, anchor: usize) {
        if anchor > 0 {
            let (depth, size) = measure(&value);
            let anchored = Anchored {
                value: value.clone(),
                depth,
                size,
            };
            self.anchors.insert(anchor, anchored);
        }
        match self.stack.last_mut() {
            None => {
                self.root.get_or_insert(value);
            }
            Some(Frame::Sequence(items, ..)) => items.push(value),
            Some(Frame::Mapping(entries, key, ..)) => match key.take() {
                None => {
                    *key = Some(match value {
                        Value::String(text) => text,
                        other => other.to_string(),
                    })
                }
                Some(key) => {
                    entries.insert(key, value);
                }
            },
        }
    }

    /// Takes the next event; `Err` when the document nests too deep or aliases copy too much.
    fn on_event(&mut self, event: Event) -> Result<(), String> {
        let too_deep = || format!("it nests collections more than {MAX_DEPTH} deep");
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let value = tagged(scalar(text, style, tag.as_ref()), tag.as_ref());
                self.add(value, anchor);
            }
            Event::SequenceStart(..) | Event::MappingStart(..) if self.stack.len() >= MAX_DEPTH => {
                return Err(too_deep());
            }
            Event::SequenceStart(anchor, tag) => {
                self.stack.push(Frame::Sequence(Vec::new(), anchor, tag))
            }
            Event::MappingStart(anchor, tag) => {
                self.stack
                    .push(Frame::Mapping(Map::new(), None, anchor, tag))
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, anchor, tag) = match self.stack.pop() {
                    Some(Frame::Sequence(items, anchor, tag)) => (Value::Array(items), anchor, tag),
                    Some(Frame::Mapping(entries, _, anchor, tag)) => {
                        (Value::Object(entries), anchor, tag)
                    }
                    None => return Ok(()),
                };
                self.add(tagged(value, tag.as_ref()), anchor);
            }
            Event::Alias(anchor) => {
                let value = match self.anchors.get(&anchor) {
                    Some(anchored) => {
                        if self.stack.len() + anchored.depth > MAX_DEPTH {
                            return Err(too_deep());
                        }
                        self.copied += anchored.size;
                        if self.copied > MAX_COPIED {
                            return Err(format!(
                                "its aliases copy more than {MAX_COPIED} nodes and string bytes"
                            ));
                        }
                        anchored.value.clone()
                    }
                    None => Value::Null,
                };
                self.add(value, 0);
            }
            _ => {}
        }
        Ok(())
    }
}

/// A value's depth (0 for a scalar) and size: its nodes and the bytes of its strings and keys.
fn measure(value: &Value) -> (usize, usize) {
    let children: Vec<(usize, usize)> = match value {
        Value::Array(items) => items.iter().map(measure).collect(),
        Value::Object(entries) => entries
            .iter()
            .map(|(key, v)| {
                let (depth, size) = measure(v);
                (depth, size + key.len())
            })
            .collect(),
        Value::String(text) => return (0, 1 + text.len()),
        _ => return (0, 1),
    };
    let depth = children.iter().map(|c| c.0).max().map_or(1, |d| d + 1);
    (depth, 1 + children.iter().map(|c| c.1).sum::<usize>())
}

/// A scalar's value: plain ones typed by the core schema, others (and tagged ones) as text.
fn scalar(text: String, style: TScalarStyle, tag: Option<&Tag>) -> Value {
    if tag.is_some() || style != TScalarStyle::Plain {
        return Value::String(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => {
            if let Ok(integer) = text.parse::<i64>() {
                return Value::Number(integer.into());
            }
            let numeric = text.bytes().any(|b| b.is_ascii_digit())
                && text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
            match text
                .parse::<f64>()
                .ok()
                .filter(|_| numeric)
                .and_then(Number::from_f64)
            {
                Some(number) => Value::Number(number),
                None => Value::String(text),
            }
        }
    }
}

/// A value under a local tag (`!Name`) as CloudFormation's function of that name.
fn tagged(value: Value, tag: Option<&Tag>) -> Value {
    let Some(tag) = tag.filter(|t| t.handle == "!" && !t.suffix.is_empty()) else {
        return value;
    };
    let name = match tag.suffix.as_str() {
        "Ref" | "Condition" => tag.suffix.clone(),
        other => format!("Fn::{other}"),
    };
    let mut function = Map::new();
    function.insert(name, value);
    Value::Object(function)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn cloudformation_short_forms_become_functions() {
        let template = "\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Org: {Type: String}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      MaxSessionDuration: 3600
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal:
              Federated: !If
                - Create
                - !GetAtt GithubOidc.Arn
                - !Ref ProviderArn
            Condition:
              StringEquals: &aud
                token.actions.githubusercontent.com:aud: sts.amazonaws.com
              StringLike:
                token.actions.githubusercontent.com:sub: !Sub repo:${Org}/app:*
          - *aud
";
        let value = parse(template).unwrap();
        let properties = &value["Resources"]["Role"]["Properties"];
        assert_eq!(properties["MaxSessionDuration"], json!(3600));
        let statement = &properties["AssumeRolePolicyDocument"]["Statement"][0];
        assert_eq!(
            statement["Principal"]["Federated"],
            json!({"Fn::If": ["Create", {"Fn::GetAtt": "GithubOidc.Arn"}, {"Ref": "ProviderArn"}]})
        );
        assert_eq!(
            statement["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"],
            json!({"Fn::Sub": "repo:${Org}/app:*"})
        );
        assert_eq!(
            properties["AssumeRolePolicyDocument"]["Statement"][1],
            json!({"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"})
        );
        assert_eq!(value["AWSTemplateFormatVersion"], "2010-09-09");
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let value = parse("a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: 1.2.3\ng: !!str 5\n").unwrap();
        assert_eq!(
            value,
            json!({"a": 1, "b": 1.5, "c": true, "d": null, "e": "1", "f": "1.2.3", "g": "5"})
        );
        assert!(parse("a: [1, 2").is_err());
        assert_eq!(parse("a: 1\n---\nb: 2\n").unwrap(), json!({"a": 1}));
        assert_eq!(parse("hello").unwrap(), json!("hello"));
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let deep = format!("a:\n{}x\n", "- ".repeat(100_000));
        assert_eq!(
            parse(&deep).unwrap_err(),
            "it nests collections more than 128 deep"
        );
        assert!(parse(&format!("a:\n{}x\n", "- ".repeat(127))).is_ok());
        // Aliases nest too: each copy of `b` is deeper than `b` was.
        let level = format!("{}&b1 x\n", "- ".repeat(100));
        let nested = format!("a: &b0\n{level}c:\n{}*b0\n", "- ".repeat(50));
        assert_eq!(
            parse(&nested).unwrap_err(),
            "it nests collections more than 128 deep"
        );
    }

    #[test]
    fn aliases_cannot_copy_without_limit() {
        let mut bomb = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let copies = vec![format!("*a{}", i - 1); 10].join(", ");
            bomb.push_str(&format!("a{i}: &a{i} [{copies}]\n"));
        }
        assert_eq!(
            parse(&bomb).unwrap_err(),
            "its aliases copy more than 4194304 nodes and string bytes"
        );
    }
}
