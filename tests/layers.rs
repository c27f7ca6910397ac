//! The module layers of `src/`: each module imports only from the layers
//! below it, so there is no import circle and data flows one way (see
//! STYLE.md, "Layout shows the architecture", and the README's "Adding a
//! provider").
//!
//! Every path to another module is read from the code (`use crate::…`,
//! `use super::…`, `crate::a::b` inline, nested `{…}` groups), with
//! comments, string and character literals blanked first; `#[cfg(test)]`
//! items are left out, since tests may use helpers from anywhere (the
//! simulator, most often). `main.rs` is its own crate and on top of all.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module (a file, or a folder of files that
/// form one unit) may import from lower layers only: not from its own
/// layer (two providers never import each other) and never upwards.
const LAYERS: &[&[&str]] = &[
    &["clock", "values", "process", "deflate"],
    &["cardinality", "period"],
    &["exposition"],
    &["billing"],
    &["providers::php"],
    &["providers::redact"],
    // The seam: `Endpoint`, `Schedule`, `ProviderError`, the provider list.
    &["providers"],
    &["providers::http", "providers::numbers"],
    &["providers::account"],
    // Provider folders (`providers::*`: every module of `providers` not
    // listed above): each imports the layers above, never the config, never
    // another provider.
    &["providers::*"],
    &["config"],
    &["refresh"],
    &["metrics"],
    &["simulator"],
    &["app", "web", "backfill"],
    &["server"],
];

/// The layer of a unit: where it is listed, or, for a folder below
/// `providers` that is not listed, the providers' layer.
fn layer_of(unit: &str) -> Option<usize> {
    let listed = LAYERS.iter().position(|layer| layer.contains(&unit));
    let provider = || {
        let folder = unit.strip_prefix("providers::")?;
        (!folder.contains("::")).then_some(())?;
        LAYERS
            .iter()
            .position(|layer| layer.contains(&"providers::*"))
    };
    listed.or_else(provider)
}

/// The unit a module belongs to: its longest listed prefix, or its
/// provider folder (`providers::<folder>`).
fn unit_of(module: &[String]) -> Option<String> {
    let listed = (1..=module.len())
        .rev()
        .map(|n| module[..n].join("::"))
        .find(|prefix| LAYERS.iter().any(|layer| layer.contains(&prefix.as_str())));
    let provider = || match module {
        [providers, folder, ..] if providers == "providers" => Some(format!("providers::{folder}")),
        _ => None,
    };
    match listed {
        Some(unit) if unit != "providers" || module.len() == 1 => Some(unit),
        listed => provider().or(listed),
    }
}

/// The module a path names: its longest prefix that is a module (an item
/// such as `crate::providers::ProviderError` names its module).
fn module_named<'a>(path: &'a [String], modules: &BTreeSet<Vec<String>>) -> &'a [String] {
    (1..=path.len())
        .rev()
        .map(|n| &path[..n])
        .find(|prefix| modules.contains(*prefix))
        .unwrap_or(path)
}

/// `src/a/b/mod.rs` -> `[a, b]`; `src/a/c.rs` -> `[a, c]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code with comments, strings and characters replaced by spaces
/// (newlines kept, so line numbers stay right).
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let rest = &chars[i..];
        if rest.starts_with(&['/', '/']) {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if rest.starts_with(&['/', '*']) {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i..].starts_with(&['/', '*']) {
                    depth += 1;
                    i += 2;
                } else if chars[i..].starts_with(&['*', '/']) {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if rest[0] == 'r'
            && rest.get(1).is_some_and(|&c| c == '"' || c == '#')
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'))
        {
            let hashes = rest[1..].iter().take_while(|&&c| c == '#').count();
            if rest.get(1 + hashes) != Some(&'"') {
                out.push(rest[0]);
                i += 1;
                continue;
            }
            i += 2 + hashes;
            let close: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            while i < chars.len() && !chars[i..].starts_with(&close) {
                out.push(blank(chars[i]));
                i += 1;
            }
            i += close.len();
        } else if rest[0] == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if let Some(&c) = chars.get(i) {
                    out.push(blank(c));
                }
                i += 1;
            }
            i += 1;
        } else if rest[0] == '\'' && rest.get(1) == Some(&'\\') {
            // '\n', '\'', '\u{..}'
            i += 2;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if rest[0] == '\'' && rest.get(2) == Some(&'\'') {
            i += 3;
        } else {
            out.push(rest[0]);
            i += 1;
        }
    }
    out
}

/// The code without `#[cfg(test)]` items: from the attribute to the end
/// of the item (its `;`, or its braces closed).
fn without_tests(code: &str) -> String {
    const ATTRIBUTE: &str = "#[cfg(test)]";
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find(ATTRIBUTE) {
        out.push_str(&rest[..at]);
        let item = &rest[at + ATTRIBUTE.len()..];
        let mut depth = 0usize;
        let mut end = item.len();
        for (i, c) in item.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        out.extend(item[..end].chars().filter(|&c| c == '\n'));
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// The module paths `code` (in `module`) refers to, with their line: each
/// `crate::…` and `super::…` path, nested use groups expanded.
fn references(module: &[String], code: &str) -> Vec<(usize, Vec<String>)> {
    let tokens = tokenize(code);
    let mut found = Vec::new();
    for (i, (line, token)) in tokens.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| tokens[j].1.as_str());
        // Only the start of a path: not `a::crate` or `$crate`.
        if before == Some("::") || before == Some("$") {
            continue;
        }
        let base: Vec<String> = match token.as_str() {
            "crate" => Vec::new(),
            "super" => {
                let mut base = module.to_vec();
                base.pop();
                base
            }
            _ => continue,
        };
        path_tree(&tokens, i + 1, base, *line, &mut found);
    }
    found
}

