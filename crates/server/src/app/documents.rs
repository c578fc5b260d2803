//! A disclosed case as the documents the world's tooling reads (C17, C18): CVE JSON 5,
//! OSV and CSAF 2.0, made by the `formats` crate from [`advisory`]. Only disclosed cases
//! are ever turned into documents (`Store::public_case(s)` is the only way in).

use super::{App, AppError, AppResult};
use embargo_core::advisory::{CreditKind, ReferenceKind};
use embargo_core::case::Case;
use embargo_core::ids::CaseId;
use embargo_core::project::Project;
use embargo_formats as formats;
use embargo_store::{Page, PageRequest};
use serde_json::{Map, Value, json};

/// The three document formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Cve,
    Osv,
    Csaf,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Cve, Format::Osv, Format::Csaf];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Cve => "cve",
            Format::Osv => "osv",
            Format::Csaf => "csaf",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// `EMB-….osv.json`
    pub fn file_name(self, case: &Case) -> String {
        format!("{}.{}.json", case.id, self.as_str())
    }
}

fn reference_kind(k: ReferenceKind) -> formats::ReferenceKind {
    match k {
        ReferenceKind::Advisory => formats::ReferenceKind::Advisory,
        ReferenceKind::Article => formats::ReferenceKind::Article,
        ReferenceKind::Detection => formats::ReferenceKind::Detection,
        ReferenceKind::Discussion => formats::ReferenceKind::Discussion,
        ReferenceKind::Report => formats::ReferenceKind::Report,
        ReferenceKind::Fix => formats::ReferenceKind::Fix,
        ReferenceKind::Introduced => formats::ReferenceKind::Introduced,
        ReferenceKind::Package => formats::ReferenceKind::Package,
        ReferenceKind::Evidence => formats::ReferenceKind::Evidence,
        ReferenceKind::Web => formats::ReferenceKind::Web,
    }
}

fn credit_kind(k: CreditKind) -> formats::CreditKind {
    match k {
        CreditKind::Finder => formats::CreditKind::Finder,
        CreditKind::Reporter => formats::CreditKind::Reporter,
        CreditKind::Analyst => formats::CreditKind::Analyst,
        CreditKind::Coordinator => formats::CreditKind::Coordinator,
        CreditKind::RemediationDeveloper => formats::CreditKind::RemediationDeveloper,
        CreditKind::RemediationReviewer => formats::CreditKind::RemediationReviewer,
        CreditKind::RemediationVerifier => formats::CreditKind::RemediationVerifier,
        CreditKind::Tool => formats::CreditKind::Tool,
        CreditKind::Sponsor => formats::CreditKind::Sponsor,
        CreditKind::Other => formats::CreditKind::Other,
    }
}

