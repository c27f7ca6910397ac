//! The shipped dashboards (`dashboards/*.json`) and rules (`alerts/*.yml`)
//! proven on a real Prometheus: the exporter runs `--demo`, Prometheus
//! scrapes it every second and evaluates every rule file; then every
//! template-variable query and every panel query (variables substituted)
//! must parse and return data, and every rule must evaluate without error.
//!
//! A query that returns nothing is a failure even though Grafana would
//! just draw "No data": on the demo every panel has data to show, so an
//! empty result is a wrong metric name, label or join. The failure lists
//! every offending query at once.
//!
//! Needs `prometheus` on PATH: skipped without it, failing when `CI` is set.

mod common;

use common::process::{free_port, temp_dir, Running, BIN};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// What the test substitutes for Grafana's built-in variables: a 1h
/// dashboard range, 1m steps. Longest names first (`$__range_s` before
/// `$__range`).
const BUILTINS: [(&str, &str); 8] = [
    ("__rate_interval_ms", "60000"),
    ("__rate_interval", "1m"),
    ("__interval_ms", "60000"),
    ("__interval", "1m"),
    ("__range_ms", "3600000"),
    ("__range_s", "3600"),
    ("__range", "1h"),
    ("__auto", "1m"),
];

/// The files of `dir` ending in one of `extensions`, sorted.
fn files(dir: &str, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| extensions.contains(&e))
        })
        .collect();
    found.sort();
    found
}

fn dashboards() -> Vec<(String, Value)> {
    let found = files("dashboards", &["json"]);
    assert!(
        found.len() >= 4,
        "expected at least 4 dashboards, found {found:?}"
    );
    found
        .iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(path).unwrap();
            let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, json)
        })
        .collect()
}

/// Every panel, including those nested in collapsed rows.
fn panels(dashboard: &Value) -> Vec<&Value> {
    fn walk<'a>(list: &'a Value, out: &mut Vec<&'a Value>) {
        for panel in list.as_array().into_iter().flatten() {
            out.push(panel);
            walk(&panel["panels"], out);
        }
    }
    let mut out = Vec::new();
    walk(&dashboard["panels"], &mut out);
    out
}

fn variables(dashboard: &Value) -> &[Value] {
    dashboard["templating"]["list"]
        .as_array()
        .map_or(&[], |v| v.as_slice())
}

/// A variable's query text: a string, or `{"query": ...}` (Grafana's
/// Prometheus variable editor).
fn variable_query(variable: &Value) -> &str {
    match &variable["query"] {
        Value::String(s) => s,
        other => other["query"].as_str().unwrap_or(""),
    }
}

/// The first value of a variable's saved `current` selection.
fn current_value(variable: &Value) -> Option<String> {
    match &variable["current"]["value"] {
        Value::String(s) => Some(s.clone()),
        Value::Array(a) => a.first()?.as_str().map(str::to_string),
        _ => None,
    }
}

/// `query` with `$name`, `${name}`, `${name:format}` and `[[name]]`
/// replaced, for the built-ins and for `values`.
fn substitute(query: &str, values: &BTreeMap<String, String>) -> String {
    let mut all: Vec<(String, String)> = BUILTINS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .chain(values.iter().map(|(k, v)| (k.clone(), v.clone())))
        .collect();
    // `$account` must not eat the start of `$accounts`.
    all.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    let mut out = query.to_string();
    for (name, value) in &all {
        out = out.replace(&format!("${{{name}}}"), value);
        out = out.replace(&format!("[[{name}]]"), value);
        while let Some(start) = out.find(&format!("${{{name}:")) {
            let end = out[start..].find('}').map_or(out.len(), |e| start + e + 1);
            out.replace_range(start..end, value);
        }
        out = out.replace(&format!("${name}"), value);
    }
    out
}

/// A real Prometheus on a free loopback port.
struct Prometheus {
    process: Running,
    port: u16,
    log: PathBuf,
    client: reqwest::Client,
}

