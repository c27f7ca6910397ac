#!/usr/bin/env python3
"""A week of video-usage-exporter output for one 100,000-URL ScaleEngine
account and a small Wowza account, as OpenMetrics with timestamps, as
Prometheus would have stored it from scraping the exporter (`job` and
`instance` added, `up` and `scrape_*` too).

    python3 generate.py OUT.om                  # the whole range in one file (about 9 GB)
    python3 generate.py OUT.om --urls 1000      # a small account, to look at

The load harness (run.py) does not write one file: it asks `Account.write`
for one block-sized time window at a time, so the text never exists whole
on disk and nothing here holds more than one series' samples of one
window in memory.

Standard library only, deterministic (seeded). Two resolutions, on
purpose (dashboards/load/README.md explains why this keeps every panel's
peak samples what a 60 s scrape gives):
- the per-URL families (4 x 100,000 series) at PER_URL_STEP: 30 min for
  `scaleengine_video_bytes{period="month"}`, which panels apply `[1h]`
  ranges to, 6 h for the others, which they only select;
- everything else (472 series: apps, Wowza, quotas, prices, the
  exporter's own metrics) every 60 s, a real scrape interval.
"""
import calendar
import math
import random
import sys
import time

# ---------------------------------------------------------------- the window

DAY = 86400
SCRAPE = 60                       # seconds between samples of the small families
# The week shown ends here: a fixed past instant, so that every run
# generates and queries the same samples. It holds a month rollover
# (Mar 1) and a weekend.
END = calendar.timegm((2026, 3, 4, 0, 0, 0))
WEEK = 7 * DAY
# Data starts before the week: instant selectors look back up to the
# lookback delta, and ranges reach back up to their length.
MARGIN = 12 * 3600

STREAM_RECORD = "provider_account_stream:video_usage_egress_bytes:increase1h"
# Per-URL resolution: (family, period) -> seconds between samples.
PER_URL_STEP = {
    ("scaleengine_video_bytes", "month"): 1800,
    # The per-stream growth record (alerts/video-usage.rules.yml, group
    # video-usage.streams), written here rather than backfilled: the
    # backfill would evaluate 100,000 URLs every minute for a week.
    (STREAM_RECORD, "month"): 3600,
    ("scaleengine_video_bytes", "day"): 21600,
    ("scaleengine_video_requests", "month"): 21600,
    ("scaleengine_video_requests", "day"): 21600,
}
# Prometheus must find a sample at every step: the lookback delta covers
# the coarsest resolution (Prometheus's default, 5 min, at least).
DEFAULT_LOOKBACK = 300


def lookback(per_url_step):
    return max(max(per_url_step.values()), DEFAULT_LOOKBACK)


JOB = "video-usage-exporter"
INSTANCE = "10.0.3.17:9877"
TARGET = 'job="%s",instance="%s"' % (JOB, INSTANCE)
SE = "se-big"
WZ = "wz-small"

# ScaleEngine: apps, their share of the URLs, and bytes per request
# (play/pause/stop commands: one every few tens of MB watched).
APPS = [("vod", 0.60, "vod/title-%06d/playlist.m3u8", 40e6),
        ("archive", 0.25, "archive/show-%06d/playlist.m3u8", 60e6),
        ("clips", 0.10, "clips/clip-%06d.mp4", 10e6),
        ("live", 0.05, "live/channel-%04d/playlist.m3u8", 80e6)]
# About 40 TB a month over the account (its month quota is 50 TB).
BYTES_PER_SECOND = 40e12 / (30 * DAY)
K = 6                             # audience profiles (time-of-day shapes)

