//! Text from outside (token claims, STS messages, input values) in the job summary, rendered
//! inert: no Markdown or HTML in it takes effect, and it cannot end the block it is put in.

/// Text for a Markdown paragraph, heading or table cell: HTML's special characters become
/// entities, Markdown's inline ones are backslash-escaped, and line breaks become spaces.
pub fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' | '\n' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '|' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text as an inline code span for a table cell: Markdown and HTML inside a code span are shown
/// as they are, the span's backtick fence is longer than any run of backticks in the text (so
/// the text cannot close it), `|` is escaped for the table, and line breaks become spaces.
pub fn code(text: &str) -> String {
    let text = text.replace(['\r', '\n'], " ").replace('|', "\\|");
    let longest_run = text
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default();
    let fence = "`".repeat(longest_run + 1);
    // A space on each side, stripped when shown, lets the text begin or end with a backtick.
    let pad = if longest_run > 0 { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// Lines shown as they are, in a `<pre>` block: raw HTML to Markdown, so Markdown inside is
/// not read, and HTML's special characters are entities, so the block cannot be closed early.
pub fn preformatted(lines: &[String]) -> String {
    let text = lines
        .join("\n")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\r', "");
    format!("<pre>\n{text}\n</pre>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_text_is_inert() {
        assert_eq!(
            inline("`x`<b>y</b>|*z*_[l](u)\n# h & \\"),
            "\\`x\\`&lt;b&gt;y&lt;/b&gt;\\|\\*z\\*\\_\\[l\\](u) # h &amp; \\\\"
        );
        assert_eq!(
            inline("arn:aws:iam::1:role/a-b.c"),
            "arn:aws:iam::1:role/a-b.c"
        );
    }

    #[test]
    fn code_spans_cannot_be_closed_by_their_text() {
        assert_eq!(code("us-east-2"), "`us-east-2`");
        assert_eq!(code("a`b``c<b>"), "``` a`b``c<b> ```");
        assert_eq!(code("x|y\nz"), "`x\\|y z`");
    }

    #[test]
    fn preformatted_text_cannot_close_its_block() {
        let lines = vec!["sub: x</pre><b>y</b>".to_owned(), "```".to_owned()];
        assert_eq!(
            preformatted(&lines),
            "<pre>\nsub: x&lt;/pre&gt;&lt;b&gt;y&lt;/b&gt;\n```\n</pre>\n"
        );
    }
}
