//! The page a listing request asks for (`?limit=`, `?after=`), read the same way by the
//! JSON API and the pages.

use super::{AppError, AppResult};
use embargo_store::{Cursor, PageRequest};

/// `limit`: a whole number from 1 to [`PageRequest::MAX_LIMIT`], default
/// [`PageRequest::DEFAULT_LIMIT`]; `after`: a `next` cursor a listing handed out.
pub fn page_request(limit: Option<&str>, after: Option<&str>) -> AppResult<PageRequest> {
    let limit = match limit.map(str::trim) {
        None | Some("") => PageRequest::DEFAULT_LIMIT,
        Some(s) => s.parse().map_err(|_| bad_limit(s))?,
    };
    let after = match after.map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(Cursor::parse(s).ok_or_else(|| {
            AppError::bad_request(
                "invalid_value",
                "`after`: not a cursor; pass the `next` value of the previous page unchanged",
                Some("after"),
            )
        })?),
    };
    PageRequest::new(limit, after).ok_or_else(|| bad_limit(&limit.to_string()))
}

fn bad_limit(given: &str) -> AppError {
    AppError::bad_request(
        "invalid_value",
        format!(
            "`limit`: `{given}` is not a whole number from 1 to {}",
            PageRequest::MAX_LIMIT
        ),
        Some("limit"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_default_and_are_bounded() {
        assert_eq!(page_request(None, None).unwrap().limit(), 50);
        assert_eq!(page_request(Some("200"), None).unwrap().limit(), 200);
        for bad in ["0", "201", "-1", "ten", "1.5"] {
            let e = page_request(Some(bad), None).unwrap_err().to_string();
            assert!(
                e.contains("`limit`") && e.contains("1 to 200"),
                "{bad}: {e}"
            );
        }
        let e = page_request(None, Some("nope")).unwrap_err().to_string();
        assert!(e.contains("`after`"), "{e}");
    }
}
