//! The HTML and Markdown reports parsed as a browser or GitHub would parse them: hostile text
//! (markup, entities, quotes, pipes, newlines, backticks, terminal escapes) in check names,
//! messages, runtime output and facts shows as itself and never becomes markup, and the
//! documents have the promised structure (summary, areas, every failure with its spec sentence
//! and link, the matrix).

use oci_check_model::{CheckResult, Level, Outcome, Run, RunKind};
use oci_check_reports::{render, render_matrix, Column, Format, Matrix, Options};
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use quick_xml::events::Event as XmlEvent;
use std::collections::BTreeSet;

const NAME: &str = "area::check_<b>&amp;\"quoted\"'single'|pipe`tick`";
const MESSAGE: &str = "line one <script>alert(1)</script> & more\nline | two `tick` *star* _under_ [link](javascript:x) </p> ]]> <!-- c -->\n# not a heading\n- not a list\n1. nor this";
const EXPECTED: &str = "```\n</pre><b>x</b>\n```";
const OBSERVED: &str = "exit 1; stderr: \"<error> & 'quoted'\"";
const SPEC_TEXT: &str = "The runtime MUST <do> this & that | *really*.";
const SPEC: &str = "https://github.com/opencontainers/runtime-spec/blob/v1.3.0/runtime.md#start";
const DETAILS: &str =
    "runtime calls:\n$ runc create <id>\nstderr: \u{1b}[31mred\u{1b}[0m </details> ```";
const VERSION: &str = "evil <runtime> & \"v1\" | 2";

/// A runtime run with a hostile failure, a failure whose spec link is no http link, a known
/// deviation, a pass and a skip.
fn hostile_run(subject: &str) -> Run {
    let mut run = Run::new(RunKind::Runtime, subject, "1.3.0");
    run.facts.insert("runtime.version".into(), VERSION.into());
    run.facts.insert("host.kernel".into(), "6.18".into());
    let mut f = CheckResult::new(NAME, Outcome::Fail, Level::Error);
    f.title = Some("a <title> & more".into());
    f.message = MESSAGE.into();
    f.expected = Some(EXPECTED.into());
    f.observed = Some(OBSERVED.into());
    f.spec = Some(SPEC.into());
    f.spec_text = Some(SPEC_TEXT.into());
    f.requirements = vec!["req.<one>".into(), "req|two".into()];
    f.area = Some("area<x>".into());
    f.details = Some(DETAILS.into());
    let mut js = CheckResult::new("lifecycle::js_link", Outcome::Fail, Level::Warning);
    js.message = "a finding whose link is not http".into();
    js.spec = Some("javascript:alert(1)".into());
    js.area = Some("lifecycle".into());
    let mut x = CheckResult::new("lifecycle::known", Outcome::Xfail, Level::Error);
    x.message = "known deviation (runc does this): it failed".into();
    x.spec_text = Some("The known sentence.".into());
    x.area = Some("lifecycle".into());
    let mut p = CheckResult::new("lifecycle::fine", Outcome::Pass, Level::Error);
    p.message = "fine".into();
    p.area = Some("lifecycle".into());
    let mut s = CheckResult::new("lifecycle::skipped", Outcome::Skip, Level::Error);
    s.message = "the host has no <thing>".into();
    s.area = Some("lifecycle".into());
    run.results = vec![f, js, x, p, s];
    run
}

/// How the reports show control characters: as Control Pictures.
fn visible(s: &str) -> String {
    s.replace('\u{1b}', "\u{241b}")
}

// ---- a strict parse of the HTML -------------------------------------------------------------

#[derive(Debug)]
enum Node {
    Element {
        name: String,
        attrs: Vec<(String, String)>,
        children: Vec<Node>,
    },
    Text(String),
}

impl Node {
    fn text(&self) -> String {
        match self {
            Node::Text(t) => t.clone(),
            Node::Element { children, .. } => children.iter().map(Node::text).collect(),
        }
    }

    fn attr(&self, key: &str) -> Option<&str> {
        match self {
            Node::Element { attrs, .. } => attrs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str()),
            Node::Text(_) => None,
        }
    }

    fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|c| c.split_whitespace().any(|x| x == class))
    }

    /// Every element below (and including) this one, in document order.
    fn all(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        if let Node::Element { children, .. } = self {
            out.push(self);
            for c in children {
                out.extend(c.all());
            }
        }
        out
    }

    fn named(&self, tag: &str) -> Vec<&Node> {
        self.all()
            .into_iter()
            .filter(|n| matches!(n, Node::Element { name, .. } if name == tag))
            .collect()
    }
}

