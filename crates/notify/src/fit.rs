//! Cutting a chat message to its channel's limit without cutting its head or its
//! links: the body gives way, at a word boundary, and says so.

/// Length as chat services count it (JavaScript string length, UTF-16 units); never
/// less than the number of characters, so a message within it is within either.
pub(crate) fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// `render(body, cut)` lays out the whole message around a body; `cut` says whether
/// the body was shortened, so the layout can add its "read the rest" link. Returns the
/// message and whether it was cut.
pub(crate) fn fit(limit: usize, body: &str, render: impl Fn(&str, bool) -> String) -> String {
    let whole = render(body, false);
    if units(&whole) <= limit {
        return whole;
    }
    let mut keep = body.chars().count();
    loop {
        let message = render(&shorten(body, keep), true);
        let over = units(&message).saturating_sub(limit);
        if over == 0 {
            return message;
        }
        if keep == 0 {
            // Head and links alone are over the limit: cut the message itself.
            return message
                .chars()
                .take(limit.saturating_sub(1))
                .collect::<String>()
                + "…";
        }
        // Escaping and conversion make a body character one or more units of message,
        // so dropping `over` characters never overshoots by much; the loop converges.
        keep = keep.saturating_sub(over.max(1));
    }
}

/// The first `keep` characters, backed off to the last space within 80 characters,
/// with an ellipsis.
fn shorten(body: &str, keep: usize) -> String {
    let head: String = body.chars().take(keep).collect();
    let cut = match head.rfind(char::is_whitespace) {
        Some(i) if head[i..].chars().count() <= 80 => &head[..i],
        _ => &head[..],
    };
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_message_is_untouched_and_a_long_one_fits_with_its_tail() {
        let render =
            |body: &str, cut: bool| format!("HEAD\n{body}{}", if cut { "\nMORE" } else { "" });
        assert_eq!(fit(100, "short", render), "HEAD\nshort");
        let body = "word ".repeat(100);
        let message = fit(60, &body, render);
        assert!(units(&message) <= 60, "{message}");
        assert!(message.starts_with("HEAD\nword"));
        assert!(message.ends_with("word…\nMORE"), "{message}");
    }

    #[test]
    fn units_count_utf16() {
        assert_eq!(units("é"), 1);
        assert_eq!(units("😀"), 2);
        let body = "😀".repeat(50);
        let message = fit(21, &body, |b, _| b.to_owned());
        assert!(units(&message) <= 21);
    }
}
