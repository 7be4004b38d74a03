//! Markdown runbooks parsed into blocks a pane can draw, with every ```sh block a numbered step.
//!
//! Runbooks follow one narrow template (`runbooks/README.md`), so a line-based reader covers
//! what they use: headings, paragraphs, bullet and numbered lists, fenced code, inline code,
//! bold and links. Anything else is kept as paragraph text, never dropped.

/// A parsed runbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runbook {
    /// The text of the first `# ` heading (the alertname in shipped runbooks).
    pub title: Option<String>,
    pub blocks: Vec<Block>,
    /// Every ```sh block, in file order; `steps[i].number == i + 1`.
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading {
        level: u8,
        text: Vec<Inline>,
    },
    Paragraph(Vec<Inline>),
    ListItem {
        /// Nesting depth, 0 for a top-level item.
        depth: usize,
        marker: ListMarker,
        text: Vec<Inline>,
    },
    Code {
        info: String,
        text: String,
        /// The step number when this block is a step.
        step: Option<usize>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListMarker {
    Bullet,
    Number(u32),
}

/// Inline Markdown inside a heading, paragraph or list item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Code(String),
    Strong(String),
    Link { text: String, url: String },
}

/// A command the user may run, with the line that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub number: usize,
    /// The `##` section it sits in (`Diagnosis`, `Mitigation`, ...), empty before any.
    pub section: String,
    /// The text of the paragraph or list item just before the block.
    pub explanation: String,
    /// The command as written, placeholders and all.
    pub command: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("line {line}: the code block opened here is never closed (add a line with ```)")]
    UnclosedFence { line: usize },
}

/// The info string that marks a fenced block as a runnable step.
const STEP_INFO: &str = "sh";

/// The sections every shipped runbook has, in this order.
pub const SECTIONS: [&str; 5] = ["Meaning", "Impact", "Diagnosis", "Mitigation", "Escalation"];

/// Parse a Markdown runbook.
pub fn parse(markdown: &str) -> Result<Runbook, ParseError> {
    let mut runbook = Runbook {
        title: None,
        blocks: Vec::new(),
        steps: Vec::new(),
    };
    let mut section = String::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut last_text = String::new();
    let mut lines = markdown.lines().enumerate();

    while let Some((index, line)) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            flush_paragraph(&mut runbook.blocks, &mut paragraph, &mut last_text);
            let mut body = Vec::new();
            let mut closed = false;
            for (_, inner) in lines.by_ref() {
                if inner.trim_start().starts_with("```") {
                    closed = true;
                    break;
                }
                body.push(inner);
            }
            if !closed {
                return Err(ParseError::UnclosedFence { line: index + 1 });
            }
            let info = info.trim().to_string();
            let text = body.join("\n");
            let step = if info == STEP_INFO && !text.trim().is_empty() {
                let number = runbook.steps.len() + 1;
                runbook.steps.push(Step {
                    number,
                    section: section.clone(),
                    explanation: last_text.clone(),
                    command: text.trim().to_string(),
                });
                Some(number)
            } else {
                None
            };
            runbook.blocks.push(Block::Code { info, text, step });
            continue;
        }
        if trimmed.is_empty() {
            flush_paragraph(&mut runbook.blocks, &mut paragraph, &mut last_text);
            continue;
        }
        if let Some((level, text)) = heading(trimmed) {
            flush_paragraph(&mut runbook.blocks, &mut paragraph, &mut last_text);
            if level == 1 && runbook.title.is_none() {
                runbook.title = Some(text.to_string());
            }
            if level == 2 {
                section = text.to_string();
            }
            runbook.blocks.push(Block::Heading {
                level,
                text: inlines(text),
            });
            continue;
        }
        if let Some((marker, text)) = list_item(trimmed) {
            flush_paragraph(&mut runbook.blocks, &mut paragraph, &mut last_text);
            let indent = line.len() - trimmed.len();
            last_text = plain(&inlines(text));
            runbook.blocks.push(Block::ListItem {
                depth: indent / 2,
                marker,
                text: inlines(text),
            });
            continue;
        }
        paragraph.push(line.trim());
    }
    flush_paragraph(&mut runbook.blocks, &mut paragraph, &mut last_text);
    Ok(runbook)
}

impl Runbook {
    /// The step with this number (1-based), if there is one.
    pub fn step(&self, number: usize) -> Option<&Step> {
        number.checked_sub(1).and_then(|i| self.steps.get(i))
    }

    /// Where this runbook departs from the shipped template (`runbooks/README.md`): the title,
    /// the five sections in order, at least one step and one in Diagnosis.
    pub fn format_problems(&self, alertname: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if self.title.as_deref() != Some(alertname) {
            problems.push(format!(
                "the first heading is {:?}, expected `# {alertname}`",
                self.title
            ));
        }
        let sections: Vec<String> = self
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level: 2, text } => Some(plain(text)),
                _ => None,
            })
            .collect();
        if sections != SECTIONS {
            problems.push(format!(
                "sections are {sections:?}, expected {SECTIONS:?} in that order"
            ));
        }
        if self.steps.is_empty() {
            problems.push("it has no ```sh step".into());
        }
        if !self.steps.iter().any(|s| s.section == "Diagnosis") {
            problems.push("Diagnosis has no ```sh step".into());
        }
        for block in &self.blocks {
            if let Block::Code { info, .. } = block {
                if info != STEP_INFO {
                    problems.push(format!("a fenced block has info string {info:?}, not `sh`"));
                }
            }
        }
        for step in &self.steps {
            if step.command.lines().count() != 1 {
                problems.push(format!("step {} holds more than one line", step.number));
            }
            if step.explanation.is_empty() {
                problems.push(format!("step {} has no explanation line", step.number));
            }
        }
        problems
    }
}

