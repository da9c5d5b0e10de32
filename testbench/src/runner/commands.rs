//! Workflow commands on a step's stdout and stderr, processed line by line as the runner does:
//! parsing `::name k=v,…::data` with its unescaping, `add-mask`, annotations, `debug`, groups
//! and `stop-commands`, and the masked log the runner would show.

use std::collections::BTreeMap;

use super::mask::Masker;

/// The commands the runner registers; any other `::name::` line is plain output.
const REGISTERED: &[&str] = &[
    "add-mask",
    "add-matcher",
    "add-path",
    "debug",
    "echo",
    "endgroup",
    "error",
    "group",
    "notice",
    "remove-matcher",
    "save-state",
    "set-env",
    "set-output",
    "stop-commands",
    "warning",
];

/// Which stream a line came on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One line of a step's output, in the order the runner read the two streams.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputLine {
    pub stream: Stream,
    /// Byte offset of the line in its stream.
    pub offset: usize,
    /// The line without its line end.
    pub text: String,
}

/// A workflow command the runner recognised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkflowCommand {
    /// The name in lower case.
    pub name: String,
    /// Unescaped properties, names in lower case.
    pub properties: BTreeMap<String, String>,
    /// The unescaped data.
    pub data: String,
    pub stream: Stream,
    /// Byte offset of the command's line in its stream.
    pub offset: usize,
}

/// Parses a line as the runner does: leading whitespace is skipped, the name must be a
/// registered command (or `extra`, the current stop token), properties are `k=v` pairs split
/// on `,`. Returns the lower-case name, the properties and the data.
pub fn parse(
    line: &str,
    extra: Option<&str>,
) -> Option<(String, BTreeMap<String, String>, String)> {
    let message = line.trim_start().strip_prefix("::")?;
    let end = message.find("::")?;
    let info = &message[..end];
    let (name, properties) = info.split_once(' ').unwrap_or((info, ""));
    let name = name.to_ascii_lowercase();
    let known = REGISTERED.contains(&name.as_str())
        || extra.is_some_and(|token| token.eq_ignore_ascii_case(&name));
    if !known {
        return None;
    }
    let properties = properties
        .trim()
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, value)| !key.is_empty() && !value.is_empty())
        .map(|(key, value)| (key.to_ascii_lowercase(), unescape_property(value)))
        .collect();
    Some((name, properties, unescape_data(&message[end + 2..])))
}

/// The runner's data unescaping: `%0D`, `%0A`, then `%25`, each replaced in turn.
pub fn unescape_data(data: &str) -> String {
    data.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%25", "%")
}

/// The runner's property unescaping: `%0D`, `%0A`, `%3A`, `%2C`, then `%25`.
pub fn unescape_property(value: &str) -> String {
    value
        .replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// What the runner made of one step's output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    /// Every command processed, in order.
    pub commands: Vec<WorkflowCommand>,
    /// The masker after the step: the job's secrets and the step's.
    pub masker: Masker,
    /// Annotations and debug messages, masked as the runner records them.
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub notices: Vec<String>,
    pub debug: Vec<String>,
    /// The log as shown: plain lines and `##[…]` lines, masked; command lines hidden.
    pub log: String,
}

impl Transcript {
    /// Processes the lines in order. `masker` holds the secrets the job knew before the step;
    /// `runner_debug` shows `::debug::` messages in the log, as `RUNNER_DEBUG=1` does.
    pub fn interpret(lines: &[OutputLine], masker: Masker, runner_debug: bool) -> Transcript {
        let mut transcript = Transcript {
            masker,
            ..Transcript::default()
        };
        let mut stop_token: Option<String> = None;
        for line in lines {
            let parsed = parse(&line.text, stop_token.as_deref());
            let shown = match (parsed, &stop_token) {
                (None, _) => Some(line.text.clone()),
                (Some((name, ..)), Some(token)) => {
                    if token.eq_ignore_ascii_case(&name) {
                        stop_token = None;
                    }
                    Some(line.text.clone())
                }
                (Some((name, properties, data)), None) => {
                    if name == "stop-commands" {
                        stop_token = Some(data.clone());
                    }
                    let command = WorkflowCommand {
                        name,
                        properties,
                        data,
                        stream: line.stream,
                        offset: line.offset,
                    };
                    let shown = transcript.apply(&command, runner_debug, &line.text);
                    transcript.commands.push(command);
                    shown
                }
            };
            if let Some(shown) = shown {
                transcript.log.push_str(&transcript.masker.mask(&shown));
                transcript.log.push('\n');
            }
        }
        transcript
    }

