//! HTML form bodies (`application/x-www-form-urlencoded`): the fields of a good form as a tree, the
//! tree's edits applied (values swapped for hostile ones, fields removed, repeated and added), and
//! the pairs encoded right, with spaces as `+`, or not at all.

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

use super::text::percent_encode;
use super::tree::{Node, Syntax, edited_tree};

/// A form as its pairs, in order (a name may repeat, as checkboxes do).
pub fn seed(pairs: &[(&str, &str)]) -> Node {
    Node::Table(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Node::Str((*v).to_owned())))
            .collect(),
    )
}

/// How the pairs are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Percent,
    PlusForSpace,
    Raw,
}

fn text_of(n: &Node) -> String {
    match n {
        Node::Str(s) | Node::Raw(s) => s.clone(),
        other => other.write(Syntax::Json),
    }
}

fn pairs_of(n: &Node) -> Vec<(String, String)> {
    match n {
        Node::Table(t) => t
            .iter()
            .flat_map(|(k, v)| match v {
                // A list is the same name repeated, as checkboxes send it.
                Node::Array(items) => items.iter().map(|i| (k.clone(), text_of(i))).collect(),
                other => vec![(k.clone(), text_of(other))],
            })
            .collect(),
        other => vec![(text_of(other), String::new())],
    }
}

fn encode(s: &str, e: Encoding) -> String {
    match e {
        Encoding::Percent => percent_encode(s),
        Encoding::PlusForSpace => percent_encode(s).replace("%20", "+"),
        Encoding::Raw => s.to_owned(),
    }
}

/// The body of a form.
pub fn body(n: &Node, e: Encoding) -> String {
    pairs_of(n)
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k, e), encode(v, e)))
        .collect::<Vec<_>>()
        .join("&")
}

/// One of `seeds` edited and encoded.
pub fn edited_form(seeds: Vec<Node>) -> BoxedStrategy<String> {
    (
        edited_tree(seeds, Syntax::Json),
        prop_oneof![
            10 => Just(Encoding::PlusForSpace),
            5 => Just(Encoding::Percent),
            1 => Just(Encoding::Raw),
        ],
    )
        .prop_map(|(n, e)| body(&n, e))
        .boxed()
}
