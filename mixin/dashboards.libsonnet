// The Grafana dashboards, one jsonnet file each under dashboards/, a
// function of the config (the exporter dashboard's `job` variable reads
// `jobSelector` and `jobRegex`). Every dashboard gets the same annotation
// query: the firing alerts of these rules from `ALERTS`, so an alert shows
// on every time series where it happened (Grafana adds its own built-in
// annotations by itself). Rendered to
// dashboards/*.json by `python3 mixin/render.py`.
local ds = import 'lib/datasource.libsonnet';

local annotations = {
  annotations: {
    list: [
      {
        datasource: ds,
        enable: true,
        expr: 'ALERTS{alertname=~"VideoUsage.*", alertstate="firing"}',
        iconColor: 'red',
        name: 'Firing alerts',
        step: '1m',
        tagKeys: 'severity,provider,account',
        textFormat: '{{provider}} {{account}} {{app}}{{video_url}}{{stream_target_name}}{{transcoder_name}}{{instance}}',
        titleFormat: '{{alertname}}',
        useValueForTime: false,
      },
    ],
  },
};

{
  grafanaDashboards+:: {
    local cfg = $._config,
    'video-usage-overview.json': (import 'dashboards/video-usage-overview.libsonnet')(cfg) + annotations,
    'video-usage-scaleengine.json': (import 'dashboards/video-usage-scaleengine.libsonnet')(cfg) + annotations,
    'video-usage-wowza.json': (import 'dashboards/video-usage-wowza.libsonnet')(cfg) + annotations,
    'video-usage-exporter.json': (import 'dashboards/video-usage-exporter.libsonnet')(cfg) + annotations,
  },
}