    /// Carries out one command; returns the line it shows in the log, if any.
    fn apply(
        &mut self,
        command: &WorkflowCommand,
        runner_debug: bool,
        input: &str,
    ) -> Option<String> {
        let data = &command.data;
        let record = |list: &mut Vec<String>, masker: &Masker, prefix: &str| {
            let message = masker.mask(data);
            list.push(message.clone());
            Some(format!("##[{prefix}]{message}"))
        };
        match command.name.as_str() {
            "add-mask" if data.trim().is_empty() => {
                let warning = "Can't add secret mask for empty string in ##[add-mask] command.";
                self.warnings.push(warning.into());
                Some(format!("##[warning]{warning}"))
            }
            "add-mask" => {
                self.masker.add_mask(data);
                None
            }
            "error" => record(&mut self.errors, &self.masker, "error"),
            "warning" => record(&mut self.warnings, &self.masker, "warning"),
            "notice" => record(&mut self.notices, &self.masker, "notice"),
            "debug" => {
                let shown = record(&mut self.debug, &self.masker, "debug");
                shown.filter(|_| runner_debug)
            }
            "group" => Some(format!("##[group]{data}")),
            "endgroup" => Some("##[endgroup]".into()),
            "stop-commands" => {
                // The runner masks a stop token longer than 6 characters.
                if data.len() > 6 {
                    self.masker.add_mask(data);
                }
                Some(input.to_string())
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_unescapes_like_the_runner() {
        let (name, properties, data) = parse(
            "  ::Error file=a%3Ab%2Cc.rs,line=3,title=x%250A,bad,=v,k=::100%25%0Adone%0D%3A",
            None,
        )
        .unwrap();
        assert_eq!(name, "error");
        assert_eq!(properties["file"], "a:b,c.rs");
        assert_eq!(properties["line"], "3");
        assert_eq!(properties["title"], "x%0A");
        assert_eq!(properties.len(), 3);
        assert_eq!(data, "100%\ndone\r%3A");
        assert_eq!(parse("::unknown::x", None), None);
        assert_eq!(parse("text ::error::x", None), None);
        assert_eq!(parse("::error", None), None);
        assert_eq!(parse("::tok::", Some("TOK")).unwrap().0, "tok");
    }

    fn lines(texts: &[&str]) -> Vec<OutputLine> {
        let mut offset = 0;
        texts
            .iter()
            .map(|text| {
                let line = OutputLine {
                    stream: Stream::Stdout,
                    offset,
                    text: text.to_string(),
                };
                offset += text.len() + 1;
                line
            })
            .collect()
    }

    #[test]
    fn masks_from_the_line_after_add_mask_on() {
        let mut known = Masker::default();
        known.add_mask("old-secret");
        let transcript = Transcript::interpret(
            &lines(&[
                "early s3cret old-secret",
                "::add-mask::s3cret",
                "late s3cret",
                "::add-mask::   ",
                "::debug::s3cret debug",
                "::error title=x::failed with s3cret",
            ]),
            known,
            false,
        );
        assert_eq!(
            transcript.log,
            "early s3cret ***\nlate ***\n##[warning]Can't add secret mask for empty string in \
             ##[add-mask] command.\n##[error]failed with ***\n"
        );
        assert_eq!(transcript.masker.secrets(), ["old-secret", "s3cret"]);
        assert_eq!(transcript.debug, ["*** debug"]);
        assert_eq!(transcript.errors, ["failed with ***"]);
        assert_eq!(transcript.commands[0].offset, 24);
    }

    #[test]
    fn stop_commands_pauses_processing_until_its_token() {
        let transcript = Transcript::interpret(
            &lines(&[
                "::stop-commands::pause-token",
                "::add-mask::not-a-secret",
                "::error::not an error",
                "::pause-token::",
                "::add-mask::hidden",
                "hidden not-a-secret",
            ]),
            Masker::default(),
            false,
        );
        assert_eq!(
            transcript.log,
            "::stop-commands::***\n::add-mask::not-a-secret\n::error::not an error\n\
             ::***::\n*** not-a-secret\n"
        );
        assert!(transcript.errors.is_empty());
    }
}
