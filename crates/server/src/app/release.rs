//! The release of a case (C6, C17, C19): its release notes and post-mortem as the
//! `formats` crate's documents, built from the case, its plan and its public facts.

use super::{App, AppError, AppResult, CaseView};
use embargo_core::access::Standing;
use embargo_core::advisory::AffectedRange;
use embargo_core::case::Case;
use embargo_core::command::Command;
use embargo_core::ids::CaseId;
use embargo_core::project::Project;
use embargo_core::rejection::{Invalid, Rule};
use embargo_formats::post_mortem::{self as pm, Moment, Person, PostMortem, Step};
use embargo_formats::release_notes::{self as rn, ReleaseNotes};

impl App {
    /// The case's release notes as the `formats` crate's input: from the plan, the final
    /// CVSS call, the CVE ID and the advisory (C17).
    pub fn release_notes_of(&self, case: &Case, project: &Project) -> Option<ReleaseNotes> {
        let plan = case.release.plan.as_ref()?;
        let versions: Vec<_> = plan.versions.iter().map(|v| v.version.as_str()).collect();
        let score = case.scoring.score.as_ref();
        let affected = || -> String {
            let ranges: Vec<&AffectedRange> = case
                .advisory
                .details
                .affected
                .iter()
                .filter(|r| {
                    case.report
                        .component
                        .as_deref()
                        .is_none_or(|c| r.component.eq_ignore_ascii_case(c))
                })
                .collect();
            match ranges.first() {
                Some(r) => match (&r.fixed, &r.last_affected) {
                    (Some(f), _) => format!(">= {}, < {f}", r.introduced),
                    (None, Some(l)) => format!(">= {}, <= {l}", r.introduced),
                    (None, None) => format!(">= {}", r.introduced),
                },
                None => case.report.affected_versions.clone().unwrap_or_default(),
            }
        };
        Some(ReleaseNotes {
            name: format!("{} {}", project.name, versions.join(", ")),
            date: plan.at,
            intro: None,
            vulnerabilities: vec![rn::Vulnerability {
                cve_id: case
                    .advisory
                    .cve
                    .as_ref()
                    .and_then(|c| c.id())
                    .map(str::to_owned),
                title: case.advisory.details.summary.clone(),
                cvss: score
                    .map(|s| {
                        [&s.cvss_v3_1, &s.cvss_v4_0]
                            .into_iter()
                            .flatten()
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default(),
                cvss_not_applicable: case.scoring.not_applicable.clone(),
                // Without a score, the reason it does not apply says what it is.
                impact: score
                    .map(|s| s.effect.clone())
                    .or_else(|| case.scoring.not_applicable.clone()),
                branches: plan
                    .versions
                    .iter()
                    .map(|v| rn::Branch {
                        name: v.branch.clone(),
                        affected: affected(),
                        fixed: Some(v.version.clone()),
                    })
                    .collect(),
                binaries: plan.binaries.clone(),
                mitigation: plan.mitigation.clone(),
                upgrade: plan.upgrade.clone(),
                advisory_url: Some(self.url(&format!("/advisories/{}", case.id))),
                post_mortem_url: case
                    .release
                    .post_mortem
                    .as_ref()
                    .map(|_| self.url(&format!("/advisories/{}/post-mortem", case.id))),
            }],
        })
    }

    /// The release notes in Markdown: as finalized, or the draft with its gaps in place;
    /// with the post-mortem's link once it is published. The team's until disclosure.
    pub fn release_notes_markdown(&self, view: &CaseView) -> AppResult<String> {
        let case = view.case();
        if matches!(view.standing(), Standing::Reporter) && !case.stage.is_public() {
            return Err(AppError::Rejected(
                embargo_core::rejection::Rejection::Forbidden {
                    action: "read the release notes of",
                    needs: "someone working on the case, until it is disclosed",
                },
            ));
        }
        let Some(notes) = self.release_notes_of(case, view.project()) else {
            return Err(AppError::Rejected(
                embargo_core::rejection::Rejection::IllegalTransition {
                    action: "read the release notes of",
                    stage: case.stage,
                    reason: "no release plan is proposed yet".into(),
                },
            ));
        };
        Ok(match (&case.release.notes, &case.release.post_mortem) {
            (Some(final_notes), None) => final_notes.markdown.clone(),
            (Some(_), Some(_)) | (None, _) => rn::render(&notes),
        })
    }

    /// The release notes the public reads beside a disclosed advisory: only once the
    /// team finalized them (with the post-mortem's link once it is published).
    pub fn public_release_notes(&self, case: &Case, project: &Project) -> Option<String> {
        if !case.stage.is_public() {
            return None;
        }
        let final_notes = case.release.notes.as_ref()?;
        Some(match case.release.post_mortem {
            None => final_notes.markdown.clone(),
            Some(_) => rn::render(&self.release_notes_of(case, project)?),
        })
    }

    /// Finalizes the release notes (C17), refusing with every missing field named.
    #[tracing::instrument(skip_all, fields(case = %id, actor = super::spans::actor_kind(actor)))]
    pub async fn finalize_release_notes(
        &self,
        actor: &embargo_core::actor::Actor,
        id: &CaseId,
    ) -> AppResult<CaseView> {
        let view = self
            .store()
            .case_for_viewer(id, actor)
            .await?
            .map(CaseView::from)
            .ok_or_else(AppError::not_found)?;
        let command = self.release_notes_command(&view);
        self.execute(actor, id, vec![command], vec![]).await
    }

    /// The finalize command for the notes as the case has them now: the Markdown, or
    /// every field they miss (`formats::release_notes::check`). Core checks who asks.
    pub fn release_notes_command(&self, view: &CaseView) -> Command {
        let notes = match self.release_notes_of(view.case(), view.project()) {
            Some(notes) => rn::finalize(&notes).map_err(|incomplete| {
                incomplete
                    .gaps
                    .iter()
                    .map(|g| Invalid::new(g.field.clone(), Rule::Required, g.to_string()))
                    .collect()
            }),
            // Core says there is no plan (after checking who asks).
            None => Ok(String::new()),
        };
        Command::FinalizeReleaseNotes { notes }
    }

    /// The post-mortem of a case as the `formats` crate's input: the text the coordinator
    /// wrote (or an empty draft) and a timeline of the case's public facts only.
    pub fn post_mortem_of(&self, case: &Case, project: &Project) -> PostMortem {
        let text = case
            .release
            .post_mortem
            .as_ref()
            .map(|p| p.text.clone())
            .unwrap_or_default();
        let cve = case.advisory.cve.as_ref().and_then(|c| c.id());
        let summary = case
            .advisory
            .details
            .summary
            .clone()
            .unwrap_or_else(|| format!("advisory {}", case.id));
        PostMortem {
            subject: match cve {
                Some(id) => format!("{id}, {summary}"),
                None => summary,
            },
            project: project.name.clone(),
            advisory_url: Some(self.url(&format!("/advisories/{}", case.id))),
            release_notes_url: None,
            summary: text.summary,
            timeline: public_timeline(case),
            root_cause: text.root_cause,
            went_well: text.went_well,
            to_improve: text.to_improve,
            prevention: text.prevention,
            people: vec![
                Person {
                    role: "reporter".into(),
                    name: None,
                    agreed_to_be_named: false,
                },
                Person {
                    role: "response coordinator".into(),
                    name: None,
                    agreed_to_be_named: false,
                },
            ],
        }
    }

    /// The published post-mortem in Markdown, or `None` while there is none.
    pub fn post_mortem_markdown(&self, case: &Case, project: &Project) -> Option<String> {
        case.release
            .post_mortem
            .as_ref()
            .map(|_| pm::render(&self.post_mortem_of(case, project)))
    }
}

/// The case's public facts, in order: received, acknowledged, confirmed, the release
/// date, disclosure. Nothing embargoed or internal (no names, no messages).
pub fn public_timeline(case: &Case) -> Vec<Moment> {
    use embargo_core::event::FinalDecision;
    let mut t = vec![Moment {
        at: case.received_at,
        step: Step::Received,
        by: Some(0),
    }];
    if let Some(at) = case.triage.acknowledged_at {
        t.push(Moment {
            at,
            step: Step::Acknowledged,
            by: None,
        });
    }
    if let (Some(FinalDecision::Confirmed { .. }), Some(at)) =
        (&case.triage.decision, case.triage.decided_at)
    {
        t.push(Moment {
            at,
            step: Step::Confirmed,
            by: Some(1),
        });
    }
    if let Some(plan) = &case.release.plan {
        for v in &plan.versions {
            t.push(Moment {
                at: plan.at,
                step: Step::Released {
                    version: v.version.clone(),
                },
                by: None,
            });
        }
    }
    if let Some(at) = case.disclosure.disclosed_at {
        t.push(Moment {
            at,
            step: Step::Disclosed,
            by: Some(1),
        });
    }
    t.sort_by_key(|m| m.at);
    t
}