/// Parses `html` as XML (end tags must match, entities must be known); panics otherwise.
fn parse_html(html: &str) -> Node {
    let mut reader = quick_xml::Reader::from_str(html);
    let mut stack = vec![element("#document", vec![])];
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed at byte {at}: {e}"));
        match event {
            XmlEvent::Start(e) => stack.push(element_of(&e)),
            XmlEvent::Empty(e) => append(&mut stack, element_of(&e)),
            XmlEvent::End(_) => {
                let done = stack.pop().expect("an open element");
                append(&mut stack, done);
            }
            XmlEvent::Text(t) => append(&mut stack, Node::Text(t.decode().unwrap().into_owned())),
            XmlEvent::GeneralRef(r) => {
                let c = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => match &*r.decode().unwrap() {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => panic!("entity &{other}; is not XML's"),
                    },
                };
                append(&mut stack, Node::Text(c));
            }
            XmlEvent::CData(_) | XmlEvent::Comment(_) | XmlEvent::PI(_) => {
                panic!("the report has no CDATA, comments or processing instructions: {event:?}")
            }
            XmlEvent::Eof => break,
            XmlEvent::Decl(_) | XmlEvent::DocType(_) => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    stack.pop().unwrap()
}

fn element(name: &str, attrs: Vec<(String, String)>) -> Node {
    Node::Element {
        name: name.into(),
        attrs,
        children: vec![],
    }
}

fn element_of(e: &quick_xml::events::BytesStart) -> Node {
    let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
    let attrs = e
        .attributes()
        .map(|a| {
            let a = a.expect("a well-formed attribute");
            (
                String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .expect("known entities")
                    .into_owned(),
            )
        })
        .collect();
    element(&name, attrs)
}

fn append(stack: &mut [Node], n: Node) {
    match stack.last_mut() {
        Some(Node::Element { children, .. }) => children.push(n),
        _ => unreachable!("the stack holds elements"),
    }
}

/// Nothing active or fetched; every link a fragment that exists here, or an https link.
fn assert_inert(doc: &Node) {
    let ids: BTreeSet<&str> = doc.all().iter().filter_map(|n| n.attr("id")).collect();
    for n in doc.all() {
        let Node::Element { name, attrs, .. } = n else {
            continue;
        };
        assert!(
            ![
                "script", "img", "iframe", "object", "embed", "link", "base", "form", "input",
                "svg", "video", "audio"
            ]
            .contains(&name.as_str()),
            "<{name}> in the report"
        );
        for (k, v) in attrs {
            assert!(!k.starts_with("on"), "event handler {k}={v:?} on <{name}>");
            assert!(k != "src", "<{name} src={v:?}>");
            if k == "href" {
                match v.strip_prefix('#') {
                    Some(id) => assert!(ids.contains(id), "link to #{id}, which is not here"),
                    None => assert!(v.starts_with("https://"), "href={v:?}"),
                }
            }
        }
    }
}

fn texts_of(doc: &Node, tag: &str) -> Vec<String> {
    doc.named(tag).iter().map(|n| n.text()).collect()
}

#[test]
fn html_shows_hostile_text_as_itself_and_never_as_markup() {
    let html = render(&hostile_run("runc"), Format::Html, &Options::default());
    let doc = parse_html(&html);
    assert_inert(&doc);
    let paragraphs = texts_of(&doc, "p");
    assert!(paragraphs.contains(&MESSAGE.to_string()), "{paragraphs:#?}");
    let pres = texts_of(&doc, "pre");
    for want in [EXPECTED, OBSERVED] {
        assert!(
            pres.contains(&want.to_string()),
            "{want:?} not in {pres:#?}"
        );
    }
    assert!(pres.contains(&visible(DETAILS)), "{pres:#?}");
    assert!(texts_of(&doc, "blockquote").contains(&SPEC_TEXT.to_string()));
    assert!(texts_of(&doc, "code").contains(&NAME.to_string()));
    assert!(texts_of(&doc, "td").contains(&VERSION.to_string()));
    assert_eq!(
        texts_of(&doc, "title"),
        ["oci-check conformance report: runc"]
    );
    // The spec link is a link; the javascript: one only text.
    let hrefs: Vec<&str> = doc
        .named("a")
        .iter()
        .filter_map(|a| a.attr("href"))
        .collect();
    assert!(hrefs.contains(&SPEC));
    assert!(texts_of(&doc, "code").contains(&"javascript:alert(1)".to_string()));
}

