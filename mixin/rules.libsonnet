// The rule groups: recording rules and the alerts built on them.
//
// Rendered to alerts/video-usage.rules.yml (and the PrometheusRule) by
// `python3 mixin/render.py`; every `comment::` becomes the YAML comment
// above its group or rule. Thresholds and selectors come from
// config.libsonnet (`cfg`). Records and the alerts that read them share a
// group on purpose (a group evaluates in order), so all of them are in
// `prometheusAlerts`; `prometheusRules` stays empty.
local links = import 'lib/links.libsonnet';

// The endpoints whose data the growth records read.
local usageEndpoints = 'video.usage|usage/network/stream_targets|usage/network/transcoders|usage/time/transcoders';

// Growth is recorded only while the data it is computed from was fresh for
// the whole last hour: not while the provider fails (frozen data reads as
// no usage), and not in the hour after it recovers (the outage's usage
// lands in that one hour).
local unlessStale(endpoints) = |||
  unless on (provider, account)
  max by (provider, account) (
    max_over_time(provider_account_endpoint:video_usage_data_stale:bool{endpoint=~"%s"}[1h])
  ) == 1
||| % endpoints;

{
  // The rendered file's header comment.
  rulesFileComment:: |||
    Recording and alerting rules for video-usage-exporter.

    Generated from mixin/ (rules.libsonnet, config.libsonnet) by
    `python3 mixin/render.py`: do not edit; change the mixin and render.

    Load this file with `rule_files:` in prometheus.yml (see alerts/README.md).
    Every rule has a unit test in alerts/tests/ (`promtool test rules`), and
    alerts/replay/ replays weeks of realistic traffic through all of them.

    Things to know before editing:
    - Provider values are gauges of a period *to date* (`period="month"`,
      `"day"`, closed `previous_*` periods, rolling Wowza windows such as
      `"7d"`). They drop to a small value when a period rolls over. Nothing
      here may treat that drop as an event: growth is recorded once, per hour
      and never negative (`...:increase1h`), and every rate, projection and
      spike is built on those records.
    - Robust to operations. Every provider series is read through
      `last_over_time(...[10m])` (a missed or failed scrape, or a restart,
      leaves no gap) and first reduced to its own identity labels
      (`max by (account, app, period)`, ...), which drops `job`, `instance`,
      `pod` and any other target label: a replaced pod (new `instance`)
      continues the same series, and two exporters serving one account (an
      HA pair, a reshard's overlap) are counted once, not summed. `offset`
      is only ever applied to such reduced series.
    - Recorded series are named `level:metric:operations`. The level names the
      labels kept besides `period`, which every usage rule keeps: adding the
      month to the day would mean nothing. Rates and projections also keep a
      `window` label: the span of history the pace is measured over.
    - Provider series have no `provider` label; the rules add it
      (`scaleengine`, `wowza`) so that one query covers both providers and
      joins with the exporter's quota, price and budget gauges, which have it.
    - A group evaluates its rules in order, so each rule reads this
      evaluation's results of the rules above it. The per-stream rules (one
      series per video URL: 100k and more) are a group of their own with a
      slower interval; they read this group's records one interval late,
      which the averages they read do not notice.
  |||,

  prometheusRules+:: { groups+: [] },

  prometheusAlerts+:: {
    local cfg = $._config,
    groups+: links.add(cfg, [
      {
        name: "video-usage",
        rules: [
          {
            comment:: |||
              ---- Usage totals, one series per provider, account and period ----

              Egress that prices apply to: ScaleEngine's bytes (the sum of its
              apps), Wowza's billed stream-target and transcoder egress (billed
              every 12 h; absent where Wowza reports -1, not billed yet).
            |||,
            record: "provider_account:video_usage_egress_bytes:sum",
            expr: |||
              sum by (provider, account, period) (
                  label_replace(max by (account, app, period) (last_over_time(scaleengine_app_bytes[10m])), "provider", "scaleengine", "", "")
                or
                  label_replace(max by (account, stream_target_id, period) (last_over_time(wowza_cloud_stream_target_billed_bytes[10m])), "provider", "wowza", "", "")
                or
                  label_replace(max by (account, transcoder_id, billing_mode, transcoder_type, period) (last_over_time(wowza_cloud_transcoder_egress_billed_bytes[10m])), "provider", "wowza", "", "")
              )
            |||,
          },
          {
            comment:: |||
              Egress used, as fresh as each provider reports it (Wowza's used
              bytes are hourly, about 3 hours behind; its billed bytes 12-15 h).
            |||,
            record: "provider_account:video_usage_egress_used_bytes:sum",
            expr: |||
              sum by (provider, account, period) (
                  label_replace(max by (account, app, period) (last_over_time(scaleengine_app_bytes[10m])), "provider", "scaleengine", "", "")
                or
                  label_replace(max by (account, stream_target_id, period) (last_over_time(wowza_cloud_stream_target_used_bytes[10m])), "provider", "wowza", "", "")
                or
                  label_replace(max by (account, transcoder_id, billing_mode, transcoder_type, period) (last_over_time(wowza_cloud_transcoder_egress_used_bytes[10m])), "provider", "wowza", "", "")
              )
            |||,
          },
          {
            comment:: |||
              ScaleEngine egress per app: the basis of per-app quotas.
            |||,
            record: "provider_account_app:video_usage_egress_bytes:sum",
            expr: |||
              label_replace(max by (account, app, period) (last_over_time(scaleengine_app_bytes[10m])), "provider", "scaleengine", "", "")
            |||,
          },
          {
            comment:: |||
              Billed transcoder time per transcoder type: prices differ by type.
            |||,
            record: "provider_account_transcoder_type:video_usage_transcoder_seconds:sum",
            expr: |||
              sum by (provider, account, transcoder_type, period) (
                label_replace(max by (account, transcoder_id, billing_mode, transcoder_type, period) (last_over_time(wowza_cloud_transcoder_billed_seconds[10m])), "provider", "wowza", "", "")
              )
            |||,
          },
          {
            comment:: |||
              Billed transcoder time.
            |||,
            record: "provider_account:video_usage_transcoder_seconds:sum",
            expr: |||
              sum by (provider, account, period) (
                provider_account_transcoder_type:video_usage_transcoder_seconds:sum
              )
            |||,
          },
          {
            comment:: |||
              Transcoder time used, hourly.
            |||,
            record: "provider_account:video_usage_transcoder_used_seconds:sum",
            expr: |||
              sum by (provider, account, period) (
                label_replace(max by (account, transcoder_id, billing_mode, transcoder_type, period) (last_over_time(wowza_cloud_transcoder_used_seconds[10m])), "provider", "wowza", "", "")
              )
            |||,
          },
          {
            comment:: |||
              Peak recording storage of the period (one value per account: max,
              not sum, so that a duplicate scrape cannot double it).
            |||,
            record: "provider_account:video_usage_storage_bytes:max",
            expr: |||
              max by (provider, account, period) (
                label_replace(last_over_time(wowza_cloud_peak_recording_storage_bytes[10m]), "provider", "wowza", "", "")
              )
            |||,
          },
          {
            comment:: |||
              Unique viewers summed over stream targets (a viewer of two targets
              counts twice) and total viewing time.
            |||,
            record: "provider_account:video_usage_unique_viewers:sum",
            expr: |||
              sum by (provider, account, period) (
                label_replace(max by (account, stream_target_id, period) (last_over_time(wowza_cloud_stream_target_unique_viewers[10m])), "provider", "wowza", "", "")
              )
            |||,
          },
          {
            record: "provider_account:video_usage_viewing_seconds:sum",
            expr: |||
              sum by (provider, account, period) (
                label_replace(max by (account, stream_target_id, period) (last_over_time(wowza_cloud_stream_target_viewing_seconds[10m])), "provider", "wowza", "", "")
              )
            |||,
          },
          {
            comment:: |||
              ---- Data freshness ----

              1 while an endpoint's month data is stale: its last successful
              refresh is older than 3 refresh intervals and 30 minutes on every
              exporter serving the account (the freshest counts), else 0.
              Without the refresh interval gauge, 30 minutes.
            |||,
            record: "provider_account_endpoint:video_usage_data_stale:bool",
            expr: |||
              min by (provider, account, endpoint) (
                  time() - last_over_time(video_usage_exporter_last_success_timestamp_seconds{period="month"}[10m])
                > bool
                  clamp_min(
                    3 * (
                        last_over_time(video_usage_exporter_refresh_interval_seconds{period="month"}[10m])
                      or
                        0 * last_over_time(video_usage_exporter_last_success_timestamp_seconds{period="month"}[10m])
                    ),
                    1800
                  )
              )
            |||,
          },
          {
            comment:: |||
              ---- Hourly growth: the basis of every rate, spike and burn ----

              `clamp_min(x - x offset 1h, 0)` of a reduced period-to-date gauge,
              for `month` and `day`: the bytes (or seconds) of the last hour. The
              hour after a rollover counts 0, not minus the old period's total.
              Not recorded while the account's usage data is stale, or was in
              the last hour (`unlessStale`).
            |||,
            record: "provider_account:video_usage_egress_used_bytes:increase1h",
            expr: |||
              clamp_min(
                  provider_account:video_usage_egress_used_bytes:sum{period=~"month|day"}
                - provider_account:video_usage_egress_used_bytes:sum{period=~"month|day"} offset 1h,
                0
              )
            ||| + unlessStale(usageEndpoints),
          },
          {
            record: "provider_account_app:video_usage_egress_bytes:increase1h",
            expr: |||
              clamp_min(
                  provider_account_app:video_usage_egress_bytes:sum{period=~"month|day"}
                - provider_account_app:video_usage_egress_bytes:sum{period=~"month|day"} offset 1h,
                0
              )
            ||| + unlessStale(usageEndpoints),
          },
          {
            comment:: |||
              Per transcoder, from Wowza's hourly used seconds: 3600 an hour while
              it runs. Not recorded while its data is stale, or was in the last hour:
              frozen data would read as a stopped transcoder, and the hour after
              an outage as one that ran for hours, so the alert below keeps what
              the last fresh hours said.
            |||,
            record: "provider_account_transcoder:video_usage_transcoder_used_seconds:increase1h",
            expr: |||
              label_replace(
                clamp_min(
                    max by (account, transcoder_id, transcoder_name, transcoder_type, billing_mode, period) (
                      last_over_time(wowza_cloud_transcoder_used_seconds{period=~"month|day"}[10m])
                    )
                  - max by (account, transcoder_id, transcoder_name, transcoder_type, billing_mode, period) (
                      last_over_time(wowza_cloud_transcoder_used_seconds{period=~"month|day"}[10m] offset 1h)
                    ),
                  0
                ),
                "provider", "wowza", "", ""
              )
            ||| + unlessStale('usage/time/transcoders'),
          },
          {
            comment:: |||
              ---- Period progress ----

              Fraction of the period elapsed, 0 to 1, from the period the served
              data covers (so a billing month that starts on the 15th is right).
              Closed periods and rolling windows give 1.
            |||,
            record: "provider_account:video_usage_period_elapsed:ratio",
            expr: |||
              clamp(
                  (time() - max by (provider, account, period) (last_over_time(video_usage_period_start_timestamp_seconds[10m])))
                /
                  (
                      max by (provider, account, period) (last_over_time(video_usage_period_end_timestamp_seconds[10m]))
                    - max by (provider, account, period) (last_over_time(video_usage_period_start_timestamp_seconds[10m]))
                  ),
                0, 1
              )
            |||,
          },
          {
            comment:: |||
              Seconds left in the current month or day.
            |||,
            record: "provider_account:video_usage_period_remaining:seconds",
            expr: |||
              clamp_min(
                max by (provider, account, period) (last_over_time(video_usage_period_end_timestamp_seconds{period=~"month|day"}[10m])) - time(),
                0
              )
            |||,
          },
          {
            comment:: |||
              Linear projection to the end of the current month or day: usage so
              far / fraction elapsed, for dashboards (an hour into a month it
              multiplies by 720). Alerts use the paced projections further down.
            |||,
            record: "provider_account:video_usage_egress_bytes:projected",
            expr: |||
              provider_account:video_usage_egress_bytes:sum{period=~"month|day"}
                / on (provider, account, period)
              provider_account:video_usage_period_elapsed:ratio
            |||,
          },
          {
            record: "provider_account_app:video_usage_egress_bytes:projected",
            expr: |||
              provider_account_app:video_usage_egress_bytes:sum{period=~"month|day"}
                / on (provider, account, period) group_left
              provider_account:video_usage_period_elapsed:ratio
            |||,
          },
          {
            record: "provider_account:video_usage_transcoder_seconds:projected",
            expr: |||
              provider_account:video_usage_transcoder_seconds:sum{period=~"month|day"}
                / on (provider, account, period)
              provider_account:video_usage_period_elapsed:ratio
            |||,
          },
          {
            comment:: |||
              ---- Quotas ----

              What a quota counts, per resource, in the quota's unit: egress
              bytes and transcoder seconds as the larger of used and billed (for
              Wowza, used runs hours ahead of billed; billed is what is invoiced
              and can exceed used), peak recording storage.
            |||,
            record: "provider_account_resource:video_usage_quota_usage:max",
            expr: |||
              label_replace(
                  (provider_account:video_usage_egress_used_bytes:sum >= provider_account:video_usage_egress_bytes:sum)
                or provider_account:video_usage_egress_bytes:sum
                or provider_account:video_usage_egress_used_bytes:sum,
                "resource", "egress", "", ""
              )
              or
              label_replace(
                  (provider_account:video_usage_transcoder_used_seconds:sum >= provider_account:video_usage_transcoder_seconds:sum)
                or provider_account:video_usage_transcoder_seconds:sum
                or provider_account:video_usage_transcoder_used_seconds:sum,
                "resource", "transcoder", "", ""
              )
              or
              label_replace(provider_account:video_usage_storage_bytes:max, "resource", "storage", "", "")
            |||,
          },
          {
            comment:: |||
              The configured quotas (a quota of 0 counts as not configured).
            |||,
            record: "provider_account_resource:video_usage_quota:max",
            expr: |||
              max by (provider, account, resource, period) (last_over_time(video_usage_quota_bytes[10m]) > 0)
              or
              max by (provider, account, resource, period) (last_over_time(video_usage_quota_seconds[10m]) > 0)
            |||,
          },
          {
            record: "provider_account_app:video_usage_quota:max",
            expr: |||
              max by (provider, account, app, period) (last_over_time(video_usage_app_quota_bytes[10m]) > 0)
            |||,
          },
          {
            record: "provider_account_resource:video_usage_quota_used:ratio",
            expr: |||
              provider_account_resource:video_usage_quota_usage:max / provider_account_resource:video_usage_quota:max
            |||,
          },
          {
            record: "provider_account_app:video_usage_quota_used:ratio",
            expr: |||
              provider_account_app:video_usage_egress_bytes:sum / provider_account_app:video_usage_quota:max
            |||,
          },
          {
            comment:: |||
              Hourly growth of what the quotas count.
            |||,
            record: "provider_account_resource:video_usage_quota_usage:increase1h",
            expr: |||
              clamp_min(
                  provider_account_resource:video_usage_quota_usage:max{resource=~"egress|transcoder", period=~"month|day"}
                - provider_account_resource:video_usage_quota_usage:max{resource=~"egress|transcoder", period=~"month|day"} offset 1h,
                0
              )
            ||| + unlessStale(usageEndpoints),
          },
          {
            comment:: |||
              The pace, per second, over the last hour, 6 hours, day and 3 days
              (label `window`): the mean of the hourly growth over the window.
              The day and 3-day windows hold whole days of the diurnal cycle; the
              short ones see a burst.
            |||,
            record: "provider_account_resource:video_usage_quota_usage:rate",
            expr: |||
              label_replace(provider_account_resource:video_usage_quota_usage:increase1h / 3600, "window", "1h", "", "")
              or
              label_replace(avg_over_time(provider_account_resource:video_usage_quota_usage:increase1h[6h]) / 3600, "window", "6h", "", "")
              or
              label_replace(avg_over_time(provider_account_resource:video_usage_quota_usage:increase1h[1d]) / 3600, "window", "1d", "", "")
              or
              label_replace(avg_over_time(provider_account_resource:video_usage_quota_usage:increase1h[3d]) / 3600, "window", "3d", "", "")
            |||,
          },
          {
            record: "provider_account_app:video_usage_egress_bytes:rate",
            expr: |||
              label_replace(avg_over_time(provider_account_app:video_usage_egress_bytes:increase1h[1d]) / 3600, "window", "1d", "", "")
              or
              label_replace(avg_over_time(provider_account_app:video_usage_egress_bytes:increase1h[3d]) / 3600, "window", "3d", "", "")
            |||,
          },
          {
            comment:: |||
              Usage at the end of the month or day at each window's pace, as a
              fraction of the quota. Right after a rollover this is the last
              days' pace times the whole period, not a few minutes times 720.
            |||,
            record: "provider_account_resource:video_usage_quota_projected:ratio",
            expr: |||
              (
                  provider_account_resource:video_usage_quota_usage:max
                + on (provider, account, resource, period) group_right
                  provider_account_resource:video_usage_quota_usage:rate
                * on (provider, account, period) group_left
                  provider_account:video_usage_period_remaining:seconds
              )
              / on (provider, account, resource, period) group_left
              provider_account_resource:video_usage_quota:max
            |||,
          },
          {
            record: "provider_account_app:video_usage_quota_projected:ratio",
            expr: |||
              (
                  provider_account_app:video_usage_egress_bytes:sum
                + on (provider, account, app, period) group_right
                  provider_account_app:video_usage_egress_bytes:rate
                * on (provider, account, period) group_left
                  provider_account:video_usage_period_remaining:seconds
              )
              / on (provider, account, app, period) group_left
              provider_account_app:video_usage_quota:max
            |||,
          },
          {
            comment:: |||
              Seconds until the quota is used up at each window's pace: 0 once
              it is, absent while nothing is used.
            |||,
            record: "provider_account_resource:video_usage_quota_exhaustion:seconds",
            expr: |||
              clamp_min(provider_account_resource:video_usage_quota:max - provider_account_resource:video_usage_quota_usage:max, 0)
                / on (provider, account, resource, period) group_right ()
              (provider_account_resource:video_usage_quota_usage:rate > 0)
            |||,
          },
          {
            comment:: |||
              ---- Estimated cost: price x billed usage ----

              By resource: egress (bytes x price per byte), transcoder (billed
              seconds x price per second of that transcoder type), storage (the
              month's peak bytes x price per byte-month; months only). Assumes
              one currency per provider account.
            |||,
            record: "provider_account_resource:video_usage_cost:sum",
            expr: |||
              (
                  provider_account:video_usage_egress_bytes:sum
                * on (provider, account) group_left (resource, currency)
                  max by (provider, account, resource, currency) (last_over_time(video_usage_price_per_byte{resource="egress"}[10m]))
              )
              or
              sum by (provider, account, resource, currency, period) (
                  provider_account_transcoder_type:video_usage_transcoder_seconds:sum
                * on (provider, account, transcoder_type) group_left (resource, currency)
                  max by (provider, account, resource, transcoder_type, currency) (last_over_time(video_usage_price_per_second{resource="transcoder"}[10m]))
              )
              or
              (
                  provider_account:video_usage_storage_bytes:max{period=~"month|previous_month"}
                * on (provider, account) group_left (resource, currency)
                  max by (provider, account, resource, currency) (last_over_time(video_usage_price_per_byte_month{resource="storage"}[10m]))
              )
            |||,
          },
          {
            record: "provider_account:video_usage_cost:sum",
            expr: |||
              sum by (provider, account, currency, period) (
                provider_account_resource:video_usage_cost:sum
              )
            |||,
          },
          {
            comment:: |||
              Linear projection of the cost to the end of the month or day, for
              dashboards: usage-priced resources scale with the fraction elapsed;
              storage is priced on the month's peak, which the period so far
              already bounds from below.
            |||,
            record: "provider_account_resource:video_usage_cost:projected",
            expr: |||
              (
                  provider_account_resource:video_usage_cost:sum{resource=~"egress|transcoder", period=~"month|day"}
                / on (provider, account, period) group_left
                  provider_account:video_usage_period_elapsed:ratio
              )
              or
              provider_account_resource:video_usage_cost:sum{resource="storage", period="month"}
            |||,
          },
          {
            record: "provider_account:video_usage_cost:projected",
            expr: |||
              sum by (provider, account, currency, period) (
                provider_account_resource:video_usage_cost:projected
              )
            |||,
          },
          {
            comment:: |||
              The configured monthly budgets, and the cost as a fraction of them.
            |||,
            record: "provider_account:video_usage_budget:max",
            expr: |||
              max by (provider, account, currency, period) (last_over_time(video_usage_budget[10m]) > 0)
            |||,
          },
          {
            record: "provider_account:video_usage_budget_used:ratio",
            expr: |||
              provider_account:video_usage_cost:sum / provider_account:video_usage_budget:max
            |||,
          },
          {
            comment:: |||
              Hourly growth of the cost, and the month-end cost at the pace of
              the last day and 3 days as a fraction of the budget.
            |||,
            record: "provider_account:video_usage_cost:increase1h",
            expr: |||
              clamp_min(
                  provider_account:video_usage_cost:sum{period="month"}
                - provider_account:video_usage_cost:sum{period="month"} offset 1h,
                0
              )
            ||| + unlessStale(usageEndpoints),
          },
          {
            record: "provider_account:video_usage_budget_projected:ratio",
            expr: |||
              (
                  provider_account:video_usage_cost:sum{period="month"}
                + on (provider, account, currency, period) group_right ()
                  (
                      label_replace(avg_over_time(provider_account:video_usage_cost:increase1h[1d]) / 3600, "window", "1d", "", "")
                    or
                      label_replace(avg_over_time(provider_account:video_usage_cost:increase1h[3d]) / 3600, "window", "3d", "", "")
                  )
                * on (provider, account, period) group_left
                  provider_account:video_usage_period_remaining:seconds
              )
              / on (provider, account, currency, period) group_left
              provider_account:video_usage_budget:max
            |||,
          },
          {
            comment:: |||
              ---- Usage, quota and cost alerts ----

              An app's last hour against the same time of day yesterday and of
              the same weekday last week: more than %(spikeFactor)s times the larger of the two
              (each the busiest hour within an hour of that time, so a show that
              starts a little earlier is not a spike), at least 1% of the
              account's average hour over the last week and 100 MB. A nightly
              show, evening peaks and a weekly event are their own baseline.
              Without last week's baseline (an app less than a week old, or in
              the week after the rules are first loaded) it does not fire.
            |||,
            alert: "VideoUsageAppBandwidthSpike",
            expr: |||
              (
                  provider_account_app:video_usage_egress_bytes:increase1h{period="month"}
                > %(spikeFactor)s * (
                      (
                          max_over_time(provider_account_app:video_usage_egress_bytes:increase1h{period="month"}[2h] offset 23h)
                        > max_over_time(provider_account_app:video_usage_egress_bytes:increase1h{period="month"}[2h] offset 167h)
                      )
                    or
                      max_over_time(provider_account_app:video_usage_egress_bytes:increase1h{period="month"}[2h] offset 167h)
                  )
              )
              > on (provider, account, period) group_left
              clamp_min(%(spikeAccountShare)s * avg_over_time(provider_account:video_usage_egress_used_bytes:increase1h{period="month"}[1w]), %(spikeMinBytes)s)
            ||| % cfg,
            'for': cfg.spikeFor,
            labels: { severity: "warning" },
            annotations: {
              summary: "ScaleEngine app {{ $labels.app }} ({{ $labels.account }}): bandwidth spike",
              description: "App {{ $labels.app }} of ScaleEngine account {{ $labels.account }} used {{ $value | humanize }}B in the last hour, more than %(spikeFactor)s times its busiest hour around this time yesterday and on this weekday last week." % cfg,
              runbook: "Find the streams behind it in the app's top-N panel. Expected (an event, a launch)? Check the month-end projection against the quota. Unexpected? Look for hotlinking, a player reload loop or a crawler, and restrict the app.",
            },
            dashboard:: "/d/video-usage-scaleengine?var-account={{ $labels.account | urlquery }}&var-app={{ $labels.app | urlquery }}",
          },
          {
            comment:: |||
              A pay-as-you-go Wowza transcoder that ran at least 75% of the last
              6 hours and still runs: more than the longest show, less than a
              whole evening after one it was forgotten after. 24/7 transcoders run
              by design. Reads the per-transcoder growth, which skips stale data:
              while the provider fails, the alert keeps what the last fresh hours
              said (VideoUsageEndpointFailing tells why) instead of resolving.
              Still running: the last record says so, or, in the first 2 hours
              of a month (whose first hour's growth counts 0), one within the
              last 90 minutes does. Needs 6 hours of
              history: a transcoder first seen 2 hours ago has not run 75% of 6
              hours.
            |||,
            alert: "VideoUsageTranscoderLeftRunning",
            expr: |||
              avg_over_time(provider_account_transcoder:video_usage_transcoder_used_seconds:increase1h{period="month", billing_mode!="twentyfour_seven"}[6h]) / 3600 > %(transcoderRunningShare)s
              and
              (
                  last_over_time(provider_account_transcoder:video_usage_transcoder_used_seconds:increase1h{period="month", billing_mode!="twentyfour_seven"}[6h]) > 0
                or
                  (
                      max_over_time(provider_account_transcoder:video_usage_transcoder_used_seconds:increase1h{period="month", billing_mode!="twentyfour_seven"}[90m]) > 0
                    and on (provider, account, period)
                      time() - max by (provider, account, period) (last_over_time(video_usage_period_start_timestamp_seconds{period="month"}[10m])) < 7200
                  )
              )
              and
              present_over_time(provider_account_transcoder:video_usage_transcoder_used_seconds:increase1h{period="month", billing_mode!="twentyfour_seven"}[1h] offset 5h)
            ||| % cfg,
            'for': "15m",
            labels: { severity: "warning" },
            annotations: {
              summary: "Wowza transcoder {{ $labels.transcoder_name }} ({{ $labels.account }}) left running",
              description: "Transcoder {{ $labels.transcoder_name }} ({{ $labels.transcoder_id }}, {{ $labels.transcoder_type }}) of Wowza account {{ $labels.account }} processed {{ $value | humanizePercentage }} of the last 6 hours and is still running.",
              runbook: "Ask its owner whether a stream is still live. If not, stop the transcoder (Wowza Streaming Cloud UI, or PUT /transcoders/{id}/stop); an idle started transcoder is billed.",
            },
            dashboard:: "/d/video-usage-wowza?var-account={{ $labels.account | urlquery }}&var-transcoder={{ $labels.transcoder_name | urlquery }}",
          },
          {
            comment:: |||
              Quota tiers: projected over (warning, days ahead), 90% used
              (warning), used up within a day (critical: the one to act on now),
              used up (warning: overage is billed from here on; it stays until
              the period ends, which a page every few hours would not help).

              Usage at the pace of the last day AND of the last 3 days ends the
              month over a quota (egress, transcoder time, an app's egress). Needs
              a day of history: right after the rules are loaded the pace is a
              few minutes long.
            |||,
            alert: "VideoUsageProjectedOverQuota",
            expr: |||
              (
                  min without (window) (provider_account_resource:video_usage_quota_projected:ratio{period="month", window=~"1d|3d"}) > 1
                and
                  present_over_time(provider_account_resource:video_usage_quota_usage:increase1h{period="month"}[1h] offset 1d)
              )
              or
              (
                  min without (window) (provider_account_app:video_usage_quota_projected:ratio{period="month", window=~"1d|3d"}) > 1
                and
                  present_over_time(provider_account_app:video_usage_egress_bytes:increase1h{period="month"}[1h] offset 1d)
              )
            |||,
            'for': "1h",
            keep_firing_for: "1h",
            labels: { severity: "warning" },
            annotations: {
              summary: "{{ $labels.provider }} account {{ $labels.account }}: {{ with $labels.app }}app {{ . }} egress{{ else }}{{ $labels.resource }}{{ end }} projected over quota",
              description: "At the pace of the last day and of the last 3 days, {{ $labels.provider }} account {{ $labels.account }} ends the month at {{ $value | humanizePercentage }} of its {{ with $labels.app }}app {{ . }} egress{{ else }}{{ $labels.resource }}{{ end }} quota.",
              runbook: "See which apps, streams or transcoders drive it on the dashboard. Raise the quota with the provider (and in the exporter's config), or reduce usage: lower bitrates, stop idle transcoders, restrict hotlinked streams.",
            },
            dashboard:: "/d/video-usage-overview?var-provider={{ $labels.provider | urlquery }}&var-account={{ $labels.account | urlquery }}",
          },
          {
            comment:: |||
              90% of a month or day quota is used, and not yet all of it.
            |||,
            alert: "VideoUsageQuotaNearlyUsed",
            expr: |||
              provider_account_resource:video_usage_quota_used:ratio{resource!="storage", period=~"month|day"} >= %(quotaNearlyUsedRatio)s < 1
              or
              provider_account_app:video_usage_quota_used:ratio{period=~"month|day"} >= %(quotaNearlyUsedRatio)s < 1
            ||| % cfg,
            'for': "15m",
            labels: { severity: "warning" },
            annotations: {
              summary: "{{ $labels.provider }} account {{ $labels.account }}: {{ with $labels.app }}app {{ . }} egress{{ else }}{{ $labels.resource }}{{ end }} quota nearly used",
              description: "{{ $labels.provider }} account {{ $labels.account }} has used {{ $value | humanizePercentage }} of its {{ $labels.period }} {{ with $labels.app }}app {{ . }} egress{{ else }}{{ $labels.resource }}{{ end }} quota.",
              runbook: "Overage is billed (or service stops) once the quota is used. Decide now: raise the quota with the provider, or cut usage (pause VOD apps, lower bitrates, stop transcoders).",
            },
            dashboard:: "/d/video-usage-overview?var-provider={{ $labels.provider | urlquery }}&var-account={{ $labels.account | urlquery }}",
          },
          {
            comment:: |||
              At the pace of the last hour AND of the last 6 hours, the rest of a
              month or day quota (egress, transcoder time) is used up within 24
              hours, before the period ends. The value is the time left at the
              slower of the two paces.
            |||,
            alert: "VideoUsageQuotaExhaustionImminent",
            expr: |||
              (
                  max without (window) (provider_account_resource:video_usage_quota_exhaustion:seconds{window=~"1h|6h"})
                < on (provider, account, period) group_left
                  clamp_max(provider_account:video_usage_period_remaining:seconds, %(quotaExhaustionSeconds)s)
              )
              and
                count without (window) (provider_account_resource:video_usage_quota_exhaustion:seconds{window=~"1h|6h"}) == 2
              and
                provider_account_resource:video_usage_quota_used:ratio < 1
            ||| % cfg,
            'for': "15m",
            labels: { severity: "critical" },
            annotations: {
              summary: "{{ $labels.provider }} account {{ $labels.account }}: {{ $labels.resource }} {{ $labels.period }} quota used up within {{ $value | humanizeDuration }}",
              description: "At the pace of the last hour and of the last 6 hours, {{ $labels.provider }} account {{ $labels.account }} uses up its {{ $labels.period }} {{ $labels.resource }} quota in {{ $value | humanizeDuration }}, before the {{ $labels.period }} ends.",
              runbook: "Overage is billed (or service stops) once the quota is used. Find what burns it (the overview's growth panels, then the provider dashboard); raise the quota with the provider or cut usage now (stop transcoders, restrict a hotlinked stream, pause an app).",
            },
            dashboard:: "/d/video-usage-overview?var-provider={{ $labels.provider | urlquery }}&var-account={{ $labels.account | urlquery }}",
          },
          {
            comment:: |||
              A month or day quota is used up: overage from here on.
            |||,
            alert: "VideoUsageQuotaExceeded",
            expr: |||
              provider_account_resource:video_usage_quota_used:ratio{resource!="storage", period=~"month|day"} >= 1
              or
              provider_account_app:video_usage_quota_used:ratio{period=~"month|day"} >= 1
            |||,
            'for': "15m",
            labels: { severity: "warning" },
            annotations: {
              summary: "{{ $labels.provider }} account {{ $labels.account }}: {{ with $labels.app }}app {{ . }} egress{{ else }}{{ $labels.resource }}{{ end }} {{ $labels.period }} quota exceeded",
              description: "{{ $labels.provider }} account {{ $labels.account }} has used {{ $value | humanizePercentage }} of its {{ $labels.period }} {{ with $labels.app }}app {{ . }} egress{{ else }}{{ $labels.resource }}{{ end }} quota; the rest of the {{ $labels.period }} is overage.",
              runbook: "Confirm with the provider how overage is billed or whether service is cut, and whether to raise the quota for the rest of the period. It resolves when the period ends.",
            },
            dashboard:: "/d/video-usage-overview?var-provider={{ $labels.provider | urlquery }}&var-account={{ $labels.account | urlquery }}",
          },
          {
            comment:: |||
              The month's cost at the pace of the last day AND of the last 3 days
              exceeds the budget (billed usage: Wowza's is 12-15 h behind).
            |||,
            alert: "VideoUsageProjectedCostOverBudget",
            expr: |||
              min without (window) (provider_account:video_usage_budget_projected:ratio{window=~"1d|3d"}) > 1
              and
              present_over_time(provider_account:video_usage_cost:increase1h[1h] offset 1d)
            |||,
            'for': "1h",
            keep_firing_for: "1h",
            labels: { severity: "warning" },
            annotations: {
              summary: "{{ $labels.provider }} account {{ $labels.account }}: projected cost over budget",
              description: "At the pace of the last day and of the last 3 days, {{ $labels.provider }} account {{ $labels.account }} spends {{ $value | humanizePercentage }} of its monthly budget ({{ $labels.currency }}).",
              runbook: "The overview's cost-by-resource panel shows what drives it (egress, transcoder time, storage). Raise the budget in the exporter's config if the spend is intended.",
            },
            dashboard:: "/d/video-usage-overview?var-provider={{ $labels.provider | urlquery }}&var-account={{ $labels.account | urlquery }}",
          },
          {
            comment:: |||
              The month's cost has reached the budget.
            |||,
            alert: "VideoUsageBudgetExceeded",
            expr: |||
              provider_account:video_usage_budget_used:ratio{period="month"} >= 1
            |||,
            'for': "1h",
            labels: { severity: "warning" },
            annotations: {
              summary: "{{ $labels.provider }} account {{ $labels.account }}: monthly budget spent",
              description: "{{ $labels.provider }} account {{ $labels.account }} has spent {{ $value | humanizePercentage }} of its monthly budget ({{ $labels.currency }}).",
              runbook: "The overview's cost-by-resource panel shows what drove it. Decide whether to raise the budget (the exporter's config) or cut usage for the rest of the month.",
            },
            dashboard:: "/d/video-usage-overview?var-provider={{ $labels.provider | urlquery }}&var-account={{ $labels.account | urlquery }}",
          },
          {
            comment:: |||
              Peak recording storage of the month at 90% of its quota.
              Storage is reported hourly: `for: 1h`.
            |||,
            alert: "VideoUsageRecordingStorageNearQuota",
            expr: |||
              provider_account_resource:video_usage_quota_used:ratio{resource="storage"} >= 0.9
            |||,
            'for': "1h",
            labels: { severity: "warning" },
            annotations: {
              summary: "Wowza account {{ $labels.account }}: recording storage near quota",
              description: "Peak recording storage of Wowza account {{ $labels.account }} this {{ $labels.period }} is {{ $value | humanizePercentage }} of its quota.",
              runbook: "Delete or download old recordings (Wowza Streaming Cloud UI, /recordings API), or raise the storage quota. Peak storage is billed on the month's highest value.",
            },
            dashboard:: "/d/video-usage-wowza?var-account={{ $labels.account | urlquery }}",
          },
        ],
      },
      {
        comment:: |||
          Per stream: one series per ScaleEngine video URL (100k and more on a
          large account) or Wowza stream target, every 5 minutes. `__other__`,
          the row that `max_series` folds the rest into, is left out: a title
          moving into it is not a spike.
        |||,
        name: "video-usage.streams",
        interval: cfg.streamsInterval,
        rules: [
          {
            comment:: |||
              Hourly growth per stream (Wowza: used bytes, hourly and about 3 h
              behind), as above.
            |||,
            record: "provider_account_stream:video_usage_egress_bytes:increase1h",
            expr: |||
              (
                label_replace(
                  clamp_min(
                      max by (account, app, video_url, period) (
                        last_over_time(scaleengine_video_bytes{period=~"month|day", video_url!="__other__"}[10m])
                      )
                    - max by (account, app, video_url, period) (
                        last_over_time(scaleengine_video_bytes{period=~"month|day", video_url!="__other__"}[10m] offset 1h)
                      ),
                    0
                  ),
                  "provider", "scaleengine", "", ""
                )
                or
                label_replace(
                  clamp_min(
                      max by (account, stream_target_id, stream_target_name, period) (
                        last_over_time(wowza_cloud_stream_target_used_bytes{period=~"month|day"}[10m])
                      )
                    - max by (account, stream_target_id, stream_target_name, period) (
                        last_over_time(wowza_cloud_stream_target_used_bytes{period=~"month|day"}[10m] offset 1h)
                      ),
                    0
                  ),
                  "provider", "wowza", "", ""
                )
              )
            ||| + unlessStale(usageEndpoints),
          },
          {
            comment:: |||
              VideoUsageAppBandwidthSpike's rule for one stream: a hotlinked
              title, a restreamed live stream.
            |||,
            alert: "VideoUsageStreamBandwidthSpike",
            expr: |||
              (
                  provider_account_stream:video_usage_egress_bytes:increase1h{period="month"}
                > %(spikeFactor)s * (
                      (
                          max_over_time(provider_account_stream:video_usage_egress_bytes:increase1h{period="month"}[2h] offset 23h)
                        > max_over_time(provider_account_stream:video_usage_egress_bytes:increase1h{period="month"}[2h] offset 167h)
                      )
                    or
                      max_over_time(provider_account_stream:video_usage_egress_bytes:increase1h{period="month"}[2h] offset 167h)
                  )
              )
              > on (provider, account, period) group_left
              clamp_min(%(spikeAccountShare)s * avg_over_time(provider_account:video_usage_egress_used_bytes:increase1h{period="month"}[1w]), %(spikeMinBytes)s)
            ||| % cfg,
            'for': cfg.spikeFor,
            labels: { severity: "warning" },
            annotations: {
              summary: "{{ with $labels.video_url }}ScaleEngine stream {{ . }}{{ else }}Wowza stream target {{ $labels.stream_target_name }}{{ end }} ({{ $labels.account }}): bandwidth spike",
              description: "{{ with $labels.video_url }}Stream {{ . }} (app {{ $labels.app }}) of ScaleEngine{{ else }}Stream target {{ $labels.stream_target_name }} ({{ $labels.stream_target_id }}) of Wowza{{ end }} account {{ $labels.account }} used {{ $value | humanize }}B in the last hour, more than %(spikeFactor)s times its busiest hour around this time yesterday and on this weekday last week." % cfg,
              runbook: "Expected (a live event)? Check the month-end projection against the quota. Unexpected? Look for hotlinking or restreaming of this stream and protect it (token auth, referrer rules).",
            },
            dashboard:: "{{ if $labels.video_url }}/d/video-usage-scaleengine?var-account={{ $labels.account | urlquery }}&var-app={{ $labels.app | urlquery }}{{ else }}/d/video-usage-wowza?var-account={{ $labels.account | urlquery }}&var-stream_target={{ $labels.stream_target_name | urlquery }}{{ end }}",
          },
        ],
      },
      {
        comment:: |||
          The exporter and its endpoints.

          The job selector lives in one place: the first rule of this group.
          `job=~"video-usage-exporter.*"` matches the plain deployment (job
          `video-usage-exporter`: deploy/prometheus/prometheus.yml and
          deploy/kubernetes/servicemonitor.yaml) and the sharded one (job
          `video-usage-exporter-shard`: deploy/kubernetes/sharded/). With another
          job name, change that one regex; the alerts below read its record.
          The other rules read the exporter's own metrics, whose names say where
          they come from, so they need no job selector.

          Robust to operations: a failed scrape marks every series of the target
          stale, and a replaced pod comes back with a new `instance`. So the
          alerts on the exporter's own gauges read `last_over_time(...[5m])` (a
          missed scrape or a restart leaves no gap), drop `instance` and `pod`
          before comparing (an old and a new pod are one exporter), and aggregate
          per `job`, `provider` and `account` (one alert per account, not per
          endpoint and period). `job` is kept so that Alertmanager can inhibit
          them while that job's exporter is down (deploy/alertmanager/).
        |||,
        name: "video-usage.exporter",
        rules: [
          {
            comment:: |||
              `up` of every exporter target, all its labels kept.
            |||,
            record: "job_instance:video_usage_exporter_scrape:up",
            expr: 'up{%(jobSelector)s}' % cfg,
          },
          {
            comment:: |||
              A target that Prometheus cannot scrape. One per target: a down shard
              is matched. 10 minutes is longer than a restart or a rollout (an
              old pod's target is gone, not down, once it is replaced); a target
              that comes up for one scrape between crashes keeps it firing.
            |||,
            alert: "VideoUsageExporterDown",
            expr: "job_instance:video_usage_exporter_scrape:up == 0",
            'for': "10m",
            keep_firing_for: "5m",
            labels: { severity: "warning" },
            annotations: {
              summary: "video-usage-exporter {{ $labels.instance }} ({{ $labels.job }}) is down",
              description: "Prometheus has not scraped {{ $labels.instance }} of job {{ $labels.job }} for 10 minutes. The accounts it serves have no usage, quota or cost alerts meanwhile.",
              runbook: "Check the process (systemctl status / kubectl get pods), its logs, and that the scrape target answers /-/healthy. A configuration error at start-up is printed with its line; run `video-usage-exporter check-config`.",
            },
            dashboard:: "/d/video-usage-exporter?var-job={{ $labels.job | urlquery }}",
          },
          {
            comment:: |||
              No exporter target at all, in either layout: service discovery lost
              it, or the job has another name than the selector above expects.
            |||,
            alert: "VideoUsageExporterAbsent",
            expr: "absent(job_instance:video_usage_exporter_scrape:up)",
            'for': "15m",
            labels: { severity: "warning" },
            annotations: {
              summary: "No video-usage-exporter target",
              description: "Prometheus has no scrape target whose job matches video-usage-exporter.* for 15 minutes: no usage, quota or cost alert can fire.",
              runbook: "Check Prometheus's targets page and its scrape configuration or ServiceMonitor. If the job has another name, change the job selector of job_instance:video_usage_exporter_scrape:up.",
            },
            dashboard:: "/d/video-usage-exporter",
          },
          {
            comment:: |||
              Endpoints of one account whose last refresh failed, for 15 minutes.
              Absent before an endpoint's first attempt: absence is not failure.
              A transient failure is retried within seconds (10 s back-off,
              doubling); 15 minutes is a persistent one. The value is the number
              of failing endpoints (endpoint x period).
            |||,
            alert: "VideoUsageEndpointFailing",
            expr: |||
              count by (job, provider, account) (
                max without (instance, pod) (last_over_time(video_usage_exporter_up[5m])) == 0
              )
            |||,
            'for': "15m",
            labels: { severity: "warning" },
            annotations: {
              summary: "{{ $labels.provider }} account {{ $labels.account }}: refreshes failing",
              description: "{{ $value }} endpoint(s) of {{ $labels.provider }} account {{ $labels.account }} (job {{ $labels.job }}) have failed to refresh for 15 minutes; the exporter serves their last good data.",
              runbook: "Read the exporter's log for this account: 401/403 means bad credentials (the log names Wowza's error code), 429 rate limiting, 5xx or `code=\"error\"` a provider or network outage. The dashboard shows the failing calls by endpoint and status code.",
            },
            dashboard:: "/d/video-usage-exporter?var-job={{ $labels.job | urlquery }}&var-provider={{ $labels.provider | urlquery }}&var-account={{ $labels.account | urlquery }}",
          },
          {
            comment:: |||
              The provider refuses the account's credentials (HTTP 401 or 403 in
              the last hour: the exporter retries a refused endpoint once per
              refresh interval) and an endpoint of the account still fails. It
              resolves at the first successful refresh after the fix. ScaleEngine
              reports a bad signature in an HTTP 200 answer, which counts as
              code="200": for ScaleEngine, VideoUsageEndpointFailing fires instead.
            |||,
            alert: "VideoUsageCredentialsRejected",
            expr: |||
              sum by (job, provider, account) (
                increase(video_usage_exporter_upstream_requests_total{code=~"401|403"}[1h])
              ) > 0
              and on (job, provider, account)
              count by (job, provider, account) (
                max without (instance, pod) (last_over_time(video_usage_exporter_up[5m])) == 0
              )
            |||,
            'for': "10m",
            labels: { severity: "warning" },
            annotations: {
              summary: "{{ $labels.provider }} account {{ $labels.account }}: credentials rejected",
              description: "{{ $labels.provider }} answered requests of account {{ $labels.account }} (job {{ $labels.job }}) with 401 or 403 in the last hour, and the account's refreshes still fail: its credentials are wrong, revoked or lack a permission. The exporter retries once per refresh interval.",
              runbook: "Check the account's credentials in the exporter's config (or the Secret) against the provider's console; rotate them if revoked, then reload the exporter.",
            },
            dashboard:: "/d/video-usage-exporter?var-job={{ $labels.job | urlquery }}&var-provider={{ $labels.provider | urlquery }}&var-account={{ $labels.account | urlquery }}",
          },
          {
            comment:: |||
              A configuration reload (POST /-/reload, SIGHUP) failed: the exporter
              runs the previous configuration, and the next restart fails on the
              new one. Per target: each pod reloads on its own.
            |||,
            alert: "VideoUsageConfigReloadFailed",
            expr: "last_over_time(video_usage_exporter_config_last_reload_successful[5m]) == 0",
            'for': "5m",
            labels: { severity: "warning" },
            annotations: {
              summary: "video-usage-exporter {{ $labels.instance }}: configuration reload failed",
              description: "The last configuration reload of {{ $labels.instance }} (job {{ $labels.job }}) failed; it still runs the previous configuration, and will not start with the new one.",
              runbook: "Read the exporter's log (the reason is logged, not served), or run `video-usage-exporter check-config --config.file=...` on the new file; fix it and reload.",
            },
            dashboard:: "/d/video-usage-exporter?var-job={{ $labels.job | urlquery }}",
          },
          {
            comment:: |||
              An endpoint's data is older than 3 refresh intervals. Previous
              periods refresh every few hours and stop 72 h after they end, so
              their age says nothing. The floor keeps short demo or test
              intervals from paging.
            |||,
            alert: "VideoUsageDataStale",
            expr: |||
              time() - video_usage_exporter_last_success_timestamp_seconds{period!~"previous_.*"}
                > clamp_min(3 * video_usage_exporter_refresh_interval_seconds{period!~"previous_.*"}, 900)
            |||,
            'for': "5m",
            labels: { severity: "warning" },
            annotations: {
              summary: "{{ $labels.provider }} account {{ $labels.account }}: {{ $labels.endpoint }} data is stale",
              description: "The last successful refresh of {{ $labels.endpoint }} ({{ $labels.period }}) for {{ $labels.provider }} account {{ $labels.account }} was {{ $value | humanizeDuration }} ago, more than 3 refresh intervals.",
              runbook: "An endpoint refreshes only when scraped: check that Prometheus scrapes the exporter at least once per refresh interval. If VideoUsageEndpointFailing fires too, follow it; otherwise look for refresh errors or back-off in the exporter's log.",
            },
            dashboard:: "/d/video-usage-exporter?var-job={{ $labels.job | urlquery }}&var-provider={{ $labels.provider | urlquery }}&var-account={{ $labels.account | urlquery }}",
          },
        ],
      },
    ]),
  },
}
