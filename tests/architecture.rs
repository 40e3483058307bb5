//! The house rules that are about the code itself, checked on every test run so that they
//! stay true: layers point one way (see ARCHITECTURE.md), the lowest layer knows neither HTTP
//! nor SQL, and no source file grows past the size one reader can hold.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layer of each top-level module of the library, lowest first. A module may import
/// from its own layer or a lower one, never a higher one.
const LAYERS: &[(&str, u8)] = &[
    ("domain", 0),
    ("clock", 0),
    ("config", 1),
    ("db", 2),
    ("store", 2),
    ("state", 3),
    ("error", 3),
    ("response", 3),
    ("extract", 3),
    ("telemetry", 3),
    ("lifecycle", 3),
    ("demo", 3),
    ("webhooks", 3),
    ("outbox", 3),
    ("file_links", 3),
    ("routes", 4),
    ("emulator", 4),
    ("openapi", 5),
    ("startup", 5),
    ("app", 5),
    ("healthcheck", 6),
    ("capture", 6),
    ("compare", 6),
    ("completions", 6),
];

/// Modules of one layer that must not know each other either: the emulated API and the
/// control plane are independent.
const SIBLINGS_APART: &[(&str, &str)] = &[("routes", "emulator"), ("emulator", "routes")];

/// Crates the lowest layer must not use: it holds rules and wire types only.
const NOT_IN_DOMAIN: &[&str] = &["axum", "sqlx", "tower", "tower_http", "hyper", "http"];

/// The longest a source file may grow (in lines) before it should become two files.
const MAX_SOURCE_LINES: usize = 500;

fn source_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            source_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

fn all_sources() -> Vec<(String, String)> {
    sources_under("src")
}

/// Every `.rs` file under `folder` of the package, as (path relative to `folder`, text).
fn sources_under(folder: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut files = Vec::new();
    source_files(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(&root)
                .expect("under the folder")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            (relative, text)
        })
        .collect()
}

/// The top-level module a file belongs to (`routes/tasks.rs` → `routes`).
fn module_of(relative: &str) -> &str {
    relative
        .split('/')
        .next()
        .unwrap_or(relative)
        .trim_end_matches(".rs")
}

/// The code of a file without its comments, so that prose naming a module is not an import.
fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .filter(|line| !line.trim().is_empty())
}

/// The top-level modules a file names through `crate::`, including inside `crate::{a, b}`.
fn crate_modules(text: &str) -> BTreeSet<String> {
    let code: Vec<&str> = code_lines(text).collect();
    let code = code.join("\n");
    let mut named = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(start) = rest.find("crate::") {
        rest = &rest[start + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut segment_start = true;
            let mut word = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => segment_start = true,
                    c if c.is_alphanumeric() || c == '_' => {
                        if segment_start {
                            word.push(c);
                        }
                    }
                    _ => {
                        if !word.is_empty() {
                            named.insert(std::mem::take(&mut word));
                        }
                        if depth == 1 && c != ' ' && c != '\n' {
                            segment_start = false;
                        }
                    }
                }
                if depth == 1 && !segment_start && !word.is_empty() {
                    named.insert(std::mem::take(&mut word));
                }
            }
            if !word.is_empty() {
                named.insert(word);
            }
        } else {
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !word.is_empty() {
                named.insert(word);
            }
        }
    }
    named
}

fn layer(module: &str) -> Option<u8> {
    LAYERS
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, layer)| *layer)
}

#[test]
fn every_top_level_module_has_a_layer() {
    let unplaced: BTreeSet<String> = all_sources()
        .iter()
        .map(|(relative, _)| module_of(relative).to_owned())
        .filter(|module| !["lib", "main"].contains(&module.as_str()))
        .filter(|module| layer(module).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules without a layer in LAYERS (and ARCHITECTURE.md): {unplaced:?}"
    );
}

#[test]
fn no_module_imports_a_higher_layer() {
    let mut violations = Vec::new();
    for (relative, text) in all_sources() {
        let module = module_of(&relative);
        let Some(own) = layer(module) else { continue };
        for named in crate_modules(&text) {
            let Some(theirs) = layer(&named) else {
                continue;
            };
            if theirs > own {
                violations.push(format!(
                    "{relative} (layer {own}) uses crate::{named} (layer {theirs})"
                ));
            }
            if SIBLINGS_APART.contains(&(module, named.as_str())) {
                violations.push(format!(
                    "{relative} uses crate::{named}; {module} and {named} stay apart"
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layer violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn no_two_top_level_modules_import_each_other() {
    let mut uses: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for (relative, text) in all_sources() {
        let module = module_of(&relative).to_owned();
        let named: Vec<String> = crate_modules(&text)
            .into_iter()
            .filter(|named| *named != module && layer(named).is_some())
            .collect();
        uses.entry(module).or_default().extend(named);
    }
    let mut circles = Vec::new();
    for (module, named) in &uses {
        for other in named {
            if module < other && uses.get(other).is_some_and(|back| back.contains(module)) {
                circles.push(format!("{module} <-> {other}"));
            }
        }
    }
    assert!(
        circles.is_empty(),
        "modules that import each other: {circles:?}"
    );
}

#[test]
fn the_domain_layer_knows_neither_http_nor_sql() {
    let mut violations = Vec::new();
    for (relative, text) in all_sources() {
        if module_of(&relative) != "domain" {
            continue;
        }
        for line in code_lines(&text) {
            for forbidden in NOT_IN_DOMAIN {
                let used = line.contains(&format!("{forbidden}::"))
                    && !line.contains(&format!("_{forbidden}::"))
                    && !line.contains(&format!("crate::{forbidden}"));
                if used {
                    violations.push(format!("{relative}: {}", line.trim()));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "domain uses HTTP or SQL crates:\n{}",
        violations.join("\n")
    );
}

#[test]
fn no_source_or_test_file_is_longer_than_one_reader_can_hold() {
    let long: Vec<String> = ["src", "tests"]
        .into_iter()
        .flat_map(|folder| {
            sources_under(folder)
                .into_iter()
                .map(move |(relative, text)| (format!("{folder}/{relative}"), text))
        })
        .filter(|(_, text)| text.lines().count() > MAX_SOURCE_LINES)
        .map(|(path, text)| format!("{path}: {} lines", text.lines().count()))
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_SOURCE_LINES} lines (split them along their seams):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_import_reader_sees_grouped_and_nested_imports() {
    let text = "use crate::{db, routes::tasks, store::{a, b}};\n// crate::app in a comment\nlet x = crate::error::ApiError::Empty;";
    let named: Vec<String> = crate_modules(text).into_iter().collect();
    assert_eq!(named, ["db", "error", "routes", "store"]);
}
