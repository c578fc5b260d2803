//! Attachments taken from incoming mail: the name a person gave the file, cleaned so it
//! can be shown and offered for download without surprises.

/// A file attached to an incoming message.
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file name, without folders, control characters or direction overrides; never
    /// empty (`attachment` when the message gave none).
    pub name: String,
    /// The media type the sender declared (`text/plain`, `application/octet-stream` when
    /// none). Declared, not checked: serve attachments as downloads only.
    pub declared_type: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Attachment {
    // The content may be embargoed; its size is enough to debug with.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("name", &self.name)
            .field("declared_type", &self.declared_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// Longest name kept, in bytes: what common file systems accept.
const MAX_NAME_BYTES: usize = 255;

/// The file name part of what a sender called an attachment: folders (`/` or `\`) are
/// dropped, and so are control characters and the Unicode direction controls that can
/// make `evil<U+202E>fdp.exe` look like `evil.exe.pdf`. Leading dots go too, so a name never
/// means a hidden file or a parent folder.
pub fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let kept: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_direction_control(*c))
        .collect();
    let trimmed = kept.trim().trim_start_matches('.').trim();
    let mut cleaned = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        if cleaned.len() + c.len_utf8() > MAX_NAME_BYTES {
            break;
        }
        cleaned.push(c);
    }
    if cleaned.is_empty() {
        "attachment".to_owned()
    } else {
        cleaned
    }
}

fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::clean_name;

    #[test]
    fn folders_are_dropped() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\me\\poc.py"), "poc.py");
        assert_eq!(clean_name("dir/"), "attachment");
    }

    #[test]
    fn control_and_direction_characters_are_dropped() {
        assert_eq!(clean_name("a\r\nb\u{0}.txt"), "ab.txt");
        assert_eq!(clean_name("evil\u{202e}fdp.exe"), "evilfdp.exe");
    }

    #[test]
    fn hidden_and_empty_names_are_not_kept() {
        assert_eq!(clean_name(".bashrc"), "bashrc");
        assert_eq!(clean_name(".."), "attachment");
        assert_eq!(clean_name("  "), "attachment");
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary() {
        let name = "é".repeat(300);
        let cleaned = clean_name(&name);
        assert!(cleaned.len() <= 255);
        assert!(cleaned.chars().all(|c| c == 'é'));
    }
}
