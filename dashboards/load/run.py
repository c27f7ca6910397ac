#!/usr/bin/env python3
"""Dashboard load check: every panel query of dashboards/*.json, as
Grafana sends it for the last 7 days, on a real Prometheus holding a week
of a 100,000-URL ScaleEngine account (and a small Wowza account), must
run within Prometheus's default --query.max-samples (50,000,000) and
return data. Prints each query's peak samples (the API's stats=all).

    python3 dashboards/load/run.py                    # the check (about 4 min on 2 cores)
    python3 dashboards/load/run.py --markdown t.md    # also write the table as Markdown
    python3 dashboards/load/run.py --urls 10000       # a 10x smaller account, limit scaled 10x down

Exit status 1 when a query fails (an error such as "query processing
would load too many samples into memory", no data, or a range too short
for the synthetic data's resolution). See README.md for how it works and
what is and is not faithful to a real 60 s scrape.

Needs python3 with PyYAML, promtool and prometheus (Debian: prometheus,
python3-yaml). Only 127.0.0.1 is listened on or queried.
"""
import argparse
import glob
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
import generate  # noqa: E402
import grafana  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_MAX_SAMPLES = 50_000_000
FULL_URLS = 100_000
BLOCK = 18 * 3600          # one promtool pass and one TSDB block per 18 h of data
RANGE = 7 * 86400          # the dashboards' default time range: now-7d to now


def log(msg):
    print(msg, flush=True)


CHILDREN = []


def spawn(*args, **kwargs):
    """subprocess.Popen, remembered so that an error or a SIGTERM ends it too."""
    proc = subprocess.Popen(*args, **kwargs)
    CHILDREN.append(proc)
    return proc


def stop_children():
    for proc in CHILDREN:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def human(n):
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return "%.1f%s" % (n / size, unit)
    return str(int(n))


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def du(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(d, f))
            except OSError:
                pass
    return total


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- Prometheus


