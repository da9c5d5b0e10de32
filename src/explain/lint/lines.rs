//! Where a finding is in the file's text: the line of each path, from one pass over the file's
//! structure (JSON's tokens, or the YAML parser's events), whatever the file's size and however
//! many findings it has. A path ends at the deepest segment the text holds: an object's key or
//! an array's element, or the string that holds a policy as JSON (Terraform's, IAM's).

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser};

/// The line (from 1) of each of `paths` in `text`, JSON (`yaml` false) or YAML that parsed.
pub fn lines(text: &str, yaml: bool, paths: &[Vec<String>]) -> Vec<usize> {
    let mut walk = Walk::new(paths);
    if yaml {
        yaml_nodes(text, &mut walk);
    } else {
        json_nodes(text, &mut walk);
    }
    paths.iter().map(|path| walk.line_of(path)).collect()
}

/// A node of the file's structure, as the scanners see it.
enum Node {
    /// The start of a mapping or sequence (`true`: a mapping).
    Open(bool),
    /// A scalar, and its text when it is a string that can be a key.
    Scalar(Option<String>),
}

/// The paths as a tree of segments, each with the line where the text holds it (0: nowhere).
#[derive(Default)]
struct Tree {
    children: HashMap<String, usize>,
    line: usize,
}

/// A collection being walked: its tree node, and for a mapping whether a key comes next and the
/// tree node of the value after the last key.
enum Frame {
    Mapping {
        node: Option<usize>,
        key_next: bool,
        value: Option<usize>,
    },
    Sequence {
        node: Option<usize>,
        index: usize,
    },
}

struct Walk {
    tree: Vec<Tree>,
    stack: Vec<Frame>,
}

impl Walk {
    fn new(paths: &[Vec<String>]) -> Walk {
        let mut tree = vec![Tree::default()];
        for path in paths {
            let mut at = 0;
            for segment in path {
                at = match tree[at].children.get(segment) {
                    Some(&child) => child,
                    None => {
                        tree.push(Tree::default());
                        let child = tree.len() - 1;
                        tree[at].children.insert(segment.clone(), child);
                        child
                    }
                };
            }
        }
        Walk {
            tree,
            stack: Vec::new(),
        }
    }

    /// Takes the next node, which starts on `line`.
    fn node(&mut self, node: Node, line: usize) {
        // The tree node of this one, as its parent's value or element.
        let here = match self.stack.last_mut() {
            None => Some(0),
            Some(Frame::Mapping {
                key_next: true,
                value,
                node: parent,
                ..
            }) => {
                // A key: the value after it is the path's next segment.
                let key = match &node {
                    Node::Scalar(key) => key.as_deref(),
                    Node::Open(_) => None,
                };
                *value = key.and_then(|k| child(&self.tree, *parent, k));
                if let Some(v) = *value {
                    self.tree[v].line = line;
                }
                None
            }
            Some(Frame::Mapping { value, .. }) => value.take(),
            Some(Frame::Sequence {
                node: parent,
                index,
            }) => {
                let element = child(&self.tree, *parent, &index.to_string());
                if let Some(e) = element {
                    self.tree[e].line = line;
                }
                element
            }
        };
        match node {
            Node::Open(mapping) => self.stack.push(if mapping {
                Frame::Mapping {
                    node: here,
                    key_next: true,
                    value: None,
                }
            } else {
                Frame::Sequence {
                    node: here,
                    index: 0,
                }
            }),
            Node::Scalar(_) => self.ended(),
        }
    }

    /// The innermost collection ends.
    fn close(&mut self) {
        self.stack.pop();
        self.ended();
    }

