//! The server's layers, checked by reading its own source. From the bottom:
//! support (settings, secrets, clock, markdown, signing, integrity, encryption, backup, oidc) knows no other layer; `app`
//! uses only support; the shells' HTTP helpers (auth, upload, download) sit on `app`;
//! the shells (`api`, `web`) are siblings that never name each other or the store;
//! the router (`http`) is on top. An arrow may only point down.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Each top-level module's layer, lowest first.
const LAYERS: &[(&str, u8)] = &[
    ("settings", 0),
    ("secrets", 0),
    ("clock", 0),
    ("markdown", 0),
    ("signing", 0),
    ("integrity", 0),
    ("encryption", 0),
    ("backup", 0),
    ("oidc", 0),
    ("app", 1),
    ("auth", 2),
    ("upload", 2),
    ("download", 2),
    ("worker", 2),
    ("api", 3),
    ("web", 3),
    ("http", 4),
];

/// Modules of the same layer that may use each other: support and the HTTP
/// helpers are toolboxes; the shells are siblings and may not.
fn peers_allowed(layer: u8) -> bool {
    matches!(layer, 0 | 2)
}

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The top-level modules a source text names through `crate::`, including the
/// grouped form `crate::{a, b::c}`.
fn crate_refs(source: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.trim()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    for (at, _) in source.match_indices("crate::") {
        let rest = &source[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            // Nested groups (`a::{b, c}`) only name more of `a`: first segments suffice.
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.insert(ident(&inner[start..i]));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            found.insert(ident(&inner[start..]));
        } else {
            found.insert(ident(rest));
        }
    }
    found.retain(|m| !m.is_empty());
    found
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every source file but `lib.rs` (the crate root wires the layers together) and
/// this one (it quotes paths), with its top-level module.
fn modules() -> Vec<(String, PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n != "lib.rs" && n != "layers.rs")
        })
        .map(|p| {
            let rel = p.strip_prefix(&root).expect("under src").to_owned();
            let first = rel.components().next().expect("a path");
            let module = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned();
            let text = std::fs::read_to_string(&p).expect("read a source file");
            (module, rel, text)
        })
        .collect()
}

/// What is wrong with `module` using `used`, if anything.
fn violation(module: &str, used: &str) -> Option<String> {
    if module == used {
        return None;
    }
    let Some(from) = layer(module) else {
        return Some(format!("module `{module}` has no layer; add it to LAYERS"));
    };
    let Some(to) = layer(used) else {
        return Some(format!("`{used}` has no layer; add it to LAYERS"));
    };
    if to < from || (to == from && peers_allowed(from)) {
        None
    } else {
        Some(format!(
            "`{module}` uses `crate::{used}`, which is not below it"
        ))
    }
}

#[test]
fn every_arrow_points_down() {
    let mut problems = Vec::new();
    for (module, path, text) in modules() {
        for used in crate_refs(&text) {
            if let Some(why) = violation(&module, &used) {
                problems.push(format!("{}: {why}", path.display()));
            }
        }
    }
    assert!(problems.is_empty(), "layering:\n{}", problems.join("\n"));
}

#[test]
fn the_shells_never_name_the_store() {
    let mut problems = Vec::new();
    for (module, path, text) in modules() {
        if matches!(
            module.as_str(),
            "api" | "web" | "auth" | "upload" | "download"
        ) && text.contains("embargo_store")
        {
            problems.push(path.display().to_string());
        }
    }
    assert!(
        problems.is_empty(),
        "these name `embargo_store`; take `app`'s own types instead:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_walk_sees_every_layer() {
    let seen: BTreeSet<String> = modules().into_iter().map(|(m, _, _)| m).collect();
    for (module, _) in LAYERS {
        assert!(seen.contains(*module), "no source for `{module}`");
    }
}

#[test]
fn crate_refs_reads_single_and_grouped_paths() {
    let text = "use crate::app::App;\nuse crate::{api, web::page::{a, b}};\n\
                let x = crate::markdown::render(y);";
    let got: Vec<_> = crate_refs(text).into_iter().collect();
    assert_eq!(got, ["api", "app", "markdown", "web"]);
}

#[test]
fn upward_and_sibling_arrows_are_violations() {
    assert!(violation("app", "web").is_some());
    assert!(violation("settings", "app").is_some());
    assert!(violation("web", "api").is_some());
    assert!(violation("api", "web").is_some());
    assert!(violation("web", "http").is_some());
    assert!(violation("newthing", "app").is_some());
    assert_eq!(violation("web", "app"), None);
    assert_eq!(violation("upload", "settings"), None);
    assert_eq!(violation("http", "web"), None);
}
