// Links of every alert: `runbook_url` (its section of alerts/README.md),
// `dashboard` (a Grafana path, with URL-encoded label values) and
// `dashboard_url` (the same, absolute). An alert gives its path as the
// hidden field `dashboard::`.
{
  add(cfg, groups):: [
    group {
      rules: [
        if std.objectHas(rule, 'alert') then
          rule {
            annotations+: {
              runbook_url: cfg.runbookUrl + '#' + std.asciiLower(rule.alert),
              dashboard: rule.dashboard,
              dashboard_url: cfg.grafanaUrl + rule.dashboard,
            },
          }
        else rule
        for rule in group.rules
      ],
    }
    for group in groups
  ],
}
