//! A vulnerability report as the reporter submits it (policy steps C1, C2, C7): what
//! the web form, the API and e-mail intake all turn into, and the rules it must meet.

use crate::project::Project;
use crate::rejection::{Invalid, Rule};
use crate::text::{self, limits};
use serde::{Deserialize, Serialize};

/// The longest armored public key a report may carry (a large RSA key with a few
/// signatures fits).
pub const PGP_KEY_CHARS: usize = 32 * 1024;

/// Unchecked input, field names as in the API.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Draft {
    pub title: String,
    pub description: String,
    pub component: Option<String>,
    pub affected_versions: Option<String>,
    pub platform: Option<String>,
    pub already_public: bool,
    pub public_link: Option<String>,
    pub in_dependency: bool,
    pub dependency: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub credit: Option<String>,
    /// The reporter's OpenPGP public key (ASCII-armored): mail to them is encrypted to it.
    pub reporter_pgp_key: Option<String>,
}

/// A checked report, as the case keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub title: String,
    /// Markdown.
    pub description: String,
    /// The project's component name, canonical spelling; `None` when the reporter did
    /// not know.
    pub component: Option<String>,
    pub affected_versions: Option<String>,
    pub platform: Option<String>,
    pub already_public: bool,
    pub public_link: Option<String>,
    pub in_dependency: bool,
    pub dependency: Option<String>,
    pub reporter: Reporter,
    pub channel: Channel,
}

/// The person who reported. Both fields are optional: some researchers report
/// anonymously and follow their case through the tracking link only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reporter {
    pub name: Option<String>,
    pub email: Option<String>,
    /// How to be credited in the advisory; `None` means not at all.
    pub credit: Option<String>,
    /// Their OpenPGP public key, ASCII-armored; mail to them is encrypted to it.
    /// (Reports from before keys were asked for have none, and a report without one is
    /// stored as before: the event format does not move.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pgp_key: Option<String>,
}

/// Where a report came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Api,
    Email,
    /// An advisory published before, brought in with `embargo import`.
    Import,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Api => "api",
            Channel::Email => "email",
            Channel::Import => "import",
        }
    }
}

