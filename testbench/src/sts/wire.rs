//! STS's Query protocol on the wire: a request's decoded parameters, and results and errors
//! rendered as the XML STS sends (indented by two spaces, ending with a newline).

use std::collections::BTreeMap;

use crate::http::{Request, Response};

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The parameters of a Query request: those of the query string, then those of a
/// form-urlencoded body (which win).
pub fn params(request: &Request) -> BTreeMap<String, String> {
    let mut params: BTreeMap<String, String> = request.query_pairs().into_iter().collect();
    params.extend(form_urlencoded::parse(&request.body).into_owned());
    params
}

/// An XML element: text, or nested elements.
pub enum Xml {
    Text(String, String),
    Element(String, Vec<Xml>),
}

/// `<name>value</name>`, the value escaped when rendered.
pub fn text(name: &str, value: impl Into<String>) -> Xml {
    Xml::Text(name.into(), value.into())
}

/// `<name>children</name>`.
pub fn element(name: &str, children: Vec<Xml>) -> Xml {
    Xml::Element(name.into(), children)
}

impl Xml {
    fn render(&self, depth: usize, out: &mut String) {
        let indent = "  ".repeat(depth);
        match self {
            Xml::Text(name, value) => {
                out.push_str(&format!("{indent}<{name}>{}</{name}>\n", escape(value)));
            }
            Xml::Element(name, children) => {
                out.push_str(&format!("{indent}<{name}>\n"));
                for child in children {
                    child.render(depth + 1, out);
                }
                out.push_str(&format!("{indent}</{name}>\n"));
            }
        }
    }
}

/// Gives every element named `name`, at any depth, the text `value`, or removes it when
/// `value` is `None`.
pub fn rewrite(nodes: &mut Vec<Xml>, name: &str, value: Option<&str>) {
    if value.is_none() {
        nodes.retain(|node| match node {
            Xml::Text(n, _) | Xml::Element(n, _) => n != name,
        });
    }
    for node in nodes.iter_mut() {
        match node {
            Xml::Text(n, text) if n == name => *text = value.unwrap_or_default().to_owned(),
            Xml::Element(n, _) if n == name => {
                *node = Xml::Text(name.to_owned(), value.unwrap_or_default().to_owned());
            }
            Xml::Element(_, children) => rewrite(children, name, value),
            Xml::Text(..) => {}
        }
    }
}

/// A document whose root element carries the STS namespace.
fn document(root: &str, children: &[Xml]) -> String {
    let mut out = format!("<{root} xmlns=\"{NAMESPACE}\">\n");
    for child in children {
        child.render(1, &mut out);
    }
    out.push_str(&format!("</{root}>\n"));
    out
}

/// Escapes text content (quotes stay as they are, as in STS's answers).
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn xml_response(status: u16, request_id: &str, body: String) -> Response {
    Response::new(status)
        .header("x-amzn-RequestId", request_id)
        .header("Content-Type", "text/xml")
        .body(body)
}

/// `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…` with status 200.
pub fn success(action: &str, result: Vec<Xml>, request_id: &str) -> Response {
    let body = document(
        &format!("{action}Response"),
        &[
            Xml::Element(format!("{action}Result"), result),
            element("ResponseMetadata", vec![text("RequestId", request_id)]),
        ],
    );
    xml_response(200, request_id, body)
}

/// Status 200 with `<ActionResponse><ActionResult>` closed in the wrong order: not XML.
pub fn malformed(action: &str, request_id: &str) -> Response {
    let body = format!(
        "<{action}Response xmlns=\"{NAMESPACE}\">\n  \
         <{action}Result>\n    <Credentials>\n  </{action}Result>\n</Credentials>\n"
    );
    xml_response(200, request_id, body)
}

/// An STS error: its HTTP status, code and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl StsError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> StsError {
        StsError {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// `ValidationError`, status 400.
    pub fn validation(message: impl Into<String>) -> StsError {
        StsError::new(400, "ValidationError", message)
    }

    /// `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code>…` with the error's status.
    pub fn response(&self, request_id: &str) -> Response {
        let kind = if self.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        };
        let body = document(
            "ErrorResponse",
            &[
                element(
                    "Error",
                    vec![
                        text("Type", kind),
                        text("Code", self.code.as_str()),
                        text("Message", self.message.as_str()),
                    ],
                ),
                text("RequestId", request_id),
            ],
        );
        xml_response(self.status, request_id, body)
    }
}
