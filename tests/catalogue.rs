//! The README's metric catalogue is the contract dashboards, alerts and
//! users build on: every family `--demo` exports is in it, with the type
//! and the label names it lists, and every family it lists is exported.
//! A change to a name or a label fails here until the README says so.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use video_usage_exporter::clock::SystemClock;
use video_usage_exporter::simulator;

/// Family name -> (type, label names), as the README's table lists them.
type Catalogue = BTreeMap<String, (String, BTreeSet<String>)>;

/// The backticked words of `text`.
fn backticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

/// `text` without parenthesised parts (label values: `resource`
/// (`egress`, `storage`)).
fn without_parentheses(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The table under "## Metrics": names (an abbreviated `..._rest` expands
/// against the row's first name, to whichever expansion is `exported`),
/// types and labels (`same` is those of the last row that lists its own; provider series also
/// carry `account` and `period`, as the text above the table says).
fn readme_catalogue(exported: &BTreeMap<String, (String, BTreeSet<String>)>) -> Catalogue {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let section = readme
        .split("\n## Metrics\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Metrics section");
    let mut catalogue = Catalogue::new();
    let mut previous: BTreeSet<String> = BTreeSet::new();
    for row in section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| l.split('|').map(str::trim).collect::<Vec<_>>())
    {
        let (names, kind, labels) = (row[1], row[2], row[3]);
        let labels_text = without_parentheses(labels);
        let mut label_set: BTreeSet<String> = backticked(&labels_text).into_iter().collect();
        if labels_text.starts_with("same") {
            label_set.extend(previous.iter().cloned());
        }
        let names = backticked(names);
        let first = names[0].clone();
        for name in &names {
            let name = match name.strip_prefix("...") {
                Some(rest) => (1..first.len())
                    .filter(|&i| first.as_bytes()[i] == b'_')
                    .map(|i| format!("{}{rest}", &first[..i]))
                    .find(|candidate| exported.contains_key(candidate))
                    .unwrap_or_else(|| panic!("README: `{name}` expands to no exported family")),
                None => name.clone(),
            };
            let mut labels = label_set.clone();
            if name.starts_with("scaleengine_") || name.starts_with("wowza_cloud_") {
                labels.extend(["account".to_string(), "period".to_string()]);
            }
            catalogue.insert(name, (kind.to_string(), labels));
        }
        if !labels_text.starts_with("same") {
            previous = label_set;
        }
    }
    catalogue
}

/// Family name -> (type, label names) of a text-format body.
fn exported_families(body: &str) -> BTreeMap<String, (String, BTreeSet<String>)> {
    let mut types = BTreeMap::new();
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("name and type");
            types.insert(name.to_string(), kind.to_string());
        }
    }
    let mut families: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
    for line in body
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (series, _) = line.rsplit_once(' ').expect("a value");
        let (name, labels) = series.split_once('{').unwrap_or((series, ""));
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .filter_map(|suffix| name.strip_suffix(suffix))
            .find(|base| types.get(*base).is_some_and(|t| t == "histogram"))
            .unwrap_or(name);
        let kind = types.get(family).cloned().unwrap_or_default();
        let entry = families
            .entry(family.to_string())
            .or_insert((kind, BTreeSet::new()));
        // Label values are escaped, so `="` only appears after a name.
        for pair in labels.split("\",") {
            if let Some((label, _)) = pair.split_once("=\"") {
                let label = label.trim_start_matches(',');
                if label != "le" {
                    entry.1.insert(label.to_string());
                }
            }
        }
    }
    families
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_catalogue_is_what_the_demo_exports() {
    let (_sim, config) = simulator::demo().await.expect("the demo starts");
    let exporter = common::serve(
        video_usage_exporter::assemble(&config, "/metrics", std::sync::Arc::new(SystemClock))
            .unwrap(),
    )
    .await;
    let body = common::scrape(exporter.addr).await;
    let exported = exported_families(&body);
    assert!(exported.len() > 40, "a whole demo body: {exported:?}");
    let documented = readme_catalogue(&exported);
    let missing: Vec<_> = exported
        .keys()
        .filter(|n| !documented.contains_key(*n))
        .collect();
    assert!(
        missing.is_empty(),
        "exported, not in the README: {missing:?}"
    );
    let absent: Vec<_> = documented
        .keys()
        .filter(|n| !exported.contains_key(*n))
        .collect();
    assert!(absent.is_empty(), "in the README, not exported: {absent:?}");
    for (name, (kind, labels)) in &exported {
        let (readme_kind, readme_labels) = &documented[name];
        if !readme_kind.contains(',') {
            assert_eq!(kind, readme_kind, "{name}: type");
        }
        assert_eq!(labels, readme_labels, "{name}: label names");
    }
}