#[test]
fn html_has_summary_facts_areas_and_every_failure_in_full() {
    let html = render(&hostile_run("runc"), Format::Html, &Options::default());
    let doc = parse_html(&html);
    let sections: Vec<&str> = doc
        .named("section")
        .iter()
        .filter_map(|s| s.attr("id"))
        .collect();
    assert_eq!(
        sections,
        ["summary", "areas", "failures", "known", "checks"]
    );
    // The summary counts by outcome.
    let counts = &doc.named("table")[0];
    let rows: Vec<String> = counts.named("tr").iter().map(|r| r.text()).collect();
    for want in [
        "passed1",
        "errors1",
        "warnings1",
        "skipped1",
        "xfail (known deviations)1",
        "total5",
    ] {
        assert!(rows.contains(&want.to_string()), "{want} not in {rows:?}");
    }
    // One entry per failure and known deviation, each with expected, observed, spec, IDs.
    let articles = doc.named("article");
    assert_eq!(articles.len(), 3);
    let hostile = articles[0].text();
    for want in [
        "Expected",
        "Observed",
        "Spec",
        SPEC_TEXT,
        SPEC,
        "Requirements",
        "req.<one>",
        "req|two",
    ] {
        assert!(hostile.contains(want), "{want} not in {hostile}");
    }
    assert!(articles[2].has_class("xfail"));
    // The areas table: one row per area, counted.
    let areas: Vec<String> = doc.named("table")[2]
        .named("tr")
        .iter()
        .map(|r| r.text())
        .collect();
    assert_eq!(
        areas,
        [
            "areapassfailskipxfailxpasstotal",
            "area<x>010001",
            "lifecycle111104"
        ]
    );
    // Every check listed, failures linked to their entry.
    assert_eq!(doc.named("table").last().unwrap().named("tr").len(), 6);
}

#[test]
fn html_matrix_has_a_row_per_check_and_a_column_per_runtime() {
    let doc = parse_html(&render_matrix(&matrix(), Format::Html, &Options::default()).unwrap());
    assert_inert(&doc);
    let table = doc
        .named("table")
        .into_iter()
        .find(|t| t.has_class("matrix"))
        .expect("a matrix table");
    let rows = table.named("tr");
    let head: Vec<String> = rows[0].named("th").iter().map(|c| c.text()).collect();
    assert_eq!(
        head,
        ["", "check", "requirements", "runc", "broken", "youki"]
    );
    assert_eq!(rows.len(), 1 + 5);
    let start = rows
        .iter()
        .find(|r| r.text().contains(NAME))
        .expect("the hostile check's row");
    assert!(start.has_class("differs"));
    let cells: Vec<String> = start.named("td").iter().skip(2).map(|c| c.text()).collect();
    assert_eq!(cells, ["PASS", "FAIL", "–"]);
    let same = rows
        .iter()
        .find(|r| r.text().contains("lifecycle::fine"))
        .unwrap();
    assert!(!same.has_class("differs"));
    // The runtimes, one of which could not run, and a section per runtime.
    let runtimes = texts_of(&doc, "td").join("\n");
    assert!(runtimes.contains("youki not found on PATH"), "{runtimes}");
    let sections: Vec<&str> = doc
        .named("section")
        .iter()
        .filter_map(|s| s.attr("id"))
        .collect();
    for id in ["runtimes", "matrix", "r1", "r2", "r3", "r2-failures"] {
        assert!(sections.contains(&id), "{id} not in {sections:?}");
    }
}

/// runc passing the hostile check, a broken runtime failing it, one that could not run.
fn matrix() -> Matrix {
    let mut good = hostile_run("runc");
    good.results[0].outcome = Outcome::Pass;
    Matrix {
        columns: vec![
            Column {
                label: "runc".into(),
                run: Ok(good),
            },
            Column {
                label: "broken".into(),
                run: Ok(hostile_run("broken")),
            },
            Column {
                label: "youki".into(),
                run: Err("youki not found on PATH".into()),
            },
        ],
    }
}

// ---- Markdown, parsed as GitHub-flavoured Markdown ---------------------------------------------

/// The text of every paragraph, heading, table cell and code block, with `<br>` as a newline,
/// after checking the document has no markup but the writer's own.
fn markdown_leaves(md: &str) -> Vec<String> {
    let opts = pulldown_cmark::Options::ENABLE_TABLES
        | pulldown_cmark::Options::ENABLE_STRIKETHROUGH
        | pulldown_cmark::Options::ENABLE_MATH
        | pulldown_cmark::Options::ENABLE_FOOTNOTES;
    let mut leaves = Vec::new();
    let mut current: Option<String> = None;
    for event in Parser::new_ext(md, opts) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => panic!("an indented block"),
            Event::Start(
                Tag::Paragraph | Tag::Heading { .. } | Tag::TableCell | Tag::CodeBlock(_),
            ) => current = Some(String::new()),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::TableCell | TagEnd::CodeBlock,
            ) => leaves.push(current.take().unwrap_or_default()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(c) = &mut current {
                    c.push_str(&t)
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(c) = &mut current {
                    c.push('\n')
                }
            }
            Event::InlineHtml(h) => {
                assert_eq!(&*h, "<br>", "inline HTML that is not the writer's");
                if let Some(c) = &mut current {
                    c.push('\n')
                }
            }
            Event::Html(h) => {
                let h = h.trim();
                let ours = h == "</details>"
                    || (h.starts_with("<details")
                        && h.ends_with("</summary>")
                        && h.matches('<').count() == 3
                        && !h.contains("<script"));
                assert!(ours, "an HTML block that is not the writer's: {h:?}");
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                assert!(dest_url.starts_with("https://"), "link to {dest_url}")
            }
            Event::Start(Tag::Image { .. }) => panic!("an image"),
            Event::InlineMath(m) | Event::DisplayMath(m) => panic!("math: {m}"),
            Event::Start(Tag::Strikethrough) => panic!("strikethrough"),
            Event::FootnoteReference(f) => panic!("footnote {f}"),
            Event::Start(Tag::List(_)) => panic!("a list: the writer makes none"),
            _ => {}
        }
    }
    leaves
}

