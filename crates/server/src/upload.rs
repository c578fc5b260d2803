//! Reading `multipart/form-data` (report forms, attachments), shared by the API and
//! the pages. Limits are checked as bytes arrive, never after: the file count when a
//! file part starts (before its body is read), each file's size and the request's
//! size chunk by chunk, and the first one broken stops the reading; what follows is
//! never read. Uploads under way at once are capped (`limits.concurrent_uploads`).
//! A file's bytes go to a spool file as they arrive ([`Spool`]): a slow upload holds
//! disk, not memory; the files are read back once the whole request is in, for the
//! moment it takes to store them.

use crate::app::spool::{Slots, Spool};
use crate::app::{AppError, Upload};
use crate::settings::Limits;
use axum::extract::Multipart;
use embargo_core::event::Visibility;
use std::collections::HashMap;

/// Text fields by name (the last value wins) and the files, in order; `refused` says
/// which limit stopped the reading, if one did (the fields before it are kept, so a
/// page can show its form again with what was typed).
pub struct Form {
    pub fields: HashMap<String, String>,
    pub files: Vec<Upload>,
    pub refused: Option<AppError>,
    /// Held while the form lives: one of `limits.concurrent_uploads`.
    _slot: tokio::sync::OwnedSemaphorePermit,
    /// Held while the form's files are in memory (from their reading back until the
    /// form is dropped, after they are stored): one of [`STORING`].
    _storing: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl Form {
    pub fn text(&self, name: &str) -> Option<String> {
        self.fields.get(name).cloned()
    }

    pub fn flag(&self, name: &str) -> bool {
        self.fields
            .get(name)
            .is_some_and(|v| matches!(v.as_str(), "on" | "true" | "1" | "yes"))
    }

    /// The form if no limit stopped it, else the refusal.
    pub fn accepted(mut self) -> Result<Form, AppError> {
        match self.refused.take() {
            Some(e) => Err(e),
            None => Ok(self),
        }
    }
}

/// The whole request may hold this many bytes: every file at its limit plus the text.
pub fn body_limit(limits: &Limits) -> usize {
    limits.attachments_per_upload * limits.attachment_bytes + limits.json_body_bytes
}

fn malformed(e: axum::extract::multipart::MultipartError, limits: &Limits) -> AppError {
    let text = e.body_text();
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE
        || text.contains("length limit")
        || text.contains("too large")
    {
        request_too_large(limits)
    } else {
        AppError::bad_request(
            "malformed_multipart",
            format!("the multipart body could not be read: {text}"),
            None,
        )
    }
}

fn request_too_large(limits: &Limits) -> AppError {
    AppError::UploadRefused {
        rule: "upload_bytes",
        message: format!(
            "the upload is larger than the limit of {} bytes for one request \
             (`limits.attachments_per_upload` × `limits.attachment_bytes` and the text); \
             send fewer or smaller files",
            body_limit(limits)
        ),
        files: Vec::new(),
    }
}

/// The files a refused form must be given again (a browser keeps none of them), in
/// words: "choose again: `a.txt`, `b.txt`".
fn choose_again(names: &[String]) -> String {
    let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    format!("choose again: {}", list.join(", "))
}

/// `names`: every file of the form so far, the refused one last.
fn file_too_large(names: Vec<String>, limits: &Limits) -> AppError {
    let name = names.last().cloned().unwrap_or_default();
    AppError::UploadRefused {
        rule: "attachment_bytes",
        message: format!(
            "`{name}` is larger than the limit of {} bytes for one file \
             (`limits.attachment_bytes`); pick a smaller one; {}",
            limits.attachment_bytes,
            choose_again(&names)
        ),
        files: names,
    }
}

fn too_many_files(names: Vec<String>, limits: &Limits) -> AppError {
    AppError::UploadRefused {
        rule: "attachments_per_upload",
        message: format!(
            "at most {} files at once (`limits.attachments_per_upload`); {} ({} or fewer)",
            limits.attachments_per_upload,
            choose_again(&names),
            limits.attachments_per_upload
        ),
        files: names,
    }
}

/// One of the upload slots, or the refusal every caller gets while all are taken.
fn slot(slots: &Slots, limits: &Limits) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
    slots.permits().clone().try_acquire_owned().map_err(|_| {
        let limit = limits.concurrent_uploads;
        AppError::Overloaded {
            rule: "concurrent_uploads",
            message: format!(
                "the server is taking {limit} uploads at once already \
                 (`limits.concurrent_uploads`); try again in a few seconds"
            ),
            retry_after_secs: 5,
        }
    })
}