impl App {
    /// The documents' common model for a disclosed case. An imported advisory keeps
    /// its original record; only what documents need of this instance is added.
    pub fn advisory(&self, case: &Case, project: &Project) -> formats::Advisory {
        if let Some(mut imported) = case
            .advisory
            .imported_osv
            .as_deref()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
            .and_then(|osv| formats::osv::import(&osv, case.received_at).ok())
            .map(|i| i.advisory)
        {
            imported
                .publisher
                .get_or_insert_with(|| formats::Publisher {
                    name: project.name.clone(),
                    namespace: self.settings().public_url(),
                    contact: None,
                });
            if imported.cna.is_none() {
                imported.cna = project.cna.as_ref().map(|c| formats::Cna {
                    short_name: c.short_name.clone(),
                    org_id: c.org_id.clone(),
                });
            }
            if imported.cve_id.is_none() {
                imported.cve_id = case
                    .advisory
                    .cve
                    .as_ref()
                    .and_then(|c| c.id())
                    .map(str::to_owned);
            }
            imported
                .csaf_url
                .get_or_insert_with(|| self.url(&format!("/advisories/{}.csaf.json", case.id)));
            imported
                .url
                .get_or_insert_with(|| self.url(&format!("/advisories/{}", case.id)));
            if imported.revisions.is_empty() {
                imported.revisions.push(formats::Revision {
                    number: "1".into(),
                    date: imported.published.unwrap_or(imported.modified),
                    summary: "Initial release".into(),
                });
            }
            // Withdrawn here after the import: the record says so from then on.
            if let Some(w) = &case.advisory.withdrawn {
                imported.withdrawn = Some(formats::Withdrawal {
                    at: w.at,
                    reason: Some(w.reason.clone()),
                });
                imported.modified = imported.modified.max(w.at);
                let next = imported.revisions.len() + 1;
                if imported.revisions.iter().all(|r| r.date < w.at) {
                    imported.revisions.push(formats::Revision {
                        number: next.to_string(),
                        date: w.at,
                        summary: format!("Withdrawn: {}", w.reason),
                    });
                }
            }
            return imported;
        }
        let a = &case.advisory.details;
        let cve_id = case
            .advisory
            .cve
            .as_ref()
            .and_then(|c| c.id())
            .map(str::to_owned);
        let disclosed = case.disclosure.disclosed_at.unwrap_or(case.updated_at);
        let effect = case.scoring.score.as_ref().map(|s| s.effect.clone());
        // OSV has no field for the effect: the published description carries it.
        let details = match (&a.details, &effect) {
            (Some(d), _) => d.clone(),
            (None, Some(e)) => e.clone(),
            (None, None) => case.public_title(),
        };
        // One affected package per component, its ranges (release branches) as
        // successive introduced/fixed pairs of one range.
        let mut components: Vec<(&str, Vec<formats::Event>)> = Vec::new();
        for r in &a.affected {
            let i = match components.iter().position(|(c, _)| *c == r.component) {
                Some(i) => i,
                None => {
                    components.push((&r.component, Vec::new()));
                    components.len() - 1
                }
            };
            let events = &mut components[i].1;
            events.push(formats::Event::Introduced(r.introduced.clone()));
            match (&r.fixed, &r.last_affected) {
                (Some(f), _) => events.push(formats::Event::Fixed(f.clone())),
                (None, Some(l)) => events.push(formats::Event::LastAffected(l.clone())),
                (None, None) => {}
            }
        }
        let affected: Vec<formats::Affected> = components
            .into_iter()
            .map(|(component, events)| {
                let package = project
                    .component(component)
                    .and_then(|c| c.package.as_ref())
                    .map(|p| formats::Package {
                        ecosystem: p.ecosystem.clone(),
                        name: p.name.clone(),
                        purl: p.purl.clone(),
                    });
                let typed: Vec<&str> = events.iter().map(formats::Event::version).collect();
                let (kind, versions) = formats::RangeKind::for_versions(
                    package.as_ref().map(|p| p.ecosystem.as_str()),
                    &typed,
                );
                let events = events
                    .iter()
                    .zip(versions)
                    .map(|(e, v)| e.with_version(v))
                    .collect();
                formats::Affected {
                    package,
                    component: Some(component.to_owned()),
                    ranges: vec![formats::Range {
                        kind,
                        repo: None,
                        events,
                        database_specific: None,
                    }],
                    versions: Vec::new(),
                    severity: Vec::new(),
                    ecosystem_specific: None,
                    database_specific: None,
                }
            })
            .collect();
        // The initial release, then one revision per change to the published advisory
        // (its withdrawal included), as the case recorded them.
        let revisions: Vec<formats::Revision> = std::iter::once(formats::Revision {
            number: "1".into(),
            date: disclosed,
            summary: "Initial release".into(),
        })
        .chain(
            case.advisory
                .revisions
                .iter()
                .enumerate()
                .map(|(i, r)| formats::Revision {
                    number: (i + 2).to_string(),
                    date: r.at,
                    summary: r.summary.clone(),
                }),
        )
        .collect();
        let modified = revisions.last().map_or(disclosed, |r| r.date);
        let mut database_specific = Map::new();
        database_specific.insert("embargo_case".into(), json!(case.id.to_string()));
        formats::Advisory {
            id: cve_id.clone().unwrap_or_else(|| case.id.to_string()),
            cve_id,
            aliases: Some(Vec::new()),
            related: Vec::new(),
            upstream: Vec::new(),
            // The team's summary; the report's title is never published.
            summary: Some(case.public_title()),
            details: Some(details),
            effect,
            mitigation: case.mitigation().map(str::to_owned),
            publisher: Some(formats::Publisher {
                name: project.name.clone(),
                namespace: self.settings().public_url(),
                contact: None,
            }),
            cna: project.cna.as_ref().map(|c| formats::Cna {
                short_name: c.short_name.clone(),
                org_id: c.org_id.clone(),
            }),
            affected: Some(affected),
            severity: case
                .scoring
                .score
                .iter()
                .flat_map(|s| [s.cvss_v3_1.as_deref(), s.cvss_v4_0.as_deref()])
                .flatten()
                .map(formats::Severity::cvss)
                .collect(),
            cwes: a
                .cwes
                .iter()
                .map(|c| match c.split_once(": ") {
                    Some((id, name)) => formats::Cwe {
                        id: id.into(),
                        name: Some(name.into()),
                    },
                    None => formats::Cwe {
                        id: c.clone(),
                        name: None,
                    },
                })
                .collect(),
            references: std::iter::once(formats::Reference {
                kind: formats::ReferenceKind::Advisory,
                url: self.url(&format!("/advisories/{}", case.id)),
            })
            .chain(a.references.iter().map(|r| formats::Reference {
                kind: reference_kind(r.kind),
                url: r.url.clone(),
            }))
            .collect(),
            // The reporter's line as they chose it; contacts never reach a document
            // (the exporters leave them out).
            credits: case
                .published_credits()
                .iter()
                .map(|c| formats::Credit {
                    name: c.name.clone(),
                    contact: c.contact.iter().cloned().collect(),
                    kind: Some(credit_kind(c.kind)),
                })
                .collect(),
            published: Some(disclosed),
            modified,
            withdrawn: case
                .advisory
                .withdrawn
                .as_ref()
                .map(|w| formats::Withdrawal {
                    at: w.at,
                    reason: Some(w.reason.clone()),
                }),
            revisions,
            timeline: vec![
                formats::TimelineEntry {
                    time: case.received_at,
                    value: "Reported to the project".into(),
                },
                formats::TimelineEntry {
                    time: disclosed,
                    value: "Disclosed".into(),
                },
            ],
            csaf_url: Some(self.url(&format!("/advisories/{}.csaf.json", case.id))),
            url: Some(self.url(&format!("/advisories/{}", case.id))),
            database_specific: Some(database_specific),
        }
    }

