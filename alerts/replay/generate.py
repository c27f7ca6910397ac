#!/usr/bin/env python3
"""Replay harness: renders weeks of realistic video-usage-exporter output
into `promtool test rules` files, with assertions on ALERTS.

    python3 generate.py OUTDIR      # writes OUTDIR/<scenario>.test.yml

Standard library only, deterministic (seeded). Test time 0 is
1970-01-01T00:00Z (a Thursday), so UTC days are whole days of test time.
The billing month starts on the 10th (a `billing_day`, which the rules
support through video_usage_period_start/end_timestamp_seconds): the
window is 14 days, 1970-01-01 to 01-15, and the month rolls over inside
it at day 9 (Jan 10). promtool evaluates every rule at every step from
time 0, which costs about 4 s of CPU per replayed day: 14 days, not 36,
keep the four scenarios near two minutes on two cores while still holding
a rollover, two weekends and a week of baseline before the incidents that
need one. Traffic before time 0 (from the
month's start, Dec 10) is generated too, so month-to-date values at time 0
are what an exporter would show.

Each scenario file holds one test with:
- `ALERTS that fired`: the set of (alertname, subject) that reached
  `firing` at severity warning or critical over the whole window must be
  exactly EXPECTED_FIRING (ordinary traffic: the known-noisy list);
- per incident, the time from onset to the first firing sample of the
  alert that should catch it, which must be within the stated budget
  (or, for a known miss, must not fire within it).
See README.md for the tables.
"""
import math
import os
import random
import sys

STEP = 300                      # seconds between samples and evaluations
DAY = 86400
DAYS = 14                       # rendered window: test time 0 to 14 days
N = DAYS * DAY // STEP          # samples per series
FEB = 9 * DAY                   # billing-month rollover (Jan 10, 00:00 UTC)
PREV = FEB - 31 * DAY           # start of the previous billing month (Dec 10)
MONTH_END = FEB + 31 * DAY      # end of the current one (Feb 10)
T0 = PREV                       # first generated instant (before time 0)
OFF = -T0 // STEP               # generated steps before time 0
NT = OFF + N                    # generated steps
JOB = "video-usage-exporter"
POD_A = "10.0.3.17:9877"
POD_B = "10.0.5.42:9877"        # after the pod replacement
SE, WZ = "se-main", "wz-main"
GB = 1e9

# ---------------------------------------------------------------- expectations
#
# Alerts the rules fire on ORDINARY traffic: none since issue 21's rules
# on hourly growth. The harness asserts that exactly these fire: nothing
# else, and each of these still. Entries: (alertname, label naming the
# subject, its value).
KNOWN_NOISY = []

# Incidents and their measured times to detect: TTD and scenarios() below.

# ---------------------------------------------------------------- traffic


def diurnal(t):
    """Relative audience by UTC hour: low at 4 h, high around 20 h."""
    h = (t % DAY) / 3600.0
    return 1.0 + 0.6 * math.cos((h - 20.0) / 24.0 * 2 * math.pi)