# Wowza (billing_day 15, like examples/config.yml).
WZ_BILLING_DAY = 15
TRANSCODERS = [  # id, name, deleted, billing_mode, type, schedule (UTC hours or None for always)
    ("tr0001", "Main event encoder", "false", "pay_as_you_go", "transcoded", (18, 23)),
    ("tr0002", "Lobby camera", "false", "twentyfour_seven", "transcoded", None),
    ("tr0003", "Backup passthrough", "false", "pay_as_you_go", "passthrough", (19, 20)),
    ("tr0004", "Old event", "true", "pay_as_you_go", "transcoded", (23, 24)),
]
SOURCES = [("src0001", "Main event / Stream Source", "false", 0), ("src0002", "Lobby / Stream Source", "false", 1)]
TARGETS = [  # id, name, deleted, transcoder index, [(protocol, zone, share)], concurrent viewers while streaming
    ("tg0001", "Main event HLS", "false", 0, [("hls", "global", 1.0)], 60),
    ("tg0002", "Main event ULL", "false", 0, [("hls", "global", 0.3), ("ull", "azure-westus", 0.7)], 25),
    ("tg0003", "Lobby HLS", "false", 1, [("hls", "global", 1.0)], 5),
]
COUNTRIES = [("US", 0.45), ("DE", 0.2), ("GB", 0.15), ("BR", 0.12), ("IN", 0.08)]
PROTOCOLS = [("hls", 0.8), ("webrtc", 0.2)]
RENDITIONS = [("4500", 0.5), ("2500", 0.35), ("800", 0.15)]
WZ_RESOURCES = [  # resource, refresh interval, reporting lag
    ("usage/time/transcoders", 300, 0),
    ("usage/network/transcoders", 300, 0),
    ("usage/network/stream_sources", 3600, 3 * 3600),
    ("usage/network/stream_targets", 3600, 3 * 3600),
    ("usage/storage/peak_recording", 3600, 0),
    ("usage/viewer_data/stream_targets", 3600, 2 * 3600),
]
# An incident in the week: Wowza rate-limits the stream-target network
# resource for two hours (up 0, 429 answers, the data frozen).
FAILING = ("usage/network/stream_targets", END - WEEK + 3 * DAY + 10 * 3600, END - WEEK + 3 * DAY + 12 * 3600)
PROCESS_START = END - WEEK - 3 * DAY + 1234
BUCKETS = ["0.05", "0.1", "0.2", "0.4", "0.8", "1.6", "3.2", "6.4", "12.8", "25.6", "51.2", "+Inf"]


# ---------------------------------------------------------------- time


def month_start(t, billing_day=1):
    y, m, d = time.gmtime(t)[:3]
    if d < billing_day:
        m -= 1
        if m == 0:
            y, m = y - 1, 12
    return calendar.timegm((y, m, billing_day, 0, 0, 0))


def next_month(start):
    y, m, d = time.gmtime(start)[:3]
    m += 1
    if m == 13:
        y, m = y + 1, 1
    return calendar.timegm((y, m, d, 0, 0, 0))


def period_bounds(period, t, billing_day=1):
    """[start, end) of the period served at t: the current day or month, or
    the closed previous month."""
    if period == "day":
        s = t - t % DAY
        return s, s + DAY
    s = month_start(t, billing_day)
    if period == "previous_month":
        return month_start(s - 1, billing_day), s
    return s, next_month(s)


def daily_seconds(a, b, hours):
    """Seconds within [a, b) during the daily UTC `hours` (h1, h2), or all
    of them when `hours` is None."""
    if b <= a:
        return 0
    if hours is None:
        return b - a
    h1, h2 = hours[0] * 3600, hours[1] * 3600

    def upto(t):  # seconds in [0, t) of schedule
        days, rem = divmod(t, DAY)
        return days * (h2 - h1) + min(max(rem - h1, 0), h2 - h1)
    return upto(b) - upto(a)


# ---------------------------------------------------------------- formatting


def num(v):
    if isinstance(v, int) or float(v).is_integer() and abs(v) < 2 ** 53:
        return str(int(v))
    return repr(float(v))


def labels(**kv):
    return ",".join('%s="%s"' % (k, v) for k, v in kv.items())