    /// A disclosed case's document; `Err` names what the case or project lacks.
    pub fn document(
        &self,
        case: &Case,
        project: &Project,
        format: Format,
    ) -> Result<Value, formats::Error> {
        let advisory = self.advisory(case, project);
        match format {
            Format::Cve => formats::cve::export(&advisory),
            Format::Osv => formats::osv::export(&advisory),
            Format::Csaf => formats::csaf::export(&advisory),
        }
    }

    /// A disclosed case, which anyone may read; `None` until it is disclosed.
    pub async fn public_case(&self, id: &CaseId) -> AppResult<Option<Case>> {
        Ok(self.store().public_case(id).await?)
    }

    /// All of a project's disclosed cases, most recently disclosed first, read page by
    /// page (for the documents that must list every advisory).
    pub async fn disclosed_cases(&self, slug: &str) -> AppResult<(Project, Vec<Case>)> {
        let project = self.project(slug).await?;
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .store()
                .public_cases(&project.slug, &PageRequest::largest(after))
                .await?;
            all.extend(page.items);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok((project, all)),
            }
        }
    }

    /// A page of a project's disclosed cases, most recently disclosed first.
    pub async fn advisories(
        &self,
        slug: &str,
        page: &PageRequest,
    ) -> AppResult<(Project, Page<Case>)> {
        let project = self.project(slug).await?;
        let cases = self.store().public_cases(&project.slug, page).await?;
        Ok((project, cases))
    }
}

