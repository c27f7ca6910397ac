//! The shipped dashboards (`dashboards/*.json`) and rules (`alerts/*.yml`)
//! proven on a real Prometheus: the exporter runs `--demo`, Prometheus
//! scrapes it every second and evaluates every rule file; then every
//! template-variable query and every panel query (variables substituted)
//! must parse and return data, and every rule must evaluate without error.
//!
//! A query that returns nothing is a failure even though Grafana would
//! just draw "No data": on the demo every panel has data to show, so an
//! empty result is a wrong metric name, label or join. The failure lists
//! every offending query at once. Two kinds of query are checked in a
//! weaker form, because the demo's Prometheus is seconds old and healthy:
//! one reading the past (`offset 1w`) must run as written and return data
//! with its offsets shortened to 1s; one reading only `ALERTS` must run.
//! The rules are loaded with their offsets shortened to 1s and every group
//! on the 1s interval, so that growth records, paces and projections have
//! data to check the panels against.
//!
//! Static checks, without Prometheus, hold every query to the rules that
//! keep the dashboards right at scale: range queries rank once (`topk` with
//! `@ end()`) and read per-URL series only for a top N chosen beforehand;
//! only counters are rated; money keeps its `currency`; rankings leave out
//! `__other__`; links name dashboards and variables that exist.
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
    /// Scraping the exporter every second and evaluating `rule_files` as
    /// [`for_the_demo`] rewrites them.
    fn start(exporter_port: u16, rule_files: &[PathBuf]) -> Prometheus {
        let dir = temp_dir("observability");
        let rules: String = rule_files
            .iter()
            .map(|f| {
                let copy = dir.join(f.file_name().unwrap());
                std::fs::write(&copy, for_the_demo(&std::fs::read_to_string(f).unwrap())).unwrap();
                format!("  - '{}'\n", copy.display())
            })
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

    /// The values a variable query yields (through the variable's `regex`,
    /// as Grafana applies it), or why it yields none.
    async fn variable_values(&self, query: &str, regex: &str) -> Result<Vec<String>, String> {
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
                .map(query_result_text)
                .collect()
        } else {
            return Err("unsupported variable query".into());
        };
        let answer = apply_regex(answer, regex)?;
        if answer.is_empty() {
            Err("no values".into())
        } else {
            Ok(answer)
        }
    }

    /// Ok when the instant query parses and evaluates, data or not.
    async fn runs(&self, query: &str) -> Result<(), String> {
        check_answer(&self.api("/api/v1/query", &[("query", query)]).await?)
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

/// One series of a `query_result` answer as Grafana shows it to the
/// variable's regex: `name{label="value",...} value timestamp`.
fn query_result_text(series: &Value) -> String {
    let mut name = String::new();
    let mut labels = Vec::new();
    for (key, value) in series["metric"].as_object().into_iter().flatten() {
        let value = value.as_str().unwrap_or_default();
        if key == "__name__" {
            name = value.to_string();
        } else {
            labels.push(format!("{key}=\"{value}\""));
        }
    }
    let sample = &series["value"];
    let millis = sample[0].as_f64().unwrap_or_default() * 1000.0;
    format!(
        "{name}{{{}}} {} {millis}",
        labels.join(","),
        sample[1].as_str().unwrap_or("?")
    )
}

/// A variable's values through its regex (`/.../`, the first group if any),
/// deduplicated in order, as Grafana does.
fn apply_regex(values: Vec<String>, regex: &str) -> Result<Vec<String>, String> {
    let Some(pattern) = regex
        .strip_prefix('/')
        .and_then(|r| r.rsplit_once('/'))
        .map(|(p, _)| p)
    else {
        return Ok(values);
    };
    let regex = regex::Regex::new(pattern).map_err(|e| format!("regex {pattern}: {e}"))?;
    let mut out: Vec<String> = Vec::new();
    for value in &values {
        if let Some(found) = regex.captures(value) {
            let text = found
                .get(1)
                .or_else(|| found.get(0))
                .map_or("", |m| m.as_str());
            if !out.iter().any(|v| v == text) {
                out.push(text.to_string());
            }
        }
    }
    Ok(out)
}

/// What Grafana substitutes for "All" of a variable without a custom All
/// value: every value, regex-escaped, as `(a|b|...)`.
fn all_values_regex(values: &[String]) -> String {
    let escaped: Vec<String> = values
        .iter()
        .map(|v| {
            v.chars()
                .map(|c| {
                    if "\\^$*+?.()|[]{}".contains(c) {
                        format!("\\\\{c}")
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        })
        .collect();
    format!("({})", escaped.join("|"))
}

/// `query` with every `offset <duration>` shortened to 1 second: the
/// demo's Prometheus has seconds of history, not weeks.
fn shorten_offsets(query: &str) -> String {
    let offset = regex::Regex::new(r"offset\s+-?[0-9][0-9a-z]*").unwrap();
    offset.replace_all(query, "offset 1s").into_owned()
}

/// A rule file as the demo's Prometheus loads it: offsets shortened to 1s
/// (growth records compare with an hour ago, spikes with last week; the
/// demo has seconds) and every group on the global 1s interval (the
/// per-stream group's 5 minutes would leave it unevaluated for the whole
/// test). The expressions, labels and joins are the file's own.
fn for_the_demo(rules: &str) -> String {
    let interval = regex::Regex::new(r"(?m)^\s+interval:\s*\S+\s*\n").unwrap();
    shorten_offsets(&interval.replace_all(rules, ""))
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
                    let regex = variable["regex"].as_str().unwrap_or_default();
                    let found = prometheus.variable_values(&query, regex).await;
                    if let Err(reason) = &found {
                        failures.push(format!("{name} / variable ${var}: {query} -> {reason}"));
                    }
                    if variable["includeAll"] == true {
                        match variable["allValue"].as_str() {
                            Some(all) if !all.is_empty() => all.to_string(),
                            _ => all_values_regex(found.as_deref().unwrap_or_default()),
                        }
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
        // Every panel query, and the annotation queries (alerts on the
        // time series).
        let mut queries = Vec::new();
        for panel in panels(board) {
            let title = panel["title"].as_str().unwrap_or("?");
            for target in panel["targets"].as_array().into_iter().flatten() {
                if let Some(expr) = target["expr"].as_str() {
                    let id = target["refId"].as_str().unwrap_or("?");
                    queries.push((format!("{title} [{id}]"), expr));
                }
            }
        }
        for annotation in board["annotations"]["list"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let Some(expr) = annotation["expr"].as_str() {
                let title = annotation["name"].as_str().unwrap_or("?");
                queries.push((format!("annotation {title}"), expr));
            }
        }
        for (label, expr) in queries {
            count += 1;
            let query = substitute(expr, &values);
            let parsed = parse(&query);
            let alerts_only = !parsed.selectors.is_empty()
                && parsed.selectors.iter().all(|s| s.metric == "ALERTS");
            let short = shorten_offsets(&query);
            let result = if alerts_only || short != query {
                // Runs as written (data or not), and, unless it reads only
                // ALERTS (nothing fires on the demo), has data on the demo's
                // seconds of history.
                match prometheus.runs(&query).await {
                    Ok(()) if alerts_only => Ok(()),
                    Ok(()) => prometheus
                        .has_data(&short)
                        .await
                        .map_err(|e| format!("{e} (offsets shortened to 1s: {short})")),
                    Err(e) => Err(e),
                }
            } else {
                prometheus.has_data(&query).await
            };
            if let Err(reason) = result {
                failures.push(format!("{name} / {label}: {query} -> {reason}"));
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
    // cleanly: rates need two scrapes, rules one evaluation, averages of
    // growth records some growth. On the deadline, report everything still
    // failing.
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

/// What is wrong with the dashboard links in `text` (`/d/<uid>?var-<name>=`):
/// a uid that no dashboard has, a variable that the dashboard lacks. A uid
/// `video-usage-${__field.labels.provider}` (a data link by provider) must
/// exist for each provider.
fn link_problems(text: &str, uids: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    const BY_PROVIDER: &str = "${__field.labels.provider}";
    let mut problems = Vec::new();
    for part in text.split("/d/").skip(1) {
        let end = part.find(['?', '/', ' ', '\n', '"']).unwrap_or(part.len());
        let uid = &part[..end];
        let candidates: Vec<String> = if uid.contains(BY_PROVIDER) {
            ["scaleengine", "wowza"]
                .iter()
                .map(|p| uid.replace(BY_PROVIDER, p))
                .collect()
        } else {
            vec![uid.to_string()]
        };
        let query = &part[end..];
        for uid in candidates {
            let Some(vars) = uids.get(&uid) else {
                problems.push(format!("no dashboard with uid {uid}"));
                continue;
            };
            for var in query.split("var-").skip(1) {
                let var = var.split('=').next().unwrap_or_default();
                if !vars.iter().any(|v| v == var) {
                    problems.push(format!("dashboard {uid} has no variable {var}"));
                }
            }
        }
    }
    problems
}

/// Every link of a panel: panel links and data links (defaults and
/// overrides).
fn panel_links(panel: &Value) -> Vec<&str> {
    let config = &panel["fieldConfig"];
    let overrides = config["overrides"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|o| o["properties"].as_array().into_iter().flatten())
        .filter(|p| p["id"] == "links")
        .flat_map(|p| p["value"].as_array().into_iter().flatten());
    panel["links"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(config["defaults"]["links"].as_array().into_iter().flatten())
        .chain(overrides)
        .filter_map(|l| l["url"].as_str())
        .collect()
}

/// The job selector of the exporter's rules (`job=~"..."` in the record
/// job_instance:video_usage_exporter_scrape:up).
fn rules_job_selector() -> Option<String> {
    for file in files("alerts", &["yml", "yaml"]) {
        let yaml: serde_norway::Value =
            serde_norway::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for group in yaml["groups"].as_sequence().into_iter().flatten() {
            for rule in group["rules"].as_sequence().into_iter().flatten() {
                if rule["record"].as_str() == Some("job_instance:video_usage_exporter_scrape:up") {
                    let expr = rule["expr"].as_str().unwrap_or_default();
                    let selector = parse(expr)
                        .selectors
                        .into_iter()
                        .find(|s| s.metric == "up")?;
                    return selector
                        .matchers
                        .into_iter()
                        .find(|(l, o, _)| l == "job" && o == "=~")
                        .map(|(_, _, v)| v);
                }
            }
        }
    }
    None
}

/// Links and variables: drill-down links from the overview reach both
/// provider dashboards, every link names a dashboard and variables that
/// exist; account pickers list every account (not only those with
/// transcoders or apps); a dashboard with a `provider` variable filters
/// every account query by it; the exporter's `job` variable offers only the
/// exporter's jobs, and its All is the rules' job selector, not `.*`.
#[test]
fn links_and_variables_match_the_dashboards_and_rules() {
    let boards = dashboards();
    let uids: BTreeMap<String, Vec<String>> = boards
        .iter()
        .map(|(_, b)| {
            let vars = variables(b)
                .iter()
                .filter_map(|v| v["name"].as_str().map(str::to_string))
                .collect();
            (b["uid"].as_str().unwrap_or_default().to_string(), vars)
        })
        .collect();
    let mut problems = Vec::new();
    for (name, board) in &boards {
        let mut targets = Vec::new();
        for panel in panels(board) {
            let title = panel["title"].as_str().unwrap_or("?");
            for link in panel_links(panel) {
                for problem in link_problems(link, &uids) {
                    problems.push(format!("{name} / {title}: link {link}: {problem}"));
                }
                targets.push(link);
            }
        }
        if board["uid"] == "video-usage-overview" {
            for provider in ["scaleengine", "wowza"] {
                let reached = targets.iter().any(|l| {
                    l.contains(&format!("/d/video-usage-{provider}?"))
                        || l.contains("/d/video-usage-${__field.labels.provider}?")
                });
                if !reached {
                    problems.push(format!(
                        "{name}: no drill-down link to the {provider} dashboard"
                    ));
                }
            }
        }
        let has_provider = variables(board).iter().any(|v| v["name"] == "provider");
        for variable in variables(board) {
            let query = variable_query(variable);
            if variable["name"] == "account"
                && ![
                    "video_usage_period_start_timestamp_seconds",
                    "video_usage_exporter_up",
                ]
                .iter()
                .any(|m| query.contains(m))
            {
                problems.push(format!(
                    "{name}: variable $account ({query}) must read a metric that every account has"
                ));
            }
        }
        if has_provider {
            for (place, _, query, _) in queries(board) {
                if query.contains("$account") && !query.contains("$provider") {
                    problems.push(format!(
                        "{name} / {place}: filters on $account but not $provider"
                    ));
                }
            }
        }
        if board["uid"] == "video-usage-exporter" {
            let job = variables(board).iter().find(|v| v["name"] == "job");
            let selector = rules_job_selector();
            match (job, &selector) {
                (Some(job), Some(selector)) => {
                    if !variable_query(job).contains(&format!("job=~\"{selector}\"")) {
                        problems.push(format!(
                            "{name}: $job must list only jobs matching the rules' job=~\"{selector}\""
                        ));
                    }
                    if job["allValue"].as_str() != Some(selector.as_str()) {
                        problems.push(format!(
                            "{name}: $job's All must be the rules' selector {selector}, not {}",
                            job["allValue"]
                        ));
                    }
                }
                _ => problems.push(format!(
                    "{name}: no $job variable, or no job=~ selector in job_instance:video_usage_exporter_scrape:up"
                )),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
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
                for problem in link_problems(link, &uids) {
                    problems.push(format!("{alert}: {problem}"));
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

/// Fails with every problem `check` finds in any dashboard.
fn assert_dashboards_pass(check: fn(&Value) -> Vec<String>) {
    let problems: Vec<String> = dashboards()
        .iter()
        .flat_map(|(name, board)| {
            check(board)
                .into_iter()
                .map(move |p| format!("{name} / {p}"))
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn range_queries_rank_once_and_never_read_every_url() {
    assert_dashboards_pass(range_query_problems);
}

#[test]
fn only_counters_are_rated() {
    assert_dashboards_pass(counter_function_problems);
}

#[test]
fn money_is_never_added_across_currencies() {
    assert_dashboards_pass(money_problems);
}

#[test]
fn top_n_panels_leave_out_other() {
    assert_dashboards_pass(other_problems);
}

/// The static checks say no to the mistakes they exist for (the queries
/// the dashboards had before issue 21), so that a passing run means
/// something.
#[test]
fn static_checks_catch_the_old_mistakes() {
    let target = |expr: &str, legend: &str, instant: bool| serde_json::json!({"refId": "A", "expr": expr, "legendFormat": legend, "instant": instant, "range": !instant});
    let panel = |title: &str, unit: &str, targets: Vec<Value>| serde_json::json!({"type": "timeseries", "title": title, "fieldConfig": {"defaults": {"unit": unit}}, "targets": targets});
    let board = serde_json::json!({
        "templating": {"list": [
            {"name": "streams", "type": "query", "allValue": ".*",
             "query": "query_result(topk(10, scaleengine_video_bytes))"}
        ]},
        "panels": [
            panel("per-step topk", "decbytes", vec![target(
                "topk($topn, increase(scaleengine_video_bytes{account=~\"$account\", period=\"month\"}[1h]))", "{{video_url}}", false)]),
            panel("every URL", "decbytes", vec![target(
                "clamp_min(scaleengine_video_requests{video_url=~\"$streams\"} - scaleengine_video_requests{video_url=~\"$streams\"} offset 1h, 0)",
                "{{video_url}}", false)]),
            panel("rate of a gauge", "percentunit", vec![target(
                "sum by (account) (rate(wowza_cloud_transcoder_used_seconds{period=\"$period\"}[15m]))", "{{account}}", false)]),
            panel("cost", "currencyUSD", vec![target(
                "sum(provider_account:video_usage_cost:sum{period=\"month\"})", "cost", false)]),
            panel("top", "decbytes", vec![target(
                "topk(10, wowza_cloud_stream_target_used_bytes{period=\"$period\"})", "{{stream_target_name}}", true)]),
        ]
    });
    let range = range_query_problems(&board);
    assert!(
        range
            .iter()
            .any(|p| p.starts_with("per-step topk") && p.contains("@ end()")),
        "{range:?}"
    );
    assert!(
        range
            .iter()
            .any(|p| p.starts_with("per-step topk") && p.contains("every URL")),
        "{range:?}"
    );
    // `$streams` has a custom All of `.*`: All would read every URL.
    assert!(
        range.iter().any(|p| p.starts_with("every URL")),
        "{range:?}"
    );
    let rated = counter_function_problems(&board);
    assert!(
        rated.iter().any(|p| p.contains("scaleengine_video_bytes")),
        "{rated:?}"
    );
    assert!(
        rated
            .iter()
            .any(|p| p.contains("wowza_cloud_transcoder_used_seconds")),
        "{rated:?}"
    );
    let money = money_problems(&board);
    assert!(
        money.iter().any(|p| p.contains("drops `currency`")),
        "{money:?}"
    );
    assert!(money.iter().any(|p| p.contains("legend")), "{money:?}");
    assert!(money.iter().any(|p| p.contains("currencyUSD")), "{money:?}");
    let other = other_problems(&board);
    assert!(other.iter().any(|p| p.starts_with("top [A]")), "{other:?}");
    assert!(
        other.iter().any(|p| p.starts_with("variable $streams")),
        "{other:?}"
    );
    assert!(
        other.iter().any(|p| p.starts_with("per-step topk")),
        "{other:?}"
    );
}

#[test]
fn promql_reader_finds_selectors_calls_and_groupings() {
    let q = parse(
        "sum by (currency) (a{x=\"1\", y=~\"$v|\"} offset 1w) / on (provider) group_left (c) \
         sum(b[5m] @ end()) without (currency) + topk($n, max by (k) (rate(c_total[1h])))",
    );
    let names: Vec<&str> = q.selectors.iter().map(|s| s.metric.as_str()).collect();
    assert_eq!(names, ["a", "b", "c_total"]);
    assert_eq!(
        q.selectors[0].matchers,
        [
            ("x".into(), "=".into(), "1".into()),
            ("y".into(), "=~".into(), "$v|".into())
        ]
    );
    assert!(!q.selectors[0].at && q.selectors[1].at);
    let a = q.call(q.selectors[0].calls[0]);
    assert_eq!(
        (a.name.as_str(), &a.grouping),
        ("sum", &Some((true, vec!["currency".to_string()])))
    );
    let b = q.call(q.selectors[1].calls[0]);
    assert_eq!(
        (b.name.as_str(), &b.grouping),
        ("sum", &Some((false, vec!["currency".to_string()])))
    );
    let c: Vec<&str> = q.selectors[2]
        .calls
        .iter()
        .map(|&i| q.call(i).name.as_str())
        .collect();
    assert_eq!(c, ["topk", "max", "rate"]);
    assert!(q.inside(&q.selectors[2], &["rate"]));
}

// ---- Static checks of the panel queries ----

/// Every query of a dashboard: (where, target or variable JSON, query text,
/// range query or not). Variable queries are instant.
fn queries(board: &Value) -> Vec<(String, &Value, String, bool)> {
    let mut out = Vec::new();
    for variable in variables(board) {
        if variable["type"] == "query" {
            let name = variable["name"].as_str().unwrap_or("?");
            out.push((
                format!("variable ${name}"),
                variable,
                variable_query(variable).to_string(),
                false,
            ));
        }
    }
    for panel in panels(board) {
        let title = panel["title"].as_str().unwrap_or("?");
        for target in panel["targets"].as_array().into_iter().flatten() {
            let Some(expr) = target["expr"].as_str() else {
                continue;
            };
            let id = target["refId"].as_str().unwrap_or("?");
            out.push((
                format!("{title} [{id}]"),
                target,
                expr.to_string(),
                is_range(target),
            ));
        }
    }
    out
}

/// Grafana runs a target as a range query unless it is instant only.
fn is_range(target: &Value) -> bool {
    target["instant"] != true || target["range"] == true
}

/// Per-URL series: up to 100k+ per ScaleEngine account.
const PER_URL: [&str; 3] = [
    "scaleengine_video_bytes",
    "scaleengine_video_requests",
    "provider_account_stream:video_usage_egress_bytes:increase1h",
];

/// Variables that hold a fixed top N: filled by one instant query ranking
/// with topk/bottomk, and whose "All" is those N values (no custom All).
fn top_n_variables(board: &Value) -> Vec<String> {
    variables(board)
        .iter()
        .filter(|v| {
            let query = variable_query(v);
            v["type"] == "query"
                && query.starts_with("query_result(")
                && (query.contains("topk(") || query.contains("bottomk("))
                && v["allValue"].as_str().is_none_or(str::is_empty)
        })
        .filter_map(|v| v["name"].as_str().map(str::to_string))
        .collect()
}

/// Whether a `video_url` matcher limits the selector to a few URLs: one URL,
/// or a top-N variable.
fn restricted_to_top_n(selector: &Selector, top_n: &[String]) -> bool {
    selector.matchers.iter().any(|(label, op, value)| {
        label == "video_url"
            && match op.as_str() {
                "=" => true,
                "=~" => top_n
                    .iter()
                    .any(|v| value == &format!("${v}") || value == &format!("${{{v}}}")),
                _ => false,
            }
    })
}

/// Range queries over a 7-day dashboard are evaluated at every step: a
/// `topk` there picks another top N per step (the legend explodes), and a
/// per-URL selector loads every URL's samples at every step, beyond
/// Prometheus's query.max-samples (50M) on a 100k-URL account. So a range
/// query ranks once (`topk(N, ... @ end())`), and reads per-URL series only
/// for URLs chosen beforehand (a top-N variable) or inside such a ranking.
fn range_query_problems(board: &Value) -> Vec<String> {
    let top_n = top_n_variables(board);
    let mut problems = Vec::new();
    for (place, _, query, range) in queries(board) {
        if !range {
            continue;
        }
        let parsed = parse(&query);
        for selector in &parsed.selectors {
            let ranked = parsed.inside(selector, &["topk", "bottomk"]);
            if ranked && !selector.at {
                problems.push(format!(
                    "{place}: topk/bottomk in a range query without `@ end()` on {}: a different top N at every step",
                    selector.metric
                ));
            }
            let wowza_only = selector
                .matchers
                .iter()
                .any(|(l, o, v)| l == "provider" && o == "=" && v == "wowza");
            let bounded =
                wowza_only || (ranked && selector.at) || restricted_to_top_n(selector, &top_n);
            if PER_URL.contains(&selector.metric.as_str()) && !bounded {
                problems.push(format!(
                    "{place}: a range query reads every URL of {} (restrict video_url to a top-N variable, {top_n:?})",
                    selector.metric
                ));
            }
        }
    }
    problems
}

/// Functions that treat their argument as a counter (or, `delta`, as a
/// gauge whose every step counts, negative ones too).
const COUNTER_FUNCTIONS: [&str; 6] = ["rate", "irate", "increase", "delta", "idelta", "deriv"];

/// Provider values are period-to-date gauges: they drop at every rollover
/// and may be revised downward, and rolling windows shrink. `rate` and
/// `increase` read a drop as a counter reset (a huge jump); the growth of a
/// gauge is `clamp_min(x - x offset 1h, 0)` or a recorded `increase1h`.
/// Only counters and histograms may be rated.
fn counter_function_problems(board: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (place, _, query, _) in queries(board) {
        let parsed = parse(&query);
        for selector in &parsed.selectors {
            let counter = ["_total", "_bucket", "_count", "_sum"]
                .iter()
                .any(|suffix| selector.metric.ends_with(suffix));
            if parsed.inside(selector, &COUNTER_FUNCTIONS) && !counter {
                problems.push(format!(
                    "{place}: rate/increase/delta of the gauge {}: a rollover or revision reads as a reset",
                    selector.metric
                ));
            }
        }
    }
    problems
}

/// Money: estimated costs, budgets and prices, each in its `currency`.
fn is_money(metric: &str) -> bool {
    metric.split(':').any(|part| {
        part == "video_usage_cost"
            || part == "video_usage_budget"
            || part.starts_with("video_usage_price_per_")
    })
}

/// Aggregations that drop the labels they are not grouped by: all but the
/// ones that select series (`topk`, `bottomk`, `limitk`, the last three).
const DROPPING: &[&str] = AGGREGATIONS.split_at(AGGREGATIONS.len() - 3).0;

/// Money is never added across currencies: every aggregation over a money
/// series keeps `currency`, and the panel shows it (in the legend, or as a
/// table column), not a fixed currency unit.
fn money_problems(board: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for panel in panels(board) {
        let title = panel["title"].as_str().unwrap_or("?");
        let mut money = false;
        for target in panel["targets"].as_array().into_iter().flatten() {
            let Some(expr) = target["expr"].as_str() else {
                continue;
            };
            let id = target["refId"].as_str().unwrap_or("?");
            let parsed = parse(expr);
            for selector in parsed.selectors.iter().filter(|s| is_money(&s.metric)) {
                money = true;
                for &c in &selector.calls {
                    let call = parsed.call(c);
                    if !DROPPING.contains(&call.name.as_str()) {
                        continue;
                    }
                    let keeps = match &call.grouping {
                        Some((true, labels)) => labels.iter().any(|l| l == "currency"),
                        Some((false, labels)) => !labels.iter().any(|l| l == "currency"),
                        None => false,
                    };
                    if !keeps {
                        problems.push(format!(
                            "{title} [{id}]: {}() over {} drops `currency`: amounts in different currencies are added",
                            call.name, selector.metric
                        ));
                    }
                }
            }
            let shows_currency = target["format"] == "table"
                || target["legendFormat"]
                    .as_str()
                    .is_some_and(|l| l.contains("{{currency}}"));
            if parsed.selectors.iter().any(|s| is_money(&s.metric)) && !shows_currency {
                problems.push(format!(
                    "{title} [{id}]: money without {{{{currency}}}} in the legend"
                ));
            }
        }
        let units = std::iter::once(&panel["fieldConfig"]["defaults"]["unit"]).chain(
            panel["fieldConfig"]["overrides"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|o| o["properties"].as_array().into_iter().flatten())
                .filter(|p| p["id"] == "unit")
                .map(|p| &p["value"]),
        );
        for unit in units {
            if money && unit.as_str().is_some_and(|u| u.starts_with("currency")) {
                problems.push(format!(
                    "{title}: fixed currency unit {unit}: the currency is a label"
                ));
            }
        }
    }
    problems
}

/// The label that names a row of each per-row family, `__other__` on the
/// row that cardinality controls fold the rest into.
fn row_label(metric: &str) -> Option<&'static str> {
    [
        ("scaleengine_video_", "video_url"),
        ("provider_account_stream:", "video_url"),
        ("wowza_cloud_stream_target_", "stream_target_id"),
        ("wowza_cloud_stream_source_", "stream_source_id"),
        ("wowza_cloud_transcoder_", "transcoder_id"),
    ]
    .iter()
    .find(|(prefix, _)| metric.starts_with(prefix))
    .map(|(_, label)| *label)
}

/// `__other__` sums every folded row: it would top every ranking.
fn other_problems(board: &Value) -> Vec<String> {
    let top_n = top_n_variables(board);
    let mut problems = Vec::new();
    for (place, _, query, _) in queries(board) {
        let parsed = parse(&query);
        for selector in &parsed.selectors {
            let Some(label) = row_label(&selector.metric) else {
                continue;
            };
            let excluded = selector.matchers.iter().any(|(l, o, v)| {
                l == label
                    && ((o == "!=" && v == "__other__") || (o == "!~" && v.contains("__other__")))
            }) || restricted_to_top_n(selector, &top_n);
            if parsed.inside(selector, &["topk", "bottomk"]) && !excluded {
                problems.push(format!(
                    "{place}: ranks {} without {label}!=\"__other__\"",
                    selector.metric
                ));
            }
        }
    }
    problems
}

// ---- A small PromQL reader for the static checks ----
//
// Enough of PromQL to find every selector of a query, its label matchers and
// `@` modifier, and the function and aggregation calls around it with their
// `by`/`without` labels. It does not validate: Prometheus does that in the
// end-to-end test.

/// A vector or range selector and where it sits in the query.
#[derive(Debug)]
struct Selector {
    metric: String,
    /// (label, operator, value)
    matchers: Vec<(String, String, String)>,
    /// Has an `@` modifier: evaluated at one instant, whatever the step.
    at: bool,
    /// The calls around it, outermost first (indices into `Query::calls`).
    calls: Vec<usize>,
}

#[derive(Debug)]
struct Call {
    name: String,
    /// `Some((true, labels))` for `by (labels)`, `Some((false, ...))` for
    /// `without (...)`.
    grouping: Option<(bool, Vec<String>)>,
}

#[derive(Debug, Default)]
struct Query {
    selectors: Vec<Selector>,
    calls: Vec<Call>,
}

impl Query {
    fn call(&self, index: usize) -> &Call {
        &self.calls[index]
    }

    /// Whether `selector` is inside a call named one of `names`.
    fn inside(&self, selector: &Selector, names: &[&str]) -> bool {
        selector
            .calls
            .iter()
            .any(|&c| names.contains(&self.call(c).name.as_str()))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    /// Numbers, durations and template variables (`$topn`).
    Value,
    /// A range or subquery, `[...]`.
    Range,
    Open,
    Close,
    LeftBrace,
    RightBrace,
    Comma,
    At,
    Op(String),
}

fn tokens(query: &str) -> Vec<Token> {
    let chars: Vec<char> = query.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        i += 1;
        match c {
            c if c.is_whitespace() => {}
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '"' | '\'' | '`' => {
                let mut value = String::new();
                while i < chars.len() && chars[i] != c {
                    if chars[i] == '\\' && c != '`' && i + 1 < chars.len() {
                        i += 1;
                    }
                    value.push(chars[i]);
                    i += 1;
                }
                i += 1;
                out.push(Token::Str(value));
            }
            '[' => {
                while i < chars.len() && chars[i] != ']' {
                    i += 1;
                }
                i += 1;
                out.push(Token::Range);
            }
            '(' => out.push(Token::Open),
            ')' => out.push(Token::Close),
            '{' => out.push(Token::LeftBrace),
            '}' => out.push(Token::RightBrace),
            ',' => out.push(Token::Comma),
            '@' => out.push(Token::At),
            '$' => {
                if chars.get(i) == Some(&'{') {
                    while i < chars.len() && chars[i] != '}' {
                        i += 1;
                    }
                    i += 1;
                } else {
                    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                        i += 1;
                    }
                }
                out.push(Token::Value);
            }
            c if c.is_ascii_digit()
                || (c == '.' && chars.get(i).is_some_and(char::is_ascii_digit)) =>
            {
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '.') {
                    i += 1;
                }
                out.push(Token::Value);
            }
            c if c.is_alphabetic() || c == '_' || c == ':' => {
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == ':')
                {
                    i += 1;
                }
                out.push(Token::Ident(chars[start..i].iter().collect()));
            }
            _ => {
                // `=~`, `!=`, `!~`, `==`, `<=`, `>=`; the rest is one character.
                if "=!<>".contains(c) && i < chars.len() && "=~".contains(chars[i]) {
                    i += 1;
                }
                out.push(Token::Op(chars[start..i].iter().collect()));
            }
        }
    }
    out
}

/// PromQL's aggregation operators; the series-selecting ones last.
const AGGREGATIONS: [&str; 13] = [
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "quantile",
    "topk",
    "bottomk",
    "limitk",
];

fn parse(query: &str) -> Query {
    let tokens = tokens(query);
    let mut parsed = Query::default();
    // One entry per open parenthesis: the call it belongs to, if any.
    let mut open: Vec<Option<usize>> = Vec::new();
    // An aggregation whose `by (...)` came before its parenthesis.
    let mut pending: Option<usize> = None;
    let mut last_closed: Option<usize> = None;
    let labels = |i: &mut usize| -> Vec<String> {
        let mut list = Vec::new();
        if tokens.get(*i) == Some(&Token::Open) {
            *i += 1;
            while *i < tokens.len() && tokens[*i] != Token::Close {
                if let Token::Ident(label) = &tokens[*i] {
                    list.push(label.clone());
                }
                *i += 1;
            }
            *i += 1;
        }
        list
    };
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i].clone();
        i += 1;
        match token {
            Token::Ident(word) => match word.as_str() {
                "by" | "without" => {
                    let list = labels(&mut i);
                    let call = pending.or(last_closed);
                    if let Some(call) = call {
                        parsed.calls[call].grouping = Some((word == "by", list));
                    }
                }
                "on" | "ignoring" | "group_left" | "group_right" => {
                    labels(&mut i);
                }
                "offset" | "bool" | "and" | "or" | "unless" | "atan2" => {}
                _ if tokens.get(i) == Some(&Token::Open) => {
                    parsed.calls.push(Call {
                        name: word,
                        grouping: None,
                    });
                    open.push(Some(parsed.calls.len() - 1));
                    i += 1;
                }
                _ if AGGREGATIONS.contains(&word.as_str())
                    && matches!(tokens.get(i), Some(Token::Ident(w)) if w == "by" || w == "without") =>
                {
                    parsed.calls.push(Call {
                        name: word,
                        grouping: None,
                    });
                    pending = Some(parsed.calls.len() - 1);
                }
                _ => {
                    let selector = selector(&tokens, &mut i, word, &open);
                    parsed.selectors.push(selector);
                }
            },
            Token::LeftBrace => {
                i -= 1;
                let mut selector = selector(&tokens, &mut i, String::new(), &open);
                if let Some((_, _, name)) = selector
                    .matchers
                    .iter()
                    .find(|(l, o, _)| l == "__name__" && o == "=")
                {
                    selector.metric = name.clone();
                }
                parsed.selectors.push(selector);
            }
            Token::Open => open.push(pending.take()),
            Token::Close => {
                if let Some(call) = open.pop().flatten() {
                    last_closed = Some(call);
                }
            }
            _ => {}
        }
    }
    parsed
}

/// The selector of `metric` whose matchers (if any) start at `tokens[*i]`,
/// with its modifiers.
fn selector(tokens: &[Token], i: &mut usize, metric: String, open: &[Option<usize>]) -> Selector {
    let mut matchers = Vec::new();
    if tokens.get(*i) == Some(&Token::LeftBrace) {
        *i += 1;
        while *i < tokens.len() && tokens[*i] != Token::RightBrace {
            if let (Some(Token::Ident(label)), Some(Token::Op(op)), Some(Token::Str(value))) =
                (tokens.get(*i), tokens.get(*i + 1), tokens.get(*i + 2))
            {
                matchers.push((label.clone(), op.clone(), value.clone()));
                *i += 3;
            } else {
                *i += 1;
            }
        }
        *i += 1;
    }
    let mut at = false;
    loop {
        match tokens.get(*i) {
            Some(Token::Range) => *i += 1,
            Some(Token::Ident(w)) if w == "offset" => {
                *i += 1;
                if matches!(tokens.get(*i), Some(Token::Op(op)) if op == "-") {
                    *i += 1;
                }
                *i += 1;
            }
            Some(Token::At) => {
                at = true;
                *i += 1;
                if matches!(tokens.get(*i), Some(Token::Ident(_)))
                    && tokens.get(*i + 1) == Some(&Token::Open)
                {
                    *i += 3;
                } else {
                    *i += 1;
                }
            }
            _ => break,
        }
    }
    Selector {
        metric,
        matchers,
        at,
        calls: open.iter().flatten().copied().collect(),
    }
}

#[test]
fn link_checks_name_missing_dashboards_and_variables() {
    let uids = BTreeMap::from([
        (
            "video-usage-scaleengine".to_string(),
            vec!["account".to_string(), "app".to_string()],
        ),
        ("video-usage-wowza".to_string(), vec!["account".to_string()]),
    ]);
    assert!(link_problems("/d/video-usage-scaleengine?var-account=a&var-app=b", &uids).is_empty());
    assert_eq!(
        link_problems(
            "/d/video-usage-${__field.labels.provider}?var-app=${__field.labels.app}",
            &uids
        ),
        ["dashboard video-usage-wowza has no variable app"]
    );
    assert_eq!(
        link_problems(
            "{{ if .x }}/d/nope?var-account={{ .a }}&var-app=1{{ end }}",
            &uids
        ),
        ["no dashboard with uid nope"]
    );
}
