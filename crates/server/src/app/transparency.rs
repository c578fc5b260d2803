//! What a project tells about its process: its SECURITY.md (issue 8, item 6), its
//! transparency metrics for members (item 7), and the counts a Prometheus scraper
//! reads. Metrics are aggregates over every case of the project (`core::metrics`): no
//! case id, title or person is in them, so every member sees the same numbers.
//! Whether they should also be public is each project's call, not yet a setting: for
//! now they are for members (and instance admins) only.

use super::{App, AppError, AppResult};
use embargo_core::actor::Actor;
use embargo_core::case::Stage;
use embargo_core::ids::CaseId;
use embargo_core::metrics::Metrics;
use embargo_core::project::Project;
use embargo_formats::security_md::{
    ComponentBranches, NoticeRoute, Promise, SecurityPolicy, TrackNotices,
};
use std::fmt::Write as _;

/// A project's metrics and how many of its cases are in each stage.
pub struct ProjectMetrics {
    pub project: Project,
    pub metrics: Metrics<CaseId>,
    /// Every stage, in [`Stage::ALL`] order, with its count.
    pub stages: Vec<(Stage, usize)>,
    pub at: embargo_core::Timestamp,
}

impl App {
    /// The project's SECURITY.md, from its policy and branch list. Public, like the
    /// report page it points to: it is meant for the project's repository.
    pub async fn security_md(&self, slug: &str) -> AppResult<String> {
        let project = self.project(slug).await?;
        Ok(embargo_formats::security_md::render(
            &self.security_policy(&project),
        ))
    }

    /// The words of the project's SECURITY.md.
    pub fn security_policy(&self, project: &Project) -> SecurityPolicy {
        let words = project.policy().describe(project);
        SecurityPolicy {
            project: project.name.clone(),
            report_url: self.url(&format!("/p/{}/report", project.slug)),
            // Reports by mail go to the project's security address, and may be
            // encrypted to its key, when it has them.
            security_address: project.security_address.clone(),
            pgp_key_url: project
                .pgp_key
                .as_ref()
                .map(|_| self.url(&format!("/p/{}/pgp-key.asc", project.slug))),
            promises: words
                .promises
                .into_iter()
                .map(|p| Promise {
                    what: p.what,
                    when: p.when,
                })
                .collect(),
            components: words
                .branches
                .into_iter()
                .map(|c| ComponentBranches {
                    name: c.component,
                    main: c.main,
                    supported: c.supported,
                    unsupported: c.unsupported,
                })
                .collect(),
            disclosure: words.disclosure,
            announcements: words
                .notices
                .into_iter()
                .map(|t| TrackNotices {
                    when: t.when,
                    notices: t
                        .notices
                        .into_iter()
                        .map(|(_, what, channels)| NoticeRoute { what, channels })
                        .collect(),
                })
                .collect(),
        }
    }

    /// A project's transparency metrics at now, for its members and instance admins;
    /// anyone else finds no such project.
    #[tracing::instrument(skip_all, fields(project = %slug, actor = super::spans::actor_kind(actor)))]
    pub async fn project_metrics(&self, actor: &Actor, slug: &str) -> AppResult<ProjectMetrics> {
        let project = self.project(slug).await?;
        if !embargo_core::access::sees_members(actor, &project) {
            return Err(AppError::not_found());
        }
        self.metrics_of(project).await
    }

    async fn metrics_of(&self, project: Project) -> AppResult<ProjectMetrics> {
        let facts = self.store().project_clock_facts(&project.slug).await?;
        let now = self.now();
        let policy = project.policy().into_owned();
        let metrics = embargo_core::metrics::compute(
            &policy,
            facts.iter().map(|(id, _, f)| (id.clone(), f)),
            now,
        );
        let stages = Stage::ALL
            .into_iter()
            .map(|s| (s, facts.iter().filter(|(_, st, _)| *st == s).count()))
            .collect();
        Ok(ProjectMetrics {
            project,
            metrics,
            stages,
            at: now,
        })
    }

    /// Prometheus text for every project: counts only (cases per stage, overdue
    /// clocks, cases disclosed and disclosed within the target), labelled by project
    /// slug, stage and clock name, never by anything a case says.
    pub async fn prometheus(&self) -> AppResult<String> {
        let mut all = Vec::new();
        for project in self.projects().await? {
            all.push(self.metrics_of(project).await?);
        }
        let mut out = String::new();
        let mut family = |name: &str, help: &str, rows: Vec<(String, usize)>| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} gauge");
            for (labels, value) in rows {
                let _ = writeln!(out, "{name}{{{labels}}} {value}");
            }
        };
        family(
            "embargo_cases",
            "Cases by project and stage.",
            all.iter()
                .flat_map(|m| {
                    m.stages.iter().map(|(s, n)| {
                        (
                            format!("project=\"{}\",stage=\"{}\"", m.project.slug, s.as_str()),
                            *n,
                        )
                    })
                })
                .collect(),
        );
        family(
            "embargo_clocks_overdue",
            "Cases with the clock overdue now, by project and clock.",
            all.iter()
                .flat_map(|m| {
                    embargo_core::clocks::ClockName::ALL.into_iter().map(|c| {
                        let n = m
                            .metrics
                            .overdue
                            .iter()
                            .find(|o| o.clock == c)
                            .map_or(0, |o| o.cases.len());
                        (
                            format!("project=\"{}\",clock=\"{}\"", m.project.slug, c.as_str()),
                            n,
                        )
                    })
                })
                .collect(),
        );
        let shares: Vec<_> = all
            .iter()
            .filter_map(|m| {
                Some((
                    m.project.slug.to_string(),
                    m.metrics.disclosed_within_target?,
                ))
            })
            .collect();
        family(
            "embargo_cases_disclosed",
            "Disclosed cases, by project (of projects with a disclosure target).",
            shares
                .iter()
                .map(|(slug, s)| (format!("project=\"{slug}\""), s.of))
                .collect(),
        );
        family(
            "embargo_cases_disclosed_within_target",
            "Disclosed cases disclosed within the policy's disclosure target, by project.",
            shares
                .iter()
                .map(|(slug, s)| (format!("project=\"{slug}\""), s.within))
                .collect(),
        );
        Ok(out)
    }
}