impl Prometheus {
    fn start(exporter_port: u16, rule_files: &[PathBuf]) -> Prometheus {
        let dir = temp_dir("observability");
        let rules: String = rule_files
            .iter()
            .map(|f| format!("  - '{}'\n", f.display()))
            .collect();
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
                 rule_files:\n{rules}\
                 scrape_configs:\n  - job_name: video-usage-exporter\n    static_configs:\n      - targets: ['127.0.0.1:{exporter_port}']\n"
            ),
        )
        .unwrap();
        let port = free_port();
        let log = dir.join("prometheus.log");
        let process = Running(
            Command::new("prometheus")
                .args([
                    &format!("--config.file={}", config.display()),
                    &format!("--storage.tsdb.path={}", dir.join("data").display()),
                    &format!("--web.listen-address=127.0.0.1:{port}"),
                ])
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap())
                .spawn()
                .unwrap(),
        );
        Prometheus {
            process,
            port,
            log,
            client: reqwest::Client::new(),
        }
    }

    /// Panics with Prometheus's log if it has exited (a bad rule file).
    fn assert_running(&mut self) {
        if let Some(status) = self.process.0.try_wait().unwrap() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            panic!("prometheus exited ({status}):\n{log}");
        }
    }

    /// GET an API path: the parsed body (errors have one too), or a
    /// description of why there is none.
    async fn api(&self, path: &str, params: &[(&str, &str)]) -> Result<Value, String> {
        let response = self
            .client
            .get(format!("http://127.0.0.1:{}{path}", self.port))
            .query(params)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| format!("no answer: {e}"))?;
        let text = response.text().await.map_err(|e| e.to_string())?;
        serde_json::from_str(&text).map_err(|_| format!("not JSON: {text}"))
    }

    /// The values a variable query yields, or why it yields none.
    async fn variable_values(&self, query: &str) -> Result<Vec<String>, String> {
        let query = query.trim();
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        };
        let answer = if let Some(args) = call_args(query, "label_values") {
            // label_values(selector, label) or label_values(label).
            let (selector, label) = match args.rsplit_once(',') {
                Some((selector, label)) => (Some(selector.trim()), label.trim()),
                None => (None, args.trim()),
            };
            let path = format!("/api/v1/label/{label}/values");
            let answer = match selector {
                Some(selector) => self.api(&path, &[("match[]", selector)]).await?,
                None => self.api(&path, &[]).await?,
            };
            strings(&answer["data"])
        } else if let Some(expr) = call_args(query, "query_result") {
            let answer = self.api("/api/v1/query", &[("query", expr)]).await?;
            check_answer(&answer)?;
            answer["data"]["result"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| r.to_string())
                .collect()
        } else {
            return Err("unsupported variable query".into());
        };
        if answer.is_empty() {
            Err("no values".into())
        } else {
            Ok(answer)
        }
    }

    /// Ok when the instant query parses and returns at least one series.
    async fn has_data(&self, query: &str) -> Result<(), String> {
        let answer = self.api("/api/v1/query", &[("query", query)]).await?;
        check_answer(&answer)?;
        match answer["data"]["result"].as_array() {
            Some(result) if !result.is_empty() => Ok(()),
            _ => Err("no data".into()),
        }
    }
}

/// The text inside `name(...)` when `query` is such a call.
fn call_args<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .strip_prefix(name)?
        .trim_start()
        .strip_prefix('(')?
        .strip_suffix(')')
}

fn check_answer(answer: &Value) -> Result<(), String> {
    if answer["status"] == "success" {
        Ok(())
    } else {
        Err(format!(
            "{}: {}",
            answer["errorType"].as_str().unwrap_or("error"),
            answer["error"].as_str().unwrap_or("?")
        ))
    }
}

/// One pass over every dashboard: the failures, as `dashboard / where:
/// query -> reason`, and how many queries were run.
async fn dashboard_failures(
    prometheus: &Prometheus,
    boards: &[(String, Value)],
) -> (Vec<String>, usize) {
    let mut failures = Vec::new();
    let mut count = 0;
    for (name, board) in boards {
        // Variables in order, as Grafana resolves them: a later query may
        // use an earlier variable.
        let mut values = BTreeMap::new();
        for variable in variables(board) {
            let var = variable["name"].as_str().unwrap_or("?").to_string();
            let value = match variable["type"].as_str().unwrap_or("") {
                "datasource" => String::new(),
                "query" => {
                    count += 1;
                    let query = substitute(variable_query(variable), &values);
                    let found = prometheus.variable_values(&query).await;
                    if let Err(reason) = &found {
                        failures.push(format!("{name} / variable ${var}: {query} -> {reason}"));
                    }
                    if variable["includeAll"] == true {
                        variable["allValue"].as_str().unwrap_or(".*").to_string()
                    } else {
                        current_value(variable)
                            .or_else(|| found.ok()?.into_iter().next())
                            .unwrap_or_default()
                    }
                }
                _ => {
                    current_value(variable).unwrap_or_else(|| variable_query(variable).to_string())
                }
            };
            values.insert(var, value);
        }
        for panel in panels(board) {
            let title = panel["title"].as_str().unwrap_or("?");
            for target in panel["targets"].as_array().into_iter().flatten() {
                let Some(expr) = target["expr"].as_str() else {
                    continue;
                };
                count += 1;
                let query = substitute(expr, &values);
                if let Err(reason) = prometheus.has_data(&query).await {
                    let id = target["refId"].as_str().unwrap_or("?");
                    failures.push(format!("{name} / {title} [{id}]: {query} -> {reason}"));
                }
            }
        }
    }
    (failures, count)
}