class Account:
    """The synthetic accounts: per-URL families and small families, as
    OpenMetrics lines for any time window."""

    def __init__(self, urls=100_000, end=END, margin=MARGIN, per_url_step=PER_URL_STEP, seed=21):
        self.per_url_step = dict(per_url_step)
        self.lookback = lookback(self.per_url_step)
        self.end = end
        self.start = end - WEEK
        self.data_start = self.start - margin
        rng = random.Random(seed)
        # Audience profiles: cumulative "mean-rate seconds" on a 60 s grid
        # from the first month start the data needs, so that month-to-date
        # values at the window's start are what an exporter would show.
        self.grid0 = month_start(self.data_start)
        n = (end - self.grid0) // SCRAPE + 1
        self.profile = []
        for k in range(K):
            peak = [20, 19, 21, 14, 2, 8][k]
            amp = 0.9 if k == 0 else 0.6
            cum = [0.0] * n
            acc = 0.0
            noise = 1.0
            for i in range(1, n):
                t = self.grid0 + (i - 1) * SCRAPE
                if i % 5 == 1:  # new noise every 5 minutes
                    noise = max(0.0, rng.gauss(1.0, 0.15))
                h = (t % DAY) / 3600.0
                shape = max(0.0, 1.0 + amp * math.cos((h - peak) / 24.0 * 2 * math.pi))
                weekend = 1.3 if time.gmtime(t).tm_wday >= 5 else 1.0
                acc += shape * weekend * noise * SCRAPE
                cum[i] = acc
            self.profile.append(cum)
        # URLs: app, name, profile, weight (Zipf over a shuffled rank).
        ranks = list(range(urls))
        rng.shuffle(ranks)
        norm = sum(1.0 / (r + 10) for r in range(urls))
        self.urls = []
        i = 0
        for app, share, pattern, per_request in APPS:
            count = round(urls * share) if app != APPS[-1][0] else urls - i
            for j in range(count):
                k = 0 if app == "live" else 1 + rng.randrange(K - 1)
                self.urls.append((app, pattern % (j + 1), k, 1.0 / (ranks[i] + 10) / norm, per_request))
                i += 1
        # Per app and profile: the summed weight (app totals = sum of URLs).
        self.app_weight = {}
        for app, _, k, w, per_request in self.urls:
            a = self.app_weight.setdefault(app, [[0.0] * K, per_request])
            a[0][k] += w
        self.small = self._small_series()

    # ------------------------------------------------------------ usage

    def _cum(self, k, t):
        return self.profile[k][(t - self.grid0) // SCRAPE]

    def _to_date(self, k, period, t):
        """Mean-rate seconds of profile k in the period containing t, so far."""
        s, e = period_bounds(period, t)
        return self._cum(k, min(t, e)) - self._cum(k, s)

    # ------------------------------------------------------------ output

    def write(self, out, a, b, per_url=True, small=True, names=None):
        """Every sample with a <= t < b (and within the data range), series
        by series, in time order within each. `names`: only the small
        families with these names. Returns the number of samples."""
        a = max(a, self.data_start)
        b = min(b, self.end + 1)
        count = 0
        if per_url:
            count += self._write_per_url(out, a, b)
        if small:
            count += self._write_small(out, a, b, names)
        return count

    def _write_per_url(self, out, a, b):
        count = 0
        for (name, period), step in self.per_url_step.items():
            first = -(-a // step) * step
            times = list(range(first, b, step))
            if not times:
                continue
            tails = [" %d\n" % t for t in times]
            requests = name.endswith("requests")
            if name == STREAM_RECORD:
                # The last hour's growth, as the rule records it (no target
                # labels; `provider` added).
                to_date = [[max(0.0, self._to_date(k, period, t) - self._to_date(k, period, t - 3600))
                            for t in times] for k in range(K)]
                head = '%s{provider="scaleengine",account="%s",' % (name, SE)
            else:
                to_date = [[self._to_date(k, period, t) for t in times] for k in range(K)]
                head = '%s{%s,account="%s",' % (name, TARGET, SE)
            tail = '",period="%s"} ' % period
            for app, url, k, w, per_request in self.urls:
                c = w * BYTES_PER_SECOND / (per_request if requests else 1.0)
                prefix = '%sapp="%s",video_url="%s%s' % (head, app, url, tail)
                out.write("".join([prefix + str(int(c * d)) + tl for d, tl in zip(to_date[k], tails)]))
            count += len(times) * len(self.urls)
        return count

    def _write_small(self, out, a, b, names):
        first = -(-a // SCRAPE) * SCRAPE
        times = range(first, b, SCRAPE)
        count = 0
        for name, lbl, fn in self.small:
            if names is not None and name not in names:
                continue
            prefix = "%s{%s} " % (name, lbl)
            out.write("".join([prefix + num(fn(t)) + " %d\n" % t for t in times]))
            count += len(times)
        return count

    def names(self):
        return sorted({name for name, _, _ in self.small} | {n for n, _ in self.per_url_step})

    def samples(self):
        """Samples the whole data range holds (for the log)."""
        span = self.end - self.data_start
        return (sum(len(self.urls) * (span // step + 1) for step in self.per_url_step.values())
                + len(self.small) * (span // SCRAPE + 1))

    # ------------------------------------------------------------ small families

    def _small_series(self):
        s = []

        def add(name, fn, target=TARGET, **kv):
            s.append((name, ",".join(filter(None, [target, labels(**kv)])), fn))

        # ScaleEngine apps: the sum of their URLs.
        for app, (weights, per_request) in self.app_weight.items():
            for period in ("month", "day", "previous_month"):
                def bytes_(t, weights=weights, period=period):
                    return int(BYTES_PER_SECOND * sum(w * self._to_date(k, period, t)
                                                      for k, w in enumerate(weights) if w))
                add("scaleengine_app_bytes", bytes_, account=SE, period=period, app=app)
                add("scaleengine_app_requests", lambda t, f=bytes_, r=per_request: int(f(t) / r),
                    account=SE, period=period, app=app)
        self._wowza(add)
        self._config(add)
        self._exporter(add)
        return s

    def _wowza(self, add):
        def lagged(t, lag, quantum):
            u = t - lag
            return u - u % quantum

        def bounds(period, t):
            return period_bounds(period, t, WZ_BILLING_DAY)

        def used(tr, period, t, lag=0, quantum=3600):
            s, e = bounds(period, t)
            return daily_seconds(s, max(s, min(e, lagged(t, lag, quantum))), TRANSCODERS[tr][5])

        def billed(tr, period, t):
            return used(tr, period, t, lag=12 * 3600, quantum=12 * 3600)

        for period in ("month", "day", "previous_month"):
            for i, (tid, tname, deleted, mode, ttype, _) in enumerate(TRANSCODERS):
                kv = dict(account=WZ, period=period, transcoder_id=tid, transcoder_name=tname, deleted=deleted,
                          billing_mode=mode, transcoder_type=ttype)
                rate = 2.5e6 if ttype == "transcoded" else 1.2e6   # bytes/s leaving the transcoder
                add("wowza_cloud_transcoder_used_seconds", lambda t, i=i, p=period: used(i, p, t), **kv)
                add("wowza_cloud_transcoder_billed_seconds", lambda t, i=i, p=period: billed(i, p, t), **kv)
                add("wowza_cloud_transcoder_egress_used_bytes",
                    lambda t, i=i, p=period, r=rate: int(r * used(i, p, t)), **kv)
                add("wowza_cloud_transcoder_egress_billed_bytes",
                    lambda t, i=i, p=period, r=rate: int(r * billed(i, p, t)), **kv)
            for sid, sname, deleted, tr in SOURCES:
                kv = dict(account=WZ, period=period, stream_source_id=sid, stream_source_name=sname, deleted=deleted)
                add("wowza_cloud_stream_source_used_bytes",
                    lambda t, tr=tr, p=period: int(7e5 * used(tr, p, t, lag=3 * 3600)), **kv)
                add("wowza_cloud_stream_source_billed_bytes",
                    lambda t, tr=tr, p=period: int(7e5 * billed(tr, p, t)), **kv)
            for tid, tname, deleted, tr, zones, viewers in TARGETS:
                kv = dict(account=WZ, period=period, stream_target_id=tid, stream_target_name=tname, deleted=deleted)
                per_second = viewers * 3e5          # bytes/s to the viewers while streaming (2.4 Mbit/s each)
                frozen = lambda t: min(t, FAILING[1]) if FAILING[1] <= t < FAILING[2] else t  # noqa: E731
                used_b = lambda t, tr=tr, p=period, r=per_second: int(  # noqa: E731
                    r * used(tr, p, frozen(t), lag=3 * 3600))
                billed_b = lambda t, tr=tr, p=period, r=per_second: int(r * billed(tr, p, frozen(t)))  # noqa: E731
                add("wowza_cloud_stream_target_used_bytes", used_b, **kv)
                if period == "month":
                    # The per-stream growth record, as for ScaleEngine's URLs.
                    add(STREAM_RECORD, lambda t, f=used_b: max(0, f(t) - f(t - 3600)), target=None,
                        provider="wowza", account=WZ, stream_target_id=tid, stream_target_name=tname, period=period)
                add("wowza_cloud_stream_target_billed_bytes", billed_b, **kv)
                for protocol, zone, share in zones:
                    add("wowza_cloud_stream_target_zone_used_bytes", lambda t, f=used_b, x=share: int(x * f(t)),
                        protocol=protocol, zone=zone, **kv)
                    add("wowza_cloud_stream_target_zone_billed_bytes", lambda t, f=billed_b, x=share: int(x * f(t)),
                        protocol=protocol, zone=zone, **kv)
                vkv = dict(account=WZ, period=period, stream_target_id=tid, stream_target_name=tname)
                watched = lambda t, tr=tr, p=period, v=viewers: v * used(tr, p, t, lag=2 * 3600)  # noqa: E731
                uniques = lambda t, f=watched: int(f(t) / 2400)  # noqa: E731  about 40 min per viewer
                add("wowza_cloud_stream_target_unique_viewers", uniques, **vkv)
                add("wowza_cloud_stream_target_viewing_seconds", lambda t, f=watched: int(f(t)), **vkv)
                for key, shares in (("country", COUNTRIES), ("protocol", PROTOCOLS), ("rendition", RENDITIONS)):
                    for value, share in shares:
                        add("wowza_cloud_stream_target_unique_viewers_by_" + key,
                            lambda t, f=uniques, x=share: int(x * f(t)), **vkv, **{key: value})
                        add("wowza_cloud_stream_target_viewing_seconds_by_" + key,
                            lambda t, f=watched, x=share: int(x * f(t)), **vkv, **{key: value})

            def storage(t):  # recordings kept grow by about 4 GB a day
                return int(300e9 + 4e9 * (lagged(t, 0, 3600) - self.grid0) / DAY)
            add("wowza_cloud_peak_recording_storage_bytes", storage, account=WZ, period=period)
            for resource, refresh, _ in WZ_RESOURCES:
                kv = dict(account=WZ, period=period, resource=resource)
                add("wowza_cloud_usage_window_start_timestamp_seconds",
                    lambda t, p=period: bounds(p, t)[0], **kv)
                add("wowza_cloud_usage_window_end_timestamp_seconds",
                    lambda t, r=resource, q=refresh: self._last_success(r, q, t), **kv)

    def _last_success(self, endpoint, refresh, t):
        """Refreshes start 2 s past each multiple of the interval; a failing
        endpoint keeps the time of its last success."""
        if endpoint == FAILING[0] and FAILING[1] <= t < FAILING[2]:
            t = FAILING[1]
        return t - (t - 2) % refresh

    def _endpoints(self):
        """(provider, account, endpoint, period, refresh, calls per refresh)."""
        out = []
        for period in ("month", "day"):
            out.append(("scaleengine", SE, "video.usage", period, 300, 100))
            for resource, refresh, _ in WZ_RESOURCES:
                out.append(("wowza", WZ, resource, period, refresh, 4 if "transcoders" in resource else 1))
        return out

    def _config(self, add):
        for period in ("month", "day", "previous_month"):
            for provider, account, billing_day in (("scaleengine", SE, 1), ("wowza", WZ, WZ_BILLING_DAY)):
                kv = dict(provider=provider, account=account, period=period)
                add("video_usage_period_start_timestamp_seconds",
                    lambda t, p=period, d=billing_day: period_bounds(p, t, d)[0], **kv)
                add("video_usage_period_end_timestamp_seconds",
                    lambda t, p=period, d=billing_day: period_bounds(p, t, d)[1], **kv)
        se = dict(provider="scaleengine", account=SE)
        wz = dict(provider="wowza", account=WZ)
        for name, value, kv in (
                ("video_usage_quota_bytes", 50e12, dict(se, resource="egress", period="month")),
                ("video_usage_quota_bytes", 2e12, dict(se, resource="egress", period="day")),
                ("video_usage_quota_bytes", 20 * 2 ** 40, dict(wz, resource="egress", period="month")),
                ("video_usage_quota_bytes", 1e12, dict(wz, resource="storage", period="month")),
                ("video_usage_app_quota_bytes", 5e12, dict(se, app="live", period="month")),
                ("video_usage_app_quota_bytes", 30e12, dict(se, app="vod", period="month")),
                ("video_usage_quota_seconds", 720 * 3600, dict(wz, resource="transcoder", period="month")),
                ("video_usage_budget", 2500, dict(se, currency="USD", period="month")),
                ("video_usage_budget", 4000, dict(wz, currency="USD", period="month")),
                ("video_usage_price_per_byte", 0.04e-9, dict(se, resource="egress", currency="USD")),
                ("video_usage_price_per_byte", 0.05e-9, dict(wz, resource="egress", currency="USD")),
                ("video_usage_price_per_second", 2.5 / 3600,
                 dict(wz, resource="transcoder", transcoder_type="transcoded", currency="USD")),
                ("video_usage_price_per_second", 0.5 / 3600,
                 dict(wz, resource="transcoder", transcoder_type="passthrough", currency="USD")),
                ("video_usage_price_per_byte_month", 0.1e-9, dict(wz, resource="storage", currency="USD"))):
            add(name, lambda t, v=value: v, **kv)

    def _exporter(self, add):
        endpoints = self._endpoints()
        per_url_series = len(self.per_url_step) * len(self.urls) // 2
        series = {"scaleengine": per_url_series + 2 * len(APPS)}
        const = lambda v: (lambda t: v)  # noqa: E731
        for provider, account, endpoint, period, refresh, _ in endpoints:
            kv = dict(provider=provider, account=account, endpoint=endpoint, period=period)
            failing = lambda t, e=endpoint: e == FAILING[0] and FAILING[1] <= t < FAILING[2]  # noqa: E731
            add("video_usage_exporter_up", lambda t, f=failing: 0 if f(t) else 1, **kv)
            add("video_usage_exporter_last_success_timestamp_seconds",
                lambda t, e=endpoint, r=refresh: self._last_success(e, r, t), **kv)
            add("video_usage_exporter_refresh_interval_seconds", const(refresh), **kv)
            add("video_usage_exporter_series", const(series.get(provider, 12)), **kv)
            add("video_usage_exporter_series_dropped", const(0), **kv)

        # Upstream calls: every refresh makes `calls` requests per period;
        # ScaleEngine also lists apps. The failing resource answers 429 to
        # a refresh and its 3 retries.
        def refreshes(t, refresh):
            return (t - PROCESS_START) // refresh + 1

        calls = {}
        for provider, account, endpoint, period, refresh, n in endpoints:
            key = (provider, account, endpoint)
            calls.setdefault(key, []).append((refresh, n))
        calls[("scaleengine", SE, "video.getapps")] = [(300, 1)]

        def ok_calls(t, parts, key):
            total = sum(n * refreshes(t, r) for r, n in parts)
            if key[2] == FAILING[0] and t >= FAILING[1]:
                total -= sum(n * ((min(t, FAILING[2]) - FAILING[1]) // r + 1) for r, n in parts)
            return total

        def failed_calls(t, parts, key):
            if key[2] != FAILING[0] or t < FAILING[1]:
                return 0
            return 4 * sum((min(t, FAILING[2]) - FAILING[1]) // r + 1 for r, n in parts)

        cdf = {"scaleengine": [0, 0.01, 0.1, 0.45, 0.85, 0.97, 0.995, 0.999, 1, 1, 1, 1],
               "wowza": [0.02, 0.2, 0.6, 0.9, 0.98, 0.995, 1, 1, 1, 1, 1, 1]}
        mean = {"scaleengine": 0.45, "wowza": 0.18}
        for key, parts in calls.items():
            provider, account, endpoint = key
            kv = dict(provider=provider, account=account, endpoint=endpoint)
            ok = lambda t, p=parts, k=key: ok_calls(t, p, k)  # noqa: E731
            bad = lambda t, p=parts, k=key: failed_calls(t, p, k)  # noqa: E731
            add("video_usage_exporter_upstream_requests_total", ok, code="200", **kv)
            if endpoint == FAILING[0]:
                add("video_usage_exporter_upstream_requests_total", bad, code="429", **kv)
            count = lambda t, ok=ok, bad=bad: ok(t) + bad(t)  # noqa: E731
            for le, share in zip(BUCKETS, cdf[provider]):
                s_ = (lambda t, c=count, x=share: int(c(t) * x))
                add("video_usage_exporter_upstream_request_duration_seconds_bucket", s_, le=le, **kv)
            add("video_usage_exporter_upstream_request_duration_seconds_sum",
                lambda t, c=count, m=mean[provider]: round(c(t) * m, 3), **kv)
            add("video_usage_exporter_upstream_request_duration_seconds_count", count, **kv)

        # Cache lookups: each scrape looks every endpoint up; a stale one
        # is a miss.
        def misses(t):
            return sum(refreshes(t, r) for _, _, _, _, r, _ in endpoints)
        scrapes = lambda t: (t - PROCESS_START) // SCRAPE + 1  # noqa: E731
        add("video_usage_exporter_cache_requests_total",
            lambda t: len(endpoints) * scrapes(t) - misses(t), result="hit")
        add("video_usage_exporter_cache_requests_total", misses, result="miss")
        add("video_usage_exporter_config_last_reload_successful", const(1))
        add("video_usage_exporter_config_last_reload_success_timestamp_seconds", const(PROCESS_START + 0.368))
        add("video_usage_exporter_build_info", const(1), version="0.1.0", revision="186bcab4d3d7", rustc="1.95.0")
        add("process_cpu_seconds_total", lambda t: round((t - PROCESS_START) * 0.004, 2))
        add("process_resident_memory_bytes", lambda t: 52_000_000 + (t // 300 % 7) * 1_100_000)
        add("process_virtual_memory_bytes", const(412_000_000))
        add("process_virtual_memory_max_bytes", const(18446744073709551615))
        add("process_open_fds", lambda t: 40 + t // 60 % 5)
        add("process_max_fds", const(1048576))
        add("process_start_time_seconds", const(PROCESS_START + 0.5))
        # What Prometheus records for the scrape itself.
        exposed = len(self.urls) * len(self.per_url_step) + 1000
        add("up", const(1))
        add("scrape_duration_seconds", lambda t: round(0.09 + 0.01 * (t // 60 % 7), 3))
        add("scrape_samples_scraped", const(exposed))
        add("scrape_samples_post_metric_relabeling", const(exposed))
        add("scrape_series_added", const(0))


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        sys.exit(__doc__)
    urls = 100_000
    if "--urls" in args:
        urls = int(args[args.index("--urls") + 1])
    acc = Account(urls=urls)
    with open(args[0], "w", buffering=1 << 20) as out:
        n = acc.write(out, acc.data_start, acc.end + 1)
        out.write("# EOF\n")
    print("%s: %d samples, %d URLs, %s to %s" % (
        args[0], n, urls, time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(acc.data_start)),
        time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(acc.end))), file=sys.stderr)


if __name__ == "__main__":
    main()