/// Reads the parts until the end or the first limit broken. File parts are those with
/// a file name (`file` fields left empty in a browser arrive without content and are
/// skipped). Only a busy server (every slot taken) is an `Err`; a broken limit is the
/// form's `refused`.
///
/// After a broken limit the rest of the body is read, up to the request's limit,
/// without keeping a byte of its files (only the text fields after it, for a form that
/// comes back as typed): a browser, and most HTTP clients, read the answer only once
/// they have sent the whole body, and would otherwise see the connection end instead
/// of the `413`. Reading past costs time on the wire, not memory.
pub async fn read(
    limits: &Limits,
    slots: &Slots,
    mut multipart: Multipart,
    visibility: Visibility,
) -> Result<Form, AppError> {
    let mut form = Form {
        fields: HashMap::new(),
        files: Vec::new(),
        refused: None,
        _slot: slot(slots, limits)?,
        _storing: None,
    };
    let request_limit = body_limit(limits);
    let mut total = 0usize;
    let mut spooled: Vec<(Upload, Option<Spool>)> = Vec::new();
    loop {
        let refused = form.refused.is_some();
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                form.refused.get_or_insert(malformed(e, limits));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        // Files after a refusal are read past, never kept.
        let keep = !(refused && filename.is_some());
        if keep
            && let Some(f) = &filename
            && spooled.len() == limits.attachments_per_upload
        {
            // Refused on its header: not one byte of its body is kept.
            let mut names: Vec<String> = spooled.iter().map(|(f, _)| f.filename.clone()).collect();
            names.push(f.clone());
            form.refused = Some(too_many_files(names, limits));
            continue;
        }
        let cap = match filename {
            Some(_) => limits.attachment_bytes,
            None => limits.json_body_bytes,
        };
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        // A file's bytes are spooled; a text field's (at most `json_body_bytes`) kept.
        let mut bytes = Vec::new();
        let mut spool = None;
        let mut received = 0usize;
        let mut stop = None;
        let mut over = false;
        loop {
            let chunk = match field.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => {
                    stop = Some(malformed(e, limits));
                    break;
                }
            };
            total += chunk.len();
            if total > request_limit {
                stop = Some(request_too_large(limits));
                break;
            }
            if !keep || over {
                continue;
            }
            if received + chunk.len() > cap {
                let e = match &filename {
                    Some(f) => {
                        let mut names: Vec<String> =
                            spooled.iter().map(|(f, _)| f.filename.clone()).collect();
                        names.push(f.clone());
                        file_too_large(names, limits)
                    }
                    None => AppError::TooLarge {
                        what: format!("field `{name}`"),
                        limit: limits.json_body_bytes,
                    },
                };
                form.refused.get_or_insert(e);
                bytes = Vec::new();
                spool = None;
                over = true;
                continue;
            }
            received += chunk.len();
            if filename.is_none() {
                bytes.extend_from_slice(&chunk);
                continue;
            }
            let written = match &mut spool {
                Some(s) => Spool::write(s, &chunk).await,
                None => match Spool::new(slots.spool_dir()).await {
                    Ok(s) => Spool::write(spool.insert(s), &chunk).await,
                    Err(e) => Err(e),
                },
            };
            if let Err(e) = written {
                return Err(AppError::Internal(format!(
                    "cannot spool an upload in {}: {e}",
                    slots.spool_dir().display()
                )));
            }
        }
        if let Some(e) = stop {
            // Past the request's limit (or a broken body): nothing more is read.
            form.refused.get_or_insert(e);
            break;
        }
        if !keep || over {
            continue;
        }
        match filename {
            Some(filename) => {
                if filename.is_empty() && received == 0 {
                    continue;
                }
                spooled.push((
                    Upload {
                        filename,
                        content_type,
                        bytes: Vec::new(),
                        visibility,
                    },
                    spool,
                ));
            }
            None => {
                let text = String::from_utf8(bytes).map_err(|_| {
                    AppError::bad_request(
                        "invalid_value",
                        format!("field `{name}` is not UTF-8 text"),
                        Some(&name),
                    )
                })?;
                form.fields.insert(name, text);
            }
        }
    }
    if form.refused.is_some() {
        // None of them is taken; the ones read before the refusal go too.
        return Ok(form);
    }
    // The whole request is in: the files come back into memory to be stored, a few
    // requests at a time.
    if spooled.iter().any(|(_, spool)| spool.is_some()) {
        form._storing = Some(
            slots
                .storing()
                .clone()
                .acquire_owned()
                .await
                .expect("the semaphore is never closed"),
        );
    }
    for (mut upload, spool) in spooled {
        if let Some(spool) = spool {
            upload.bytes = spool.read_back().await.map_err(|e| {
                AppError::Internal(format!("cannot read back a spooled upload: {e}"))
            })?;
        }
        form.files.push(upload);
    }
    Ok(form)
}