class Prometheus:
    """A real Prometheus on a free loopback port, serving `data` (no scrapes,
    no rules: only the blocks)."""

    def __init__(self, work, data, flags, name):
        self.work, self.data, self.flags, self.name = work, data, flags, name
        self.proc = None
        self.peak_rss = 0

    def start(self):
        self.port = free_port()
        config = os.path.join(self.work, "prometheus-%s.yml" % self.name)
        with open(config, "w") as f:
            f.write("global: {}\nscrape_configs: []\n")
        self.log_path = os.path.join(self.work, "prometheus-%s.log" % self.name)
        self.proc = spawn(
            ["prometheus", "--config.file=" + config, "--storage.tsdb.path=" + self.data,
             "--web.listen-address=127.0.0.1:%d" % self.port,
             # The blocks are weeks in the past: keep them.
             "--storage.tsdb.retention.time=100y"] + self.flags,
            stdout=subprocess.DEVNULL, stderr=open(self.log_path, "w"))
        deadline = time.monotonic() + 180
        while True:
            if self.proc.poll() is not None:
                sys.exit("prometheus exited (%s):\n%s" % (self.proc.returncode, open(self.log_path).read()[-3000:]))
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % self.port, timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                sys.exit("prometheus not ready within 180 s:\n" + open(self.log_path).read()[-3000:])
            time.sleep(0.2)

    def get(self, path, params, timeout=600):
        return self.api(path, params, timeout, post=False)

    def api(self, path, params, timeout=600, post=True):
        """Ask the API (POST: long queries fit): (parsed body or None, error text or None)."""
        body = urllib.parse.urlencode(params, doseq=True)
        url = "http://127.0.0.1:%d%s" % (self.port, path)
        req = urllib.request.Request(url, data=body.encode()) if post else urllib.request.Request(url + "?" + body)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                text = r.read()
        except urllib.error.HTTPError as e:
            text = e.read()
        except (urllib.error.URLError, OSError) as e:
            return None, "no answer: %s" % e
        finally:
            self._sample_rss()
        try:
            answer = json.loads(text)
        except ValueError:
            return None, "not JSON: %r" % text[:200]
        if answer.get("status") != "success":
            return answer, "%s: %s" % (answer.get("errorType", "error"), answer.get("error", "?"))
        return answer, None

    def _sample_rss(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        self.peak_rss = max(self.peak_rss, int(line.split()[1]) * 1024)
        except OSError:
            pass

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self._sample_rss()
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------- recording rules


def recording_rules(files):
    """[(group name, interval or None, rule)] of every recording rule."""
    out = []
    for path in files:
        with open(path) as f:
            doc = yaml.safe_load(f) or {}
        for group in doc.get("groups") or []:
            for rule in group.get("rules") or []:
                # The per-stream record is generated with the data.
                if "record" in rule and rule["record"] != generate.STREAM_RECORD:
                    out.append((group["name"], group.get("interval"), rule))
    return out


def rule_levels(records):
    """Records grouped so that each level reads only raw metrics and the
    records of earlier levels: promtool backfills a rule from what the
    Prometheus it queries holds, so a record that reads another record
    must wait for that one's blocks."""
    names = {r["record"] for _, _, r in records}
    deps = {}
    for _, _, r in records:
        deps.setdefault(r["record"], set()).update(
            n for n in names if n != r["record"] and re.search(r"(?<![\w:])%s(?![\w:])" % re.escape(n), r["expr"]))
    level = {}

    def depth(name, seen=()):
        if name not in level:
            if name in seen:
                sys.exit("recording rules depend on each other in a circle: %s" % " -> ".join(seen + (name,)))
            level[name] = 1 + max((depth(d, seen + (name,)) for d in deps[name]), default=-1)
        return level[name]
    for n in names:
        depth(n)
    out = []
    for lv in range(max(level.values(), default=-1) + 1):
        out.append([(g, i, r) for g, i, r in records if level[r["record"]] == lv])
    return out


def metric_names(exprs):
    """Every identifier in the expressions (a superset of the metric names)."""
    return set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", " ".join(exprs)))


# ---------------------------------------------------------------- the data


class Pool:
    """promtool create-blocks-from openmetrics on finished window files, at
    most `jobs` at a time; each file is removed once imported."""

    def __init__(self, jobs, out, block):
        self.jobs, self.out, self.block = jobs, out, block
        self.running = []
        self.peak_tmp = 0
        self.max_rss = 0
        self.waited = 0.0

    def submit(self, path):
        t0 = time.monotonic()
        while len(self.running) >= self.jobs:
            self._reap(block=True)
        self.waited += time.monotonic() - t0
        self.peak_tmp = max(self.peak_tmp, sum(os.path.getsize(p) for p, _ in self.running) + os.path.getsize(path))
        env = dict(os.environ, GOGC=os.environ.get("GOGC", "400"))
        proc = spawn(
            ["promtool", "tsdb", "create-blocks-from", "openmetrics", "--quiet",
             "--max-block-duration=%ds" % self.block, path, self.out],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        self.running.append((path, proc))
        self._reap(block=False)

    def _reap(self, block):
        while True:
            for item in list(self.running):
                path, proc = item
                if proc.poll() is not None:
                    err = proc.stderr.read().decode(errors="replace")
                    self.running.remove(item)
                    if proc.returncode != 0:
                        sys.exit("promtool failed on %s:\n%s" % (path, err[-3000:]))
                    os.remove(path)
                    self.max_rss = max(self.max_rss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)
                    return
            if not block:
                return
            time.sleep(0.05)

    def drain(self):
        while self.running:
            self._reap(block=True)


def windows(a, b, size):
    """Block-aligned [start, end) windows covering [a, b]."""
    w = a - a % size
    while w <= b:
        yield w, w + size
        w += size


def build_records(acc, work, rule_files, eval_interval, block):
    """Backfills the recording rules (level by level, with promtool and a
    Prometheus on the families they read), then returns the records as
    OpenMetrics lines, one file per block window."""
    records = recording_rules(rule_files)
    levels = rule_levels(records)
    names = metric_names([r["expr"] for _, _, r in records])
    stage = os.path.join(work, "stage")
    os.makedirs(stage)
    path = os.path.join(work, "stage.om")
    with open(path, "w", buffering=1 << 20) as out:
        n = acc.write(out, acc.data_start, acc.end + 1, per_url=False, names=names)
        out.write("# EOF\n")
    t0 = time.monotonic()
    pool = Pool(1, stage, 500 * 3600)
    pool.submit(path)
    pool.drain()
    log("  the %d families the rules read: %s samples (%.0fs)" % (len(names & set(acc.names())), human(n),
                                                                 time.monotonic() - t0))
    prom = Prometheus(work, stage, ["--query.lookback-delta=%ds" % acc.lookback,
                                    "--query.max-samples=%d" % DEFAULT_MAX_SAMPLES], "rules")
    for lv, rules in enumerate(levels):
        t0 = time.monotonic()
        prom.start()
        groups = {}
        for g, interval, rule in rules:
            grp = groups.setdefault(g, {"name": g, "rules": []})
            if interval:
                grp["interval"] = interval
            grp["rules"].append({k: v for k, v in rule.items() if k in ("record", "expr", "labels")})
        rules_path = os.path.join(work, "rules-level-%d.yml" % lv)
        with open(rules_path, "w") as f:
            json.dump({"groups": list(groups.values())}, f)  # JSON is YAML
        out_dir = os.path.join(work, "rules-level-%d" % lv)
        # promtool asks one range query per rule and block: at most 11,000
        # points (Prometheus's limit), so blocks of 2h x 3^k that fit.
        rule_block = max(b for b in (7200 * 3 ** k for k in range(8)) if b <= 10000 * eval_interval)
        res = subprocess.run(
            ["promtool", "tsdb", "create-blocks-from", "rules", "--quiet",
             "--url=http://127.0.0.1:%d" % prom.port, "--start=%d" % acc.data_start, "--end=%d" % acc.end,
             "--eval-interval=%ds" % eval_interval, "--max-block-duration=%ds" % rule_block,
             "--output-dir=" + out_dir, rules_path], capture_output=True, text=True)
        prom.stop()
        if res.returncode != 0:
            sys.exit("promtool create-blocks-from rules (level %d) failed:\n%s" % (lv, res.stderr[-3000:]))
        for block_dir in os.listdir(out_dir):
            shutil.move(os.path.join(out_dir, block_dir), os.path.join(stage, block_dir))
        log("  level %d (%.0fs): %s" % (lv, time.monotonic() - t0, ", ".join(r["record"] for _, _, r in rules)))
    # The records, out of the staging TSDB, into one OpenMetrics part per window.
    t0 = time.monotonic()
    parts = {}
    dump = spawn(
        ["promtool", "tsdb", "dump", "--min-time=%d" % (acc.data_start * 1000), "--max-time=%d" % (acc.end * 1000),
         '--match={__name__=~"%s"}' % "|".join(re.escape(r["record"]) for _, _, r in records), stage],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    count = 0
    series = {}
    for line in dump.stdout:
        # {__name__="a:b", k="v", ...} value milliseconds
        lbl, value, ts = line.rstrip("\n").rsplit(" ", 2)
        if lbl not in series:
            pairs = re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', lbl)
            name = next(v for k, v in pairs if k == "__name__")
            series[lbl] = "%s{%s} " % (name, ",".join('%s="%s"' % (k, v) for k, v in pairs if k != "__name__"))
        ms = int(ts)
        w = ms // 1000 - ms // 1000 % block
        f = parts.get(w)
        if f is None:
            f = parts[w] = open(os.path.join(work, "records-%d.om" % w), "w", buffering=1 << 20)
        f.write("%s%s %d.%03d\n" % (series[lbl], value, ms // 1000, ms % 1000))
        count += 1
    if dump.wait() != 0:
        sys.exit("promtool tsdb dump failed:\n" + dump.stderr.read()[-3000:])
    for f in parts.values():
        f.close()
    shutil.rmtree(stage)
    log("  %d recording rules in %d levels: %d series, %s samples (every %ds; dumped in %.0fs)" % (
        len(records), len(levels), len(series), human(count), eval_interval, time.monotonic() - t0))
    found = {lbl.split('"')[1] for lbl in series}
    empty = sorted(r["record"] for _, _, r in records if r["record"] not in found)
    if empty:
        log("  no samples on the synthetic data (panels reading them will say NO DATA): " + ", ".join(empty))
    return {w: os.path.join(work, "records-%d.om" % w) for w in parts}


def build_data(acc, work, scratch, records, jobs, block):
    """The final TSDB: one OpenMetrics file and one block per window, every
    family and the records in it, so that no two blocks overlap (Prometheus
    would otherwise compact them while the queries run)."""
    data = os.path.join(work, "data")
    os.makedirs(data)
    pool = Pool(jobs, data, block)
    total = 0
    for a, b in windows(acc.data_start, acc.end, block):
        path = os.path.join(scratch, "window-%d.om" % a)
        with open(path, "w", buffering=1 << 20) as out:
            total += acc.write(out, a, b)
            part = records.pop(a, None)
            if part:
                with open(part) as f:
                    shutil.copyfileobj(f, out, 1 << 20)
                os.remove(part)
            out.write("# EOF\n")
        pool.submit(path)
    pool.drain()
    for part in records.values():
        os.remove(part)
    return data, total, pool


# ---------------------------------------------------------------- the check


def per_url_coverage(expr, step_of):
    """Why the synthetic data cannot stand for a 60 s scrape in this query
    (a range selector on a per-URL family shorter than two of its samples:
    it would see too few samples, or none), or None."""
    for name, matchers, seconds in grafana.range_selectors(expr):
        periods = [p for (n, p) in step_of if n == name]
        if "period" in matchers:
            op, value = matchers["period"]
            periods = [p for p in periods if grafana.matches(op, value, p)]
        for p in periods:
            res = step_of[(name, p)]
            if seconds < 2 * res:
                return ("range [%s] on %s{period=\"%s\"}, generated every %s: raise its resolution in "
                        "generate.PER_URL_STEP (to at most half the range)" % (
                            grafana.format_interval(seconds), name, p, grafana.format_interval(res)))
    return None


def needed_margin(all_targets, week_start, lookback):
    """How far before the week the data must start: as far as any query
    reaches back (its first step, minus its longest range or the lookback
    delta, minus its offset), and an hour more; in whole 6 h."""
    need = lookback
    for t in all_targets:
        offsets = [grafana.parse_duration(o) for o in re.findall(r"offset\s+([0-9][0-9a-z]*)", t.expr)]
        ranges = [s for _, _, s in grafana.range_selectors(t.expr)]
        first = t.start - max(offsets, default=0) - max(ranges + [lookback])
        need = max(need, week_start - first + 3600)
    return int(-(-need // 21600) * 21600)


def load_dashboards(pattern):
    boards = []
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            boards.append((os.path.basename(path), json.load(f)))
    if not boards:
        sys.exit("no dashboards match %s" % pattern)
    return boards


def variable_values(prom, acc):
    """Grafana's variable queries against the API, over the dashboard's range."""
    def values_of(query):
        query = query.strip()
        m = re.fullmatch(r"label_values\((.*)\)", query, re.S)
        if m:
            selector, _, label = m.group(1).rpartition(",")
            params = {"start": acc.end - RANGE, "end": acc.end}
            if selector.strip():
                params["match[]"] = selector.strip()
            answer, err = prom.get("/api/v1/label/%s/values" % label.strip(), params)
            if err:
                raise RuntimeError(err)
            return answer["data"]
        m = re.fullmatch(r"query_result\((.*)\)", query, re.S)
        if m:
            answer, err = prom.api("/api/v1/query", {"query": m.group(1), "time": acc.end})
            if err:
                raise RuntimeError(err)
            return [grafana.query_result_text(r) for r in answer["data"]["result"]]
        raise RuntimeError("variable query not understood by the harness: %s" % query)
    return values_of


def run_target(prom, t):
    """(error or None, peak samples, result series, seconds)."""
    params = {"query": t.expr, "stats": "all"}
    if t.kind == "range":
        path = "/api/v1/query_range"
        params.update(start=t.start, end=t.end, step=int(t.step))
    else:
        path = "/api/v1/query"
        params["time"] = t.end
    started = time.monotonic()
    answer, err = prom.api(path, params)
    seconds = time.monotonic() - started
    data = (answer or {}).get("data") or {}
    peak = ((data.get("stats") or {}).get("samples") or {}).get("peakSamples")
    return err, peak, len(data.get("result") or []), seconds


def reads_only_alerts(expr):
    return set(re.findall(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*\{", expr)) == {"ALERTS"}


def check(prom, boards, acc, args):
    """Every variable and panel query: (rows, problems)."""
    rows, problems = [], []
    values_of = variable_values(prom, acc)
    for name, board in boards:
        values, checked = grafana.resolve_variables(board, values_of)
        for var, query, err, _ in checked:
            if err:
                problems.append("%s / variable $%s: %s -> %s" % (name, var, query, err))
        for t in grafana.targets(name, board, values, acc.end, RANGE, args.dashboard_px,
                                 args.scrape_interval, args.panel_px):
            title = grafana.substitute(t.title, values)
            coarse = per_url_coverage(t.expr, acc.per_url_step)
            err, peak, series, seconds = run_target(prom, t)
            status = "ok"
            if err:
                status = "FAIL"
            elif coarse:
                # Its peak (and its data) would be larger on a 60 s scrape.
                status, err = "COARSE", coarse
            elif series == 0 and not reads_only_alerts(t.expr):
                # ALERTS has data only while an alert fires (none do here):
                # such a query must run, within the limit, not have data.
                status = "NO DATA"
                err = "no data on the synthetic account (a wrong name or label, or generate.py lacks it)"
            rows.append(dict(dashboard=name.replace("video-usage-", "").replace(".json", ""),
                             panel="%s %s" % (t.panel.get("id"), title), ref=t.ref, kind=t.kind,
                             step=t.interval if t.kind == "range" else "-", series=series, peak=peak,
                             seconds=seconds, status=status, error=err, target=t, needs=None))
            if err:
                problems.append("%s / %s [%s] (%s): %s\n      %s" % (name, title, t.ref, t.kind, err, t.expr))
    return rows, problems


def measure(rows, work, data, flags, limit):
    """Re-runs the queries that exceeded the limit with a higher one, to
    say what they need (`needs` of each row: samples, or the limit when
    still over it). Returns that Prometheus's peak RSS."""
    prom = Prometheus(work, data, flags + ["--query.max-samples=%d" % limit], "measure")
    prom.start()
    for r in rows:
        if r["error"] and "too many samples" in r["error"]:
            err, peak, _, _ = run_target(prom, r["target"])
            r["needs"] = limit if err and "too many samples" in err else peak
    prom.stop()
    return prom.peak_rss


def report(rows, limit, measure_limit, markdown):
    def peak_text(r):
        if r["peak"] is not None:
            return "{:,}".format(r["peak"])
        if r["needs"]:
            return "needs %s{:,}".format(r["needs"]) % (">" if r["needs"] == measure_limit else "")
        return "-"

    def share_text(r):
        peak = r["peak"] if r["peak"] is not None else r["needs"]
        if peak is None:
            return "-"
        share = 100.0 * peak / limit
        return "<0.1%" if 0 < share < 0.1 else "%s%.1f%%" % (">" if r["peak"] is None and peak == measure_limit
                                                              else "", share)

    header = ["dashboard", "panel", "ref", "type", "step", "series", "peak samples", "of limit", "time", "status"]
    left = (0, 1, 2, 3, 9)
    table = [[r["dashboard"], r["panel"], r["ref"], r["kind"], r["step"], str(r["series"]), peak_text(r),
              share_text(r), "%.2fs" % r["seconds"], r["status"]] for r in rows]
    widths = [max([len(h)] + [len(row[i]) for row in table]) for i, h in enumerate(header)]
    log("")
    for row in [header] + table:
        log("  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip())
    if markdown:
        with open(markdown, "w") as f:
            f.write("| " + " | ".join(header) + " |\n")
            f.write("|" + "|".join("---" if i in left else "---:" for i in range(len(header))) + "|\n")
            for row in table:
                f.write("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |\n")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--urls", type=int, default=FULL_URLS,
                    help="URLs of the ScaleEngine account (default 100000); fewer scale --query.max-samples down "
                         "by the same factor")
    ap.add_argument("--dashboards", default=os.path.join(ROOT, "dashboards", "*.json"))
    ap.add_argument("--rules", default=os.path.join(ROOT, "alerts", "*.y*ml"))
    ap.add_argument("--dashboard-px", type=int, default=1920,
                    help="width of the dashboard in pixels (a panel's maxDataPoints is its share of it); default 1920")
    ap.add_argument("--panel-px", type=int,
                    help="every panel this many pixels wide instead (1900: each panel opened alone, Grafana's View)")
    ap.add_argument("--scrape-interval", type=int, default=60,
                    help="the Grafana data source's scrape interval, seconds (default 60, the production advice)")
    ap.add_argument("--eval-interval", type=int, default=60, help="rule evaluation interval, seconds (default 60)")
    ap.add_argument("--jobs", type=int, default=2, help="promtool imports at once (default 2)")
    ap.add_argument("--measure-limit", type=int, default=200_000_000,
                    help="re-run queries over the limit with this --query.max-samples to say what they need "
                         "(default 200000000; 0: do not)")
    ap.add_argument("--faithful", action="store_true",
                    help="per-URL series every 60 s and the default lookback delta, as a real scrape "
                         "(costly: use a small --urls)")
    ap.add_argument("--work", help="work directory, empty or new (default: a temporary one, removed at the end)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (the TSDB included)")
    ap.add_argument("--markdown", help="also write the table to this file as Markdown")
    return ap.parse_args()


def scratch_dir(work, jobs, urls):
    """Where the window files go: they are written and read once, about
    1 GB each at full scale and up to jobs + 1 at once, so in memory
    (/dev/shm) when it has room, sparing the disk."""
    try:
        shm = os.statvfs("/dev/shm")
        if shm.f_bavail * shm.f_frsize > (jobs + 2) * 1.5e9 * urls / FULL_URLS + 1e9:
            return tempfile.mkdtemp(prefix="dashboard-load-", dir="/dev/shm")
    except OSError:
        pass
    return work


def main():
    args = parse_args()
    for tool in ("prometheus", "promtool"):
        if not shutil.which(tool):
            sys.exit("%s not found on PATH (Debian: apt-get install prometheus)" % tool)
    # A SIGTERM (a CI timeout) cleans up as an exception does: no
    # Prometheus is left running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    started = time.monotonic()
    phase = {}
    work = args.work or tempfile.mkdtemp(prefix="dashboard-load-")
    os.makedirs(work, exist_ok=True)
    if os.listdir(work):
        sys.exit("work directory %s is not empty" % work)
    limit = DEFAULT_MAX_SAMPLES if args.urls >= FULL_URLS else int(DEFAULT_MAX_SAMPLES * args.urls / FULL_URLS)
    scratch = scratch_dir(work, args.jobs, args.urls)
    boards = load_dashboards(args.dashboards)
    rule_files = sorted(glob.glob(args.rules))
    version = subprocess.run(["prometheus", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    log("dashboard load check: %s; %d dashboards; rules %s; work %s" % (
        version, len(boards), ", ".join(os.path.relpath(f, ROOT) for f in rule_files), work))

    # The queries once without variables' values, to know how far back the
    # data must reach. --faithful: every per-URL series every 60 s, as
    # scraped, and Prometheus's default lookback (README.md: "Is the
    # coarse data faithful?").
    probe = []
    for name, board in boards:
        values, _ = grafana.resolve_variables(board, lambda q: [])
        probe += grafana.targets(name, board, values, generate.END, RANGE, args.dashboard_px,
                                 args.scrape_interval, args.panel_px)
    per_url_step = ({k: generate.SCRAPE for k in generate.PER_URL_STEP} if args.faithful
                    else generate.PER_URL_STEP)
    lookback = generate.lookback(per_url_step)
    acc = generate.Account(urls=args.urls, per_url_step=per_url_step,
                           margin=needed_margin(probe, generate.END - RANGE, lookback))
    log("synthetic data: %s to %s (the week from %s, %d h before it), %d URLs x %d per-URL families, "
        "%d small series every %ds; %s samples" % (
            iso(acc.data_start), iso(acc.end), iso(acc.start), (acc.start - acc.data_start) // 3600, len(acc.urls),
            len(acc.per_url_step), len(acc.small), generate.SCRAPE, human(acc.samples())))
    log("  per-URL resolution: " + ", ".join('%s{period="%s"} %s' % (n, p, grafana.format_interval(s))
                                               for (n, p), s in acc.per_url_step.items())
        + "; lookback delta %s" % grafana.format_interval(acc.lookback))

    measure_rss = None
    try:
        t0 = time.monotonic()
        log("--- recording rules (promtool tsdb create-blocks-from rules, level by level)")
        records = build_records(acc, work, rule_files, args.eval_interval, BLOCK)
        phase["rules"] = time.monotonic() - t0

        t0 = time.monotonic()
        log("--- TSDB (promtool tsdb create-blocks-from openmetrics, %d at a time, one %dh block per file)" % (
            args.jobs, BLOCK // 3600))
        data, total, pool = build_data(acc, work, scratch, records, args.jobs, BLOCK)
        phase["tsdb"] = time.monotonic() - t0
        log("  %s samples in %d blocks, %sB on disk; window files (in %s) peaked at %sB; promtool peak RSS %sB; "
            "generating waited %.0fs for promtool" % (
                human(total), len(os.listdir(data)) - ("wal" in os.listdir(data)), human(du(data)), scratch,
                human(pool.peak_tmp), human(pool.max_rss), pool.waited))

        t0 = time.monotonic()
        flags = ["--query.lookback-delta=%ds" % acc.lookback,
                 # One block per window already: no compaction while querying.
                 "--storage.tsdb.max-block-duration=%ds" % BLOCK]
        prom = Prometheus(work, data, flags + ([] if limit == DEFAULT_MAX_SAMPLES
                                              else ["--query.max-samples=%d" % limit]), "check")
        prom.start()
        running = prom.get("/api/v1/status/flags", {})[0]["data"]
        log("--- queries on Prometheus 127.0.0.1:%d (query.max-samples=%s, query.timeout=%s, "
            "query.lookback-delta=%s)" % (prom.port, running["query.max-samples"], running["query.timeout"],
                                          running["query.lookback-delta"]))
        answer, err = prom.api("/api/v1/query", {"query": 'count by (__name__, period) '
                                                          '({__name__=~"scaleengine_video_.*"})', "time": acc.end})
        if err:
            sys.exit("sanity query failed: " + err)
        for r in sorted(answer["data"]["result"], key=lambda r: (r["metric"]["__name__"], r["metric"]["period"])):
            log("  %s{period=\"%s\"}: %s series at the week's end" % (
                r["metric"]["__name__"], r["metric"]["period"], r["value"][1]))
        rows, problems = check(prom, boards, acc, args)
        prom.stop()
        phase["queries"] = time.monotonic() - t0

        if args.measure_limit and any(r["error"] and "too many samples" in r["error"] for r in rows):
            t0 = time.monotonic()
            log("--- what the queries over the limit need: again with --query.max-samples=%s" % human(
                args.measure_limit))
            measure_rss = measure(rows, work, data, flags, args.measure_limit)
            phase["measure"] = time.monotonic() - t0
    finally:
        stop_children()
        if scratch != work:
            shutil.rmtree(scratch, ignore_errors=True)
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)

    report(rows, limit, args.measure_limit, args.markdown)
    elapsed = time.monotonic() - started
    worst = max((r for r in rows if r["peak"] is not None), key=lambda r: r["peak"], default=None)
    log("")
    log("%d queries (%d range, %d instant) of %d dashboards; largest peak that ran: %s" % (
        len(rows), sum(r["kind"] == "range" for r in rows), sum(r["kind"] == "instant" for r in rows), len(boards),
        "{:,} ({} / {} [{}])".format(worst["peak"], worst["dashboard"], worst["panel"], worst["ref"])
        if worst else "-"))
    log("time: %s; total %.0fs. Peak RSS: Prometheus %sB (%sB re-running queries over the limit), promtool %sB, "
        "this script %sB" % (
            ", ".join("%s %.0fs" % kv for kv in phase.items()), elapsed, human(prom.peak_rss),
            human(measure_rss) if measure_rss else "-", human(pool.max_rss),
            human(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)))
    scaled = "" if limit == DEFAULT_MAX_SAMPLES else ", scaled to %d URLs" % args.urls
    if problems:
        log("")
        log("dashboard load: FAILED: %d problem%s in %d queries (query.max-samples=%s%s):" % (
            len(problems), "" if len(problems) == 1 else "s", len(rows), "{:,}".format(limit), scaled))
        for p in problems:
            log("  " + p)
        sys.exit(1)
    log("dashboard load: OK: %d queries within query.max-samples=%s%s, each with data (%.0fs)" % (
        len(rows), "{:,}".format(limit), scaled, elapsed))


if __name__ == "__main__":
    main()
