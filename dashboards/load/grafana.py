"""The queries Grafana sends to Prometheus for a dashboard: every panel
target (rows' nested panels too, hidden targets skipped) as a range or
instant query with Grafana's step, template variables and built-in
interval variables substituted.

Grafana's rules, from its Prometheus data source (pkg/promlib/models/
query.go and the frontend's rangeutil.calculateInterval):
- maxDataPoints is the panel's `maxDataPoints`, else its width in pixels;
- interval = roundInterval(range / maxDataPoints), at least the panel's
  (or the target's) min interval, else the data source's scrape interval;
  at least roundInterval(range / 11000); times the target's intervalFactor;
- the range query's start and end are rounded down to a multiple of it;
- $__rate_interval = max(interval + scrape interval, 4 x scrape interval),
  where the scrape interval is the target's min interval if set;
- $__range = the range in whole seconds with an "s"; instant queries are
  evaluated at the range's end.
The variable handling follows tests/observability.rs: "All" is the
variable's allValue (`.*`), or without one, as in Grafana, the regex of
all its values (`(a|b|c)`, regex characters escaped); otherwise its saved
current value.
"""
import re

# Grafana's roundInterval (gtime.RoundInterval), milliseconds: (upper bound, value).
_ROUND = [(15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500), (1500, 1000),
          (3500, 2000), (7500, 5000), (12500, 10000), (17500, 15000), (25000, 20000),
          (45000, 30000), (90000, 60000), (210000, 120000), (450000, 300000), (750000, 600000),
          (1050000, 900000), (1500000, 1200000), (2700000, 1800000), (5400000, 3600000),
          (9000000, 7200000), (16200000, 10800000), (32400000, 21600000), (86400000, 43200000),
          (172800000, 86400000), (604800000, 86400000), (1814400000, 604800000)]
SAFE_RESOLUTION = 11000
GRID_COLUMNS = 24


def round_interval(ms):
    for bound, value in _ROUND:
        if ms <= bound:
            return value
    return 2592000000 if ms < 3628800000 else 31536000000


_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def parse_duration(text):
    """Prometheus/Grafana durations ("1h30m", "90s", "15m0s", bare seconds) -> seconds."""
    text = text.strip().strip("<>")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|[smhdwy])", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError("not a duration: %r" % text)
    return sum(float(n) * _UNITS[u] for n, u in parts)


