//! A notice as every channel receives it: a subject, a Markdown body and links. Built
//! from a [`NoticeDraft`] once, so a [`Notice`] is always complete and every payload
//! builder can rely on it.

use url::Url;

const SUBJECT_MAX: usize = 200;
const BODY_MAX: usize = 100_000;
const LINKS_MAX: usize = 20;
const ID_MAX: usize = 64;

/// Which of the policy's notices this is; the generic webhook's event `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// V9: a fix is coming on a date; no details of the flaw.
    ForthcomingFix,
    /// V10, C18: the fix is out, with CVE links and how to apply it.
    FixedVulnerability,
    /// V3: a flaw fixed on main only.
    Courtesy,
    /// V4: only unsupported releases are affected; upgrade.
    Upgrade,
    /// The "send a test" button of a channel.
    Test,
    /// A clock's reminder or escalation for the team: a count and a link, no details.
    Reminder,
}

impl NoticeKind {
    /// The Standard Webhooks event type: full-stop delimited, `[a-z_]` segments.
    pub fn event_type(self) -> &'static str {
        match self {
            NoticeKind::ForthcomingFix => "notice.forthcoming_fix",
            NoticeKind::FixedVulnerability => "notice.fixed_vulnerability",
            NoticeKind::Courtesy => "notice.courtesy",
            NoticeKind::Upgrade => "notice.upgrade",
            NoticeKind::Test => "notice.test",
            NoticeKind::Reminder => "notice.reminder",
        }
    }

    fn word(self) -> &'static str {
        match self {
            NoticeKind::ForthcomingFix => "forthcoming_fix",
            NoticeKind::FixedVulnerability => "fixed_vulnerability",
            NoticeKind::Courtesy => "courtesy",
            NoticeKind::Upgrade => "upgrade",
            NoticeKind::Test => "test",
            NoticeKind::Reminder => "reminder",
        }
    }
}

/// A link shown under the notice (advisory, release notes, CVE record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub title: String,
    pub url: Url,
}

/// What the app fills in; [`NoticeDraft::check`] makes it a [`Notice`].
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeDraft {
    /// Stable across retries: the generic webhook's `webhook-id`, which receivers use
    /// to drop duplicates. 1–64 of `A–Z a–z 0–9 _ -` (no `.`: the signed content is
    /// `{id}.{timestamp}.{body}`).
    pub id: String,
    pub kind: NoticeKind,
    /// The project's slug.
    pub project: String,
    pub subject: String,
    pub body_markdown: String,
    /// `(title, url)` pairs.
    pub links: Vec<(String, String)>,
    /// Where the whole notice can be read; a chat message cut to its channel's limit
    /// ends with a link here.
    pub read_more: Option<String>,
    /// When the notice was written (the generic webhook's event `timestamp`).
    pub at: jiff::Timestamp,
}

/// A field of a [`NoticeDraft`] that is missing or wrong.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("`{field}`: {problem}")]
pub struct NoticeError {
    /// `id`, `project`, `subject`, `body_markdown`, `links[2].url`, `read_more`, …
    pub field: String,
    pub problem: String,
}

fn bad(field: impl Into<String>, problem: impl Into<String>) -> NoticeError {
    NoticeError {
        field: field.into(),
        problem: problem.into(),
    }
}

/// A complete notice. Read-only: build it with [`NoticeDraft::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    id: String,
    kind: NoticeKind,
    project: String,
    subject: String,
    body_markdown: String,
    links: Vec<Link>,
    read_more: Option<Url>,
    at: jiff::Timestamp,
}

impl NoticeDraft {
    /// What a channel's "send a test" button sends: no case, nothing embargoed.
    pub fn test(id: impl Into<String>, project: impl Into<String>, at: jiff::Timestamp) -> Self {
        let project = project.into();
        NoticeDraft {
            id: id.into(),
            kind: NoticeKind::Test,
            subject: format!("Test notice for {project}"),
            body_markdown: format!(
                "This is a test of a notice channel of **{project}**, sent from Embargo. \
                 It is about no case; if you can read it, notices reach this channel."
            ),
            project,
            links: Vec::new(),
            read_more: None,
            at,
        }
    }

