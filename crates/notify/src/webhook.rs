//! Generic webhooks: a Standard Webhooks event, `{"type", "timestamp", "data"}`, as
//! minified JSON. The bytes built here are the bytes signed and the bytes sent.

use crate::notice::Notice;

pub(crate) fn body(notice: &Notice) -> Vec<u8> {
    let event = serde_json::json!({
        "type": notice.kind().event_type(),
        "timestamp": notice.at().to_string(),
        "data": notice.data(),
    });
    serde_json::to_vec(&event).expect("a JSON value always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::tests::draft;

    #[test]
    fn the_event_has_type_timestamp_and_data() {
        let event: serde_json::Value =
            serde_json::from_slice(&body(&draft().check().unwrap())).unwrap();
        assert_eq!(event["type"], "notice.fixed_vulnerability");
        assert_eq!(event["timestamp"], "2026-11-30T12:00:00Z");
        assert_eq!(event["data"]["id"], "msg_0001");
        assert_eq!(event["data"]["project"], "connect");
        assert_eq!(event["data"]["links"][0]["url"], "https://sec.example/a/1");
        assert_eq!(event["data"]["read_more"], "https://sec.example/a/1");
    }
}
