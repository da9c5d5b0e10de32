//! Session tags for `AssumeRole`: the original action's default set from the workflow's
//! `GITHUB_*` variables, the user's `custom-tags`, and `transitive-tag-keys`. Pure: the
//! environment comes in through a lookup function.

const MAX_KEY_LEN: usize = 128;
const MAX_VALUE_LEN: usize = 256;
const MAX_TAGS: usize = 50;

/// Always sent (unless tagging is skipped): who ran what.
const FIXED: &[(&str, &str)] = &[
    ("Repository", "GITHUB_REPOSITORY"),
    ("Workflow", "GITHUB_WORKFLOW"),
    ("Action", "GITHUB_ACTION"),
    ("Actor", "GITHUB_ACTOR"),
    ("Commit", "GITHUB_SHA"),
    ("Branch", "GITHUB_REF"),
];

/// Sent too, but dropped for a second attempt when STS says the tags are too large.
const DROPPABLE: &[(&str, &str)] = &[
    ("EventName", "GITHUB_EVENT_NAME"),
    ("BaseRef", "GITHUB_BASE_REF"),
    ("HeadRef", "GITHUB_HEAD_REF"),
    ("RunId", "GITHUB_RUN_ID"),
    ("Job", "GITHUB_JOB"),
    ("TriggeringActor", "GITHUB_TRIGGERING_ACTOR"),
];

/// The tags of one `AssumeRole` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTags {
    pub tags: Vec<(String, String)>,
    pub transitive_keys: Vec<String>,
}

impl SessionTags {
    /// The default tags from `env`, then `custom` (a JSON object, already checked by
    /// [`parse_custom`]), and the transitive keys that name one of them.
    pub fn new(
        env: impl Fn(&str) -> Option<String>,
        custom: Vec<(String, String)>,
        transitive: &[&str],
    ) -> SessionTags {
        let mut tags = vec![("GitHub".to_owned(), "Actions".to_owned())];
        for (key, var) in FIXED.iter().chain(DROPPABLE) {
            if let Some(value) = env(var).filter(|v| !v.is_empty()) {
                tags.push((key.to_string(), sanitize(&value)));
            }
        }
        tags.extend(custom);
        let transitive_keys = transitive
            .iter()
            .filter(|k| tags.iter().any(|(key, _)| key == *k))
            .map(|k| k.to_string())
            .collect();
        SessionTags {
            tags,
            transitive_keys,
        }
    }

    /// The same tags without the droppable ones.
    pub fn without_droppable(&self) -> SessionTags {
        let keep = |key: &str| !DROPPABLE.iter().any(|(k, _)| *k == key);
        SessionTags {
            tags: self.tags.iter().filter(|(k, _)| keep(k)).cloned().collect(),
            transitive_keys: self
                .transitive_keys
                .iter()
                .filter(|k| keep(k))
                .cloned()
                .collect(),
        }
    }
}

/// How many default tags `env` yields, for the limit on custom ones.
pub fn default_count(env: impl Fn(&str) -> Option<String>) -> usize {
    1 + FIXED
        .iter()
        .chain(DROPPABLE)
        .filter(|(_, var)| env(var).is_some_and(|v| !v.is_empty()))
        .count()
}

/// Replaces what a tag value may not hold with `_` and cuts it to 256 characters.
fn sanitize(value: &str) -> String {
    value
        .chars()
        .map(|c| if allowed(c) { c } else { '_' })
        .take(MAX_VALUE_LEN)
        .collect()
}

/// Letters, digits, space separators and `_.:/=+-@`, as STS allows in tags.
fn allowed(c: char) -> bool {
    c.is_alphanumeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c)
}

/// Checks `custom-tags`: a JSON object of string, number or boolean values, keys and values
/// within STS's limits, no key of the default set, and at most 50 tags with the `defaults`.
/// `Err` is the problem, to follow "Input 'custom-tags' ".
pub fn parse_custom(text: &str, defaults: usize) -> Result<Vec<(String, String)>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|_| "must be valid JSON".to_owned())?;
    let serde_json::Value::Object(map) = value else {
        return Err("must be a JSON object (not an array or a single value)".to_owned());
    };
    let mut tags = Vec::new();
    for (key, value) in map {
        let value = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            _ => {
                return Err(format!(
                    "must give key '{key}' a string, number or boolean (not an object, array or null)"
                ));
            }
        };
        let key_len = key.chars().count();
        if key_len == 0 || key_len > MAX_KEY_LEN {
            return Err(format!(
                "must have keys of 1 to {MAX_KEY_LEN} characters, got '{key}'"
            ));
        }
        if value.chars().count() > MAX_VALUE_LEN {
            return Err(format!(
                "must have values of at most {MAX_VALUE_LEN} characters (key '{key}')"
            ));
        }
        if !key.chars().all(allowed) || !value.chars().all(allowed) {
            return Err(format!(
                "must use only letters, digits, spaces and _.:/=+-@ in keys and values (key '{key}')"
            ));
        }
        if is_protected(&key) {
            return Err(format!(
                "must not set '{key}': the action sets that session tag itself"
            ));
        }
        tags.push((key, value));
    }
    if defaults + tags.len() > MAX_TAGS {
        return Err(format!(
            "must leave the session at most {MAX_TAGS} tags: with the {defaults} the action sets, got {}",
            defaults + tags.len()
        ));
    }
    Ok(tags)
}

