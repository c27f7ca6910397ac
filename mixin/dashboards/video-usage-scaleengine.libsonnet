// Rendered to dashboards/video-usage-scaleengine.json by mixin/render.py.
local ds = import '../lib/datasource.libsonnet';

function(cfg) {
  uid: "video-usage-scaleengine",
  title: "Video usage / ScaleEngine",
  description: "ScaleEngine bandwidth per app and per stream (video URL): month to date against projection and quota, day to date, top N.",
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
        name: "account",
        label: "Account",
        type: "query",
        datasource: ds,
        query: {
          qryType: 1,
          query: "label_values(video_usage_period_start_timestamp_seconds{provider=\"scaleengine\"}, account)",
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
        description: "Every ScaleEngine account the exporter serves.",
      },
      {
        name: "app",
        label: "App",
        type: "query",
        datasource: ds,
        query: {
          qryType: 1,
          query: "label_values(scaleengine_app_bytes{account=~\"$account\"}, app)",
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
        name: "topn",
        label: "Top N",
        type: "custom",
        query: "10,20,50",
        current: {
          selected: true,
          text: "10",
          value: "10",
        },
        options: [
          {
            selected: true,
            text: "10",
            value: "10",
          },
          {
            selected: false,
            text: "20",
            value: "20",
          },
          {
            selected: false,
            text: "50",
            value: "50",
          },
        ],
        hide: 0,
        includeAll: false,
        multi: false,
      },
      {
        name: "url",
        label: "Stream / URL (regex)",
        type: "textbox",
        query: ".*",
        current: {
          selected: false,
          text: ".*",
          value: ".*",
        },
        options: [
          {
            selected: true,
            text: ".*",
            value: ".*",
          },
        ],
        hide: 0,
        description: "A regular expression on video_url, e.g. live/.*",
      },
      {
        name: "top_streams",
        label: "Top streams",
        type: "query",
        datasource: ds,
        query: {
          qryType: 3,
          query: "query_result(topk($topn, max by (video_url) (scaleengine_video_bytes{account=~\"$account\", app=~\"$app\", video_url=~\"$url\", video_url!=\"__other__\", period=\"month\"})))",
          refId: "PrometheusVariableQueryEditor-VariableQuery",
        },
        refresh: 2,
        regex: "/video_url=\"([^\"]*)\"/",
        sort: 0,
        hide: 0,
        includeAll: true,
        multi: true,
        options: [],
        current: {
          selected: true,
          text: ["All"],
          value: ["$__all"],
        },
        description: "The $topn video URLs with the most bytes this month, ranked once, at the end of the time range (one instant query). The per-stream time series read only these URLs: All means these N, never every URL. No custom All value on purpose.",
      },
    ],
  },
  panels: [
    {
      type: "state-timeline",
      id: 22,
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
          expr: "ALERTS{alertname=~\"VideoUsage.*\", alertstate=\"firing\", provider=\"scaleengine\", account=~\"$account\", app=~\"$app|\"}\n  or\nALERTS{alertname=~\"VideoUsage.*\", alertstate=\"firing\", account=~\"$account\", app=~\"$app\", app!=\"\"}",
          legendFormat: "{{alertname}} {{account}} {{app}} {{video_url}}{{resource}} {{period}}",
          range: true,
        },
      ],
      description: "Alerts of the video-usage rules firing in the time range (Prometheus's ALERTS series) for the selected ScaleEngine accounts and apps.",
    },
    {
      type: "row",
      id: 1,
      title: "Month to date",
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
      title: "Month to date",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 4,
        x: 0,
        y: 5,
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
          expr: "sum(provider_account_app:video_usage_egress_bytes:sum{provider=\"scaleengine\", account=~\"$account\", app=~\"$app\", period=\"month\"})",
          legendFormat: "month to date",
          range: true,
        },
      ],
    },
    {
      type: "stat",
      id: 3,
      title: "Projected month end",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 4,
        x: 4,
        y: 5,
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
          expr: "sum(provider_account_app:video_usage_egress_bytes:projected{provider=\"scaleengine\", account=~\"$account\", app=~\"$app\", period=\"month\"})",
          legendFormat: "projected",
          range: true,
        },
      ],
      description: "Month to date / fraction of the month elapsed.",
    },
    {
      type: "stat",
      id: 4,
      title: "Account egress quota",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 4,
        x: 8,
        y: 5,
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
          expr: "sum(max by (account) (video_usage_quota_bytes{provider=\"scaleengine\", account=~\"$account\", resource=\"egress\", period=\"month\"}))",
          legendFormat: "quota",
          range: true,
        },
      ],
    },
    {
      type: "gauge",
      id: 5,
      title: "Account quota used",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 4,
        x: 12,
        y: 5,
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
        orientation: "auto",
        showThresholdLabels: false,
        showThresholdMarkers: true,
        sizing: "auto",
        minVizWidth: 75,
        minVizHeight: 75,
        shape: "gauge",
        barShape: "flat",
        barWidthFactor: 0.5,
        segmentCount: 1,
        segmentSpacing: 0.3,
        effects: {},
        textMode: "auto",
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "provider_account_resource:video_usage_quota_used:ratio{provider=\"scaleengine\", account=~\"$account\", resource=\"egress\", period=\"month\"}",
          legendFormat: "{{account}}",
          range: true,
        },
      ],
    },
    {
      type: "stat",
      id: 6,
      title: "Day to date",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 4,
        x: 16,
        y: 5,
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
          expr: "sum(provider_account_app:video_usage_egress_bytes:sum{provider=\"scaleengine\", account=~\"$account\", app=~\"$app\", period=\"day\"})",
          legendFormat: "day to date",
          range: true,
        },
      ],
    },
    {
      type: "stat",
      id: 7,
      title: "Estimated cost, month to date",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 4,
        x: 20,
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
          expr: "sum by (currency) (provider_account:video_usage_cost:sum{provider=\"scaleengine\", account=~\"$account\", period=\"month\"})",
          legendFormat: "{{currency}}",
          range: true,
        },
      ],
      description: "Price x bytes of the selected accounts, per currency.",
    },
    {
      type: "row",
      id: 8,
      title: "Per app",
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 10,
      },
      panels: [],
    },
    {
      type: "table",
      id: 9,
      title: "Apps",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 24,
        x: 0,
        y: 11,
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
              options: "Projected / quota",
            },
            properties: [
              {
                id: "unit",
                value: "percentunit",
              },
            ],
          },
          {
            matcher: {
              id: "byName",
              options: "Requests (month)",
            },
            properties: [
              {
                id: "unit",
                value: "short",
              },
            ],
          },
        ],
      },
      options: {
        showHeader: true,
        cellHeight: "sm",
        frameIndex: 0,
        sortBy: [
          {
            displayName: "Month to date",
            desc: true,
          },
        ],
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "sum by (account, app) (provider_account_app:video_usage_egress_bytes:sum{provider=\"scaleengine\", account=~\"$account\", app=~\"$app\", period=\"month\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
        {
          datasource: ds,
          refId: "B",
          expr: "sum by (account, app) (provider_account_app:video_usage_egress_bytes:projected{provider=\"scaleengine\", account=~\"$account\", app=~\"$app\", period=\"month\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
        {
          datasource: ds,
          refId: "C",
          expr: "max by (account, app) (video_usage_app_quota_bytes{provider=\"scaleengine\", account=~\"$account\", app=~\"$app\", period=\"month\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
        {
          datasource: ds,
          refId: "D",
          expr: "max by (account, app) (min without (window) (provider_account_app:video_usage_quota_projected:ratio{provider=\"scaleengine\", account=~\"$account\", app=~\"$app\", period=\"month\", window=~\"1d|3d\"}))",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
        {
          datasource: ds,
          refId: "E",
          expr: "sum by (account, app) (provider_account_app:video_usage_egress_bytes:sum{provider=\"scaleengine\", account=~\"$account\", app=~\"$app\", period=\"day\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
        {
          datasource: ds,
          refId: "F",
          expr: "sum by (account, app) (scaleengine_app_requests{account=~\"$account\", app=~\"$app\", period=\"month\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
        {
          datasource: ds,
          refId: "G",
          expr: "sum by (account, app) (provider_account_app:video_usage_egress_bytes:sum{provider=\"scaleengine\", account=~\"$account\", app=~\"$app\", period=\"previous_month\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
      ],
      description: "Apps without a configured quota have empty quota columns. Previous month: the last closed month, whole, for reconciliation with the invoice.",
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
              "Value #A": "Month to date",
              "Value #B": "Projected month end",
              "Value #C": "App quota",
              "Value #D": "Projected / quota",
              "Value #E": "Day to date",
              "Value #F": "Requests (month)",
              "Value #G": "Previous month",
            },
            indexByName: {},
          },
        },
      ],
    },
    {
      type: "timeseries",
      id: 10,
      title: "Month to date per app",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 12,
        x: 0,
        y: 19,
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
          expr: "provider_account_app:video_usage_egress_bytes:sum{provider=\"scaleengine\", account=~\"$account\", app=~\"$app\", period=\"month\"}",
          legendFormat: "{{account}} {{app}}",
          range: true,
        },
      ],
    },
    {
      type: "timeseries",
      id: 11,
      title: "Day to date per app",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 12,
        x: 12,
        y: 19,
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
          expr: "provider_account_app:video_usage_egress_bytes:sum{provider=\"scaleengine\", account=~\"$account\", app=~\"$app\", period=\"day\"}",
          legendFormat: "{{account}} {{app}}",
          range: true,
        },
      ],
    },
    {
      type: "bargauge",
      id: 12,
      title: "App quota used",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 0,
        y: 27,
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
          expr: "provider_account_app:video_usage_quota_used:ratio{provider=\"scaleengine\", account=~\"$account\", app=~\"$app\", period=\"month\"}",
          legendFormat: "{{account}} {{app}}",
          range: true,
        },
      ],
    },
    {
      type: "bargauge",
      id: 13,
      title: "App projection / quota",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 8,
        y: 27,
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
          expr: "min without (window) (provider_account_app:video_usage_quota_projected:ratio{provider=\"scaleengine\", account=~\"$account\", app=~\"$app\", period=\"month\", window=~\"1d|3d\"})",
          legendFormat: "{{account}} {{app}}",
          range: true,
        },
      ],
      description: "The app's egress at the month's end at the pace of the last day and of the last 3 days (the lower) / its quota: VideoUsageProjectedOverQuota fires above 100%.",
    },
    {
      type: "timeseries",
      id: 14,
      title: "Egress per hour, per app",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 16,
        y: 27,
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
          expr: "provider_account_app:video_usage_egress_bytes:increase1h{provider=\"scaleengine\", account=~\"$account\", app=~\"$app\", period=\"month\"}",
          legendFormat: "{{account}} {{app}}",
          range: true,
        },
      ],
      description: "Growth of the app's month-to-date bytes over the last hour, the basis of VideoUsageAppBandwidthSpike. The month's rollover and downward revisions count as 0.",
    },
    {
      type: "timeseries",
      id: 15,
      title: "Requests per app, month to date",
      datasource: ds,
      gridPos: {
        h: 7,
        w: 12,
        x: 0,
        y: 35,
      },
      fieldConfig: {
        defaults: {
          unit: "short",
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
          expr: "sum by (account, app) (scaleengine_app_requests{account=~\"$account\", app=~\"$app\", period=\"month\"})",
          legendFormat: "{{account}} {{app}}",
          range: true,
        },
      ],
    },
    {
      type: "timeseries",
      id: 16,
      title: "Estimated cost per account",
      datasource: ds,
      gridPos: {
        h: 7,
        w: 12,
        x: 12,
        y: 35,
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
          expr: "provider_account:video_usage_cost:sum{provider=\"scaleengine\", account=~\"$account\", period=\"month\"}",
          legendFormat: "{{account}} month ({{currency}})",
          range: true,
        },
        {
          datasource: ds,
          refId: "B",
          expr: "provider_account:video_usage_cost:projected{provider=\"scaleengine\", account=~\"$account\", period=\"month\"}",
          legendFormat: "{{account}} projected ({{currency}})",
          range: true,
        },
      ],
      description: "Estimated cost so far and projected to the month's end, in each account's currency.",
    },
    {
      type: "row",
      id: 17,
      title: "Streams",
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 42,
      },
      panels: [],
    },
    {
      type: "bargauge",
      id: 18,
      title: "Top $topn streams, month to date",
      datasource: ds,
      gridPos: {
        h: 10,
        w: 12,
        x: 0,
        y: 43,
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
          expr: "topk($topn, max by (account, app, video_url) (scaleengine_video_bytes{account=~\"$account\", app=~\"$app\", video_url=~\"$url\", video_url!=\"__other__\", period=\"month\"}))",
          legendFormat: "{{app}} {{video_url}}",
          instant: true,
          range: false,
        },
      ],
      description: "`__other__` (URLs folded together by `max_series` or filters) is left out: see its share below.",
    },
    {
      type: "bargauge",
      id: 19,
      title: "Top $topn streams, day to date",
      datasource: ds,
      gridPos: {
        h: 10,
        w: 12,
        x: 12,
        y: 43,
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
          expr: "topk($topn, max by (account, app, video_url) (scaleengine_video_bytes{account=~\"$account\", app=~\"$app\", video_url=~\"$url\", video_url!=\"__other__\", period=\"day\"}))",
          legendFormat: "{{app}} {{video_url}}",
          instant: true,
          range: false,
        },
      ],
      description: "`__other__` is left out.",
    },
    {
      type: "bargauge",
      id: 23,
      title: "Top $topn streams, last hour",
      datasource: ds,
      gridPos: {
        h: 9,
        w: 12,
        x: 0,
        y: 53,
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
          expr: "topk($topn, provider_account_stream:video_usage_egress_bytes:increase1h{provider=\"scaleengine\", account=~\"$account\", app=~\"$app\", video_url!=\"__other__\", video_url=~\"$url\", period=\"month\"})",
          legendFormat: "{{app}} {{video_url}}",
          instant: true,
          range: false,
        },
      ],
      description: "Video URLs by bytes in the last hour (growth of the month-to-date gauge), ranked at the end of the time range: where a hotlink or a spike shows first. `__other__` is left out.",
    },
    {
      type: "timeseries",
      id: 20,
      title: "Top streams: egress per hour",
      datasource: ds,
      gridPos: {
        h: 9,
        w: 12,
        x: 12,
        y: 53,
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
          expr: "provider_account_stream:video_usage_egress_bytes:increase1h{provider=\"scaleengine\", account=~\"$account\", app=~\"$app\", video_url!=\"__other__\", video_url=~\"$top_streams\", period=\"month\"}",
          legendFormat: "{{app}} {{video_url}}",
          range: true,
        },
      ],
      description: "Bytes per hour of the streams in the Top streams variable: the $topn URLs with the most bytes this month at the end of the time range, chosen once, so the legend does not change from step to step and the query reads $topn series, not every URL of the account. The per-stream growth is recorded every 5 minutes.",
    },
    {
      type: "bargauge",
      id: 21,
      title: "Top $topn streams by requests, month to date",
      datasource: ds,
      gridPos: {
        h: 9,
        w: 12,
        x: 0,
        y: 62,
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
          expr: "topk($topn, max by (account, app, video_url) (scaleengine_video_requests{account=~\"$account\", app=~\"$app\", video_url=~\"$url\", video_url!=\"__other__\", period=\"month\"}))",
          legendFormat: "{{app}} {{video_url}}",
          instant: true,
          range: false,
        },
      ],
      description: "`__other__` is left out.",
    },
    {
      type: "bargauge",
      id: 24,
      title: "Share of each app's bytes in __other__",
      datasource: ds,
      gridPos: {
        h: 9,
        w: 12,
        x: 12,
        y: 62,
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
                value: 0.2,
              },
              {
                color: "red",
                value: 0.5,
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
          expr: "(\n    max by (account, app) (scaleengine_video_bytes{account=~\"$account\", app=~\"$app\", video_url=\"__other__\", period=\"month\"})\n  or\n    max by (account, app) (scaleengine_app_bytes{account=~\"$account\", app=~\"$app\", period=\"month\"}) * 0\n)\n  /\nmax by (account, app) (scaleengine_app_bytes{account=~\"$account\", app=~\"$app\", period=\"month\"})",
          legendFormat: "{{account}} {{app}}",
          instant: true,
          range: false,
        },
      ],
      description: "Bytes this month of the URLs folded into `video_url=\"__other__\"` (`max_series`, `include`/`exclude`, `aggregate_only`) / the app's bytes: the part of the app that the per-stream panels cannot show. The exporter dashboard counts the folded series.",
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
