//! A small XPath evaluator over a roxmltree document, for the subset the FDA table uses:
//! absolute child steps, predicates `[n]`, `[@a='v']`, `[@a]`, `[starts-with(@a, 'v')]`, nested
//! relative paths `[a/b[@c='d']]`, the repeat placeholders `[r]`, `[i]`, `[k]` (any position),
//! placeholder values such as `'UUID of k-th drug'` (any value), a final `@attribute` or `text()`,
//! and the `substring(path, n)` wrapper (the prefix it strips is kept: the table uses it only to
//! drop `tel:`/`mailto:`).

use roxmltree::{Document, Node};

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

#[derive(Debug, Clone, PartialEq)]
struct QName {
    ns: Option<&'static str>,
    local: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Value(String),
    /// `'UUID of i-th reaction'` and the like: any value.
    Placeholder,
}

#[derive(Debug, Clone, PartialEq)]
enum Pred {
    Position(usize),
    AnyPosition,
    AttrEq(QName, Literal),
    AttrExists(QName),
    StartsWith(QName, String),
    Exists(Vec<Step>),
}

#[derive(Debug, Clone, PartialEq)]
struct Step {
    name: String,
    preds: Vec<Pred>,
}

#[derive(Debug, Clone, PartialEq)]
enum Target {
    Attr(QName),
    Text,
}

/// A parsed absolute path ending in an attribute or `text()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    steps: Vec<Step>,
    target: Target,
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.i..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.i += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), String> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(format!("expected '{token}' at {} in {}", self.i, self.s))
        }
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.i += 1;
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let len = self
            .rest()
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == ':'))
            .unwrap_or(self.rest().len());
        if len == 0 {
            return Err(format!("expected a name at {} in {}", self.i, self.s));
        }
        let name = self.rest()[..len].to_owned();
        self.i += len;
        Ok(name)
    }

    fn qname(&mut self) -> Result<QName, String> {
        let name = self.name()?;
        Ok(match name.split_once(':') {
            Some(("xsi", local)) => QName {
                ns: Some(XSI),
                local: local.to_owned(),
            },
            Some((prefix, _)) => return Err(format!("unknown prefix {prefix} in {}", self.s)),
            None => QName {
                ns: None,
                local: name,
            },
        })
    }

    fn literal(&mut self) -> Result<String, String> {
        self.expect("'")?;
        let end = self
            .rest()
            .find('\'')
            .ok_or_else(|| format!("unterminated literal in {}", self.s))?;
        let value = self.rest()[..end].to_owned();
        self.i += end + 1;
        Ok(value)
    }

    fn step(&mut self) -> Result<Step, String> {
        let name = self.name()?;
        let mut preds = Vec::new();
        while self.eat("[") {
            self.skip_ws();
            preds.push(self.predicate()?);
            self.skip_ws();
            self.expect("]")?;
        }
        Ok(Step { name, preds })
    }

    fn predicate(&mut self) -> Result<Pred, String> {
        let digits = self.rest().find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
        if digits > 0 {
            let n = self.rest()[..digits]
                .parse()
                .map_err(|e| format!("{e} in {}", self.s))?;
            self.i += digits;
            return Ok(Pred::Position(n));
        }
        for placeholder in ["r]", "i]", "k]"] {
            if self.rest().starts_with(placeholder) {
                self.i += 1;
                return Ok(Pred::AnyPosition);
            }
        }
        if self.eat("@") {
            let name = self.qname()?;
            self.skip_ws();
            if self.eat("=") {
                self.skip_ws();
                let value = self.literal()?;
                let literal = if value.starts_with("UUID of ") {
                    Literal::Placeholder
                } else {
                    Literal::Value(value)
                };
                return Ok(Pred::AttrEq(name, literal));
            }
            return Ok(Pred::AttrExists(name));
        }
        if self.eat("starts-with(") {
            self.skip_ws();
            self.expect("@")?;
            let name = self.qname()?;
            self.skip_ws();
            self.expect(",")?;
            self.skip_ws();
            let prefix = self.literal()?;
            self.skip_ws();
            self.expect(")")?;
            return Ok(Pred::StartsWith(name, prefix));
        }
        let mut steps = vec![self.step()?];
        while self.eat("/") {
            steps.push(self.step()?);
        }
        Ok(Pred::Exists(steps))
    }
}

/// Parses one XPath of the table.
pub fn parse(xpath: &str) -> Result<Path, String> {
    let mut text = xpath.trim();
    if let Some(inner) = text.strip_prefix("substring(") {
        // `substring(path, n)`; a few null paths of the table open the call and never close it.
        text = inner
            .strip_suffix(')')
            .and_then(|call| call.rsplit_once(','))
            .filter(|(_, n)| n.trim().bytes().all(|b| b.is_ascii_digit()))
            .map_or(inner, |(path, _)| path)
            .trim();
    }
    let mut p = Parser { s: text, i: 0 };
    let mut steps = Vec::new();
    loop {
        p.expect("/")?;
        if p.eat("@") {
            let target = Target::Attr(p.qname()?);
            return finish(p, steps, target);
        }
        if p.eat("text()") {
            return finish(p, steps, Target::Text);
        }
        steps.push(p.step()?);
    }
}