fn is_protected(key: &str) -> bool {
    key == "GitHub" || FIXED.iter().chain(DROPPABLE).any(|(k, _)| *k == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "GITHUB_REPOSITORY" => Some("octo-org/octo-repo".into()),
            "GITHUB_WORKFLOW" => Some("CI (main)".into()),
            "GITHUB_ACTION" => Some("__run_2".into()),
            "GITHUB_ACTOR" => Some("octocat".into()),
            "GITHUB_SHA" => Some("abc123".into()),
            "GITHUB_REF" => Some("refs/heads/feature/é~x".into()),
            "GITHUB_RUN_ID" => Some("42".into()),
            "GITHUB_BASE_REF" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn default_tags_come_from_the_workflow() {
        let t = SessionTags::new(env, vec![], &[]);
        let keys: Vec<&str> = t.tags.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "GitHub",
                "Repository",
                "Workflow",
                "Action",
                "Actor",
                "Commit",
                "Branch",
                "RunId"
            ]
        );
        assert_eq!(t.tags[0].1, "Actions");
        assert_eq!(t.tags[2].1, "CI _main_");
        assert_eq!(t.tags[6].1, "refs/heads/feature/é_x");
        assert_eq!(default_count(env), 8);
    }

    #[test]
    fn values_are_cut_to_256_characters() {
        let long = |name: &str| (name == "GITHUB_WORKFLOW").then(|| "é".repeat(300));
        let t = SessionTags::new(long, vec![], &[]);
        assert_eq!(t.tags[1].1.chars().count(), 256);
    }

    #[test]
    fn transitive_keys_must_name_a_tag() {
        let custom = vec![("Team".to_owned(), "infra".to_owned())];
        let t = SessionTags::new(env, custom, &["Team", "Repository", "Missing"]);
        assert_eq!(t.transitive_keys, ["Team", "Repository"]);
    }

    #[test]
    fn droppable_tags_can_be_dropped() {
        let t = SessionTags::new(env, vec![], &["RunId", "Actor"]).without_droppable();
        assert!(!t.tags.iter().any(|(k, _)| k == "RunId"));
        assert_eq!(t.transitive_keys, ["Actor"]);
        assert_eq!(t.tags.len(), 7);
    }

    #[test]
    fn custom_tags_are_checked() {
        assert_eq!(
            parse_custom(r#"{"Team":"infra","Cost":12,"On":true}"#, 8).unwrap(),
            [
                ("Cost".to_owned(), "12".to_owned()),
                ("On".to_owned(), "true".to_owned()),
                ("Team".to_owned(), "infra".to_owned())
            ]
        );
        let err = |text: &str| parse_custom(text, 8).unwrap_err();
        assert_eq!(err("{"), "must be valid JSON");
        assert!(err("[1]").starts_with("must be a JSON object"));
        assert!(err(r#"{"a":{"b":1}}"#).contains("key 'a'"));
        assert!(err(r#"{"a":null}"#).contains("not an object, array or null"));
        assert!(err(r#"{"":"x"}"#).starts_with("must have keys of 1 to 128"));
        assert!(err(&format!(r#"{{"a":"{}"}}"#, "x".repeat(257))).contains("at most 256"));
        assert!(err(r#"{"a!":"x"}"#).contains("key 'a!'"));
        assert!(err(r#"{"a":"x;y"}"#).contains("key 'a'"));
        assert!(err(r#"{"Repository":"x"}"#).contains("'Repository'"));
        let many: Vec<String> = (0..43).map(|i| format!(r#""k{i}":"v""#)).collect();
        assert!(err(&format!("{{{}}}", many.join(","))).contains("got 51"));
    }
}
