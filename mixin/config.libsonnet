// Everything a deployment may need to change, in one place: the job
// selector, the links, the intervals and the alert thresholds. Override
// in your own jsonnet (`(import 'mixin.libsonnet') + { _config+:: { ... } }`)
// or edit here and run `python3 mixin/render.py`.
{
  _config+:: {
    // Picks the exporter's scrape targets: the plain deployment (job
    // `video-usage-exporter`) and the sharded one (`video-usage-exporter-shard`).
    jobSelector: 'job=~"video-usage-exporter.*"',
    // The job regex alone, for the exporter dashboard's `job` variable.
    jobRegex: 'video-usage-exporter.*',

    // `runbook_url` = runbookUrl + '#' + the alert's name in lower case.
    runbookUrl: 'https://github.com/video-usage-exporter/video-usage-exporter/blob/main/alerts/README.md',
    // `dashboard_url` = grafanaUrl + the dashboard path.
    grafanaUrl: 'http://localhost:3000',

    // Evaluation interval of the per-stream group (one series per video URL).
    streamsInterval: '5m',

    // Thresholds are PromQL number literals, as strings.

    // Spikes: the last hour against the busiest hour around this time
    // yesterday and last week, times this factor ...
    spikeFactor: '3',
    // ... and at least this share of the account's average hour over the
    // last week, and these bytes.
    spikeAccountShare: '0.01',
    spikeMinBytes: '1e8',
    spikeFor: '10m',

    // A pay-as-you-go transcoder running this share of the last 6 hours.
    transcoderRunningShare: '0.75',

    // Quota tiers.
    quotaNearlyUsedRatio: '0.9',
    // Imminent: used up within this many seconds at the 1 h and 6 h pace.
    quotaExhaustionSeconds: '86400',
  },
}