def weekly(t):
    """Weekend heavier. Day 0 is a Thursday: days 2 and 3 are Sat, Sun."""
    dow = (t // DAY) % 7
    return 1.3 if dow in (2, 3) else 1.0


def growth(t):
    return 1.0 + 0.15 * t / (30 * DAY)      # +15 % a month


def nightly_on(t):
    h = (t % DAY) / 3600.0
    return 19.0 <= h < 23.0


def month_start(t):
    return FEB if t >= FEB else PREV


def day_start(t):
    return t - t % DAY


class Rng:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def noise(self, sd=0.15):
        return max(0.0, self.r.gauss(1.0, sd))


def per_step_rates(rng, mean_per_hour, shape):
    """Bytes (or seconds) per 5-minute step for each step of the window."""
    out = []
    for i in range(NT):
        t = T0 + i * STEP
        out.append(mean_per_hour * STEP / 3600.0 * shape(t) * rng.noise())
    return out


def to_date(increments, period, lag=0, quantum=STEP):
    """Period-to-date gauge from per-step increments: the sum of increments
    since the start of the period, as reported `lag` seconds late and only
    every `quantum` seconds (Wowza: hourly, billed every 12 h)."""
    cum = [0.0]
    for x in increments:
        cum.append(cum[-1] + x)         # cum[i] = usage in [0, i*STEP)
    start = month_start if period == "month" else day_start
    vals = []
    for i in range(NT):
        t = T0 + i * STEP
        upto = t - lag
        upto -= upto % quantum
        s = start(t)
        if upto <= s:
            vals.append(0.0)
        else:
            vals.append(cum[(upto - T0) // STEP] - cum[(s - T0) // STEP])
    return vals[OFF:]       # the rendered window only


# ---------------------------------------------------------------- rendering


def fmt(v):
    if v is None:
        return "_"
    if v == "stale":
        return "stale"
    if float(v).is_integer() or abs(v) >= 1e6:
        return str(int(round(v)))
    return "%.9g" % v           # 9 significant digits: prices per byte are 1e-11


def encode(values):
    """promtool's expanding notation: runs of equal steps as `a+bxn`."""
    out = []
    i = 0
    n = len(values)
    while i < n:
        v = values[i]
        if isinstance(v, str) or v is None:
            j = i
            while j + 1 < n and values[j + 1] == v:
                j += 1
            if v is None:
                # `_xN` is N missing samples (unlike `a+bxN`, N+1 values).
                out.append("_" if j == i else "_x%d" % (j - i + 1))
            else:
                out.extend(["stale"] * (j - i + 1))
            i = j + 1
            continue
        v = round(v) if abs(v) >= 1e6 else v
        j = i
        d = None
        while j + 1 < n and isinstance(values[j + 1], (int, float)) and not isinstance(values[j + 1], bool):
            nxt = round(values[j + 1]) if abs(values[j + 1]) >= 1e6 else values[j + 1]
            cur = round(values[j]) if abs(values[j]) >= 1e6 else values[j]
            dd = nxt - cur
            if d is None:
                d = dd
            elif dd != d:
                break
            j += 1
        if j - i >= 2:
            out.append("%s%s%sx%d" % (fmt(v), "+" if d >= 0 else "-", fmt(abs(d)), j - i))
            i = j + 1
        else:
            out.append(fmt(v))
            i += 1
    return " ".join(out)


def labels(name, **kv):
    return name + "{" + ",".join('%s="%s"' % (k, v) for k, v in kv.items()) + "}"


class Scenario:
    def __init__(self, name, seed, about):
        self.name, self.seed, self.about = name, seed, about
        self.rng = Rng(seed)
        self.series = []        # (labels without job/instance, values)
        self.incidents = []     # dicts
        self.expected_firing = list(KNOWN_NOISY)
        self.pod_change = None  # step index of the pod replacement
        self.missed = set()     # steps with no sample at all (Prometheus missed it)
        self.failed = set()     # steps with a failed scrape: up 0, others stale
        self.down = set()       # exporter down: same as failed
        self.frozen = {}        # provider -> first step of a credentials failure

    def add(self, name, values, **kv):
        self.series.append((name, kv, values))

    def render(self):
        lines = [
            "# Generated by alerts/replay/generate.py (seed %d): do not edit." % self.seed,
            "# %s" % self.about,
            "rule_files:",
            "  - %s" % RULES,
            "evaluation_interval: 5m",
            "tests:",
            "  - name: %s" % self.name,
            "    interval: 5m",
            "    input_series:",
        ]
        bad = self.failed | self.down

        def split(name, kv, values):
            """One exporter series becomes one per pod (instance)."""
            pods = [(POD_A, range(0, self.pod_change or N))]
            if self.pod_change:
                pods.append((POD_B, range(self.pod_change, N)))
            for inst, rng_ in pods:
                vals = []
                for i in range(N):
                    if i not in rng_:
                        # Before the pod exists: nothing; after it is gone:
                        # one stale marker, then nothing.
                        vals.append("stale" if i == rng_.stop else None)
                    elif i in self.missed:
                        vals.append(None)
                    elif i in bad:
                        vals.append(0 if name == "up" else "stale")
                    else:
                        vals.append(values[i])
                # Trim trailing nothing: promtool needs no padding.
                while vals and vals[-1] is None:
                    vals.pop()
                yield labels(name, job=JOB, instance=inst, **kv), vals

        for name, kv, values in [("up", {}, [1] * N)] + self.series:
            for lab, vals in split(name, kv, values):
                lines.append("      - series: '%s'" % lab)
                lines.append("        values: '%s'" % encode(vals))

        end = N * STEP - STEP
        lines.append("    promql_expr_test:")
        lines.append("      # Every (alert, subject) that fired at warning/critical over the window:")
        lines.append("      # exactly the expected list (known noise + the incidents caught).")
        lines.append("      - expr: %s" % ALL_FIRED)
        lines.append("        eval_time: %ds" % end)
        lines.append("        exp_samples:")
        seen = set()
        for alert, key, subj in self.expected_firing:
            if key == "video_url":
                # The alert keeps the app too (vod/title-1 and __other__: app vod).
                sub = ',app="%s",video_url="%s"' % ("vod" if subj == "__other__" else subj.split("/")[0], subj)
            elif key in SUBJECTS.split(", "):
                sub = ',%s="%s"' % (key, subj)
            else:
                sub = ""    # not a subject label: the alert name alone
            if (alert, sub) in seen:
                continue
            seen.add((alert, sub))
            lines.append("          - labels: '{alertname=\"%s\"%s}'" % (alert, sub))
            lines.append("            value: 1")
        for inc in self.incidents:
            sel = 'alertname="%s",alertstate="firing",%s="%s"' % (inc["alert"], inc["key"], inc["subject"])
            budget = inc["budget"]
            lines.append("      # Incident: %s. Onset %s, budget %s; %s." % (
                inc["what"], when(inc["onset"]), dur(budget),
                "KNOWN MISS (today's rules do not fire within the budget)" if inc["miss"]
                else "time to detect %s" % dur(inc["ttd"])))
            lines.append("      - expr: 'min by (alertname, %s) (min_over_time(timestamp(ALERTS{%s})[%ds:5m])) - %d'"
                         % (inc["key"], sel, min(budget, end - inc["onset"]), inc["onset"]))
            lines.append("        eval_time: %ds" % min(inc["onset"] + budget, end))
            if inc["miss"]:
                lines.append("        exp_samples: []")
            else:
                lines.append("        exp_samples:")
                lines.append("          - labels: '{alertname=\"%s\",%s=\"%s\"}'" % (inc["alert"], inc["key"], inc["subject"]))
                lines.append("            value: %d" % (inc["ttd"] or 0))
        return "\n".join(lines) + "\n"


RULES = "RULES_PATH"
SUBJECTS = "app, video_url, stream_target_name, transcoder_name"
ALL_FIRED = ('\'group by (alertname, %s) (count_over_time(ALERTS{alertstate="firing",severity=~"warning|critical"}[40d]))\''
             % SUBJECTS)


def when(t):
    return "day %d %02d:%02d UTC" % (t // DAY, t % DAY // 3600, t % 3600 // 60)


def dur(s):
    if s is None:
        return "-"
    if s >= DAY:
        return "%.1f d" % (s / DAY)
    if s >= 3600:
        return "%dh%02dm" % (s // 3600, s % 3600 // 60)
    return "%d min" % (s // 60)


# ---------------------------------------------------------------- the account


ORDINARY_PACE = 0.6     # an ordinary month ends at 60 % of its quota


def ordinary(name, seed, about, hotlinks=(), runaway=None, pace=ORDINARY_PACE,
             down=None, revoked=None, pod_at=None):
    """Ordinary traffic for one ScaleEngine and one Wowza account, with all
    the operational events; optional incidents on top."""
    sc = Scenario(name, seed, about)
    rng = sc.rng
    r = rng.r

    # Operational events, placed by the seed.
    sc.pod_change = (pod_at if pod_at is not None else
                     r.randint(2, 12) * DAY + r.randint(0, 23) * 3600) // STEP
    for _ in range(12):                       # single missed samples
        sc.missed.add(r.randrange(1, N - 1))
    for _ in range(6):                        # failed scrapes
        sc.failed.add(r.randrange(1, N - 1))
    # Any day, the rollover's too: __other__ is not a stream to the rules.
    other_day = r.choice([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    other_at = (other_day * DAY + r.randint(8, 16) * 3600) // STEP

    def surge(t):
        """ScaleEngine traffic rises from the ordinary pace to `pace` over
        the two days before the rollover (a new audience), then stays."""
        ramp = min(max((t - (FEB - 2 * DAY)) / (2 * DAY), 0.0), 1.0)
        return 1.0 + (pace / ORDINARY_PACE - 1.0) * ramp

    def wave(scale, surges=True):
        return lambda t: scale * diurnal(t) * weekly(t) * growth(t) * (surge(t) if surges else 1.0)

    # ScaleEngine: app vod (three titles and __other__), live, nightly.
    titles = {
        "vod/title-1": 9 * GB, "vod/title-2": 5 * GB, "vod/title-3": 3 * GB,
    }
    inc = {u: per_step_rates(rng, m, wave(1)) for u, m in titles.items()}
    inc["vod/__other__"] = per_step_rates(rng, 2 * GB, wave(1))
    for url, at in hotlinks:
        # A hotlinked title: ten times its hourly bytes for 6 hours.
        for i in range((at - T0) // STEP, (at + 6 * 3600 - T0) // STEP):
            inc[url][i] *= 10
    inc["live/main"] = per_step_rates(rng, 4 * GB, wave(1))
    inc["nightly/show"] = per_step_rates(
        rng, 20 * GB, lambda t: (1.0 if nightly_on(t) else 0.0) * growth(t) * surge(t))

    month_of = {u: to_date(x, "month") for u, x in inc.items()}
    # __other__ churn: title-3 leaves the top N (max_series) at other_at
    # and stays out; its month total moves into __other__.
    moved = month_of.pop("vod/title-3")
    other = month_of.pop("vod/__other__")
    for i in range(other_at, N):
        other[i] += moved[i]
        moved[i] = None
    moved[other_at] = "stale"
    month_of["vod/title-3"] = moved
    month_of["__other__"] = other
    for url, vals in month_of.items():
        app = "vod" if url.startswith("vod/") or url == "__other__" else url.split("/")[0]
        sc.add("scaleengine_video_bytes", vals, account=SE, app=app, video_url=url, period="month")

    apps = {"vod": ["vod/title-1", "vod/title-2", "vod/title-3", "vod/__other__"],
            "live": ["live/main"], "nightly": ["nightly/show"]}
    for app, urls in apps.items():
        a = [sum(inc[u][i] for u in urls) for i in range(NT)]
        for period in ("month", "day"):
            vals = to_date(a, period)
            sc.add("scaleengine_app_bytes", vals, account=SE, app=app, period=period)
    # Month quota: an ordinary month ends at ORDINARY_PACE times it, from
    # the previous month's total and the growth; day quota: 8 average days.
    # (The previous month's total without the surge before the rollover.)
    prev_total = sum(sum(x[i] for x in inc.values()) / surge(T0 + i * STEP)
                     for i in range((FEB - T0) // STEP))
    jan_total = prev_total * 1.15
    quota = round(jan_total / ORDINARY_PACE / GB) * GB
    sc.add("video_usage_quota_bytes", [quota] * N, provider="scaleengine", account=SE,
           resource="egress", period="month")
    sc.add("video_usage_quota_bytes", [round(jan_total / 31 * 8 / GB) * GB] * N,
           provider="scaleengine", account=SE, resource="egress", period="day")
    sc.add("video_usage_price_per_byte", [0.00000000004] * N, provider="scaleengine",
           account=SE, resource="egress", currency="USD")
    sc.add("video_usage_budget", [round(jan_total * 4e-11 / ORDINARY_PACE)] * N, provider="scaleengine",
           account=SE, currency="USD", period="month")
    # At `pace`, the quota is used up after 31 days / pace of the month.
    sc.se_used_up = int(31 * DAY / pace)

    # Wowza: a stream target for the nightly show (used hourly, 3 h late;
    # billed every 12 h, 12 h late), a daytime one, a pay-as-you-go
    # transcoder for the show, a 24/7 one.
    st = {"nightly-show": per_step_rates(rng, 15 * GB, lambda t: (1.0 if nightly_on(t) else 0.0)),
          "daytime": per_step_rates(rng, 3 * GB, wave(1, surges=False))}
    for sid, (tname, x) in enumerate(sorted(st.items())):
        kv = dict(account=WZ, stream_target_id="st%d" % sid, stream_target_name=tname,
                  deleted="false", period="month")
        sc.add("wowza_cloud_stream_target_used_bytes", to_date(x, "month", 3 * 3600, 3600), **kv)
        sc.add("wowza_cloud_stream_target_billed_bytes", to_date(x, "month", 12 * 3600, 12 * 3600), **kv)
    tc_on = {"show-encoder": lambda t: 1.0 if nightly_on(t) else 0.0, "always-on": lambda t: 1.0}
    if runaway is not None:
        tc_on["show-encoder"] = lambda t: 1.0 if (nightly_on(t) or t >= runaway) else 0.0
    for tid, (tname, on) in enumerate(sorted(tc_on.items())):
        x = [STEP * on(T0 + i * STEP) for i in range(NT)]
        kv = dict(account=WZ, transcoder_id="tc%d" % tid, transcoder_name=tname, deleted="false",
                  billing_mode="twentyfour_seven" if tname == "always-on" else "pay_as_you_go",
                  transcoder_type="transcoded", period="month")
        sc.add("wowza_cloud_transcoder_used_seconds", to_date(x, "month", 0, 3600), **kv)
        sc.add("wowza_cloud_transcoder_billed_seconds", to_date(x, "month", 12 * 3600, 12 * 3600), **kv)
    sc.add("video_usage_quota_bytes", [8000 * GB] * N, provider="wowza", account=WZ,
           resource="egress", period="month")
    sc.add("video_usage_quota_seconds", [1500 * 3600] * N, provider="wowza", account=WZ,
           resource="transcoder", period="month")

    # Period bounds and the exporter's own state.
    endpoints = {"scaleengine": (SE, [("video.usage", "month"), ("video.usage", "day")]),
                 "wowza": (WZ, [("usage/network/stream_targets", "month"),
                                ("usage/time/transcoders", "month")])}
    for prov, (acct, eps) in endpoints.items():
        for period in sorted({p for _, p in eps} | {"month"}):
            starts = [month_start(i * STEP) if period == "month" else day_start(i * STEP) for i in range(N)]
            ends = [(MONTH_END if s == FEB else FEB) if period == "month" else s + DAY for s in starts]
            sc.add("video_usage_period_start_timestamp_seconds", starts, provider=prov, account=acct, period=period)
            sc.add("video_usage_period_end_timestamp_seconds", ends, provider=prov, account=acct, period=period)
        for ep, period in eps:
            up = [1] * N
            last = [i * STEP - 40 for i in range(N)]
            if revoked is not None and prov == revoked[0]:
                k = revoked[1] // STEP
                up = [0 if i >= k else 1 for i in range(N)]
                last = [min(v, k * STEP - 40) for v in last]
            kv = dict(provider=prov, account=acct, endpoint=ep, period=period)
            sc.add("video_usage_exporter_up", up, **kv)
            sc.add("video_usage_exporter_last_success_timestamp_seconds", last, **kv)
            sc.add("video_usage_exporter_refresh_interval_seconds", [300] * N, **kv)
    # Upstream requests: one per endpoint and refresh, answered 200; once
    # the credentials are revoked, 401 (as Wowza answers them).
    for prov, (acct, eps) in endpoints.items():
        refused_from = revoked[1] // STEP if revoked is not None and prov == revoked[0] else N
        for ep in sorted({e for e, _ in eps}):
            kv = dict(provider=prov, account=acct, endpoint=ep)
            sc.add("video_usage_exporter_upstream_requests_total",
                   [min(i, refused_from) + 1 for i in range(N)], code="200", **kv)
            if refused_from < N:
                sc.add("video_usage_exporter_upstream_requests_total",
                       [max(0, i - refused_from + 1) for i in range(N)], code="401", **kv)
    if revoked is not None:
        # The exporter serves the last good data of a failing account.
        prov, k = revoked[0], revoked[1] // STEP
        for name, kv, vals in sc.series:
            if kv.get("account") == endpoints[prov][0] and (
                    name.startswith("wowza_") or name.startswith("scaleengine_")):
                for i in range(k, N):
                    if vals[i] is not None and vals[i] != "stale":
                        # Frozen, except that the month still rolls over.
                        vals[i] = vals[k - 1] if i * STEP < FEB else vals[i]
    if down is not None:
        sc.down = set(range(down[0] // STEP, (down[0] + down[1]) // STEP))
    return sc


def incident(sc, what, alert, key, subject, onset, budget, ttd=None, miss=False):
    sc.incidents.append(dict(what=what, alert=alert, key=key, subject=subject,
                             onset=onset, budget=budget, ttd=ttd, miss=miss))
    if not miss:
        sc.expected_firing.append((alert, key, subject))


# Measured times to detect (seconds from onset to the first firing
# evaluation), asserted exactly: a rule change that alters them fails the
# harness until the numbers (and README.md) are updated.
TTD = {
    "hotlink": 25 * 60, "hotlink-after-restart": 35 * 60, "runaway": 3600 + 45 * 60,
    "overage": 17 * 3600 + 30 * 60, "budget": 17 * 3600 + 30 * 60, "down": 10 * 60, "revoked": 15 * 60,
    "revoked-stale": 20 * 60, "revoked-refused": 10 * 60,
}

ORDINARY = ("An ordinary month: diurnal and weekly shape, a nightly show, growth, noise, "
            "missed and failed scrapes, a pod replacement, __other__ churn, the month rollover.")

HOT = 12 * DAY + 14 * 3600          # day 12 (Tue Jan 13) 14:00: a week of baseline
RUN = 6 * DAY + 19 * 3600           # day 6 19:00: the show starts, is not stopped at 23:00
DOWN = 7 * DAY + 10 * 3600          # day 7 10:00, for 2 h
POD = 11 * DAY + 2 * 3600           # day 11 02:00: pod replaced (a rollout restart)
HOT2 = 11 * DAY + 14 * 3600         # day 11 14:00: a hotlink 12 h after it
REV = 12 * DAY + 9 * 3600           # day 12 09:00: Wowza API key revoked


def scenarios():
    out = []
    for seed in (1, 2, 3):
        out.append(ordinary("ordinary-seed%d" % seed, seed, ORDINARY))
    sc = ordinary(
        "incidents", 11,
        "Ordinary traffic of the same shape, at 1.5x the ScaleEngine month quota's pace, "
        "with incidents at separate times.",
        hotlinks=[("vod/title-2", HOT), ("vod/title-1", HOT2)], runaway=RUN, pace=1.5,
        down=(DOWN, 2 * 3600), revoked=("wowza", REV), pod_at=POD)
    incident(sc, "hotlinked title vod/title-2 (10x its hourly bytes)",
             "VideoUsageStreamBandwidthSpike", "video_url", "vod/title-2", HOT, 45 * 60, TTD["hotlink"])
    incident(sc, "hotlinked title vod/title-1, 12 h after a pod replacement",
             "VideoUsageStreamBandwidthSpike", "video_url", "vod/title-1", HOT2, 45 * 60,
             TTD["hotlink-after-restart"])
    incident(sc, "transcoder show-encoder left running after the 23:00 end of the show",
             "VideoUsageTranscoderLeftRunning", "transcoder_name", "show-encoder", RUN + 4 * 3600,
             8 * 3600, TTD["runaway"])
    incident(sc, "egress at 1.5x the month quota's pace (quota used up %s after the rollover)"
             % dur(sc.se_used_up), "VideoUsageProjectedOverQuota", "provider", "scaleengine", FEB,
             sc.se_used_up, TTD["overage"])
    incident(sc, "spend at 1.5x the month budget's pace (budget spent %s after the rollover)"
             % dur(sc.se_used_up), "VideoUsageProjectedCostOverBudget", "provider", "scaleengine", FEB,
             sc.se_used_up, TTD["budget"])
    incident(sc, "exporter down (every scrape fails) for 2 h", "VideoUsageExporterDown",
             "instance", POD_A, DOWN, 20 * 60, TTD["down"])
    incident(sc, "revoked Wowza credentials: every endpoint fails", "VideoUsageEndpointFailing",
             "account", WZ, REV, 30 * 60, TTD["revoked"])
    incident(sc, "revoked Wowza credentials: 401 answers", "VideoUsageCredentialsRejected",
             "account", WZ, REV, 30 * 60, TTD["revoked-refused"])
    incident(sc, "revoked Wowza credentials: the data ages", "VideoUsageDataStale",
             "account", WZ, REV, 30 * 60, TTD["revoked-stale"])
    # Also fired, rightly: the hotlinked app, by both hotlinks.
    sc.expected_firing += [("VideoUsageAppBandwidthSpike", "app", "vod")]
    out.append(sc)
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: generate.py OUTDIR RULES_FILE")
    outdir, rules = sys.argv[1], sys.argv[2]
    global RULES
    RULES = os.path.abspath(rules)
    os.makedirs(outdir, exist_ok=True)
    for sc in scenarios():
        with open(os.path.join(outdir, sc.name + ".test.yml"), "w") as f:
            f.write(sc.render())


if __name__ == "__main__":
    main()
