// video-usage-exporter's monitoring mixin: the rules (rules.libsonnet) and
// the Grafana dashboards (dashboards.libsonnet), configured by
// config.libsonnet. `python3 mixin/render.py` renders them to
// alerts/video-usage.rules.yml, dashboards/*.json and
// deploy/kubernetes/prometheusrule.yaml.
(import 'config.libsonnet') +
(import 'rules.libsonnet') +
(import 'dashboards.libsonnet')
