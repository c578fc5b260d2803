//! Reading `multipart/form-data` (report forms, attachments), shared by the API and
//! the pages: each file is size-checked while it streams in, never after.

use crate::app::{AppError, Upload};
use crate::settings::Limits;
use axum::extract::Multipart;
use embargo_core::event::Visibility;
use std::collections::HashMap;

/// Text fields by name (the last value wins) and the files, in order.
pub struct Form {
    pub fields: HashMap<String, String>,
    pub files: Vec<Upload>,
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
}

/// The whole request may hold this many bytes: every file at its limit plus the text.
pub fn body_limit(limits: &Limits) -> usize {
    limits.attachments_per_upload * limits.attachment_bytes + limits.json_body_bytes
}

fn malformed(e: impl std::fmt::Display) -> AppError {
    let text = e.to_string();
    if text.contains("length limit") || text.contains("too large") {
        AppError::TooLarge {
            what: "the request body".into(),
            limit: 0,
        }
    } else {
        AppError::bad_request(
            "malformed_multipart",
            format!("the multipart body could not be read: {text}"),
            None,
        )
    }
}

/// Reads every part. File parts are those with a file name (`file` fields left empty
/// in a browser arrive without content and are skipped).
pub async fn read(
    mut multipart: Multipart,
    limits: &Limits,
    visibility: Visibility,
) -> Result<Form, AppError> {
    let mut form = Form {
        fields: HashMap::new(),
        files: Vec::new(),
    };
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(filename) => {
                let content_type = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_owned();
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                    if bytes.len() + chunk.len() > limits.attachment_bytes {
                        return Err(AppError::TooLarge {
                            what: format!("attachment `{filename}`"),
                            limit: limits.attachment_bytes,
                        });
                    }
                    bytes.extend_from_slice(&chunk);
                }
                if filename.is_empty() && bytes.is_empty() {
                    continue;
                }
                form.files.push(Upload {
                    filename,
                    content_type,
                    bytes,
                    visibility,
                });
            }
            None => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                    if bytes.len() + chunk.len() > limits.json_body_bytes {
                        return Err(AppError::TooLarge {
                            what: format!("field `{name}`"),
                            limit: limits.json_body_bytes,
                        });
                    }
                    bytes.extend_from_slice(&chunk);
                }
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
    Ok(form)
}
