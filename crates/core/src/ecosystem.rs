//! OSV ecosystems in one place: the names OSV 1.7.5 knows, which of them version by
//! SemVer 2.0, and the older spellings records still carry, mapped to today's names.
//!
//! A name may carry a `:suffix` (`Debian:12`, `Ubuntu:Pro:18.04:LTS`,
//! `Maven:https://maven.google.com`); the rules apply to the part before the first `:`
//! and the suffix is kept as written.

use std::fmt;

/// The ecosystems of the OSV schema 1.7.5 (`$defs/ecosystemName` in
/// `shared/specs/osv/schema.json`), plus `GIT`, which the schema's
/// `ecosystemWithSuffix` pattern also accepts for packages named by their repository.
pub const ECOSYSTEMS: &[&str] = &[
    "AlmaLinux",
    "Alpaquita",
    "Alpine",
    "Android",
    "BellSoft Hardened Containers",
    "Bioconductor",
    "Bitnami",
    "Chainguard",
    "CleanStart",
    "ConanCenter",
    "CRAN",
    "crates.io",
    "Debian",
    "Docker Hardened Images",
    "Echo",
    "FreeBSD",
    "GHC",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Julia",
    "Kubernetes",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "npm",
    "NuGet",
    "opam",
    "openEuler",
    "openSUSE",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "Root",
    "RubyGems",
    "SUSE",
    "SwiftURL",
    "Ubuntu",
    "VSCode",
    "Wolfi",
    "GIT",
];

/// Ecosystems whose versions are SemVer 2.0, so that an OSV range of their packages may
/// be `SEMVER`: the ecosystems osv.dev (OSV's reference implementation) orders with
/// SemVer, and the one the schema documents as SemVer (`SwiftURL`). Pub is left out on
/// purpose: it follows SemVer 2.0.0-rc.1 and orders build suffixes, and the OSV schema
/// asks for `ECOSYSTEM` ranges where an ecosystem only recommends SemVer.
pub const SEMVER: &[&str] = &["Bitnami", "crates.io", "Go", "Hex", "npm", "SwiftURL"];

/// An older spelling of an ecosystem and the name OSV uses today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rename {
    pub old: &'static str,
    pub new: &'static str,
    /// Where the old spelling comes from, for the docs and the curious.
    pub source: &'static str,
}

/// Known older spellings. Beside these, a name that differs from today's only in
/// letter case (`pypi`, `Crates.io`) is mapped too.
pub const RENAMED: &[Rename] = &[
    Rename {
        old: "Swift",
        new: "SwiftURL",
        source: "GitHub reviewed Swift advisories from June 2023, before OSV named the \
                 ecosystem SwiftURL (osv-schema #170, commit 6e94f9c, 2023-08-03)",
    },
    Rename {
        old: "wolfi",
        new: "Wolfi",
        source: "the OSV schema's ecosystem pattern spelled it in lower case until \
                 osv-schema commit ed18ca2 (2024-09-25)",
    },
    // GitHub's own ecosystem names (its advisory API and the GHSA → OSV converter in
    // osv-schema's tools/ghsa), which records exported from GitHub by hand carry.
    Rename {
        old: "pip",
        new: "PyPI",
        source: "GitHub's name for PyPI",
    },
    Rename {
        old: "composer",
        new: "Packagist",
        source: "GitHub's name for Packagist",
    },
    Rename {
        old: "rust",
        new: "crates.io",
        source: "GitHub's name for crates.io",
    },
    Rename {
        old: "erlang",
        new: "Hex",
        source: "GitHub's name for Hex",
    },
    Rename {
        old: "actions",
        new: "GitHub Actions",
        source: "GitHub's name for GitHub Actions",
    },
];

/// A name OSV knows, as OSV spells it today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Today's name, with the suffix as given (`SwiftURL`, `Debian:12`).
    pub name: String,
    /// The name as given, when it was an older spelling that was mapped.
    pub mapped_from: Option<String>,
}

/// Why a name is not an OSV ecosystem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EcosystemError {
    #[error(
        "`{0}` is not an OSV ecosystem (e.g. Go, npm, Maven, PyPI, crates.io, SwiftURL, Debian:12)"
    )]
    Unknown(String),
    #[error(
        "`{0}` ends in `:` with nothing after it; write e.g. `Debian:12`, or leave the `:` out"
    )]
    EmptySuffix(String),
}

/// The part before the first `:` (`Debian` for `Debian:12`).
pub fn base(name: &str) -> &str {
    name.split_once(':').map_or(name, |(b, _)| b)
}

/// Whether `name` is an ecosystem as OSV spells it today (suffix allowed, not empty).
pub fn is_known(name: &str) -> bool {
    let suffix_ok = name.split_once(':').is_none_or(|(_, s)| !s.is_empty());
    suffix_ok && ECOSYSTEMS.contains(&base(name))
}