/// Follows `::name` segments (and `super`) from `at`, expanding groups.
fn path_tree(
    tokens: &[(usize, String)],
    mut at: usize,
    mut path: Vec<String>,
    line: usize,
    found: &mut Vec<(usize, Vec<String>)>,
) -> usize {
    while tokens.get(at).is_some_and(|t| t.1 == "::") {
        match tokens.get(at + 1).map(|t| t.1.as_str()) {
            Some("{") => {
                at += 2;
                loop {
                    match tokens.get(at).map(|t| t.1.as_str()) {
                        Some("}") | None => return at + 1,
                        Some(",") => at += 1,
                        Some(_) => {
                            let mut inner = path.clone();
                            inner.push(tokens[at].1.clone());
                            at = path_tree(tokens, at + 1, inner, line, found);
                        }
                    }
                }
            }
            Some("super") => {
                path.pop();
                at += 2;
            }
            Some(name) if name.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                path.push(name.to_string());
                at += 2;
            }
            _ => break,
        }
    }
    found.push((line, path));
    at
}

/// Identifiers, `::`, and single punctuation, each with its line.
fn tokenize(code: &str) -> Vec<(usize, String)> {
    let mut tokens = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_alphanumeric() || c == '_' {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                tokens.push((n + 1, chars[start..i].iter().collect()));
            } else if c == ':' && chars.get(i + 1) == Some(&':') {
                tokens.push((n + 1, "::".into()));
                i += 2;
            } else {
                if !c.is_whitespace() {
                    tokens.push((n + 1, c.to_string()));
                }
                i += 1;
            }
        }
    }
    tokens
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every import that breaks the layering in `files` (module path, text),
/// as messages.
fn violations(files: &[(Vec<String>, String)]) -> Vec<String> {
    let mut modules: BTreeSet<Vec<String>> = files.iter().map(|(m, _)| m.clone()).collect();
    // Every listed unit is a module, and so are the modules above a file.
    modules.extend(
        LAYERS
            .iter()
            .flat_map(|l| l.iter())
            .map(|u| u.split("::").map(String::from).collect::<Vec<_>>()),
    );
    for (module, _) in files {
        modules.extend((1..module.len()).map(|n| module[..n].to_vec()));
    }
    let mut problems = Vec::new();
    for (module, text) in files {
        let Some(unit) = unit_of(module) else {
            problems.push(format!(
                "module `{}` is in no layer; add it to LAYERS",
                module.join("::")
            ));
            continue;
        };
        let layer = layer_of(&unit).expect("listed");
        let mut seen = BTreeSet::new();
        for (line, path) in references(module, &without_tests(&code_only(text))) {
            let Some(target) = unit_of(module_named(&path, &modules)) else {
                continue;
            };
            if target == unit || !seen.insert((target.clone(), line)) {
                continue;
            }
            let target_layer = layer_of(&target).expect("listed");
            if target_layer >= layer {
                let how = if target_layer == layer {
                    "its own layer"
                } else {
                    "a higher layer"
                };
                problems.push(format!(
                    "module `{}` line {line}: `{unit}` imports `{target}` from {how}",
                    module.join("::")
                ));
            }
        }
    }
    problems
}

#[test]
fn modules_import_only_from_the_layers_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    paths.sort();
    let files: Vec<(Vec<String>, String)> = paths
        .iter()
        .map(|p| (module_of(&src, p), p))
        // The crate roots: `lib.rs` declares the modules, `main.rs` is a
        // crate of its own that uses them all.
        .filter(|(m, _)| !(m.len() == 1 && (m[0] == "lib" || m[0] == "main")))
        .map(|(m, p)| (m, std::fs::read_to_string(p).expect("readable")))
        .collect();
    assert!(files.len() > 30, "read the whole tree: {}", files.len());
    let problems = violations(&files);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The check itself: each kind of import it must see, and what it must not
/// count.
#[test]
fn upward_and_sideways_imports_are_found() {
    let file = |module: &str, text: &str| {
        (
            module.split("::").map(String::from).collect::<Vec<_>>(),
            text.to_string(),
        )
    };
    let problems = violations(&[
        file("period", "use crate::config::Config;\n"),
        file(
            "providers::wowza::client",
            "use crate::{clock::Clock, providers::{http::Upstream, scaleengine::sign}};\n",
        ),
        file(
            "providers::scaleengine",
            "fn f() { super::super::app::assemble(); }\n",
        ),
        file("exposition", "fn f() -> crate::billing::Quotas { todo!() }\n"),
        file("refresh", "// crate::server::AppState\nfn f() { let s = \"crate::app\"; let c = '{'; }\n#[cfg(test)]\nmod tests { use crate::simulator::faults; }\n"),
        file("providers::scaleengine::sign", ""),
        file("providers::wowza::mod_of_its_own", "use crate::providers::{ProviderError, registered};\n"),
        file("bogus", ""),
    ]);
    let expected = [
        "module `period` line 1: `period` imports `config` from a higher layer",
        "module `providers::wowza::client` line 1: `providers::wowza` imports `providers::scaleengine` from its own layer",
        "module `providers::scaleengine` line 1: `providers::scaleengine` imports `app` from a higher layer",
        "module `exposition` line 1: `exposition` imports `billing` from a higher layer",
        "module `bogus` is in no layer; add it to LAYERS",
    ];
    assert_eq!(problems, expected);
}
