// The Grafana dashboards, one jsonnet file each under dashboards/, a
// function of the config (the exporter dashboard's `job` variable reads
// `jobSelector` and `jobRegex`). Rendered to dashboards/*.json by
// `python3 mixin/render.py`.
{
  grafanaDashboards+:: {
    local cfg = $._config,
    'video-usage-overview.json': (import 'dashboards/video-usage-overview.libsonnet')(cfg),
    'video-usage-scaleengine.json': (import 'dashboards/video-usage-scaleengine.libsonnet')(cfg),
    'video-usage-wowza.json': (import 'dashboards/video-usage-wowza.libsonnet')(cfg),
    'video-usage-exporter.json': (import 'dashboards/video-usage-exporter.libsonnet')(cfg),
  },
}