/// Rules whose health is not "ok" (unknown until first evaluated), and the
/// number of rules Prometheus loaded.
async fn rule_failures(prometheus: &Prometheus) -> (Vec<String>, usize) {
    let answer = match prometheus.api("/api/v1/rules", &[]).await {
        Ok(answer) => answer,
        Err(reason) => return (vec![format!("/api/v1/rules: {reason}")], 0),
    };
    let mut failures = Vec::new();
    let mut count = 0;
    for group in answer["data"]["groups"].as_array().into_iter().flatten() {
        for rule in group["rules"].as_array().into_iter().flatten() {
            count += 1;
            if rule["health"] != "ok" {
                failures.push(format!(
                    "rule {} (group {}): health {}, {}",
                    rule["name"],
                    group["name"],
                    rule["health"],
                    rule["lastError"].as_str().unwrap_or("not evaluated yet")
                ));
            }
        }
    }
    (failures, count)
}

/// Rules in the files, counted from the YAML.
fn rules_in_files(files: &[PathBuf]) -> usize {
    files
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            let yaml: serde_norway::Value =
                serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            yaml["groups"]
                .as_sequence()
                .into_iter()
                .flatten()
                .map(|g| g["rules"].as_sequence().map_or(0, |r| r.len()))
                .sum::<usize>()
        })
        .sum()
}

/// Whether prometheus is installed; fails under CI when not.
fn have_prometheus() -> bool {
    let ok = Command::new("prometheus")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide prometheus (apt-get install prometheus)"
        );
        eprintln!("prometheus not installed; skipping");
    }
    ok
}

