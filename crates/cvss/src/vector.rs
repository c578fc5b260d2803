//! Parsing and printing vector strings, checked against the tables in `defs`.
//!
//! We validate ourselves rather than rely on the `cvss` crate's parser: it upper-cases
//! v3/v4 names and values (FIRST's abbreviations are case-sensitive), accepts v4
//! metrics in any order and does not require the v3 base metrics, and its errors do
//! not say which rule was broken. A [`Vector`] is plain data (no heap), so a stream
//! of vectors can be parsed without allocating.

use crate::defs::{MetricDef, ValueDef, metrics};
use crate::error::{ParseError, echo};
use serde::Serialize;
use std::fmt;

/// A CVSS version we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    V2_0,
    V3_0,
    V3_1,
    V4_0,
}

impl Version {
    pub const ALL: [Version; 4] = [Version::V2_0, Version::V3_0, Version::V3_1, Version::V4_0];

    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2_0 => "2.0",
            Version::V3_0 => "3.0",
            Version::V3_1 => "3.1",
            Version::V4_0 => "4.0",
        }
    }

    /// Whether the specification makes the metric order part of the syntax.
    ///
    /// - v2.0 guide, section 2.4: "the vector lists these metrics in a predetermined
    ///   order" (Table 13).
    /// - v3.0 and v3.1 specifications, section 6: "A vector string should contain
    ///   metrics in the order shown in Table 15, though other orderings are valid. …
    ///   Programs reading CVSS v3.1 vector strings must accept metrics in any order"
    ///   (v3.0 says the same of its Table 12). So v3 order is *not* checked; we print
    ///   the recommended order.
    /// - v4.0 specification, section 7: "A vector string must contain metrics in the
    ///   order shown in Table 23, every other ordering is invalid."
    pub fn ordered(self) -> bool {
        match self {
            Version::V2_0 | Version::V4_0 => true,
            Version::V3_0 | Version::V3_1 => false,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The most metrics a version has (v4.0: 32).
const MAX_METRICS: usize = 32;

/// A valid vector: the version and, per metric of its table, which value (if any).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Vector {
    version: Version,
    /// `values[i]` is 1 + the index of metric `i`'s value, or 0 where absent.
    values: [u8; MAX_METRICS],
}

/// One metric as given in a vector, e.g. `AV:N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricValue {
    pub metric: &'static MetricDef,
    pub value: &'static ValueDef,
}

impl fmt::Display for MetricValue {
    /// `AV:N`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.metric.abbr, self.value.abbr)
    }
}

impl Serialize for MetricValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("MetricValue", 4)?;
        st.serialize_field("metric", self.metric.abbr)?;
        st.serialize_field("value", self.value.abbr)?;
        st.serialize_field("metric_name", self.metric.name)?;
        st.serialize_field("value_name", self.value.name)?;
        st.end()
    }
}

