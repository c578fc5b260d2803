//! Sharing a case with a person from another project (policy step C5): the
//! coordinator's invitation (a capability token mailed to the guest, its hash kept with
//! the case), the guest's view of the shared parts only, their comments for the team,
//! and removal, which ends the token at once.

use super::cases::CaseStream;
use super::{App, AppError, AppResult, CaseView};
use crate::secrets;
use embargo_core::actor::Actor;
use embargo_core::case::{Case, Guest};
use embargo_core::command::Command;
use embargo_core::ids::{CaseId, GuestId};
use embargo_core::project::Project;
use embargo_store::{SecretHash, StoreError};

/// An invitation as typed.
#[derive(Clone, Debug, Default)]
pub struct GuestInput {
    pub email: String,
    pub name: Option<String>,
    pub organisation: Option<String>,
    pub shares: Vec<String>,
    pub reason: String,
}

/// What a guest's token opens: the case (to be shown only in its shared parts, see
/// `Guest::shares`), its project and the guest.
pub struct GuestView {
    pub case: Case,
    pub project: Project,
    pub guest: Guest,
}

/// The case a guest token names, or `None` for anything malformed.
fn case_of_token(token: &str) -> Option<CaseId> {
    let rest = token.strip_prefix(secrets::GUEST_TOKEN_PREFIX)?;
    let (case, secret) = rest.split_once('.')?;
    if secret.len() < 32 {
        return None;
    }
    CaseId::parse(case)
}

impl App {
    /// Shares the case with a guest (C5): decided by core, stored with the invitation
    /// mail (carrying the link until it is sent) in one transaction. Returns the guest's
    /// number and link; the link is not kept anywhere else (only its hash).
    #[tracing::instrument(skip_all, fields(case = %id))]
    pub async fn invite_guest(
        &self,
        actor: &Actor,
        id: &CaseId,
        input: GuestInput,
    ) -> AppResult<(CaseView, GuestId, String)> {
        let token = format!(
            "{}{}.{}",
            secrets::GUEST_TOKEN_PREFIX,
            id,
            secrets::token("")
        );
        let commands = [Command::InviteGuest {
            email: input.email,
            name: input.name,
            organisation: input.organisation,
            shares: input.shares,
            reason: input.reason,
            token_hash: SecretHash::of(&token).hex(),
        }];
        let stream = CaseStream {
            id,
            commands: &commands,
            files: Vec::new(),
            token: Some(&token),
        };
        let (case, _) = self.run(&stream, actor, &commands).await?;
        let guest = case
            .guests
            .current
            .last()
            .map(|g| g.guest.id)
            .ok_or_else(|| AppError::Internal("an invitation recorded no guest".into()))?;
        tracing::info!(case.id = %id, guest = %guest, "case shared with a guest");
        let view = self
            .store()
            .case_for_viewer(id, actor)
            .await?
            .map(CaseView::from)
            .ok_or_else(AppError::not_found)?;
        let link = self.url(&format!("/guest/{token}"));
        Ok((view, guest, link))
    }

    /// Ends a guest's access (C5); their token answers as a missing case from now on.
    pub async fn remove_guest(
        &self,
        actor: &Actor,
        id: &CaseId,
        guest: GuestId,
        reason: &str,
    ) -> AppResult<CaseView> {
        self.execute(
            actor,
            id,
            vec![Command::RemoveGuest {
                guest,
                reason: reason.to_owned(),
            }],
            Vec::new(),
        )
        .await
    }

    /// The case a guest's token opens; not found for a removed guest, a closed case or
    /// any other token, exactly as for a missing case.
    #[tracing::instrument(skip_all, fields(actor = "guest"))]
    pub async fn guest_case(&self, ip: &str, token: &str) -> AppResult<GuestView> {
        self.limiters().token_attempt(ip)?;
        let Some((case, project, guest)) = self.guest_lookup(token).await? else {
            self.limiters().bad_token(ip);
            return Err(AppError::not_found());
        };
        self.trust_case(&case.id, case.project.as_str()).await?;
        let guest = case
            .guests
            .get(guest)
            .cloned()
            .ok_or_else(AppError::not_found)?;
        Ok(GuestView {
            case,
            project,
            guest,
        })
    }

    /// A file shared with the guest (C5): one the reporter sees, if the guest was given
    /// `attachments`; not found otherwise, as a missing file.
    pub async fn guest_attachment(
        &self,
        ip: &str,
        token: &str,
        attachment: &str,
    ) -> AppResult<(embargo_core::event::Attachment, Vec<u8>)> {
        let view = self.guest_case(ip, token).await?;
        let id =
            embargo_core::ids::AttachmentId::parse(attachment).ok_or_else(AppError::not_found)?;
        self.store()
            .guest_attachment(&view.case.id, &SecretHash::of(token), &id)
            .await?
            .ok_or_else(AppError::not_found)
    }

    /// The case, project and guest a guest token opens, with no limiter.
    pub(super) async fn guest_lookup(
        &self,
        token: &str,
    ) -> AppResult<Option<(Case, Project, GuestId)>> {
        let Some(id) = case_of_token(token) else {
            return Ok(None);
        };
        Ok(self
            .store()
            .case_for_guest(&id, &SecretHash::of(token))
            .await?)
    }

    /// A guest's comment for the team (C5), recorded on the case's timeline; the
    /// reporter never sees it.
    pub async fn guest_comment(&self, ip: &str, token: &str, body: &str) -> AppResult<GuestView> {
        for _ in 0..5 {
            let view = self.guest_case(ip, token).await?;
            let events =
                embargo_core::decide::guest_comment(&view.case, view.guest.id, body, self.now())?;
            let mut next = view.case.clone();
            for e in &events {
                next.apply(e);
            }
            match self
                .store()
                .append_case_events(view.case.version, &next, &events, &[])
                .await
            {
                Ok(queued) => {
                    if !queued.is_empty() {
                        self.ring_worker();
                    }
                    tracing::info!(case.id = %next.id, guest = %view.guest.id, "guest commented");
                    return Ok(GuestView { case: next, ..view });
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Busy)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn guest_tokens_name_their_case() {
        let id = embargo_core::ids::CaseId::from_entropy(7);
        let token = format!("emb_gst_{id}.{}", crate::secrets::token(""));
        assert_eq!(super::case_of_token(&token), Some(id));
        assert_eq!(super::case_of_token("emb_gst_nonsense"), None);
        assert_eq!(super::case_of_token("emb_trk_x.y"), None);
    }
}
