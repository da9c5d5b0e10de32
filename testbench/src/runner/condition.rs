//! The `if:` expressions the simulator evaluates (for `runs.post-if`): `always()` and `env.NAME == 'value'` / `env.NAME != 'value'`, optionally inside `${{ }}`.
//! Anything else is refused, so a test never runs on a guess.

use std::collections::BTreeMap;

/// Evaluates `condition` with the `env` context. String comparison ignores case, as in
/// GitHub's expressions; a missing variable compares as an empty string.
pub fn evaluate(condition: &str, env: &BTreeMap<String, String>) -> bool {
    let expression = condition.trim();
    let expression = expression
        .strip_prefix("${{")
        .and_then(|e| e.strip_suffix("}}"))
        .unwrap_or(expression)
        .trim();
    if expression == "always()" {
        return true;
    }
    let unsupported = || -> ! {
        panic!(
            "the runner simulator cannot evaluate the condition {condition:?}: it knows \
             always() and env.NAME == 'value' / env.NAME != 'value'"
        )
    };
    let (left, right, equal) = if let Some((l, r)) = expression.split_once("!=") {
        (l, r, false)
    } else if let Some((l, r)) = expression.split_once("==") {
        (l, r, true)
    } else {
        unsupported()
    };
    let name = left
        .trim()
        .strip_prefix("env.")
        .unwrap_or_else(|| unsupported());
    let literal = right
        .trim()
        .strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .unwrap_or_else(|| unsupported());
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid_name || literal.replace("''", "").contains('\'') {
        unsupported();
    }
    let value = env.get(name).map_or("", String::as_str);
    value.eq_ignore_ascii_case(&literal.replace("''", "'")) == equal
}

#[cfg(test)]
mod tests {
    use super::evaluate;
    use std::collections::BTreeMap;

    #[test]
    fn evaluates_the_supported_forms() {
        let env: BTreeMap<String, String> = [("SKIP".to_string(), "True".to_string())].into();
        assert!(evaluate("always()", &env));
        assert!(evaluate("${{ always() }}", &env));
        assert!(!evaluate("env.SKIP != 'true'", &env));
        assert!(evaluate("env.SKIP == 'true'", &env));
        assert!(evaluate("env.OTHER != 'true'", &env));
        assert!(evaluate("${{ env.OTHER == '' }}", &env));
        assert!(evaluate(
            "env.SKIP == 'it''s'",
            &[("SKIP".into(), "it's".into())].into()
        ));
    }

    #[test]
    #[should_panic(expected = "cannot evaluate the condition")]
    fn refuses_anything_else() {
        evaluate("failure() || env.X == 'y'", &BTreeMap::new());
    }
}