impl Vector {
    /// Parses a vector string of CVSS v2.0 (no prefix), v3.0, v3.1 or v4.0.
    /// Surrounding whitespace is ignored; everything else must be exact.
    pub fn parse(input: &str) -> Result<Vector, ParseError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ParseError::Empty);
        }
        let (version, body) = match s.strip_prefix("CVSS:") {
            Some(after) => {
                let (ver, body) = after.split_once('/').unwrap_or((after, ""));
                let version = match ver {
                    "3.0" => Version::V3_0,
                    "3.1" => Version::V3_1,
                    "4.0" => Version::V4_0,
                    _ => return Err(ParseError::UnknownVersion { version: echo(ver) }),
                };
                (version, body)
            }
            None => (Version::V2_0, prefixless(s)?),
        };
        let table = metrics(version);
        let mut vector = Vector {
            version,
            values: [0; MAX_METRICS],
        };
        let mut last: Option<usize> = None;
        // Vectors mostly list their metrics in the table's order: look for each one
        // first where the previous one ended.
        let mut hint = 0;
        // A prefix with nothing after it is a vector missing its base metrics.
        for component in components(body) {
            let Some(colon) = component.bytes().position(|b| b == b':') else {
                return Err(malformed(component));
            };
            let (name, value) = (&component[..colon], &component[colon + 1..]);
            if name.is_empty() || value.bytes().any(|b| b == b':') {
                return Err(malformed(component));
            }
            let Some(index) = find(table, hint, |m| same(m.abbr, name)) else {
                return Err(unknown_metric(version, name, s));
            };
            hint = index + 1;
            let def = &table[index];
            let Some(value_index) = def.values.iter().position(|v| same(v.abbr, value)) else {
                return Err(ParseError::InvalidValue {
                    metric: def.abbr,
                    name: def.name,
                    value: echo(value),
                    expected: join(def.values.iter().map(|v| v.abbr)),
                });
            };
            if vector.values[index] != 0 {
                return Err(ParseError::DuplicateMetric { metric: def.abbr });
            }
            if version.ordered() {
                if let Some(prev) = last.filter(|&prev| prev > index) {
                    return Err(ParseError::OutOfOrder {
                        version,
                        metric: def.abbr,
                        after: table[prev].abbr,
                        order: join(table.iter().map(|m| m.abbr)),
                    });
                }
                last = Some(index);
            }
            // Tables have at most 32 metrics of at most 6 values: both fit in u8.
            vector.values[index] = u8::try_from(value_index + 1).unwrap_or(u8::MAX);
        }
        if let Some(missing) = table
            .iter()
            .zip(vector.values)
            .find(|(m, v)| m.mandatory && *v == 0)
        {
            return Err(ParseError::MissingMetric {
                version,
                metric: missing.0.abbr,
                name: missing.0.name,
                required: join(table.iter().filter(|m| m.mandatory).map(|m| m.abbr)),
            });
        }
        Ok(vector)
    }

    /// Per metric of the version's table: 1 + the index of its value, 0 where absent.
    pub(crate) fn raw_values(&self) -> &[u8; MAX_METRICS] {
        &self.values
    }

    /// The value given for the metric at position `at` of the version's table.
    pub(crate) fn value_at(&self, at: usize) -> Option<&'static ValueDef> {
        let raw = usize::from(*self.values.get(at)?);
        metrics(self.version)
            .get(at)?
            .values
            .get(raw.checked_sub(1)?)
    }

    pub fn version(&self) -> Version {
        self.version
    }

    /// The metrics given, in the specification's order.
    pub fn metrics(&self) -> impl Iterator<Item = MetricValue> + '_ {
        metrics(self.version)
            .iter()
            .zip(self.values)
            .filter(|(_, v)| *v != 0)
            .map(|(metric, v)| MetricValue {
                metric,
                value: &metric.values[usize::from(v) - 1],
            })
    }

    /// The metrics given, in the specification's order, as (index in the version's
    /// table, index in the metric's values).
    pub(crate) fn given(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.values
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0)
            .map(|(metric, v)| (metric, usize::from(*v) - 1))
    }

    /// The value given for metric `abbr`, if any.
    pub fn get(&self, abbr: &str) -> Option<&'static ValueDef> {
        self.metrics()
            .find(|m| m.metric.abbr == abbr)
            .map(|m| m.value)
    }

    /// Whether any metric of `group` is given (even as Not Defined).
    pub fn has_group(&self, group: crate::Group) -> bool {
        self.metrics().any(|m| m.metric.group == group)
    }
}