    /// A node of the innermost collection ended: its next one follows.
    fn ended(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Mapping { key_next, .. }) => *key_next = !*key_next,
            Some(Frame::Sequence { index, .. }) => *index += 1,
            None => {}
        }
    }

    /// The line of the deepest segment of `path` the text holds; 1 when it holds none.
    fn line_of(&self, path: &[String]) -> usize {
        let mut line = 1;
        let mut at = Some(0);
        for segment in path {
            at = child(&self.tree, at, segment);
            match at.map(|n| self.tree[n].line) {
                Some(0) | None => break,
                Some(found) => line = found,
            }
        }
        line
    }
}

/// The child of `node` for `segment`, if a path goes there.
fn child(tree: &[Tree], node: Option<usize>, segment: &str) -> Option<usize> {
    node.and_then(|n| tree[n].children.get(segment).copied())
}

/// Walks JSON text that parsed: its tokens, strings decoded for keys.
fn json_nodes(text: &str, walk: &mut Walk) {
    let bytes = text.as_bytes();
    let (mut i, mut line) = (0, 1);
    while i < bytes.len() {
        let start = i;
        i += 1;
        match bytes[start] {
            b'\n' => line += 1,
            b'{' | b'[' => walk.node(Node::Open(bytes[start] == b'{'), line),
            b'}' | b']' => walk.close(),
            b'"' => {
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                let key = text
                    .get(start..i)
                    .and_then(|s| serde_json::from_str(s).ok());
                walk.node(Node::Scalar(key), line);
            }
            b' ' | b'\t' | b'\r' | b',' | b':' => {}
            _ => {
                // A number, true, false or null.
                while i < bytes.len() && !b" \t\r\n,]}".contains(&bytes[i]) {
                    i += 1;
                }
                walk.node(Node::Scalar(None), line);
            }
        }
    }
}

/// Walks YAML text that parsed: the first document's events. A line is counted by `\n` as
/// editors and code scanning count it, not as YAML does (which also breaks at a lone `\r`,
/// U+0085, U+2028 and U+2029): from the event's character index, each event after the last.
fn yaml_nodes(text: &str, walk: &mut Walk) {
    let mut parser = Parser::new_from_str(text);
    let mut chars = text.chars();
    let (mut at, mut line) = (0, 1);
    while let Ok((event, mark)) = parser.next_token() {
        while at < mark.index() {
            match chars.next() {
                Some(c) => line += usize::from(c == '\n'),
                None => break,
            }
            at += 1;
        }
        match event {
            Event::MappingStart(..) => walk.node(Node::Open(true), line),
            Event::SequenceStart(..) => walk.node(Node::Open(false), line),
            Event::MappingEnd | Event::SequenceEnd => walk.close(),
            Event::Scalar(text, ..) => walk.node(Node::Scalar(Some(text)), line),
            Event::Alias(_) => walk.node(Node::Scalar(None), line),
            Event::DocumentEnd | Event::StreamEnd => break,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segments: &[&str]) -> Vec<String> {
        segments.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn each_element_and_key_has_its_own_line() {
        let json = "{\"S\": [\n  {\"C\": {\"k\": 1}},\n  {\"C\":\n    {\"k\": [true, \"x\"]}}\n],\n\"\\u0054\": \"{\\\"a\\\": 1}\"}";
        let paths = [
            path(&["S", "0", "C", "k"]),
            path(&["S", "1", "C", "k"]),
            path(&["S", "1"]),
            path(&["T", "a"]),
            path(&["missing"]),
        ];
        assert_eq!(lines(json, false, &paths), [2, 4, 3, 6, 1]);
        let yaml = "S:\n  - C:\n      k: 1\n  - C: {k: [true, x]}\nT: |\n  {\"a\": 1}\n";
        assert_eq!(lines(yaml, true, &paths), [3, 4, 4, 5, 1]);
        // Breaks that YAML counts and editors do not (in a quoted scalar, here) count for nothing.
        let yaml = "S: [{C: {k: \"a\\rb\rc\u{85}d\u{2028}e\"}},\n {C: {k: 2}}]\n";
        assert_eq!(lines(yaml, true, &paths[..3]), [1, 2, 2]);
    }
}