fn finish(p: Parser<'_>, steps: Vec<Step>, target: Target) -> Result<Path, String> {
    if p.rest().is_empty() {
        Ok(Path { steps, target })
    } else {
        Err(format!("trailing '{}' in {}", p.rest(), p.s))
    }
}

fn attribute<'a>(node: Node<'a, '_>, name: &QName) -> Option<&'a str> {
    match name.ns {
        Some(ns) => node.attribute((ns, name.local.as_str())),
        None => node.attribute(name.local.as_str()),
    }
}

fn holds(pred: &Pred, node: Node<'_, '_>) -> bool {
    match pred {
        Pred::AttrEq(name, Literal::Value(v)) => attribute(node, name) == Some(v.as_str()),
        Pred::AttrEq(name, Literal::Placeholder) | Pred::AttrExists(name) => {
            attribute(node, name).is_some()
        }
        Pred::StartsWith(name, prefix) => {
            attribute(node, name).is_some_and(|v| v.starts_with(prefix.as_str()))
        }
        Pred::Exists(steps) => !walk(vec![node], steps).is_empty(),
        Pred::Position(_) | Pred::AnyPosition => true,
    }
}

fn select<'a, 'i>(candidates: Vec<Node<'a, 'i>>, preds: &[Pred]) -> Vec<Node<'a, 'i>> {
    preds.iter().fold(candidates, |nodes, pred| match pred {
        Pred::Position(n) => nodes.get(n.wrapping_sub(1)).copied().into_iter().collect(),
        Pred::AnyPosition => nodes,
        other => nodes.into_iter().filter(|n| holds(other, *n)).collect(),
    })
}

fn walk<'a, 'i>(from: Vec<Node<'a, 'i>>, steps: &[Step]) -> Vec<Node<'a, 'i>> {
    steps.iter().fold(from, |context, step| {
        context
            .into_iter()
            .flat_map(|node| {
                let children = node
                    .children()
                    .filter(|c| c.is_element() && c.tag_name().name() == step.name)
                    .collect();
                select(children, &step.preds)
            })
            .collect()
    })
}

/// The values a path selects: attribute values, or the text of the selected elements.
pub fn evaluate(doc: &Document<'_>, path: &Path) -> Vec<String> {
    let Some((first, rest)) = path.steps.split_first() else {
        return Vec::new();
    };
    let root = doc.root_element();
    let start = if root.tag_name().name() == first.name {
        select(vec![root], &first.preds)
    } else {
        Vec::new()
    };
    walk(start, rest)
        .into_iter()
        .filter_map(|node| match &path.target {
            Target::Attr(name) => attribute(node, name).map(str::to_owned),
            Target::Text => {
                let text: String = node
                    .children()
                    .filter(|c| c.is_text())
                    .filter_map(|c| c.text())
                    .collect();
                Some(text.trim().to_owned())
            }
        })
        .collect()
}

/// The same path with its final attribute or `text()` replaced by `@nullFlavor`.
pub fn null_flavor_of(path: &Path) -> Path {
    Path {
        steps: path.steps.clone(),
        target: Target::Attr(QName {
            ns: None,
            local: "nullFlavor".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<r xmlns="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
        <a k="1"><b v="x"/><c>one</c></a>
        <a k="2"><b v="y"/><c>two</c><t value="tel:123"/></a>
        <a k="3"><v xsi:type="BL" nullFlavor="NI"/></a>
    </r>"#;

    fn eval(xpath: &str) -> Vec<String> {
        let doc = Document::parse(DOC).expect("test document");
        evaluate(&doc, &parse(xpath).expect("test path"))
    }

    #[test]
    fn positions_apply_after_the_predicates_before_them() {
        assert_eq!(eval("/r/a[1]/@k"), vec!["1"]);
        assert_eq!(eval("/r/a[b][2]/@k"), vec!["2"]);
        assert_eq!(eval("/r/a[r]/@k"), vec!["1", "2", "3"]);
        assert_eq!(eval("/r/a[4]/@k"), Vec::<String>::new());
    }

    #[test]
    fn nested_paths_attributes_and_text() {
        assert_eq!(eval("/r/a[b[@v='y']]/c/text()"), vec!["two"]);
        assert_eq!(eval("/r/a[@k='1']/c/text()"), vec!["one"]);
        assert_eq!(eval("/r/a/v[@xsi:type='BL']/@nullFlavor"), vec!["NI"]);
        assert_eq!(eval("/r/a/b[@v='UUID of k-th drug']/@v"), vec!["x", "y"]);
        assert_eq!(
            eval("substring(/r/a/t[starts-with(@value, 'tel:')][1]/@value, 5)"),
            vec!["tel:123"]
        );
        assert_eq!(
            eval("substring(/r/a/t[starts-with(@value,'tel')]/@value"),
            vec!["tel:123"],
            "unclosed substring"
        );
        assert!(eval("/q/a/@k").is_empty(), "another root");
    }

    #[test]
    fn malformed_paths_are_errors() {
        assert!(parse("/r/a[@k=''1']/@k").is_err());
        assert!(parse("r/a/@k").is_err());
        assert!(parse("/r/a[@k='1'/@k").is_err());
    }
}