/// The `/`-separated components of a vector's body; none for an empty body.
fn components(body: &str) -> impl Iterator<Item = &str> {
    // Components are a few bytes long: a byte loop beats a `memchr` call per split.
    let mut rest = (!body.is_empty()).then_some(body);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.bytes().position(|b| b == b'/') {
            Some(slash) => {
                rest = Some(&current[slash + 1..]);
                Some(&current[..slash])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// The index of the first item of `table` from `start` on (wrapping around) that
/// matches; as `position`, but finding an in-order item at once.
fn find<T>(table: &[T], start: usize, matches: impl Fn(&T) -> bool) -> Option<usize> {
    let start = start.min(table.len());
    (start..table.len())
        .chain(0..start)
        .find(|&i| matches(&table[i]))
}

/// `a == b` for the few bytes of an abbreviation, without a `memcmp` call.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// A vector without `CVSS:` is v2.0 when it starts like one; otherwise its prefix is
/// missing or wrong.
fn prefixless(s: &str) -> Result<&str, ParseError> {
    let first = s.split('/').next().unwrap_or(s);
    let name = first.split(':').next().unwrap_or(first);
    if metrics(Version::V2_0).iter().any(|m| m.abbr == name) {
        return Ok(s);
    }
    Err(ParseError::MissingPrefix {
        found: echo(first),
        looks_v3_or_v4: looks_v3_or_v4(s),
    })
}

fn looks_v3_or_v4(s: &str) -> bool {
    s.split('/').any(|c| {
        let name = c.split(':').next().unwrap_or(c);
        let v2 = metrics(Version::V2_0).iter().any(|m| m.abbr == name);
        let newer = [Version::V3_1, Version::V4_0]
            .into_iter()
            .any(|v| metrics(v).iter().any(|m| m.abbr == name));
        newer && !v2
    })
}

fn unknown_metric(version: Version, name: &str, whole: &str) -> ParseError {
    // `AV:N/AC:L/PR:N/…` read as v2 fails on `PR`: the real problem is the prefix.
    if version == Version::V2_0 && looks_v3_or_v4(whole) {
        let first = whole.split('/').next().unwrap_or(whole);
        return ParseError::MissingPrefix {
            found: echo(first),
            looks_v3_or_v4: true,
        };
    }
    ParseError::UnknownMetric {
        version,
        metric: echo(name),
        suggestion: metrics(version)
            .iter()
            .find(|m| m.abbr.eq_ignore_ascii_case(name))
            .map(|m| m.abbr),
    }
}

fn malformed(component: &str) -> ParseError {
    ParseError::MalformedMetric {
        component: echo(component),
    }
}

fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

impl fmt::Display for Vector {
    /// The normalized form: the prefix (none for v2.0) and the metrics given, in the
    /// specification's order, `Not Defined` values included where they were given.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if self.version != Version::V2_0 {
            write!(f, "CVSS:{}", self.version)?;
            sep = "/";
        }
        for m in self.metrics() {
            write!(f, "{sep}{m}")?;
            sep = "/";
        }
        Ok(())
    }
}

impl fmt::Debug for Vector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Vector({self})")
    }
}

impl Serialize for Vector {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const V40: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    const V2: &str = "AV:N/AC:L/Au:N/C:P/I:P/A:P";

    fn err(input: &str) -> ParseError {
        Vector::parse(input).expect_err(input)
    }

    #[test]
    fn every_version_parses_and_prints_back() {
        for input in [V2, V31, V40, &V31.replace("3.1", "3.0")] {
            assert_eq!(Vector::parse(input).unwrap().to_string(), input);
        }
        assert_eq!(Vector::parse(V2).unwrap().version(), Version::V2_0);
    }

    #[test]
    fn empty_input() {
        for input in ["", "   ", "\n"] {
            assert_eq!(err(input), ParseError::Empty);
            assert_eq!(err(input).rule(), "cvss.empty");
            assert_eq!(err(input).field(), None);
        }
    }

    #[test]
    fn missing_prefix_names_what_was_found() {
        let e = err("CVS:3.1/AV:N");
        assert_eq!(e.rule(), "cvss.missing_prefix");
        assert_eq!(e.field(), Some("version"));
        assert!(e.to_string().contains("`CVS:3.1`"), "{e}");
        // A v3 vector without its prefix would otherwise be a v2 vector with a
        // strange metric; say what is really wrong.
        let e = err(&V31["CVSS:3.1/".len()..]);
        assert_eq!(e.rule(), "cvss.missing_prefix");
        assert!(e.to_string().contains("without its prefix"), "{e}");
    }

    #[test]
    fn unknown_version() {
        let e = err("CVSS:5.0/AV:N");
        assert_eq!(
            e,
            ParseError::UnknownVersion {
                version: "5.0".into()
            }
        );
        assert_eq!(e.rule(), "cvss.unknown_version");
        assert_eq!(e.field(), Some("version"));
    }

    #[test]
    fn malformed_components() {
        for (input, component) in [
            (format!("{V31}/"), ""),
            (format!("{V31}/E"), "E"),
            (format!("{V31}/E:P:X"), "E:P:X"),
            (format!("{V31}/:P"), ":P"),
        ] {
            let e = err(&input);
            assert_eq!(e.rule(), "cvss.malformed_metric", "{input}");
            assert_eq!(e.field(), Some(component), "{input}");
        }
    }