    pub fn check(self) -> Result<Notice, NoticeError> {
        if self.id.is_empty() || self.id.len() > ID_MAX {
            return Err(bad("id", format!("must be 1 to {ID_MAX} characters")));
        }
        if let Some(c) = self
            .id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
        {
            return Err(bad(
                "id",
                format!("`{c}` is not allowed; use letters, digits, `_` and `-`"),
            ));
        }
        let project = self.project.trim().to_owned();
        if project.is_empty() {
            return Err(bad(
                "project",
                "is empty; every notice comes from a project",
            ));
        }
        let subject = self.subject.trim().to_owned();
        if subject.is_empty() {
            return Err(bad("subject", "is empty"));
        }
        if subject.contains(['\n', '\r']) {
            return Err(bad("subject", "must be one line"));
        }
        if subject.chars().count() > SUBJECT_MAX {
            return Err(bad(
                "subject",
                format!("is longer than {SUBJECT_MAX} characters"),
            ));
        }
        let body_markdown = self.body_markdown.trim_end().to_owned();
        if body_markdown.trim().is_empty() {
            return Err(bad("body_markdown", "is empty"));
        }
        if body_markdown.chars().count() > BODY_MAX {
            return Err(bad(
                "body_markdown",
                format!("is longer than {BODY_MAX} characters"),
            ));
        }
        if self.links.len() > LINKS_MAX {
            return Err(bad("links", format!("more than {LINKS_MAX} links")));
        }
        let links = self
            .links
            .into_iter()
            .enumerate()
            .map(|(i, (title, url))| {
                let title = title.trim().to_owned();
                if title.is_empty() || title.contains(['\n', '\r']) {
                    return Err(bad(
                        format!("links[{i}].title"),
                        "must be one line, not empty",
                    ));
                }
                Ok(Link {
                    title,
                    url: web_url(&format!("links[{i}].url"), &url)?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let read_more = self
            .read_more
            .map(|url| web_url("read_more", &url))
            .transpose()?;
        Ok(Notice {
            id: self.id,
            kind: self.kind,
            project,
            subject,
            body_markdown,
            links,
            read_more,
            at: self.at,
        })
    }
}

/// Links in a notice are for people: http(s) only, so a `javascript:` link never
/// reaches a chat client.
fn web_url(field: &str, text: &str) -> Result<Url, NoticeError> {
    let url = Url::parse(text.trim()).map_err(|e| bad(field, format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad(field, "must be an http or https URL with a host"));
    }
    Ok(url)
}

impl Notice {
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn kind(&self) -> NoticeKind {
        self.kind
    }
    pub fn project(&self) -> &str {
        &self.project
    }
    pub fn subject(&self) -> &str {
        &self.subject
    }
    pub fn body_markdown(&self) -> &str {
        &self.body_markdown
    }
    pub fn links(&self) -> &[Link] {
        &self.links
    }
    pub fn read_more(&self) -> Option<&Url> {
        self.read_more.as_ref()
    }
    pub fn at(&self) -> jiff::Timestamp {
        self.at
    }

    /// The generic webhook's `data`.
    pub(crate) fn data(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "kind": self.kind.word(),
            "project": self.project,
            "subject": self.subject,
            "body_markdown": self.body_markdown,
            "links": self.links.iter().map(|l| serde_json::json!({
                "title": l.title,
                "url": l.url.as_str(),
            })).collect::<Vec<_>>(),
            "read_more": self.read_more.as_ref().map(Url::as_str),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn draft() -> NoticeDraft {
        NoticeDraft {
            id: "msg_0001".into(),
            kind: NoticeKind::FixedVulnerability,
            project: "connect".into(),
            subject: "Connect 1.4.2 fixes CVE-2026-0001".into(),
            body_markdown: "Upgrade **now**: see [the advisory](https://sec.example/a/1).".into(),
            links: vec![("Advisory".into(), "https://sec.example/a/1".into())],
            read_more: Some("https://sec.example/a/1".into()),
            at: "2026-11-30T12:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn a_complete_draft_is_a_notice() {
        let n = draft().check().unwrap();
        assert_eq!(n.subject(), "Connect 1.4.2 fixes CVE-2026-0001");
        assert_eq!(n.links()[0].url.as_str(), "https://sec.example/a/1");
        assert_eq!(n.data()["kind"], "fixed_vulnerability");
    }

    #[test]
    fn the_test_notice_is_complete_and_names_its_project() {
        let n = NoticeDraft::test("msg_t1", "connect", jiff::Timestamp::UNIX_EPOCH)
            .check()
            .unwrap();
        assert_eq!(n.kind(), NoticeKind::Test);
        assert_eq!(n.subject(), "Test notice for connect");
        assert!(n.body_markdown().contains("**connect**"));
        assert_eq!(n.data()["kind"], "test");
    }

    #[test]
    fn each_missing_or_wrong_field_is_named() {
        type Change = fn(&mut NoticeDraft);
        let cases: Vec<(Change, &str, &str)> = vec![
            (|d| d.id = String::new(), "id", "1 to 64"),
            (|d| d.id = "msg.1".into(), "id", "`.`"),
            (|d| d.project = " ".into(), "project", "empty"),
            (|d| d.subject = String::new(), "subject", "empty"),
            (|d| d.subject = "a\nb".into(), "subject", "one line"),
            (|d| d.subject = "x".repeat(201), "subject", "200"),
            (
                |d| d.body_markdown = "  \n".into(),
                "body_markdown",
                "empty",
            ),
            (
                |d| d.links.push(("".into(), "https://x.example".into())),
                "links[1].title",
                "not empty",
            ),
            (
                |d| d.links.push(("T".into(), "javascript:alert(1)".into())),
                "links[1].url",
                "http or https",
            ),
            (
                |d| d.links.push(("T".into(), "not a url".into())),
                "links[1].url",
                "not a URL",
            ),
            (
                |d| d.read_more = Some("ftp://x.example/a".into()),
                "read_more",
                "http or https",
            ),
        ];
        for (change, field, words) in cases {
            let mut d = draft();
            change(&mut d);
            let e = d.check().unwrap_err();
            assert_eq!(e.field, field, "{e}");
            assert!(e.to_string().contains(words), "{e}");
        }
    }
}