#[test]
fn markdown_shows_hostile_text_as_itself_and_never_as_markup() {
    let md = render(&hostile_run("runc"), Format::Markdown, &Options::default());
    let leaves = markdown_leaves(&md);
    let count = |s: &str| leaves.iter().filter(|l| *l == s).count();
    // The message: once as the failure's paragraph, once in the table of every check.
    assert_eq!(count(MESSAGE), 2, "{leaves:#?}");
    assert_eq!(count(&format!("{EXPECTED}\n")), 1, "{leaves:#?}");
    assert_eq!(count(&format!("{OBSERVED}\n")), 1, "{leaves:#?}");
    assert_eq!(count(&format!("{}\n", visible(DETAILS))), 1, "{leaves:#?}");
    assert_eq!(count(&format!("“{SPEC_TEXT}”")), 1, "{leaves:#?}");
    assert_eq!(count(VERSION), 1, "{leaves:#?}");
    assert_eq!(count("req.<one>, req|two"), 1, "{leaves:#?}");
    assert_eq!(
        count(NAME),
        1,
        "the check's name in the table of every check: {leaves:#?}"
    );
    assert!(
        leaves.contains(&format!("FAIL error {NAME}")),
        "{leaves:#?}"
    );
}

#[test]
fn markdown_has_summary_areas_and_every_failure_in_full() {
    let md = render(&hostile_run("runc"), Format::Markdown, &Options::default());
    let leaves = markdown_leaves(&md);
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        headings,
        [
            "## Summary",
            "## Areas",
            "## Failures (2)",
            "## Known deviations (1)",
            "## All checks"
        ]
    );
    for want in [
        "errors",
        "xfail (known deviations)",
        "runtime.version",
        "area<x>",
        SPEC,
    ] {
        assert!(
            leaves.iter().any(|l| l == want),
            "{want} not in {leaves:#?}"
        );
    }
    assert!(md.contains(&format!("]({SPEC})")), "the spec link");
    assert!(
        leaves.contains(&"Spec link: javascript:alert(1)".to_string()),
        "{leaves:#?}"
    );
}

#[test]
fn markdown_matrix_has_a_row_per_check_and_a_column_per_runtime() {
    let md = render_matrix(&matrix(), Format::Markdown, &Options::default()).unwrap();
    let leaves = markdown_leaves(&md);
    let row = leaves
        .windows(6)
        .find(|w| w[1] == NAME && w[0] == "≠")
        .unwrap_or_else(|| panic!("no row for the hostile check: {leaves:#?}"));
    assert_eq!(row[3..], ["PASS", "FAIL", "–"]);
    assert!(leaves
        .windows(3)
        .any(|w| w[0].is_empty() && w[1] == "lifecycle::fine"));
    assert!(
        leaves.contains(&"youki not found on PATH".to_string()),
        "{leaves:#?}"
    );
    for h in [
        "## Runtimes",
        "## Matrix",
        "## runc",
        "## broken",
        "## youki",
        "### Failures (2)",
    ] {
        assert!(md.lines().any(|l| l == h), "{h} missing:\n{md}");
    }
}

#[test]
fn json_and_human_matrices_and_single_run_formats_refuse_a_matrix() {
    let m = matrix();
    let v: serde_json::Value =
        serde_json::from_str(&render_matrix(&m, Format::Json, &Options::default()).unwrap())
            .unwrap();
    assert_eq!(v["format"], "oci-check-matrix/v1");
    assert_eq!(v["checks"][0]["outcomes"]["broken"], "fail");
    let human = render_matrix(&m, Format::Human, &Options::default()).unwrap();
    assert!(
        human.contains("\n* PASS   FAIL    -      area::check_"),
        "{human}"
    );
    for f in [Format::Tap, Format::Junit, Format::Sarif] {
        let e = render_matrix(&m, f, &Options::default()).unwrap_err();
        assert!(e.contains("holds one run"), "{e}");
    }
}