def format_interval(seconds):
    """Grafana's FormatInterval: the largest whole unit ("10m", "1h")."""
    ms = int(round(seconds * 1000))
    for unit, size in (("y", 31536000000), ("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000)):
        if ms >= size:
            return "%d%s" % (ms // size, unit)
    return "%dms" % max(ms, 1)


def go_duration(seconds):
    """Go's time.Duration.String() for whole seconds ("11m0s", "1h5m0s")."""
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if h:
        return "%dh%dm%ds" % (h, m, sec)
    if m:
        return "%dm%ds" % (m, sec)
    return "%ds" % sec


def panels(dashboard):
    """Every panel, rows' nested panels included, rows excluded."""
    out = []

    def walk(items):
        for p in items or []:
            if p.get("type") != "row":
                out.append(p)
            walk(p.get("panels"))
    walk(dashboard.get("panels"))
    return out


def variables(dashboard):
    return (dashboard.get("templating") or {}).get("list") or []


def variable_query(variable):
    q = variable.get("query")
    if isinstance(q, dict):
        return q.get("query") or ""
    return q or ""


def current_value(variable):
    v = (variable.get("current") or {}).get("value")
    if isinstance(v, list):
        v = v[0] if v else None
    return v if isinstance(v, str) else None


def substitute(expr, values):
    """`$name`, `${name}`, `${name:format}` and `[[name]]`, longest names first."""
    for name in sorted(values, key=len, reverse=True):
        value = values[name]
        expr = expr.replace("${%s}" % name, value).replace("[[%s]]" % name, value)
        expr = re.sub(r"\$\{%s:[^}]*\}" % re.escape(name), lambda _: value, expr)
        expr = expr.replace("$" + name, value)
    return expr


def all_values_regex(values):
    """Grafana's "All" of a variable without allValue, for a PromQL regex."""
    special = "\\^$*+?.()|[]{}"
    return "(%s)" % "|".join("".join("\\\\" + c if c in special else c for c in v) for v in values)


def query_result_text(series):
    """One series of a `query_result(...)` variable as Grafana shows it:
    `name{label="value",...} value milliseconds`."""
    metric = series["metric"]
    labels = ",".join('%s="%s"' % (k, v) for k, v in metric.items() if k != "__name__")
    t, value = series["value"]
    return "%s{%s} %s %d" % (metric.get("__name__", ""), labels, value, int(float(t) * 1000))


def apply_regex(values, regex):
    """A variable's values through its regex (`/.../`, the first group if
    any), deduplicated in order, as Grafana does."""
    if not (regex.startswith("/") and regex.rfind("/") > 0):
        return values
    pattern = re.compile(regex[1:regex.rfind("/")])
    out = []
    for value in values:
        m = pattern.search(value)
        if m:
            text = m.group(1) if m.groups() else m.group(0)
            if text not in out:
                out.append(text)
    return out


def resolve_variables(dashboard, values_of):
    """Dashboard variables in order (a later one may use an earlier one).
    `values_of(query)` returns a variable query's values or raises.
    Returns ({name: value}, [(name, query, error or None, n values)])."""
    values, checked = {}, []
    for v in variables(dashboard):
        name, kind = v.get("name", "?"), v.get("type", "")
        if kind == "datasource":
            values[name] = ""
            continue
        if kind == "query":
            query = substitute(variable_query(v), values)
            try:
                found = apply_regex(values_of(query), v.get("regex") or "")
                checked.append((name, query, None if found else "no values", len(found)))
            except Exception as e:  # noqa: BLE001 - reported, not fatal here
                found = []
                checked.append((name, query, str(e), 0))
            if v.get("includeAll") and current_value(v) in ("$__all", None):
                values[name] = v.get("allValue") or all_values_regex(found)
            else:
                values[name] = current_value(v) or (found[0] if found else "")
            continue
        values[name] = current_value(v) if current_value(v) is not None else variable_query(v)
    return values, checked


class Target:
    """One query as Grafana sends it."""

    def __init__(self, dashboard, panel, target, expr, kind, start, end, step, interval, rate_interval):
        self.dashboard, self.panel, self.target = dashboard, panel, target
        self.expr, self.kind = expr, kind
        self.start, self.end, self.step = start, end, step
        self.interval, self.rate_interval = interval, rate_interval

    @property
    def ref(self):
        return self.target.get("refId", "?")

    @property
    def title(self):
        return self.panel.get("title", "?")

    @property
    def steps(self):
        return 1 if self.kind == "instant" else int((self.end - self.start) // self.step) + 1


def panel_width(panel, dashboard_px):
    w = (panel.get("gridPos") or {}).get("w", GRID_COLUMNS)
    return max(1, int(dashboard_px * w / GRID_COLUMNS))


def targets(name, dashboard, values, now, range_s, dashboard_px, scrape_s, panel_px=None):
    """The queries of every panel of one dashboard, variables resolved.
    `panel_px`: every panel this wide (a panel opened alone, "View")."""
    out = []
    for panel in panels(dashboard):
        frm, to = now - range_s, now
        if panel.get("timeFrom"):
            frm = to - parse_duration(panel["timeFrom"].replace("now-", ""))
        if panel.get("timeShift"):
            shift = parse_duration(panel["timeShift"])
            frm, to = frm - shift, to - shift
        span = to - frm
        max_points = panel.get("maxDataPoints") or panel_px or panel_width(panel, dashboard_px)
        for t in panel.get("targets") or []:
            if t.get("hide") or not t.get("expr"):
                continue
            own = t.get("interval") or ""
            fixed = own if own and not own.startswith("$") else ""
            low = parse_duration(fixed or panel.get("interval") or "%ds" % scrape_s)
            interval_ms = max(round_interval(span * 1000 / max_points), low * 1000)
            safe_ms = round_interval(span * 1000 / SAFE_RESOLUTION)
            step = max(interval_ms, safe_ms) / 1000 * (t.get("intervalFactor") or 1)
            scrape = parse_duration(fixed) if fixed else scrape_s
            rate_interval = max(interval_ms / 1000 + scrape, 4 * scrape)
            builtins = {
                "__interval_ms": str(int(step * 1000)),
                "__interval": format_interval(step),
                "__rate_interval_ms": str(int(rate_interval * 1000)),
                "__rate_interval": go_duration(rate_interval),
                "__range_ms": str(int(span * 1000)),
                "__range_s": str(int(round(span))),
                "__range": "%ds" % round(span),
            }
            expr = substitute(t["expr"], dict(values, **builtins))
            # Neither flag (older dashboards) means a range query; both, two queries.
            if t.get("range") or not t.get("instant"):
                out.append(Target(name, panel, t, expr, "range", frm - frm % step, to - to % step,
                                  step, format_interval(step), rate_interval))
            if t.get("instant"):
                out.append(Target(name, panel, t, expr, "instant", to, to,
                                  step, format_interval(step), rate_interval))
    return out


# A range selector: a metric name and/or matchers, then [duration]
# (a subquery's [range:step] is not one: its inner selector uses the
# lookback delta).
_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(\{[^{}]*\})?\s*\[\s*([0-9][0-9a-z.]*)\s*\]")
_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')


def range_selectors(expr):
    """(metric name, {label: (op, value)}, range seconds) of every range selector."""
    out = []
    for m in _SELECTOR.finditer(expr):
        name, matchers, rng = m.group(1), m.group(2) or "", m.group(3)
        found = {k: (op, v) for k, op, v in _MATCHER.findall(matchers)}
        if "__name__" in found and found["__name__"][0] == "=":
            name = found["__name__"][1]
        if name in (None, "by", "without", "on", "ignoring", "group_left", "group_right", "offset"):
            name = None
        try:
            out.append((name, found, parse_duration(rng)))
        except ValueError:
            pass
    return out


def matches(op, pattern, value):
    if op == "=":
        return value == pattern
    if op == "!=":
        return value != pattern
    hit = re.fullmatch(pattern, value) is not None
    return hit if op == "=~" else not hit