#[tokio::test(flavor = "multi_thread")]
async fn every_dashboard_query_and_rule_works_on_a_real_prometheus() {
    if !have_prometheus() {
        return;
    }
    let boards = dashboards();
    let rule_files = files("alerts", &["yml", "yaml"]);
    assert!(!rule_files.is_empty(), "no rule files in alerts/");
    let expected_rules = rules_in_files(&rule_files);

    let exporter_port = free_port();
    let _exporter = Running(
        Command::new(BIN)
            .args([
                "--demo",
                &format!("--web.listen-address=127.0.0.1:{exporter_port}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = client
            .get(format!("http://127.0.0.1:{exporter_port}/-/ready"))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready {
            break;
        }
        assert!(Instant::now() < deadline, "exporter not ready within 60s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let mut prometheus = Prometheus::start(exporter_port, &rule_files);
    // Poll until every query has data and every rule has been evaluated
    // cleanly: rates need two scrapes, rules one evaluation. On the
    // deadline, report everything still failing.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        prometheus.assert_running();
        let (mut failures, queries) = dashboard_failures(&prometheus, &boards).await;
        let (rules, loaded) = rule_failures(&prometheus).await;
        failures.extend(rules);
        if loaded != expected_rules {
            failures.push(format!(
                "Prometheus loaded {loaded} rules, the files in alerts/ hold {expected_rules}"
            ));
        }
        if failures.is_empty() {
            eprintln!("{queries} dashboard queries and {loaded} rules ok");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} problems on the demo after 120s (of {queries} dashboard queries, {loaded} rules):\n  {}",
            failures.len(),
            failures.join("\n  ")
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The dashboards' structure, without Prometheus: a Prometheus datasource
/// variable used by every panel, target and query variable (never a fixed
/// uid), a unit on every panel, unique panel ids, and alert `dashboard`
/// links that point at a dashboard and variables that exist.
#[test]
fn dashboards_use_the_datasource_variable_units_and_match_alert_links() {
    let boards = dashboards();
    let mut problems = Vec::new();
    let mut uids = BTreeMap::new();
    for (name, board) in &boards {
        let uid = board["uid"].as_str().unwrap_or_default().to_string();
        let vars: Vec<String> = variables(board)
            .iter()
            .filter_map(|v| v["name"].as_str().map(str::to_string))
            .collect();
        uids.insert(uid, vars);
        let datasource_vars: Vec<&Value> = variables(board)
            .iter()
            .filter(|v| v["type"] == "datasource")
            .collect();
        if datasource_vars.len() != 1
            || datasource_vars[0]["name"] != "datasource"
            || datasource_vars[0]["query"] != "prometheus"
        {
            problems.push(format!(
                "{name}: needs one `datasource` variable of type datasource, query prometheus"
            ));
        }
        // Every datasource reference, anywhere, is the variable.
        fn refs<'a>(value: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
            match value {
                Value::Object(map) => {
                    for (key, child) in map {
                        if key == "datasource" {
                            out.push((path.clone(), child));
                        }
                        refs(child, format!("{path}.{key}"), out);
                    }
                }
                Value::Array(items) => {
                    for (i, child) in items.iter().enumerate() {
                        refs(child, format!("{path}[{i}]"), out);
                    }
                }
                _ => {}
            }
        }
        let mut found = Vec::new();
        refs(board, String::new(), &mut found);
        for (path, reference) in found {
            if reference["uid"] != "${datasource}" || reference["type"] != "prometheus" {
                problems.push(format!("{name}{path}: datasource {reference}"));
            }
        }
        let mut ids = BTreeMap::new();
        for panel in panels(board) {
            let title = panel["title"].as_str().unwrap_or("?");
            *ids.entry(panel["id"].to_string()).or_insert(0) += 1;
            if panel["type"] == "row" {
                continue;
            }
            if panel["datasource"].is_null() {
                problems.push(format!("{name} / {title}: no datasource"));
            }
            if panel["fieldConfig"]["defaults"]["unit"]
                .as_str()
                .is_none_or(str::is_empty)
            {
                problems.push(format!("{name} / {title}: no unit"));
            }
            let targets = panel["targets"].as_array().map_or(0, |t| t.len());
            if targets == 0 {
                problems.push(format!("{name} / {title}: no query"));
            }
        }
        for (id, n) in ids {
            if n > 1 {
                problems.push(format!("{name}: panel id {id} used {n} times"));
            }
        }
    }

    // Alert links: /d/<uid>?var-<name>=...
    for file in files("alerts", &["yml", "yaml"]) {
        let yaml: serde_norway::Value =
            serde_norway::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for group in yaml["groups"].as_sequence().into_iter().flatten() {
            for rule in group["rules"].as_sequence().into_iter().flatten() {
                let Some(alert) = rule["alert"].as_str() else {
                    continue;
                };
                let Some(link) = rule["annotations"]["dashboard"].as_str() else {
                    problems.push(format!("{alert}: no dashboard annotation"));
                    continue;
                };
                // Templates may choose between links: check each.
                for part in link.split("/d/").skip(1) {
                    let uid: String = part
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                        .collect();
                    let Some(vars) = uids.get(&uid) else {
                        problems.push(format!("{alert}: no dashboard with uid {uid}"));
                        continue;
                    };
                    for var in part.split("var-").skip(1) {
                        let var = var.split('=').next().unwrap_or_default();
                        if !vars.iter().any(|v| v == var) {
                            problems
                                .push(format!("{alert}: dashboard {uid} has no variable {var}"));
                        }
                    }
                }
                for key in ["summary", "description", "runbook"] {
                    if rule["annotations"][key].as_str().is_none_or(str::is_empty) {
                        problems.push(format!("{alert}: no {key} annotation"));
                    }
                }
                if rule["labels"]["severity"].as_str().is_none() {
                    problems.push(format!("{alert}: no severity label"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn substitution_replaces_every_variable_form() {
    let values = BTreeMap::from([
        ("account".to_string(), ".*".to_string()),
        ("accounts".to_string(), "x".to_string()),
    ]);
    assert_eq!(
        substitute(
            "rate(m{a=~\"$account\", b=~\"${account}\", c=~\"${account:regex}\", d=\"[[accounts]]\", e=\"$accounts\"}[$__rate_interval]) offset $__range_s",
            &values
        ),
        "rate(m{a=~\".*\", b=~\".*\", c=~\".*\", d=\"x\", e=\"x\"}[1m]) offset 3600"
    );
}