fn flush_paragraph(blocks: &mut Vec<Block>, paragraph: &mut Vec<&str>, last_text: &mut String) {
    if paragraph.is_empty() {
        return;
    }
    let text = inlines(&paragraph.join(" "));
    *last_text = plain(&text);
    blocks.push(Block::Paragraph(text));
    paragraph.clear();
}

fn heading(line: &str) -> Option<(u8, &str)> {
    let hashes = line.chars().take_while(|c| *c == '#').count();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    let rest = &line[hashes..];
    if rest.is_empty() {
        return Some((hashes as u8, ""));
    }
    rest.strip_prefix(' ')
        .map(|text| (hashes as u8, text.trim().trim_end_matches('#').trim_end()))
}

fn list_item(line: &str) -> Option<(ListMarker, &str)> {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(text) = line.strip_prefix(bullet) {
            return Some((ListMarker::Bullet, text.trim()));
        }
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let rest = &line[digits..];
    let text = rest
        .strip_prefix(". ")
        .or_else(|| rest.strip_prefix(") "))?;
    let number = line[..digits].parse().ok()?;
    Some((ListMarker::Number(number), text.trim()))
}

/// Split a line into text, `code`, **strong** and [links](url).
pub fn inlines(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut plain_run = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let parsed = match c {
            '`' => rest[1..]
                .find('`')
                .map(|end| (Inline::Code(rest[1..1 + end].to_string()), end + 2)),
            '*' if rest.starts_with("**") => rest[2..]
                .find("**")
                .filter(|end| *end > 0)
                .map(|end| (Inline::Strong(rest[2..2 + end].to_string()), end + 4)),
            '[' => link(rest),
            _ => None,
        };
        match parsed {
            Some((inline, used)) => {
                if !plain_run.is_empty() {
                    out.push(Inline::Text(std::mem::take(&mut plain_run)));
                }
                out.push(inline);
                rest = &rest[used..];
            }
            None => {
                plain_run.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if !plain_run.is_empty() {
        out.push(Inline::Text(plain_run));
    }
    out
}

/// `[text](url)` at the start of `s`: the link and the bytes it used.
fn link(s: &str) -> Option<(Inline, usize)> {
    let close = s.find("](")?;
    let text = &s[1..close];
    if text.contains('[') {
        return None;
    }
    let url_start = close + 2;
    let url_len = s[url_start..].find(')')?;
    let url = &s[url_start..url_start + url_len];
    let text = text.trim_matches('`');
    Some((
        Inline::Link {
            text: text.to_string(),
            url: url.to_string(),
        },
        url_start + url_len + 1,
    ))
}

/// The inlines as plain text (markup removed, link targets dropped).
pub fn plain(inlines: &[Inline]) -> String {
    inlines
        .iter()
        .map(|i| match i {
            Inline::Text(t) | Inline::Code(t) | Inline::Strong(t) => t.as_str(),
            Inline::Link { text, .. } => text.as_str(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# SampleAlert\n\nOne line summary.\n\n## Diagnosis\n\n1. Check `up` for the **job**.\n\n```sh\nkubectl get pods -l app=$job\n```\n\n- see [docs](https://example.com/x)\n\n```promql\nup\n```\n";

    #[test]
    fn steps_carry_number_section_and_explanation() {
        let rb = parse(SAMPLE).unwrap();
        assert_eq!(rb.title.as_deref(), Some("SampleAlert"));
        assert_eq!(rb.steps.len(), 1);
        let step = rb.step(1).unwrap();
        assert_eq!(step.section, "Diagnosis");
        assert_eq!(step.command, "kubectl get pods -l app=$job");
        assert_eq!(step.explanation, "Check up for the job.");
        assert!(rb.step(0).is_none() && rb.step(2).is_none());
    }

    #[test]
    fn blocks_keep_headings_lists_code_and_links() {
        let rb = parse(SAMPLE).unwrap();
        assert!(rb.blocks.contains(&Block::ListItem {
            depth: 0,
            marker: ListMarker::Bullet,
            text: vec![
                Inline::Text("see ".into()),
                Inline::Link {
                    text: "docs".into(),
                    url: "https://example.com/x".into()
                }
            ],
        }));
        assert!(rb.blocks.iter().any(|b| matches!(b,
            Block::Code { info, step: None, .. } if info == "promql")));
        assert!(matches!(&rb.blocks[0], Block::Heading { level: 1, .. }));
    }

    #[test]
    fn an_unclosed_fence_is_an_error_naming_the_line() {
        let err = parse("# A\n\n```sh\nls\n").unwrap_err();
        assert_eq!(err, ParseError::UnclosedFence { line: 3 });
    }

    #[test]
    fn inline_markup() {
        assert_eq!(
            inlines("a `b` **c** [d](e) [f"),
            vec![
                Inline::Text("a ".into()),
                Inline::Code("b".into()),
                Inline::Text(" ".into()),
                Inline::Strong("c".into()),
                Inline::Text(" ".into()),
                Inline::Link {
                    text: "d".into(),
                    url: "e".into()
                },
                Inline::Text(" [f".into()),
            ]
        );
    }
}