/// What importing one record did.
#[derive(Debug, PartialEq, Eq)]
pub enum Imported {
    /// A new disclosed case, with what import had to fix in the record to take it
    /// (an older ecosystem name, a placeholder date), in words for the operator.
    New(embargo_core::ids::CaseId, Vec<String>),
    /// The record was imported before; nothing changed.
    Unchanged(embargo_core::ids::CaseId),
}

impl App {
    /// Brings a published OSV record in as a disclosed case of `slug` (V10): a batch of
    /// one ([`App::import_osv_batch`] holds the rule). `Err` says what is wrong with the
    /// record.
    pub async fn import_osv(&self, slug: &str, record: &Value) -> AppResult<Imported> {
        let mut outcomes = self
            .import_osv_batch(slug, std::slice::from_ref(record))
            .await?;
        outcomes.pop().expect("one outcome per record")
    }

    /// Brings published OSV records in as disclosed cases of `slug` (V10), one outcome
    /// per record, in order. The case id derives from the project and the record's id,
    /// so importing the same record again changes nothing, and another record under an
    /// id already imported is refused. The project is read once, the records already
    /// here are found in one query, and the new cases are stored in one transaction
    /// (if that fails, one by one, so that a bad one fails alone). A record whose id an
    /// earlier record of the batch has is decided after that one is stored, exactly as
    /// if it came in a later batch. The outer `Err`: no such project, or the store
    /// could not be read.
    #[tracing::instrument(skip_all, fields(project = %slug))]
    pub async fn import_osv_batch(
        &self,
        slug: &str,
        records: &[Value],
    ) -> AppResult<Vec<AppResult<Imported>>> {
        use std::collections::{HashMap, HashSet};
        let project = self.project(slug).await?;
        let now = self.now();
        let mut outcomes: Vec<Option<AppResult<Imported>>> = records.iter().map(|_| None).collect();
        let mut pending = Vec::new();
        for (n, record) in records.iter().enumerate() {
            match ImportedRecord::read(&project, record, now) {
                Ok(read) => pending.push((n, read)),
                Err(e) => outcomes[n] = Some(Err(e)),
            }
        }
        while !pending.is_empty() {
            let mut ids = HashSet::new();
            let (round, later): (Vec<_>, Vec<_>) = pending
                .into_iter()
                .partition(|(_, read)| ids.insert(read.id.clone()));
            pending = later;
            let ids: Vec<CaseId> = ids.into_iter().collect();
            let stored: HashMap<CaseId, Case> = self
                .store()
                .public_cases_among(&ids)
                .await?
                .into_iter()
                .map(|case| (case.id.clone(), case))
                .collect();
            let mut new = Vec::new();
            for (n, read) in round {
                match stored.get(&read.id) {
                    Some(existing) => outcomes[n] = Some(read.against(existing, &records[n])),
                    None => match read.decide(&project, &records[n]) {
                        Ok(case) => new.push((n, read, case)),
                        Err(e) => outcomes[n] = Some(Err(e)),
                    },
                }
            }
            self.store_imported(new, &mut outcomes).await;
        }
        Ok(outcomes
            .into_iter()
            .map(|o| o.expect("every record has an outcome"))
            .collect())
    }

