// Rendered to dashboards/video-usage-overview.json by mixin/render.py.
local ds = import '../lib/datasource.libsonnet';

function(cfg) {
  uid: "video-usage-overview",
  title: "Video usage / Overview",
  description: "Spend against budget, quotas and projections, usage and top apps, streams and transcoders of every ScaleEngine and Wowza account, from the video-usage-exporter recording rules (alerts/video-usage.rules.yml). Money is shown per currency, never added across currencies.",
  tags: ["video-usage"],
  editable: true,
  graphTooltip: 1,
  fiscalYearStartMonth: 0,
  liveNow: false,
  refresh: "5m",
  schemaVersion: 42,
  version: 1,
  time: {
    from: "now-7d",
    to: "now",
  },
  timepicker: {},
  timezone: "utc",
  weekStart: "",
  templating: {
    list: [
      {
        name: "datasource",
        label: "Data source",
        type: "datasource",
        query: "prometheus",
        refresh: 1,
        regex: "",
        hide: 0,
        includeAll: false,
        multi: false,
        options: [],
      },
      {
        name: "provider",
        label: "Provider",
        type: "query",
        datasource: ds,
        query: {
          qryType: 1,
          query: "label_values(video_usage_period_start_timestamp_seconds, provider)",
          refId: "PrometheusVariableQueryEditor-VariableQuery",
        },
        refresh: 2,
        regex: "",
        sort: 1,
        hide: 0,
        includeAll: true,
        multi: true,
        options: [],
        allValue: ".*",
        current: {
          selected: true,
          text: ["All"],
          value: ["$__all"],
        },
      },
      {
        name: "account",
        label: "Account",
        type: "query",
        datasource: ds,
        query: {
          qryType: 1,
          query: "label_values(video_usage_period_start_timestamp_seconds{provider=~\"$provider\"}, account)",
          refId: "PrometheusVariableQueryEditor-VariableQuery",
        },
        refresh: 2,
        regex: "",
        sort: 1,
        hide: 0,
        includeAll: true,
        multi: true,
        options: [],
        allValue: ".*",
        current: {
          selected: true,
          text: ["All"],
          value: ["$__all"],
        },
      },
      {
        name: "period",
        label: "Period",
        type: "query",
        datasource: ds,
        query: {
          qryType: 1,
          query: "label_values(video_usage_period_start_timestamp_seconds{provider=~\"$provider\", account=~\"$account\"}, period)",
          refId: "PrometheusVariableQueryEditor-VariableQuery",
        },
        refresh: 2,
        regex: "",
        sort: 1,
        hide: 0,
        includeAll: false,
        multi: false,
        options: [],
        current: {
          selected: true,
          text: "month",
          value: "month",
        },
        description: "month / day: the current month or day to date; previous_*: closed periods; 7d etc.: rolling Wowza windows.",
      },
    ],
  },
  panels: [
    {
      type: "state-timeline",
      id: 27,
      title: "Firing alerts",
      datasource: ds,
      gridPos: {
        h: 4,
        w: 24,
        x: 0,
        y: 0,
      },
      fieldConfig: {
        defaults: {
          unit: "none",
          custom: {
            fillOpacity: 70,
            lineWidth: 0,
            spanNulls: false,
            insertNulls: false,
          },
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "red",
                value: null,
              },
            ],
          },
          color: {
            mode: "thresholds",
          },
          mappings: [
            {
              type: "value",
              options: {
                "1": {
                  text: "firing",
                  color: "red",
                  index: 0,
                },
              },
            },
          ],
          noValue: "no alert firing",
        },
        overrides: [],
      },
      options: {
        mergeValues: true,
        showValue: "never",
        alignValue: "left",
        rowHeight: 0.8,
        legend: {
          calcs: [],
          displayMode: "list",
          placement: "bottom",
          showLegend: false,
        },
        tooltip: {
          mode: "single",
          sort: "none",
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "ALERTS{alertname=~\"VideoUsage.*\", alertstate=\"firing\", provider=~\"$provider|\", account=~\"$account|\"}",
          legendFormat: "{{alertname}} {{provider}} {{account}} {{app}}{{resource}}{{stream_target_name}}{{transcoder_name}}{{instance}}",
          range: true,
        },
      ],
      description: "Alerts of the video-usage rules firing in the time range (Prometheus's ALERTS series), for the selected providers and accounts; alerts without a provider or account label (the exporter's own) are always shown.",
    },
    {
      type: "row",
      id: 1,
      title: "Spend",
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 4,
      },
      panels: [],
    },
    {
      type: "stat",
      id: 2,
      title: "Estimated cost",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 5,
        x: 0,
        y: 5,
      },
      fieldConfig: {
        defaults: {
          unit: "none",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "thresholds",
          },
          decimals: 2,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "auto",
        textMode: "auto",
        colorMode: "value",
        graphMode: "area",
        justifyMode: "auto",
        wideLayout: true,
        showPercentChange: false,
        percentChangeColorMode: "standard",
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "sum by (currency) (provider_account:video_usage_cost:sum{provider=~\"$provider\", account=~\"$account\", period=\"$period\"})",
          legendFormat: "{{currency}}",
          range: true,
        },
      ],
      description: "Price x billed usage, summed over the selected accounts per currency (egress, transcoder time, peak storage); amounts in different currencies are never added.",
    },
    {
      type: "stat",
      id: 3,
      title: "Projected cost at period end",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 5,
        x: 5,
        y: 5,
      },
      fieldConfig: {
        defaults: {
          unit: "none",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "thresholds",
          },
          noValue: "n/a",
          decimals: 2,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "auto",
        textMode: "auto",
        colorMode: "value",
        graphMode: "area",
        justifyMode: "auto",
        wideLayout: true,
        showPercentChange: false,
        percentChangeColorMode: "standard",
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "sum by (currency) (provider_account:video_usage_cost:projected{provider=~\"$provider\", account=~\"$account\", period=\"$period\"})",
          legendFormat: "{{currency}}",
          range: true,
        },
      ],
      description: "Usage-priced resources extrapolated linearly to the end of the month or day, per currency; noisy in a period's first days.",
    },
    {
      type: "stat",
      id: 4,
      title: "Monthly budget",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 4,
        x: 10,
        y: 5,
      },
      fieldConfig: {
        defaults: {
          unit: "none",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "thresholds",
          },
          decimals: 2,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "auto",
        textMode: "auto",
        colorMode: "value",
        graphMode: "none",
        justifyMode: "auto",
        wideLayout: true,
        showPercentChange: false,
        percentChangeColorMode: "standard",
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "sum by (currency) (provider_account:video_usage_budget:max{provider=~\"$provider\", account=~\"$account\", period=\"month\"})",
          legendFormat: "{{currency}}",
          range: true,
        },
      ],
      description: "Sum of the selected accounts' monthly budgets (`quotas.budget`), per currency.",
    },
    {
      type: "bargauge",
      id: 5,
      title: "Projected month cost / budget",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 10,
        x: 14,
        y: 5,
      },
      fieldConfig: {
        defaults: {
          unit: "percentunit",
          min: 0,
          max: 1.2,
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
              {
                color: "orange",
                value: 0.9,
              },
              {
                color: "red",
                value: 1,
              },
            ],
          },
          color: {
            mode: "thresholds",
          },
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "horizontal",
        displayMode: "gradient",
        valueMode: "color",
        namePlacement: "auto",
        showUnfilled: true,
        sizing: "auto",
        minVizWidth: 8,
        minVizHeight: 16,
        maxVizHeight: 300,
        legend: {
          calcs: [],
          displayMode: "list",
          placement: "bottom",
          showLegend: false,
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "min without (window) (provider_account:video_usage_budget_projected:ratio{provider=~\"$provider\", account=~\"$account\", window=~\"1d|3d\"})",
          legendFormat: "{{provider}} {{account}} ({{currency}})",
          range: true,
        },
      ],
      description: "The month's cost at the pace of the last day and of the last 3 days (the lower of the two) / the monthly budget: what VideoUsageProjectedCostOverBudget fires on above 100%. Needs a day of history.",
    },
    {
      type: "timeseries",
      id: 6,
      title: "Estimated cost by account",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 12,
        x: 0,
        y: 10,
      },
      fieldConfig: {
        defaults: {
          unit: "none",
          custom: {
            drawStyle: "line",
            lineInterpolation: "stepAfter",
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: "never",
            spanNulls: false,
            axisPlacement: "auto",
            axisBorderShow: false,
            stacking: {
              mode: "none",
              group: "A",
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
          decimals: 2,
          links: [
            {
              title: "${__field.labels.provider} dashboard for ${__field.labels.account}",
              url: "/d/video-usage-${__field.labels.provider}?var-account=${__field.labels.account:percentencode}&${__url_time_range}",
              targetBlank: false,
            },
          ],
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: "table",
          placement: "bottom",
          showLegend: true,
          calcs: ["lastNotNull"],
        },
        tooltip: {
          mode: "multi",
          sort: "desc",
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account:video_usage_cost:sum{provider=~\"$provider\", account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{provider}} {{account}} ({{currency}})",
          range: true,
        },
      ],
      description: "Estimated cost of each account in its own currency. Click a line for the provider's dashboard.",
    },
    {
      type: "bargauge",
      id: 7,
      title: "Cost by resource",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 6,
        x: 12,
        y: 10,
      },
      fieldConfig: {
        defaults: {
          unit: "none",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
          decimals: 2,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "horizontal",
        displayMode: "gradient",
        valueMode: "color",
        namePlacement: "auto",
        showUnfilled: true,
        sizing: "auto",
        minVizWidth: 8,
        minVizHeight: 16,
        maxVizHeight: 300,
        legend: {
          calcs: [],
          displayMode: "list",
          placement: "bottom",
          showLegend: false,
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "sum by (resource, currency) (provider_account_resource:video_usage_cost:sum{provider=~\"$provider\", account=~\"$account\", period=\"$period\"})",
          legendFormat: "{{resource}} ({{currency}})",
          instant: true,
          range: false,
        },
      ],
      description: "Estimated cost per resource (egress, transcoder, storage) and currency.",
    },
    {
      type: "bargauge",
      id: 8,
      title: "Cost by provider and account",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 6,
        x: 18,
        y: 10,
      },
      fieldConfig: {
        defaults: {
          unit: "none",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
          decimals: 2,
          links: [
            {
              title: "${__field.labels.provider} dashboard for ${__field.labels.account}",
              url: "/d/video-usage-${__field.labels.provider}?var-account=${__field.labels.account:percentencode}&${__url_time_range}",
              targetBlank: false,
            },
          ],
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "horizontal",
        displayMode: "gradient",
        valueMode: "color",
        namePlacement: "auto",
        showUnfilled: true,
        sizing: "auto",
        minVizWidth: 8,
        minVizHeight: 16,
        maxVizHeight: 300,
        legend: {
          calcs: [],
          displayMode: "list",
          placement: "bottom",
          showLegend: false,
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "sum by (provider, account, currency) (provider_account:video_usage_cost:sum{provider=~\"$provider\", account=~\"$account\", period=\"$period\"})",
          legendFormat: "{{provider}} {{account}} ({{currency}})",
          instant: true,
          range: false,
        },
      ],
      description: "Click a bar for the provider's dashboard of that account.",
    },
    {
      type: "row",
      id: 28,
      title: "Budget",
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 18,
      },
      panels: [],
    },
    {
      type: "timeseries",
      id: 29,
      title: "Budget burn: spent against the linear ideal, this month",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 12,
        x: 0,
        y: 19,
      },
      fieldConfig: {
        defaults: {
          unit: "none",
          custom: {
            drawStyle: "line",
            lineInterpolation: "stepAfter",
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: "never",
            spanNulls: false,
            axisPlacement: "auto",
            axisBorderShow: false,
            stacking: {
              mode: "none",
              group: "A",
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
          decimals: 2,
        },
        overrides: [
          {
            matcher: {
              id: "byRegexp",
              options: ".* ideal .*",
            },
            properties: [
              {
                id: "custom.lineStyle",
                value: {
                  fill: "dash",
                  dash: [10, 10],
                },
              },
            ],
          },
          {
            matcher: {
              id: "byRegexp",
              options: ".* budget .*",
            },
            properties: [
              {
                id: "custom.lineStyle",
                value: {
                  fill: "dot",
                  dash: [0, 10],
                },
              },
            ],
          },
        ],
      },
      options: {
        legend: {
          displayMode: "table",
          placement: "bottom",
          showLegend: true,
          calcs: ["lastNotNull"],
        },
        tooltip: {
          mode: "multi",
          sort: "desc",
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account:video_usage_cost:sum{provider=~\"$provider\", account=~\"$account\", period=\"month\"}",
          legendFormat: "{{provider}} {{account}} spent ({{currency}})",
          range: true,
        },
        {
          datasource: ds,
          refId: "B",
          expr: "provider_account:video_usage_budget:max{provider=~\"$provider\", account=~\"$account\", period=\"month\"}\n  * on (provider, account, period)\nprovider_account:video_usage_period_elapsed:ratio{provider=~\"$provider\", account=~\"$account\", period=\"month\"}",
          legendFormat: "{{provider}} {{account}} ideal ({{currency}})",
          range: true,
        },
        {
          datasource: ds,
          refId: "C",
          expr: "provider_account:video_usage_budget:max{provider=~\"$provider\", account=~\"$account\", period=\"month\"}",
          legendFormat: "{{provider}} {{account}} budget ({{currency}})",
          range: true,
        },
      ],
      description: "Estimated cost so far this month against the ideal: the monthly budget x the fraction of the (billing) month elapsed. Spent above the dashed line means the budget runs out before the month ends. Accounts without a budget have no ideal.",
    },
    {
      type: "bargauge",
      id: 30,
      title: "Spent / linear ideal",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 4,
        x: 12,
        y: 19,
      },
      fieldConfig: {
        defaults: {
          unit: "percentunit",
          min: 0,
          max: 1.5,
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
              {
                color: "orange",
                value: 1,
              },
              {
                color: "red",
                value: 1.2,
              },
            ],
          },
          color: {
            mode: "thresholds",
          },
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "horizontal",
        displayMode: "gradient",
        valueMode: "color",
        namePlacement: "auto",
        showUnfilled: true,
        sizing: "auto",
        minVizWidth: 8,
        minVizHeight: 16,
        maxVizHeight: 300,
        legend: {
          calcs: [],
          displayMode: "list",
          placement: "bottom",
          showLegend: false,
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account:video_usage_budget_used:ratio{provider=~\"$provider\", account=~\"$account\", period=\"month\"}\n  / on (provider, account, period)\nprovider_account:video_usage_period_elapsed:ratio{provider=~\"$provider\", account=~\"$account\", period=\"month\"}",
          legendFormat: "{{provider}} {{account}}",
          instant: true,
          range: false,
        },
      ],
      description: "Share of the budget spent / share of the month elapsed: above 100% the account spends faster than its budget allows. Large and noisy in the month's first days.",
    },
    {
      type: "timeseries",
      id: 31,
      title: "Spend today against the same day last week",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 16,
        y: 19,
      },
      fieldConfig: {
        defaults: {
          unit: "none",
          custom: {
            drawStyle: "line",
            lineInterpolation: "linear",
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: "never",
            spanNulls: false,
            axisPlacement: "auto",
            axisBorderShow: false,
            stacking: {
              mode: "none",
              group: "A",
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
          decimals: 2,
        },
        overrides: [
          {
            matcher: {
              id: "byRegexp",
              options: "same day last week.*",
            },
            properties: [
              {
                id: "custom.lineStyle",
                value: {
                  fill: "dash",
                  dash: [10, 10],
                },
              },
            ],
          },
        ],
      },
      options: {
        legend: {
          displayMode: "table",
          placement: "bottom",
          showLegend: true,
          calcs: ["lastNotNull", "max"],
        },
        tooltip: {
          mode: "multi",
          sort: "desc",
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "sum by (currency) (provider_account:video_usage_cost:sum{provider=~\"$provider\", account=~\"$account\", period=\"day\"})",
          legendFormat: "today ({{currency}})",
          range: true,
        },
        {
          datasource: ds,
          refId: "B",
          expr: "sum by (currency) (provider_account:video_usage_cost:sum{provider=~\"$provider\", account=~\"$account\", period=\"day\"} offset 1w)",
          legendFormat: "same day last week ({{currency}})",
          range: true,
        },
      ],
      description: "Estimated cost of the UTC day to date, and the same hour of the same weekday a week before (`offset 1w`), per currency.",
    },
    {
      type: "stat",
      id: 32,
      title: "Today / same time last week",
      datasource: ds,
      gridPos: {
        h: 6,
        w: 6,
        x: 0,
        y: 27,
      },
      fieldConfig: {
        defaults: {
          unit: "percentunit",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
              {
                color: "orange",
                value: 1.5,
              },
              {
                color: "red",
                value: 3,
              },
            ],
          },
          color: {
            mode: "thresholds",
          },
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "auto",
        textMode: "value_and_name",
        colorMode: "value",
        graphMode: "area",
        justifyMode: "auto",
        wideLayout: true,
        showPercentChange: false,
        percentChangeColorMode: "standard",
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "sum by (currency) (provider_account:video_usage_cost:sum{provider=~\"$provider\", account=~\"$account\", period=\"day\"})\n  /\nsum by (currency) (provider_account:video_usage_cost:sum{provider=~\"$provider\", account=~\"$account\", period=\"day\"} offset 1w)",
          legendFormat: "{{currency}}",
          range: true,
        },
      ],
      description: "Day-to-date cost / the day-to-date cost at the same time a week ago, per currency.",
    },
    {
      type: "timeseries",
      id: 33,
      title: "Spend per hour",
      datasource: ds,
      gridPos: {
        h: 6,
        w: 18,
        x: 6,
        y: 27,
      },
      fieldConfig: {
        defaults: {
          unit: "none",
          custom: {
            drawStyle: "line",
            lineInterpolation: "linear",
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: "never",
            spanNulls: false,
            axisPlacement: "auto",
            axisBorderShow: false,
            stacking: {
              mode: "none",
              group: "A",
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
          decimals: 2,
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: "table",
          placement: "bottom",
          showLegend: true,
          calcs: ["mean", "max", "sum"],
        },
        tooltip: {
          mode: "multi",
          sort: "desc",
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account:video_usage_cost:increase1h{provider=~\"$provider\", account=~\"$account\", period=\"month\"}",
          legendFormat: "{{provider}} {{account}} ({{currency}})",
          range: true,
        },
      ],
      description: "Growth of the month-to-date estimated cost over the last hour (a drop at the month's rollover or a downward revision counts as 0). Wowza bills every 12 hours: its cost grows in steps.",
    },
    {
      type: "row",
      id: 34,
      title: "Last month: reconcile with the invoice",
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 33,
      },
      panels: [],
    },
    {
      type: "table",
      id: 35,
      title: "Last month: billed usage per account",
      datasource: ds,
      gridPos: {
        h: 7,
        w: 14,
        x: 0,
        y: 34,
      },
      fieldConfig: {
        defaults: {
          unit: "decbytes",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "thresholds",
          },
        },
        overrides: [
          {
            matcher: {
              id: "byName",
              options: "Billed transcoder time",
            },
            properties: [
              {
                id: "unit",
                value: "s",
              },
            ],
          },
          {
            matcher: {
              id: "byName",
              options: "From",
            },
            properties: [
              {
                id: "unit",
                value: "dateTimeAsIso",
              },
            ],
          },
          {
            matcher: {
              id: "byName",
              options: "To",
            },
            properties: [
              {
                id: "unit",
                value: "dateTimeAsIso",
              },
            ],
          },
        ],
      },
      options: {
        showHeader: true,
        cellHeight: "sm",
        frameIndex: 0,
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "max by (provider, account) (provider_account:video_usage_egress_bytes:sum{provider=~\"$provider\", account=~\"$account\", period=\"previous_month\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
        {
          datasource: ds,
          refId: "B",
          expr: "max by (provider, account) (provider_account:video_usage_egress_used_bytes:sum{provider=~\"$provider\", account=~\"$account\", period=\"previous_month\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
        {
          datasource: ds,
          refId: "C",
          expr: "max by (provider, account) (provider_account:video_usage_transcoder_seconds:sum{provider=~\"$provider\", account=~\"$account\", period=\"previous_month\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
        {
          datasource: ds,
          refId: "D",
          expr: "max by (provider, account) (provider_account:video_usage_storage_bytes:max{provider=~\"$provider\", account=~\"$account\", period=\"previous_month\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
        {
          datasource: ds,
          refId: "E",
          expr: "max by (provider, account) (video_usage_period_start_timestamp_seconds{provider=~\"$provider\", account=~\"$account\", period=\"previous_month\"}) * 1000",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
        {
          datasource: ds,
          refId: "F",
          expr: "max by (provider, account) (video_usage_period_end_timestamp_seconds{provider=~\"$provider\", account=~\"$account\", period=\"previous_month\"}) * 1000",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
      ],
      description: "The last closed (billing) month, as the providers report it, to reconcile with their invoices: refreshed every few hours until `previous_periods.settle_time` after the month's end, then final. Wowza's billing month starts on the account's `billing_day`.",
      transformations: [
        {
          id: "merge",
          options: {},
        },
        {
          id: "organize",
          options: {
            excludeByName: {
              Time: true,
            },
            renameByName: {
              "Value #A": "Billable egress",
              "Value #B": "Egress used",
              "Value #C": "Billed transcoder time",
              "Value #D": "Peak recording storage",
              "Value #E": "From",
              "Value #F": "To",
            },
            indexByName: {
              provider: 0,
              account: 1,
              "Value #E": 2,
              "Value #F": 3,
            },
          },
        },
      ],
    },
    {
      type: "table",
      id: 36,
      title: "Last month: estimated cost by resource",
      datasource: ds,
      gridPos: {
        h: 7,
        w: 10,
        x: 14,
        y: 34,
      },
      fieldConfig: {
        defaults: {
          unit: "none",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "thresholds",
          },
          decimals: 2,
        },
        overrides: [],
      },
      options: {
        showHeader: true,
        cellHeight: "sm",
        frameIndex: 0,
        sortBy: [
          {
            displayName: "Estimated cost",
            desc: true,
          },
        ],
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "sum by (provider, account, resource, currency) (provider_account_resource:video_usage_cost:sum{provider=~\"$provider\", account=~\"$account\", period=\"previous_month\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
      ],
      description: "Price x last month's billed usage, per resource, in the account's currency: set beside the invoice.",
      transformations: [
        {
          id: "organize",
          options: {
            excludeByName: {
              Time: true,
            },
            renameByName: {
              Value: "Estimated cost",
            },
            indexByName: {},
          },
        },
      ],
    },
    {
      type: "row",
      id: 9,
      title: "Quotas and projections",
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 41,
      },
      panels: [],
    },
    {
      type: "bargauge",
      id: 10,
      title: "Quota used",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 6,
        x: 0,
        y: 42,
      },
      fieldConfig: {
        defaults: {
          unit: "percentunit",
          min: 0,
          max: 1,
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
              {
                color: "orange",
                value: 0.8,
              },
              {
                color: "red",
                value: 0.9,
              },
            ],
          },
          color: {
            mode: "thresholds",
          },
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "horizontal",
        displayMode: "gradient",
        valueMode: "color",
        namePlacement: "auto",
        showUnfilled: true,
        sizing: "auto",
        minVizWidth: 8,
        minVizHeight: 16,
        maxVizHeight: 300,
        legend: {
          calcs: [],
          displayMode: "list",
          placement: "bottom",
          showLegend: false,
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account_resource:video_usage_quota_used:ratio{provider=~\"$provider\", account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{provider}} {{account}} {{resource}}",
          range: true,
        },
        {
          datasource: ds,
          refId: "B",
          expr: "provider_account_app:video_usage_quota_used:ratio{provider=~\"$provider\", account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{provider}} {{account}} app {{app}}",
          range: true,
        },
      ],
      description: "Usage so far / quota; for Wowza the larger of used and billed. VideoUsageQuotaNearlyUsed fires at 90%, VideoUsageQuotaExceeded at 100%.",
    },
    {
      type: "bargauge",
      id: 11,
      title: "Projected at period end / quota",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 6,
        x: 6,
        y: 42,
      },
      fieldConfig: {
        defaults: {
          unit: "percentunit",
          min: 0,
          max: 1.5,
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
              {
                color: "orange",
                value: 0.9,
              },
              {
                color: "red",
                value: 1,
              },
            ],
          },
          color: {
            mode: "thresholds",
          },
          noValue: "n/a",
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "horizontal",
        displayMode: "gradient",
        valueMode: "color",
        namePlacement: "auto",
        showUnfilled: true,
        sizing: "auto",
        minVizWidth: 8,
        minVizHeight: 16,
        maxVizHeight: 300,
        legend: {
          calcs: [],
          displayMode: "list",
          placement: "bottom",
          showLegend: false,
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "min without (window) (provider_account_resource:video_usage_quota_projected:ratio{provider=~\"$provider\", account=~\"$account\", period=\"$period\", window=~\"1d|3d\"})",
          legendFormat: "{{provider}} {{account}} {{resource}}",
          range: true,
        },
        {
          datasource: ds,
          refId: "B",
          expr: "min without (window) (provider_account_app:video_usage_quota_projected:ratio{provider=~\"$provider\", account=~\"$account\", period=\"$period\", window=~\"1d|3d\"})",
          legendFormat: "{{provider}} {{account}} app {{app}}",
          range: true,
        },
      ],
      description: "Usage at the end of the month or day at the pace of the last day and of the last 3 days (the lower of the two) / quota: VideoUsageProjectedOverQuota fires above 100% for the month. Needs a day of history.",
    },
    {
      type: "bargauge",
      id: 37,
      title: "Time until the quota is used up",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 6,
        x: 12,
        y: 42,
      },
      fieldConfig: {
        defaults: {
          unit: "s",
          min: 0,
          max: 2678400,
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "red",
                value: null,
              },
              {
                color: "orange",
                value: 86400,
              },
              {
                color: "green",
                value: 604800,
              },
            ],
          },
          color: {
            mode: "thresholds",
          },
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "horizontal",
        displayMode: "gradient",
        valueMode: "color",
        namePlacement: "auto",
        showUnfilled: true,
        sizing: "auto",
        minVizWidth: 8,
        minVizHeight: 16,
        maxVizHeight: 300,
        legend: {
          calcs: [],
          displayMode: "list",
          placement: "bottom",
          showLegend: false,
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account_resource:video_usage_quota_exhaustion:seconds{provider=~\"$provider\", account=~\"$account\", period=\"$period\", window=\"1d\"}",
          legendFormat: "{{provider}} {{account}} {{resource}}",
          instant: true,
          range: false,
        },
      ],
      description: "The quota left / the pace of the last day: 0 once used up; absent while nothing is used. Shorter than the time left in the period means overage before the period ends. VideoUsageQuotaExhaustionImminent (critical) fires when the last hour's and the last 6 hours' paces both use it up within a day.",
    },
    {
      type: "bargauge",
      id: 12,
      title: "Period elapsed",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 6,
        x: 18,
        y: 42,
      },
      fieldConfig: {
        defaults: {
          unit: "percentunit",
          min: 0,
          max: 1,
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "horizontal",
        displayMode: "basic",
        valueMode: "color",
        namePlacement: "auto",
        showUnfilled: true,
        sizing: "auto",
        minVizWidth: 8,
        minVizHeight: 16,
        maxVizHeight: 300,
        legend: {
          calcs: [],
          displayMode: "list",
          placement: "bottom",
          showLegend: false,
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account:video_usage_period_elapsed:ratio{provider=~\"$provider\", account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{provider}} {{account}}",
          range: true,
        },
      ],
      description: "From video_usage_period_start/end_timestamp_seconds: billing months may start on any day.",
    },
    {
      type: "timeseries",
      id: 13,
      title: "Billable egress against quota",
      datasource: ds,
      gridPos: {
        h: 9,
        w: 12,
        x: 0,
        y: 50,
      },
      fieldConfig: {
        defaults: {
          unit: "decbytes",
          custom: {
            drawStyle: "line",
            lineInterpolation: "stepAfter",
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: "never",
            spanNulls: false,
            axisPlacement: "auto",
            axisBorderShow: false,
            stacking: {
              mode: "none",
              group: "A",
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: "table",
          placement: "bottom",
          showLegend: true,
          calcs: ["lastNotNull"],
        },
        tooltip: {
          mode: "multi",
          sort: "desc",
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account:video_usage_egress_bytes:sum{provider=~\"$provider\", account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{provider}} {{account}} so far",
          range: true,
        },
        {
          datasource: ds,
          refId: "B",
          expr: "provider_account:video_usage_egress_bytes:projected{provider=~\"$provider\", account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{provider}} {{account}} projected",
          range: true,
        },
        {
          datasource: ds,
          refId: "C",
          expr: "max by (provider, account) (video_usage_quota_bytes{provider=~\"$provider\", account=~\"$account\", period=\"$period\", resource=\"egress\"})",
          legendFormat: "{{provider}} {{account}} quota",
          range: true,
        },
      ],
    },
    {
      type: "timeseries",
      id: 14,
      title: "Billed transcoder time against quota",
      datasource: ds,
      gridPos: {
        h: 9,
        w: 12,
        x: 12,
        y: 50,
      },
      fieldConfig: {
        defaults: {
          unit: "s",
          custom: {
            drawStyle: "line",
            lineInterpolation: "stepAfter",
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: "never",
            spanNulls: false,
            axisPlacement: "auto",
            axisBorderShow: false,
            stacking: {
              mode: "none",
              group: "A",
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: "table",
          placement: "bottom",
          showLegend: true,
          calcs: ["lastNotNull"],
        },
        tooltip: {
          mode: "multi",
          sort: "desc",
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account:video_usage_transcoder_seconds:sum{provider=~\"$provider\", account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{provider}} {{account}} so far",
          range: true,
        },
        {
          datasource: ds,
          refId: "B",
          expr: "provider_account:video_usage_transcoder_seconds:projected{provider=~\"$provider\", account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{provider}} {{account}} projected",
          range: true,
        },
        {
          datasource: ds,
          refId: "C",
          expr: "max by (provider, account) (video_usage_quota_seconds{provider=~\"$provider\", account=~\"$account\", period=\"$period\", resource=\"transcoder\"})",
          legendFormat: "{{provider}} {{account}} quota",
          range: true,
        },
      ],
    },
    {
      type: "row",
      id: 15,
      title: "Usage",
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 59,
      },
      panels: [],
    },
    {
      type: "timeseries",
      id: 16,
      title: "Egress, billable",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 0,
        y: 60,
      },
      fieldConfig: {
        defaults: {
          unit: "decbytes",
          custom: {
            drawStyle: "line",
            lineInterpolation: "stepAfter",
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: "never",
            spanNulls: false,
            axisPlacement: "auto",
            axisBorderShow: false,
            stacking: {
              mode: "none",
              group: "A",
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: "table",
          placement: "bottom",
          showLegend: true,
          calcs: ["lastNotNull"],
        },
        tooltip: {
          mode: "multi",
          sort: "desc",
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account:video_usage_egress_bytes:sum{provider=~\"$provider\", account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{provider}} {{account}}",
          range: true,
        },
      ],
      description: "ScaleEngine bytes; Wowza billed stream-target and transcoder egress (billed every 12 h).",
    },
    {
      type: "timeseries",
      id: 17,
      title: "Egress, used",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 8,
        y: 60,
      },
      fieldConfig: {
        defaults: {
          unit: "decbytes",
          custom: {
            drawStyle: "line",
            lineInterpolation: "stepAfter",
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: "never",
            spanNulls: false,
            axisPlacement: "auto",
            axisBorderShow: false,
            stacking: {
              mode: "none",
              group: "A",
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: "table",
          placement: "bottom",
          showLegend: true,
          calcs: ["lastNotNull"],
        },
        tooltip: {
          mode: "multi",
          sort: "desc",
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account:video_usage_egress_used_bytes:sum{provider=~\"$provider\", account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{provider}} {{account}}",
          range: true,
        },
      ],
      description: "As fresh as each provider reports it: Wowza's used bytes run ahead of its billed bytes.",
    },
    {
      type: "timeseries",
      id: 18,
      title: "Transcoder time",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 16,
        y: 60,
      },
      fieldConfig: {
        defaults: {
          unit: "s",
          custom: {
            drawStyle: "line",
            lineInterpolation: "stepAfter",
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: "never",
            spanNulls: false,
            axisPlacement: "auto",
            axisBorderShow: false,
            stacking: {
              mode: "none",
              group: "A",
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: "table",
          placement: "bottom",
          showLegend: true,
          calcs: ["lastNotNull"],
        },
        tooltip: {
          mode: "multi",
          sort: "desc",
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account:video_usage_transcoder_used_seconds:sum{provider=~\"$provider\", account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{provider}} {{account}} used",
          range: true,
        },
        {
          datasource: ds,
          refId: "B",
          expr: "provider_account:video_usage_transcoder_seconds:sum{provider=~\"$provider\", account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{provider}} {{account}} billed",
          range: true,
        },
      ],
    },
    {
      type: "timeseries",
      id: 38,
      title: "Egress per hour",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 12,
        x: 0,
        y: 68,
      },
      fieldConfig: {
        defaults: {
          unit: "decbytes",
          custom: {
            drawStyle: "line",
            lineInterpolation: "linear",
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: "never",
            spanNulls: false,
            axisPlacement: "auto",
            axisBorderShow: false,
            stacking: {
              mode: "none",
              group: "A",
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: "table",
          placement: "bottom",
          showLegend: true,
          calcs: ["mean", "max"],
        },
        tooltip: {
          mode: "multi",
          sort: "desc",
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account:video_usage_egress_used_bytes:increase1h{provider=~\"$provider\", account=~\"$account\", period=\"month\"}",
          legendFormat: "{{provider}} {{account}}",
          range: true,
        },
      ],
      description: "Growth of the month-to-date egress used over the last hour; the month's rollover and downward revisions count as 0. Wowza's network usage arrives hourly, about 3 hours late.",
    },
    {
      type: "stat",
      id: 19,
      title: "Peak recording storage",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 4,
        x: 12,
        y: 68,
      },
      fieldConfig: {
        defaults: {
          unit: "decbytes",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "thresholds",
          },
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "auto",
        textMode: "auto",
        colorMode: "value",
        graphMode: "area",
        justifyMode: "auto",
        wideLayout: true,
        showPercentChange: false,
        percentChangeColorMode: "standard",
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account:video_usage_storage_bytes:max{provider=~\"$provider\", account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{provider}} {{account}}",
          range: true,
        },
      ],
    },
    {
      type: "stat",
      id: 20,
      title: "Unique viewers",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 4,
        x: 16,
        y: 68,
      },
      fieldConfig: {
        defaults: {
          unit: "short",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "thresholds",
          },
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "auto",
        textMode: "auto",
        colorMode: "value",
        graphMode: "area",
        justifyMode: "auto",
        wideLayout: true,
        showPercentChange: false,
        percentChangeColorMode: "standard",
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account:video_usage_unique_viewers:sum{provider=~\"$provider\", account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{provider}} {{account}}",
          range: true,
        },
      ],
      description: "Summed over stream targets: a viewer of two targets counts twice.",
    },
    {
      type: "stat",
      id: 21,
      title: "Viewing time",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 4,
        x: 20,
        y: 68,
      },
      fieldConfig: {
        defaults: {
          unit: "s",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "thresholds",
          },
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "auto",
        textMode: "auto",
        colorMode: "value",
        graphMode: "area",
        justifyMode: "auto",
        wideLayout: true,
        showPercentChange: false,
        percentChangeColorMode: "standard",
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account:video_usage_viewing_seconds:sum{provider=~\"$provider\", account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{provider}} {{account}}",
          range: true,
        },
      ],
    },
    {
      type: "row",
      id: 22,
      title: "Top apps and streams",
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 76,
      },
      panels: [],
    },
    {
      type: "bargauge",
      id: 23,
      title: "Top 10 ScaleEngine apps",
      datasource: ds,
      gridPos: {
        h: 9,
        w: 12,
        x: 0,
        y: 77,
      },
      fieldConfig: {
        defaults: {
          unit: "decbytes",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
          links: [
            {
              title: "ScaleEngine app ${__field.labels.app}",
              url: "/d/video-usage-scaleengine?var-account=${__field.labels.account:percentencode}&var-app=${__field.labels.app:percentencode}&${__url_time_range}",
              targetBlank: false,
            },
          ],
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "horizontal",
        displayMode: "gradient",
        valueMode: "color",
        namePlacement: "auto",
        showUnfilled: true,
        sizing: "auto",
        minVizWidth: 8,
        minVizHeight: 16,
        maxVizHeight: 300,
        legend: {
          calcs: [],
          displayMode: "list",
          placement: "bottom",
          showLegend: false,
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "topk(10, provider_account_app:video_usage_egress_bytes:sum{provider=~\"$provider\", account=~\"$account\", period=\"$period\"})",
          legendFormat: "{{account}} {{app}}",
          instant: true,
          range: false,
        },
      ],
      description: "Click a bar for the app on the ScaleEngine dashboard.",
    },
    {
      type: "bargauge",
      id: 24,
      title: "Top 10 ScaleEngine streams",
      datasource: ds,
      gridPos: {
        h: 9,
        w: 12,
        x: 12,
        y: 77,
      },
      fieldConfig: {
        defaults: {
          unit: "decbytes",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
          links: [
            {
              title: "ScaleEngine app ${__field.labels.app}",
              url: "/d/video-usage-scaleengine?var-account=${__field.labels.account:percentencode}&var-app=${__field.labels.app:percentencode}&${__url_time_range}",
              targetBlank: false,
            },
          ],
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "horizontal",
        displayMode: "gradient",
        valueMode: "color",
        namePlacement: "auto",
        showUnfilled: true,
        sizing: "auto",
        minVizWidth: 8,
        minVizHeight: 16,
        maxVizHeight: 300,
        legend: {
          calcs: [],
          displayMode: "list",
          placement: "bottom",
          showLegend: false,
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "topk(10,\n    label_replace(max by (account, app, video_url) (scaleengine_video_bytes{account=~\"$account\", period=\"$period\", video_url!=\"__other__\"}), \"provider\", \"scaleengine\", \"\", \"\")\n  and on (provider, account)\n    max by (provider, account) (video_usage_period_start_timestamp_seconds{provider=~\"$provider\", account=~\"$account\"})\n)",
          legendFormat: "{{account}} {{app}} {{video_url}}",
          instant: true,
          range: false,
        },
      ],
      description: "Video URLs by bytes in the period, for the selected providers and accounts; `__other__` (the URLs that `max_series` or filters fold together) is left out. Click a bar for the app on the ScaleEngine dashboard.",
    },
    {
      type: "bargauge",
      id: 25,
      title: "Top 10 Wowza stream targets",
      datasource: ds,
      gridPos: {
        h: 9,
        w: 12,
        x: 0,
        y: 86,
      },
      fieldConfig: {
        defaults: {
          unit: "decbytes",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
          links: [
            {
              title: "Wowza stream target ${__field.labels.stream_target_name}",
              url: "/d/video-usage-wowza?var-account=${__field.labels.account:percentencode}&var-stream_target=${__field.labels.stream_target_name:percentencode}&${__url_time_range}",
              targetBlank: false,
            },
          ],
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "horizontal",
        displayMode: "gradient",
        valueMode: "color",
        namePlacement: "auto",
        showUnfilled: true,
        sizing: "auto",
        minVizWidth: 8,
        minVizHeight: 16,
        maxVizHeight: 300,
        legend: {
          calcs: [],
          displayMode: "list",
          placement: "bottom",
          showLegend: false,
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "topk(10,\n    label_replace(max by (account, stream_target_id, stream_target_name) (wowza_cloud_stream_target_used_bytes{account=~\"$account\", period=\"$period\", stream_target_id!=\"__other__\"}), \"provider\", \"wowza\", \"\", \"\")\n  and on (provider, account)\n    max by (provider, account) (video_usage_period_start_timestamp_seconds{provider=~\"$provider\", account=~\"$account\"})\n)",
          legendFormat: "{{account}} {{stream_target_name}}",
          instant: true,
          range: false,
        },
      ],
      description: "Stream targets by bytes used in the period, `__other__` left out. Click a bar for the stream target on the Wowza dashboard.",
    },
    {
      type: "bargauge",
      id: 26,
      title: "Top 10 Wowza transcoders",
      datasource: ds,
      gridPos: {
        h: 9,
        w: 12,
        x: 12,
        y: 86,
      },
      fieldConfig: {
        defaults: {
          unit: "s",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          color: {
            mode: "palette-classic",
          },
          links: [
            {
              title: "Wowza transcoder ${__field.labels.transcoder_name}",
              url: "/d/video-usage-wowza?var-account=${__field.labels.account:percentencode}&var-transcoder=${__field.labels.transcoder_name:percentencode}&${__url_time_range}",
              targetBlank: false,
            },
          ],
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: ["lastNotNull"],
          fields: "",
        },
        orientation: "horizontal",
        displayMode: "gradient",
        valueMode: "color",
        namePlacement: "auto",
        showUnfilled: true,
        sizing: "auto",
        minVizWidth: 8,
        minVizHeight: 16,
        maxVizHeight: 300,
        legend: {
          calcs: [],
          displayMode: "list",
          placement: "bottom",
          showLegend: false,
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "topk(10,\n    label_replace(max by (account, transcoder_id, transcoder_name) (wowza_cloud_transcoder_used_seconds{account=~\"$account\", period=\"$period\", transcoder_id!=\"__other__\"}), \"provider\", \"wowza\", \"\", \"\")\n  and on (provider, account)\n    max by (provider, account) (video_usage_period_start_timestamp_seconds{provider=~\"$provider\", account=~\"$account\"})\n)",
          legendFormat: "{{account}} {{transcoder_name}}",
          instant: true,
          range: false,
        },
      ],
      description: "Transcoders by processing time used in the period, `__other__` left out. Click a bar for the transcoder on the Wowza dashboard.",
    },
  ],
  links: [
    {
      title: "Video usage",
      type: "dashboards",
      tags: ["video-usage"],
      asDropdown: true,
      icon: "external link",
      includeVars: true,
      keepTime: true,
      targetBlank: false,
      tooltip: "The other video usage dashboards",
    },
  ],
}
