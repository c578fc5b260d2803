//! CVSS on a case (policy steps C13, C16, V6, V7). A case keeps a v3.1 and a v4.0
//! vector side by side, because consumers still read 3.1 while 4.0 is newer. Anyone
//! on the case proposes vectors, the reporter may suggest one, and the coordinator
//! makes the final call with the effect (impact statement). Vectors are stored in
//! their normalized printed form; scores are computed from them when shown, never
//! stored, so a corrected scoring rule applies to every case at once.

use crate::rejection::{Invalid, Rejection, Rule};
use embargo_cvss::{Assessment, Version};
use serde::{Deserialize, Serialize};

/// The two versions a case keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CaseVersion {
    #[serde(rename = "3.1")]
    V3_1,
    #[serde(rename = "4.0")]
    V4_0,
}

impl CaseVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseVersion::V3_1 => "3.1",
            CaseVersion::V4_0 => "4.0",
        }
    }

    fn of(version: Version) -> Option<CaseVersion> {
        match version {
            Version::V3_1 => Some(CaseVersion::V3_1),
            Version::V4_0 => Some(CaseVersion::V4_0),
            Version::V2_0 | Version::V3_0 => None,
        }
    }
}

/// The coordinator's final call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalScore {
    pub cvss_v3_1: Option<String>,
    pub cvss_v4_0: Option<String>,
    /// What an attacker can do, in words: the advisory's impact statement.
    pub effect: String,
}

impl FinalScore {
    /// The highest score among the vectors, which decides the severity track (C16).
    pub fn highest(&self) -> Option<Assessment> {
        [&self.cvss_v3_1, &self.cvss_v4_0]
            .into_iter()
            .flatten()
            .filter_map(|v| embargo_cvss::assess(v).ok())
            .max_by_key(|a| a.score.tenths())
    }
}

fn cvss_problem(field: &str, e: &embargo_cvss::ParseError) -> Invalid {
    Invalid {
        field: field.to_owned(),
        rule: Rule::Cvss(e.rule()),
        message: format!("`{field}`: {e}"),
    }
}

/// A vector a case may keep (v3.1 or v4.0), normalized; `field` names it in errors.
pub fn case_vector(field: &str, input: &str) -> Result<(CaseVersion, String), Invalid> {
    let a = embargo_cvss::assess(input.trim()).map_err(|e| cvss_problem(field, &e))?;
    let version = a.vector.version();
    match CaseVersion::of(version) {
        Some(v) => Ok((v, a.vector.to_string())),
        None => Err(Invalid {
            field: field.to_owned(),
            rule: Rule::Cvss("cvss.version_not_kept"),
            message: format!(
                "`{field}`: a case keeps CVSS v3.1 and v4.0 vectors, not v{}; \
                 `embargo cvss` scores older vectors",
                version.as_str()
            ),
        }),
    }
}

/// Checks the coordinator's final call: at least one vector, each in the field of
/// its version, and an effect statement.
pub fn final_score(
    cvss_v3_1: Option<&str>,
    cvss_v4_0: Option<&str>,
    effect: &str,
) -> Result<FinalScore, Rejection> {
    let mut problems = Vec::new();
    let mut take = |field: &str, input: Option<&str>, want: CaseVersion| {
        let input = input.map(str::trim).filter(|s| !s.is_empty())?;
        match case_vector(field, input) {
            Ok((v, normalized)) if v == want => Some(normalized),
            Ok((v, _)) => {
                problems.push(Invalid {
                    field: field.to_owned(),
                    rule: Rule::Cvss("cvss.wrong_version"),
                    message: format!(
                        "`{field}` takes a CVSS {} vector; this one is {}",
                        want.as_str(),
                        v.as_str()
                    ),
                });
                None
            }
            Err(e) => {
                problems.push(e);
                None
            }
        }
    };
    let v3 = take("cvss_v3_1", cvss_v3_1, CaseVersion::V3_1);
    let v4 = take("cvss_v4_0", cvss_v4_0, CaseVersion::V4_0);
    if problems.is_empty() && v3.is_none() && v4.is_none() {
        problems.push(Invalid {
            field: "cvss_v3_1".into(),
            rule: Rule::Required,
            message: "give a CVSS v3.1 vector, a v4.0 vector, or both".into(),
        });
    }
    let effect = match crate::text::required_body("effect", effect, crate::text::limits::BODY) {
        Ok(e) => e,
        Err(mut e) => {
            if e.rule == Rule::Required {
                e.message =
                    "`effect`: say what an attacker can do (the advisory's impact statement)"
                        .into();
            }
            problems.push(e);
            String::new()
        }
    };
    if problems.is_empty() {
        Ok(FinalScore {
            cvss_v3_1: v3,
            cvss_v4_0: v4,
            effect,
        })
    } else {
        Err(Rejection::Invalid(problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const V40: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

    fn rules(r: Rejection) -> Vec<(String, &'static str)> {
        match r {
            Rejection::Invalid(list) => {
                list.into_iter().map(|i| (i.field, i.rule.code())).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn both_versions_side_by_side_normalized() {
        let s = final_score(
            Some(&format!(" {V31} ")),
            Some(V40),
            "Remote code execution",
        )
        .unwrap();
        assert_eq!(s.cvss_v3_1.as_deref(), Some(V31));
        assert_eq!(s.cvss_v4_0.as_deref(), Some(V40));
        assert_eq!(s.highest().unwrap().score.tenths(), 98);
    }

    #[test]
    fn each_field_takes_its_own_version_and_parse_errors_keep_their_rule() {
        assert_eq!(
            rules(final_score(Some(V40), None, "x").unwrap_err()),
            [("cvss_v3_1".to_owned(), "cvss.wrong_version")]
        );
        assert_eq!(
            rules(final_score(Some("CVSS:3.1/AV:X"), None, "x").unwrap_err())[0],
            ("cvss_v3_1".to_owned(), "cvss.invalid_value")
        );
        assert_eq!(
            rules(
                final_score(
                    Some("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
                    None,
                    "x"
                )
                .unwrap_err()
            ),
            [("cvss_v3_1".to_owned(), "cvss.version_not_kept")]
        );
    }

    #[test]
    fn a_vector_and_the_effect_are_required() {
        assert_eq!(
            rules(final_score(None, Some(""), " ").unwrap_err()),
            [
                ("cvss_v3_1".to_owned(), "required"),
                ("effect".to_owned(), "required")
            ]
        );
    }
}