/// Whether the ecosystem of `name` (today's spelling) versions by SemVer 2.0.
pub fn uses_semver(name: &str) -> bool {
    SEMVER.contains(&base(name))
}

/// Today's name for `name`: itself when OSV knows it, else the name a known older
/// spelling (or a different letter case) maps to, saying so in
/// [`Resolved::mapped_from`]. The suffix is kept.
pub fn resolve(name: &str) -> Result<Resolved, EcosystemError> {
    let (given, suffix) = match name.split_once(':') {
        Some((b, s)) => (b, Some(s)),
        None => (name, None),
    };
    if suffix.is_some_and(str::is_empty) {
        return Err(EcosystemError::EmptySuffix(name.to_owned()));
    }
    if ECOSYSTEMS.contains(&given) {
        return Ok(Resolved {
            name: name.to_owned(),
            mapped_from: None,
        });
    }
    let today = RENAMED
        .iter()
        .find(|r| r.old == given)
        .map(|r| r.new)
        .or_else(|| {
            ECOSYSTEMS
                .iter()
                .copied()
                .find(|e| e.eq_ignore_ascii_case(given))
        })
        .or_else(|| {
            RENAMED
                .iter()
                .find(|r| r.old.eq_ignore_ascii_case(given))
                .map(|r| r.new)
        })
        .ok_or_else(|| EcosystemError::Unknown(name.to_owned()))?;
    Ok(Resolved {
        name: match suffix {
            Some(s) => format!("{today}:{s}"),
            None => today.to_owned(),
        },
        mapped_from: Some(name.to_owned()),
    })
}

impl fmt::Display for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.mapped_from {
            Some(old) => write!(f, "`{old}` (now `{}`)", self.name),
            None => write!(f, "`{}`", self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(name: &str) -> (String, Option<String>) {
        let r = resolve(name).unwrap();
        (r.name, r.mapped_from)
    }

    #[test]
    fn todays_names_pass_unchanged_with_their_suffix() {
        assert_eq!(mapped("SwiftURL"), ("SwiftURL".into(), None));
        assert_eq!(mapped("Debian:12"), ("Debian:12".into(), None));
        assert_eq!(
            mapped("Maven:https://maven.google.com"),
            ("Maven:https://maven.google.com".into(), None)
        );
        assert_eq!(
            mapped("Ubuntu:Pro:18.04:LTS"),
            ("Ubuntu:Pro:18.04:LTS".into(), None)
        );
    }

    #[test]
    fn old_names_map_to_todays_and_say_so() {
        assert_eq!(mapped("Swift"), ("SwiftURL".into(), Some("Swift".into())));
        assert_eq!(
            mapped("wolfi:rolling"),
            ("Wolfi:rolling".into(), Some("wolfi:rolling".into()))
        );
        assert_eq!(mapped("pip"), ("PyPI".into(), Some("pip".into())));
        assert_eq!(mapped("RUST"), ("crates.io".into(), Some("RUST".into())));
    }

    #[test]
    fn letter_case_alone_is_mapped() {
        assert_eq!(mapped("pypi"), ("PyPI".into(), Some("pypi".into())));
        assert_eq!(mapped("GO"), ("Go".into(), Some("GO".into())));
        assert_eq!(
            mapped("debian:11"),
            ("Debian:11".into(), Some("debian:11".into()))
        );
    }

    #[test]
    fn unknown_names_and_empty_suffixes_are_refused_naming_them() {
        let e = resolve("Cocoapods").unwrap_err();
        assert_eq!(e, EcosystemError::Unknown("Cocoapods".into()));
        assert!(e.to_string().contains("`Cocoapods`"), "{e}");
        assert_eq!(
            resolve("Alpine:"),
            Err(EcosystemError::EmptySuffix("Alpine:".into()))
        );
        assert!(resolve("").is_err());
    }

    #[test]
    fn every_rename_targets_a_known_ecosystem_and_is_not_one_itself() {
        for r in RENAMED {
            assert!(ECOSYSTEMS.contains(&r.new), "{}", r.new);
            assert!(!ECOSYSTEMS.contains(&r.old), "{}", r.old);
        }
        for e in SEMVER {
            assert!(ECOSYSTEMS.contains(e), "{e}");
        }
    }

    #[test]
    fn semver_is_read_from_the_base_name() {
        assert!(uses_semver("Go"));
        assert!(uses_semver("npm"));
        assert!(!uses_semver("Pub"));
        assert!(!uses_semver("PyPI"));
        assert!(!uses_semver("Debian:12"));
        assert!(is_known("Alpine:v3.16"));
        assert!(!is_known("Alpine:"));
        assert!(!is_known("Swift"));
    }
}