    #[test]
    fn unknown_metric_suggests_the_right_case() {
        let e = err(&format!("{V31}/ZZ:1"));
        assert_eq!(e.rule(), "cvss.unknown_metric");
        assert_eq!(e.field(), Some("ZZ"));
        let e = err("CVSS:3.1/av:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
        assert!(e.to_string().contains("did you mean `AV`"), "{e}");
        // Au is v2's; v3 has no such metric.
        assert_eq!(err(&format!("{V31}/Au:N")).rule(), "cvss.unknown_metric");
    }

    #[test]
    fn invalid_value_lists_the_allowed_ones() {
        let e = err("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
        assert_eq!(e.rule(), "cvss.invalid_value");
        assert_eq!(e.field(), Some("AV"));
        assert_eq!(
            e.to_string(),
            "metric `AV` (Attack Vector) has no value `Q`; expected one of N, A, L, P"
        );
        // Values are case-sensitive too (the crate would upper-case `n`).
        assert_eq!(
            err(&V31.replace("AV:N", "AV:n")).rule(),
            "cvss.invalid_value"
        );
        // Base metrics have no Not Defined value.
        assert_eq!(
            err(&V31.replace("AV:N", "AV:X")).rule(),
            "cvss.invalid_value"
        );
    }

    #[test]
    fn duplicate_metric() {
        for input in [
            format!("{V31}/AV:N"),
            format!("{V40}/E:A/E:A"),
            format!("{V2}/A:N"),
        ] {
            let e = err(&input);
            assert_eq!(e.rule(), "cvss.duplicate_metric", "{input}");
        }
        assert_eq!(err(&format!("{V31}/AV:L")).field(), Some("AV"));
    }

    #[test]
    fn missing_base_metric() {
        let e = err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H");
        assert_eq!(e.rule(), "cvss.missing_metric");
        assert_eq!(e.field(), Some("A"));
        assert_eq!(err("CVSS:4.0").field(), Some("AV"));
        assert_eq!(err("CVSS:3.1/").field(), Some("AV"));
        assert_eq!(err("AV:N/AC:L/Au:N/C:P/I:P").field(), Some("A"));
    }

    #[test]
    fn v4_and_v2_require_the_specification_order_v3_does_not() {
        let e = err("CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
        assert_eq!(e.rule(), "cvss.metric_order");
        assert_eq!(e.field(), Some("AV"));
        assert!(e.to_string().contains("must come before `AC`"), "{e}");
        assert_eq!(err(&format!("{V40}/CR:H/E:A")).rule(), "cvss.metric_order");
        assert_eq!(
            err("AC:L/AV:N/Au:N/C:P/I:P/A:P").rule(),
            "cvss.metric_order"
        );
        // v3.x: "Programs reading CVSS v3.1 vector strings must accept metrics in any
        // order"; the normalized form is in Table 15's order.
        let v = Vector::parse("CVSS:3.1/E:P/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N").unwrap();
        assert_eq!(v.to_string(), format!("{V31}/E:P"));
    }

    #[test]
    fn echoed_input_is_cut() {
        let long = "Q".repeat(10_000);
        let e = err(&format!("{V31}/AV:{long}"));
        assert!(e.to_string().len() < 200, "{e}");
    }

    /// What the `cvss` crate accepts that the specifications do not: the reason we
    /// validate before handing vectors to it (see UPSTREAM.md).
    #[test]
    fn the_crate_alone_is_too_lenient() {
        let lenient = |s: &str| s.parse::<cvss::Cvss>().is_ok();
        // Lower case (FIRST: abbreviations are case-sensitive).
        assert!(lenient("CVSS:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h"));
        // v4.0 out of order ("every other ordering is invalid").
        assert!(lenient(
            "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        ));
        // v3.1 without its base metrics ("All Base metrics must be included").
        assert!(lenient("CVSS:3.1/AV:N"));
        // v2.0 out of order ("a predetermined order").
        assert!(lenient("AC:L/AV:N/Au:N/C:P/I:P/A:P"));
        // And we refuse all four.
        for s in [
            "CVSS:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h",
            "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "CVSS:3.1/AV:N",
            "AC:L/AV:N/Au:N/C:P/I:P/A:P",
        ] {
            assert!(Vector::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn tables_fit_the_vector_representation() {
        for version in Version::ALL {
            let table = metrics(version);
            assert!(table.len() <= MAX_METRICS);
            assert!(table.iter().all(|m| m.values.len() < usize::from(u8::MAX)));
            assert!(
                table
                    .iter()
                    .all(|m| !m.values.is_empty() && !m.description.is_empty())
            );
        }
    }
}
