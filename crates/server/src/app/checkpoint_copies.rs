//! Copies of each signed checkpoint off this machine (issue 11, item 4): mailed to
//! `integrity.checkpoint_mail` and posted to `integrity.checkpoint_webhook`. Whoever
//! holds the database and the checkpoint folder can remove the checkpoints kept here,
//! but not the copies already sent. Each copy is the signed file itself, so it is
//! checked as one: put back into the folder, `embargo admin verify` checks against it.
//!
//! Each is tried once per checkpoint: a failure is logged and shown on the admin page,
//! and the next checkpoint (which holds every stream's head again) goes out anyway, so
//! nothing waits in the database, where the copies are meant to be out of reach.

use super::App;
use embargo_core::Timestamp;
use embargo_mail::outgoing::{Address, OutgoingMail, Protection};
use std::path::Path;

/// One copy of one checkpoint: where it went and what came of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopySent {
    /// "mail to ADDRESS" or "webhook SCHEME://HOST" (never the whole URL).
    pub to: String,
    /// The checkpoint's file name.
    pub checkpoint: String,
    pub at: Timestamp,
    /// The receiver's answer, or why the copy did not go.
    pub outcome: Result<String, String>,
}

impl App {
    /// Sends the copies the settings ask for of the checkpoint at `path`, and keeps
    /// their outcomes for the admin page (the latest of each replaces the one before).
    pub async fn send_checkpoint_copies(&self, path: &Path) -> Vec<CopySent> {
        let integrity = &self.settings().integrity;
        let (mail_to, webhook) = (&integrity.checkpoint_mail, &integrity.checkpoint_webhook);
        if mail_to.is_none() && webhook.is_none() {
            return Vec::new();
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()));
        let mut sent = Vec::new();
        if let Some(address) = mail_to {
            let outcome = match &text {
                Ok(text) => self.mail_checkpoint(address, &name, text).await,
                Err(e) => Err(e.clone()),
            };
            sent.push((format!("mail to {address}"), outcome));
        }
        if let Some(url) = webhook {
            let shown = embargo_notify::EndpointUrl::parse(url)
                .map(|u| u.to_string())
                .unwrap_or_else(|_| "the webhook".to_owned());
            let outcome = match &text {
                Ok(text) => self.post_checkpoint(url, &name, text).await,
                Err(e) => Err(e.clone()),
            };
            sent.push((format!("webhook {shown}"), outcome));
        }
        let at = self.now();
        let sent: Vec<CopySent> = sent
            .into_iter()
            .map(|(to, outcome)| {
                match &outcome {
                    Ok(answer) => {
                        tracing::info!(checkpoint = %name, to = %to, answer = %answer, "checkpoint copy sent");
                    }
                    Err(why) => {
                        tracing::error!(checkpoint = %name, to = %to, "checkpoint copy not sent: {why}");
                    }
                }
                CopySent {
                    to,
                    checkpoint: name.clone(),
                    at,
                    outcome,
                }
            })
            .collect();
        *self
            .inner
            .checkpoint_copies
            .write()
            .unwrap_or_else(|e| e.into_inner()) = sent.clone();
        sent
    }

    /// The outcomes of the latest checkpoint's copies, for the admin page.
    pub fn checkpoint_copies(&self) -> Vec<CopySent> {
        self.inner
            .checkpoint_copies
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    async fn mail_checkpoint(
        &self,
        address: &str,
        name: &str,
        text: &str,
    ) -> Result<String, String> {
        let Some(mailer) = self.mailer() else {
            return Err("outgoing mail is not set up (`mail.smtp_url`, `mail.from`)".into());
        };
        let domain = mailer.from.rsplit_once('@').map_or("", |(_, d)| d);
        let message_id = embargo_mail::reply::message_id_for(&format!("checkpoint.{name}"), domain)
            .map_err(|e| e.to_string())?;
        let mail = OutgoingMail {
            from: Address::named("Embargo".to_owned(), mailer.from.clone()),
            to: vec![Address::new(address)],
            reply_to: None,
            subject: format!("[Embargo] Signed checkpoint {name}"),
            text: format!(
                "A signed checkpoint of every stream's last event, taken by the Embargo at {}.\n\n\
                 Keep this mail. Should the event log ever be doubted, save the text below as \
                 {name} in the checkpoint folder (`integrity.checkpoint_dir`) and run \
                 `embargo admin verify`: it checks the database against it.\n\n{text}\n",
                self.url("/"),
            ),
            html: None,
            message_id,
            in_reply_to: None,
            references: Vec::new(),
            headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
        };
        let built = mail
            .build(Protection::None)
            .map_err(|e| format!("the mail could not be built: {e}"))?;
        mailer
            .sender
            .send(&built)
            .await
            .map(|accepted| accepted.server_answer)
            .map_err(|e| e.to_string())
    }

    async fn post_checkpoint(&self, url: &str, name: &str, text: &str) -> Result<String, String> {
        let url = embargo_notify::EndpointUrl::parse(url).map_err(|e| e.to_string())?;
        let payload = embargo_notify::Payload {
            url,
            body: text.as_bytes().to_vec(),
            headers: vec![
                ("x-embargo-checkpoint", name.to_owned()),
                // The signed file as it is (a text header, then one line per stream).
                ("content-type", "text/plain; charset=utf-8".to_owned()),
            ],
        };
        embargo_notify::post(payload, &self.guard())
            .await
            .map(|d| format!("HTTP {}", d.status))
            .map_err(|e| e.to_string())
    }
}
