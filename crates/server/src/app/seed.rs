//! Synthetic reports for load tests (issue 13, item 3): `embargo admin seed` puts many
//! cases into an empty project through the store's batch path (the one intake's group
//! commit and import use), not the HTTP API, so that 10⁶ cases take minutes. Each is a
//! real report, decided by `core` like any other (received, as intake leaves it), with
//! a varied title, text and component.

use super::{App, AppError, AppResult};
use embargo_core::actor::Actor;
use embargo_core::case::Case;
use embargo_core::decide;
use embargo_core::ids::CaseId;
use embargo_core::report::{Channel, Draft};
use embargo_store::{NewCase, StoreError};

/// Reports stored per transaction.
const BATCH: usize = 1_000;

const WORDS: [&str; 16] = [
    "frame",
    "parser",
    "overflow",
    "header",
    "stream",
    "decoder",
    "token",
    "timeout",
    "handshake",
    "buffer",
    "trailer",
    "compression",
    "deadline",
    "metadata",
    "retry",
    "codec",
];

impl App {
    /// Stores `count` synthetic reports in project `slug`, which must have none yet;
    /// `progress` hears the total after each batch. Refused for a project that has
    /// cases: seeding is for a load test's own project, never for real work.
    pub async fn seed_reports(
        &self,
        slug: &str,
        count: u64,
        mut progress: impl FnMut(u64),
    ) -> AppResult<u64> {
        let project = self.project(slug).await?;
        // Every case of the project, however it is scoped (reads them all, which only
        // costs when the answer is no).
        let existing = self.store().project_clock_facts(&project.slug).await?;
        if !existing.is_empty() {
            return Err(AppError::bad_request(
                "not_empty",
                format!(
                    "project `{slug}` has cases: seed only an empty project made for a load test"
                ),
                Some("project"),
            ));
        }
        let components: Vec<String> = project.components.iter().map(|c| c.name.clone()).collect();
        let mut stored = 0u64;
        while stored < count {
            let n = (count - stored).min(BATCH as u64);
            // Ids begin with the time (`CaseId::received`), so a thousand drawn within a
            // sixteenth of a second share 25 random bits: about one batch in seventy
            // repeats an id and is refused whole. It is drawn again, as intake does.
            let mut draws = 0;
            loop {
                let mut batch = Vec::with_capacity(n as usize);
                for i in stored..stored + n {
                    batch.push(self.synthetic(&project, &components, i)?);
                }
                match self.store().submit_cases(&batch).await {
                    Ok(_) => break,
                    Err(StoreError::Conflict) if draws < 3 => draws += 1,
                    Err(e) => return Err(e.into()),
                }
            }
            stored += n;
            progress(stored);
        }
        // The planner must learn of the new rows before the next query plans with them.
        self.store().analyze().await?;
        Ok(stored)
    }

    fn synthetic(
        &self,
        project: &embargo_core::project::Project,
        components: &[String],
        i: u64,
    ) -> AppResult<NewCase> {
        let word = |k: u64| WORDS[((i / k) % WORDS.len() as u64) as usize];
        let draft = Draft {
            title: format!("{} {} in the {} ({i})", word(1), word(7), word(3)),
            description: format!(
                "A crafted {} makes the {} {} when the {} is {}. Seen with build {i}.",
                word(5),
                word(11),
                word(13),
                word(2),
                word(17)
            ),
            component: components
                .get((i % components.len().max(1) as u64) as usize)
                .cloned(),
            ..Draft::default()
        };
        let id = CaseId::received(self.now(), crate::secrets::random_u64());
        let events = decide::submit(
            &Actor::Anonymous,
            project,
            id,
            draft,
            Channel::Web,
            vec![],
            self.now(),
        )?;
        let case = Case::replay(&events).expect("submit decides the first event");
        Ok(NewCase {
            case,
            events,
            tracking_token: crate::secrets::token(crate::secrets::TRACKING_TOKEN_PREFIX),
            files: vec![],
        })
    }
}
