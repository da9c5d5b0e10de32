//! File commands as the runner reads them after a step: `GITHUB_ENV`, `GITHUB_OUTPUT` and
//! `GITHUB_STATE` hold `NAME=VALUE` lines and `NAME<<DELIMITER` heredocs; `GITHUB_PATH` holds
//! one directory a line.

/// Which line ends the runner recognises in key-value files. The runner on Linux and macOS
/// ends lines at `\n` only (a `\r` before it stays in the line); on Windows `\r\n` ends a
/// line too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEnds {
    LfOnly,
    CrLfOrLf,
}

impl LineEnds {
    /// What the runner on this machine's OS does.
    pub fn of_runner() -> LineEnds {
        if cfg!(windows) {
            LineEnds::CrLfOrLf
        } else {
            LineEnds::LfOnly
        }
    }
}

/// Reads the line starting at `*index` and moves past its end. Returns the line and the
/// newline that ended it (`None` at the end of the text), or `None` when nothing is left.
fn read_line<'t>(
    text: &'t str,
    index: &mut usize,
    ends: LineEnds,
) -> Option<(&'t str, Option<&'t str>)> {
    let start = *index;
    if start >= text.len() {
        return None;
    }
    let Some(lf) = text[start..].find('\n').map(|i| start + i) else {
        *index = text.len();
        return Some((&text[start..], None));
    };
    *index = lf + 1;
    if ends == LineEnds::CrLfOrLf && text[start..lf].ends_with('\r') {
        return Some((&text[start..lf - 1], Some("\r\n")));
    }
    Some((&text[start..lf], Some("\n")))
}

/// Parses a `GITHUB_ENV` / `GITHUB_OUTPUT` / `GITHUB_STATE` file into its pairs, in order.
/// The errors are the runner's, which fail the step.
pub fn parse_key_values(text: &str, ends: LineEnds) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let mut index = 0;
    while let Some((line, _)) = read_line(text, &mut index, ends) {
        if line.is_empty() {
            continue;
        }
        let equals = line.find('=');
        let heredoc = line.find("<<");
        match (equals, heredoc) {
            (Some(eq), h) if h.is_none_or(|h| eq < h) => {
                // The runner itself lets an empty name through, then fails to set it.
                if eq == 0 {
                    return Err(format!("Invalid format '{line}'. Name must not be empty"));
                }
                pairs.push((line[..eq].to_string(), line[eq + 1..].to_string()));
            }
            (_, Some(h)) => {
                let (name, delimiter) = (&line[..h], &line[h + 2..]);
                if name.is_empty() || delimiter.is_empty() {
                    return Err(format!(
                        "Invalid format '{line}'. Name must not be empty and delimiter must not be empty"
                    ));
                }
                let start = index;
                let mut end = index;
                loop {
                    match read_line(text, &mut index, ends) {
                        None => {
                            return Err(format!(
                                "Invalid value. Matching delimiter not found '{delimiter}'"
                            ));
                        }
                        Some((value_line, _)) if value_line == delimiter => break,
                        Some((_, None)) => {
                            return Err("Invalid value. EOF marker missing new line.".into());
                        }
                        Some((_, Some(newline))) => end = index - newline.len(),
                    }
                }
                let value = if end > start { &text[start..end] } else { "" };
                pairs.push((name.to_string(), value.to_string()));
            }
            _ => return Err(format!("Invalid format '{line}'")),
        }
    }
    Ok(pairs)
}

/// The directories of a `GITHUB_PATH` file: its non-empty lines (ended by `\r\n`, `\n` or
/// `\r`), in order.
pub fn parse_path(text: &str) -> Vec<String> {
    text.split(['\r', '\n'])
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::LineEnds::{CrLfOrLf, LfOnly};
    use super::*;

    fn pairs(text: &str, ends: LineEnds) -> Vec<(String, String)> {
        parse_key_values(text, ends).unwrap()
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_name_value_lines_and_heredocs() {
        let text =
            "A=1\n\nB=x=y<<z\nC<<EOF\nline 1\nline 2\nEOF\nD<<E=F\n\nE=F\nEMPTY<<X\nX\nLAST=";
        assert_eq!(
            pairs(text, LfOnly),
            owned(&[
                ("A", "1"),
                ("B", "x=y<<z"),
                ("C", "line 1\nline 2"),
                ("D", ""),
                ("EMPTY", ""),
                ("LAST", ""),
            ])
        );
    }

    #[test]
    fn crlf_depends_on_the_runner_os() {
        let text = "A=1\r\nB<<EOF\r\nx\r\ny\r\nEOF\r\n";
        assert_eq!(pairs(text, CrLfOrLf), owned(&[("A", "1"), ("B", "x\r\ny")]));
        assert_eq!(
            pairs(text, LfOnly),
            owned(&[("A", "1\r"), ("B", "x\r\ny\r")])
        );
    }

    #[test]
    fn malformed_files_fail_with_the_runners_messages() {
        let error = |text: &str| parse_key_values(text, LfOnly).unwrap_err();
        assert_eq!(error("JUST_A_NAME\n"), "Invalid format 'JUST_A_NAME'");
        assert_eq!(error("=v\n"), "Invalid format '=v'. Name must not be empty");
        assert_eq!(
            error("A<<\n"),
            "Invalid format 'A<<'. Name must not be empty and delimiter must not be empty"
        );
        assert_eq!(
            error("A<<EOF\nvalue\n"),
            "Invalid value. Matching delimiter not found 'EOF'"
        );
        assert_eq!(
            error("A<<EOF\nvalue"),
            "Invalid value. EOF marker missing new line."
        );
    }

    #[test]
    fn reads_path_lines() {
        assert_eq!(parse_path("/a\r\n\n/b\r/c"), ["/a", "/b", "/c"]);
    }
}