    /// Stores the new cases of one round together; if that fails, one by one, so that
    /// each record gets its own answer. The worker is rung once if anything was queued.
    async fn store_imported(
        &self,
        new: Vec<(usize, ImportedRecord, embargo_store::NewCase)>,
        outcomes: &mut [Option<AppResult<Imported>>],
    ) {
        if new.is_empty() {
            return;
        }
        let (reads, cases): (Vec<_>, Vec<_>) = new
            .into_iter()
            .map(|(n, read, case)| ((n, read), case))
            .unzip();
        let results: Vec<Result<Vec<embargo_store::Queued>, embargo_store::StoreError>> =
            match self.store().submit_cases(&cases).await {
                Ok(queued) => queued.into_iter().map(Ok).collect(),
                Err(e) if cases.len() == 1 => vec![Err(e)],
                Err(e) => {
                    tracing::info!(
                        records = cases.len(),
                        "a batch of imported cases failed ({e}); storing them one by one"
                    );
                    let mut results = Vec::with_capacity(cases.len());
                    for c in &cases {
                        results.push(
                            self.store()
                                .submit_case(&c.case, &c.events, &c.tracking_token, &c.files)
                                .await,
                        );
                    }
                    results
                }
            };
        let mut queued_any = false;
        for ((n, read), result) in reads.into_iter().zip(results) {
            outcomes[n] = Some(match result {
                Ok(queued) => {
                    queued_any |= !queued.is_empty();
                    Ok(Imported::New(read.id, read.warnings))
                }
                // Imported by someone else meanwhile.
                Err(embargo_store::StoreError::Conflict) => Ok(Imported::Unchanged(read.id)),
                Err(e) => Err(e.into()),
            });
        }
        if queued_any {
            self.ring_worker();
        }
    }
}

/// A record read and checked, with the id of the case it becomes.
struct ImportedRecord {
    id: CaseId,
    advisory: formats::Advisory,
    warnings: Vec<String>,
}

fn invalid_osv(message: String) -> AppError {
    AppError::bad_request("invalid_osv", message, None)
}

impl ImportedRecord {
    fn read(project: &Project, record: &Value, now: embargo_core::Timestamp) -> AppResult<Self> {
        use sha2::{Digest, Sha256};
        let formats::osv::Imported { advisory, warnings } =
            formats::osv::import(record, now).map_err(|e| invalid_osv(e.to_string()))?;
        let digest = Sha256::digest(format!("import:{}:{}", project.slug, advisory.id));
        let id = CaseId::from_entropy(u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")));
        Ok(ImportedRecord {
            id,
            advisory,
            warnings: warnings.iter().map(ToString::to_string).collect(),
        })
    }

    /// The answer when the case is here already: unchanged if it came from the same
    /// record, else refused.
    fn against(self, existing: &Case, record: &Value) -> AppResult<Imported> {
        let same = existing
            .advisory
            .imported_osv
            .as_deref()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
            .is_some_and(|before| before == *record);
        if same {
            Ok(Imported::Unchanged(self.id))
        } else {
            Err(invalid_osv(format!(
                "{} was imported before from a different record; nothing changed",
                self.advisory.id
            )))
        }
    }

    /// The new case, as core decides it.
    fn decide(&self, project: &Project, record: &Value) -> AppResult<embargo_store::NewCase> {
        use embargo_core::report::Draft;
        let advisory = &self.advisory;
        let title: String = advisory
            .summary
            .clone()
            .unwrap_or_else(|| advisory.id.clone())
            .chars()
            .take(embargo_core::text::limits::TITLE)
            .collect();
        let description = advisory
            .details
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| format!("Imported from {}.", advisory.id));
        let cve = std::iter::once(&advisory.id)
            .chain(advisory.alias_list())
            .find(|a| a.starts_with("CVE-"))
            .cloned();
        let events = embargo_core::decide::import(
            &embargo_core::actor::Actor::Operator,
            project,
            self.id.clone(),
            Draft {
                title,
                description,
                ..Draft::default()
            },
            record.to_string(),
            cve,
            advisory.published.unwrap_or(advisory.modified),
        )?;
        let case = Case::replay(&events).expect("import decides a first event");
        Ok(embargo_store::NewCase {
            case,
            events,
            // A case that was never reported has no reporter to hold this.
            tracking_token: crate::secrets::token(crate::secrets::TRACKING_TOKEN_PREFIX),
            files: vec![],
        })
    }
}