impl Draft {
    /// Checks every field and reports every problem, in form order.
    pub fn check(self, project: &Project, channel: Channel) -> Result<Report, Vec<Invalid>> {
        let mut errors = Vec::new();
        let mut keep =
            |r: Result<Option<String>, Invalid>| r.map_err(|e| errors.push(e)).ok().flatten();

        let title = keep(text::required_line("title", &self.title, limits::TITLE).map(Some));
        let description =
            keep(text::required_body("description", &self.description, limits::BODY).map(Some));
        let component_raw = keep(text::optional_line(
            "component",
            self.component.as_deref(),
            64,
        ));
        let affected_versions = keep(text::optional_line(
            "affected_versions",
            self.affected_versions.as_deref(),
            limits::SHORT,
        ));
        let platform = keep(text::optional_line(
            "platform",
            self.platform.as_deref(),
            limits::SHORT,
        ));
        let public_link = match self.public_link.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(l) => keep(text::url("public_link", l).map(Some)),
        };
        let dependency = keep(text::optional_line(
            "dependency",
            self.dependency.as_deref(),
            limits::NAME,
        ));
        let name = keep(text::optional_line(
            "reporter_name",
            self.reporter_name.as_deref(),
            limits::NAME,
        ));
        let email = match self.reporter_email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(e) => keep(text::email("reporter_email", e).map(Some)),
        };
        let credit = keep(text::optional_line(
            "credit",
            self.credit.as_deref(),
            limits::NAME,
        ));
        let pgp_key = match self.reporter_pgp_key.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(k)
                if k.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----")
                    && k.len() <= PGP_KEY_CHARS =>
            {
                Some(k.to_owned())
            }
            Some(_) => {
                errors.push(Invalid::new(
                    "reporter_pgp_key",
                    Rule::InvalidFormat,
                    format!(
                        "`reporter_pgp_key` must be an ASCII-armored OpenPGP public key \
                         (-----BEGIN PGP PUBLIC KEY BLOCK-----…), at most {PGP_KEY_CHARS} characters"
                    ),
                ));
                None
            }
        };

        let component = match component_raw {
            None => None,
            Some(c) => match project.component(&c) {
                Some(known) => Some(known.name.clone()),
                None => {
                    let names: Vec<&str> =
                        project.components.iter().map(|c| c.name.as_str()).collect();
                    errors.push(Invalid::new(
                        "component",
                        Rule::UnknownComponent,
                        if names.is_empty() {
                            format!(
                                "project `{}` has no components; leave `component` empty",
                                project.slug
                            )
                        } else {
                            format!("`component` must be one of: {}", names.join(", "))
                        },
                    ));
                    None
                }
            },
        };
        if public_link.is_some() && !self.already_public {
            errors.push(Invalid::new(
                "public_link",
                Rule::NotAllowed,
                "`public_link` is only for reports that are already public; set `already_public`",
            ));
        }
        if dependency.is_some() && !self.in_dependency {
            errors.push(Invalid::new(
                "dependency",
                Rule::NotAllowed,
                "`dependency` names the affected dependency; set `in_dependency`",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Report {
            title: title.expect("no error means present"),
            description: description.expect("no error means present"),
            component,
            affected_versions,
            platform,
            already_public: self.already_public,
            public_link,
            in_dependency: self.in_dependency,
            dependency,
            reporter: Reporter {
                name,
                email,
                credit,
                pgp_key,
            },
            channel,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ProjectSlug;
    use crate::project::Component;

    fn project() -> Project {
        Project {
            slug: ProjectSlug::parse("connect").unwrap(),
            name: "Connect".into(),
            guidance: String::new(),
            components: vec![Component::new("go".into()), Component::new("swift".into())],
            members: vec![],
            cna: None,
            policy: None,
            security_address: None,
            mail_preferences: Vec::new(),
            pgp_key: None,
            channels: Vec::new(),
            notice_templates: Default::default(),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            version: 1,
        }
    }

    fn draft() -> Draft {
        Draft {
            title: "Header smuggling".into(),
            description: "Steps…".into(),
            component: Some("Go".into()),
            ..Draft::default()
        }
    }

    #[test]
    fn c1_component_is_matched_to_the_projects_spelling() {
        let r = draft().check(&project(), Channel::Web).unwrap();
        assert_eq!(r.component.as_deref(), Some("go"));
        assert_eq!(r.reporter.email, None);
    }

    #[test]
    fn c1_unknown_component_names_the_choices() {
        let errs = Draft {
            component: Some("cobol".into()),
            ..draft()
        }
        .check(&project(), Channel::Api)
        .unwrap_err();
        assert_eq!(errs[0].field, "component");
        assert_eq!(errs[0].message, "`component` must be one of: go, swift");
    }

    #[test]
    fn every_problem_is_reported() {
        let errs = Draft {
            title: " ".into(),
            description: "".into(),
            reporter_email: Some("nope".into()),
            public_link: Some("javascript:alert(1)".into()),
            ..Draft::default()
        }
        .check(&project(), Channel::Web)
        .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(
            fields,
            [
                ("title", Rule::Required),
                ("description", Rule::Required),
                ("public_link", Rule::InvalidUrl),
                ("reporter_email", Rule::InvalidEmail),
            ]
        );
    }

    #[test]
    fn c7_public_link_needs_already_public() {
        let errs = Draft {
            public_link: Some("https://x.example/post".into()),
            ..draft()
        }
        .check(&project(), Channel::Web)
        .unwrap_err();
        assert_eq!(errs[0].rule, Rule::NotAllowed);
        let ok = Draft {
            already_public: true,
            public_link: Some("https://x.example/post".into()),
            ..draft()
        }
        .check(&project(), Channel::Web)
        .unwrap();
        assert!(ok.already_public);
    }
}
