// Rendered to dashboards/video-usage-wowza.json by mixin/render.py.
local ds = import '../lib/datasource.libsonnet';

function(cfg) {
  uid: "video-usage-wowza",
  title: "Video usage / Wowza Streaming Cloud",
  description: "Wowza transcoders, network, recording storage and viewers (by country, protocol and rendition). Wowza's numbers lag: see the data freshness row.",
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
          query: "label_values(video_usage_period_start_timestamp_seconds{provider=\"wowza\"}, account)",
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
        description: "Every Wowza account the exporter serves, with or without transcoders (from the period gauges, which every account has).",
      },
      {
        name: "period",
        label: "Period",
        type: "query",
        datasource: ds,
        query: {
          qryType: 1,
          query: "label_values(video_usage_period_start_timestamp_seconds{provider=\"wowza\", account=~\"$account\"}, period)",
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
      },
      {
        name: "transcoder",
        label: "Transcoder",
        type: "query",
        datasource: ds,
        query: {
          qryType: 1,
          query: "label_values(wowza_cloud_transcoder_used_seconds{account=~\"$account\"}, transcoder_name)",
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
        name: "stream_target",
        label: "Stream target",
        type: "query",
        datasource: ds,
        query: {
          qryType: 1,
          query: "label_values(wowza_cloud_stream_target_used_bytes{account=~\"$account\"}, stream_target_name)",
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
    ],
  },
  panels: [
    {
      type: "state-timeline",
      id: 36,
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
          expr: "ALERTS{alertname=~\"VideoUsage.*\", alertstate=\"firing\", provider=\"wowza\", account=~\"$account\"}\n  or\nALERTS{alertname=~\"VideoUsage.*\", alertstate=\"firing\", account=~\"$account\", transcoder_id!=\"\"}\n  or\nALERTS{alertname=~\"VideoUsage.*\", alertstate=\"firing\", account=~\"$account\", stream_target_id!=\"\"}",
          legendFormat: "{{alertname}} {{account}} {{transcoder_name}}{{stream_target_name}}{{resource}} {{period}}",
          range: true,
        },
      ],
      description: "Alerts of the video-usage rules firing in the time range (Prometheus's ALERTS series) for the selected Wowza accounts: account-level ones and those naming a transcoder or stream target.",
    },
    {
      type: "row",
      id: 1,
      title: "Transcoders",
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
      title: "Processing time used",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 4,
        x: 0,
        y: 5,
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
          expr: "sum(wowza_cloud_transcoder_used_seconds{account=~\"$account\", period=\"$period\", transcoder_name=~\"$transcoder\"})",
          legendFormat: "used",
          range: true,
        },
      ],
    },
    {
      type: "stat",
      id: 3,
      title: "Processing time billed",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 4,
        x: 4,
        y: 5,
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
          expr: "sum(wowza_cloud_transcoder_billed_seconds{account=~\"$account\", period=\"$period\", transcoder_name=~\"$transcoder\"})",
          legendFormat: "billed",
          range: true,
        },
      ],
      description: "Wowza bills transcoder time every 12 hours.",
    },
    {
      type: "stat",
      id: 4,
      title: "Billed, projected to period end",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 4,
        x: 8,
        y: 5,
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
          expr: "sum(provider_account:video_usage_transcoder_seconds:projected{provider=\"wowza\", account=~\"$account\", period=\"$period\"})",
          legendFormat: "projected",
          range: true,
        },
      ],
    },
    {
      type: "gauge",
      id: 5,
      title: "Transcoder quota used",
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
          expr: "provider_account_resource:video_usage_quota_used:ratio{provider=\"wowza\", account=~\"$account\", period=\"$period\", resource=\"transcoder\"}",
          legendFormat: "{{account}}",
          range: true,
        },
      ],
    },
    {
      type: "stat",
      id: 6,
      title: "Estimated transcoder cost",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 4,
        x: 16,
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
          expr: "sum by (currency) (provider_account_resource:video_usage_cost:sum{provider=\"wowza\", account=~\"$account\", period=\"$period\", resource=\"transcoder\"})",
          legendFormat: "{{currency}}",
          range: true,
        },
      ],
      description: "Billed seconds x the price of the transcoder's type, per currency.",
    },
    {
      type: "bargauge",
      id: 7,
      title: "Billed time by mode and type",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 4,
        x: 20,
        y: 5,
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
          expr: "sum by (billing_mode, transcoder_type) (wowza_cloud_transcoder_billed_seconds{account=~\"$account\", period=\"$period\", transcoder_name=~\"$transcoder\"})",
          legendFormat: "{{billing_mode}} {{transcoder_type}}",
          instant: true,
          range: false,
        },
      ],
    },
    {
      type: "timeseries",
      id: 8,
      title: "Processing time per transcoder",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 12,
        x: 0,
        y: 10,
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
          expr: "wowza_cloud_transcoder_used_seconds{account=~\"$account\", period=\"$period\", transcoder_name=~\"$transcoder\"}",
          legendFormat: "{{account}} {{transcoder_name}} ({{billing_mode}}, {{transcoder_type}})",
          range: true,
        },
      ],
    },
    {
      type: "timeseries",
      id: 9,
      title: "Share of time processing (last hour)",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 12,
        x: 12,
        y: 10,
      },
      fieldConfig: {
        defaults: {
          unit: "percentunit",
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
          expr: "max by (account, transcoder_id, transcoder_name) (\n  provider_account_transcoder:video_usage_transcoder_used_seconds:increase1h{provider=\"wowza\", account=~\"$account\", period=~\"month|day\", transcoder_name=~\"$transcoder\"}\n) / 3600",
          legendFormat: "{{account}} {{transcoder_name}}",
          range: true,
        },
      ],
      description: "Processing seconds used in the last hour / 3600: 100% is a transcoder running all the time. The larger growth of the month and the day to date (a day's rollover does not hide an hour), whatever the period selected; absent while the account's transcoder data is stale. VideoUsageTranscoderLeftRunning fires on 75% over 6 hours.",
    },
    {
      type: "table",
      id: 10,
      title: "Transcoders",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 24,
        x: 0,
        y: 18,
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
        overrides: [
          {
            matcher: {
              id: "byName",
              options: "Egress used",
            },
            properties: [
              {
                id: "unit",
                value: "decbytes",
              },
            ],
          },
          {
            matcher: {
              id: "byName",
              options: "Egress billed",
            },
            properties: [
              {
                id: "unit",
                value: "decbytes",
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
            displayName: "Time used",
            desc: true,
          },
        ],
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "sum by (account, transcoder_id, transcoder_name, billing_mode, transcoder_type, deleted) (wowza_cloud_transcoder_used_seconds{account=~\"$account\", period=\"$period\", transcoder_name=~\"$transcoder\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
        {
          datasource: ds,
          refId: "B",
          expr: "sum by (account, transcoder_id, transcoder_name, billing_mode, transcoder_type, deleted) (wowza_cloud_transcoder_billed_seconds{account=~\"$account\", period=\"$period\", transcoder_name=~\"$transcoder\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
        {
          datasource: ds,
          refId: "C",
          expr: "sum by (account, transcoder_id, transcoder_name, billing_mode, transcoder_type, deleted) (wowza_cloud_transcoder_egress_used_bytes{account=~\"$account\", period=\"$period\", transcoder_name=~\"$transcoder\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
        {
          datasource: ds,
          refId: "D",
          expr: "sum by (account, transcoder_id, transcoder_name, billing_mode, transcoder_type, deleted) (wowza_cloud_transcoder_egress_billed_bytes{account=~\"$account\", period=\"$period\", transcoder_name=~\"$transcoder\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
      ],
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
              "Value #A": "Time used",
              "Value #B": "Time billed",
              "Value #C": "Egress used",
              "Value #D": "Egress billed",
            },
            indexByName: {},
          },
        },
      ],
    },
    {
      type: "row",
      id: 11,
      title: "Network",
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 26,
      },
      panels: [],
    },
    {
      type: "timeseries",
      id: 12,
      title: "Stream target egress",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 0,
        y: 27,
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
          expr: "wowza_cloud_stream_target_used_bytes{account=~\"$account\", period=\"$period\", stream_target_name=~\"$stream_target\"}",
          legendFormat: "{{account}} {{stream_target_name}} used",
          range: true,
        },
        {
          datasource: ds,
          refId: "B",
          expr: "wowza_cloud_stream_target_billed_bytes{account=~\"$account\", period=\"$period\", stream_target_name=~\"$stream_target\"}",
          legendFormat: "{{account}} {{stream_target_name}} billed",
          range: true,
        },
      ],
      description: "Hourly, about 3 hours behind; billed every 12 hours.",
    },
    {
      type: "timeseries",
      id: 37,
      title: "Stream target egress per hour",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 8,
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
          expr: "provider_account_stream:video_usage_egress_bytes:increase1h{provider=\"wowza\", account=~\"$account\", stream_target_name=~\"$stream_target\", period=\"month\"}",
          legendFormat: "{{account}} {{stream_target_name}}",
          range: true,
        },
      ],
      description: "Growth of each stream target's month-to-date bytes used over the last hour (the month's rollover and downward revisions count as 0), recorded every 5 minutes. Wowza reports network usage hourly, about 3 hours late: the bytes of an hour arrive together.",
    },
    {
      type: "timeseries",
      id: 13,
      title: "Transcoder egress",
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
          expr: "sum by (account, transcoder_name) (wowza_cloud_transcoder_egress_used_bytes{account=~\"$account\", period=\"$period\", transcoder_name=~\"$transcoder\"})",
          legendFormat: "{{account}} {{transcoder_name}}",
          range: true,
        },
      ],
    },
    {
      type: "timeseries",
      id: 14,
      title: "Stream source ingest",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 0,
        y: 35,
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
          expr: "wowza_cloud_stream_source_used_bytes{account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{account}} {{stream_source_name}}",
          range: true,
        },
      ],
    },
    {
      type: "bargauge",
      id: 15,
      title: "Stream target egress by protocol",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 8,
        y: 35,
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
          expr: "sum by (protocol) (wowza_cloud_stream_target_zone_used_bytes{account=~\"$account\", period=\"$period\", stream_target_name=~\"$stream_target\"})",
          legendFormat: "{{protocol}}",
          instant: true,
          range: false,
        },
      ],
    },
    {
      type: "bargauge",
      id: 16,
      title: "Stream target egress by zone",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 16,
        y: 35,
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
          expr: "sum by (zone) (wowza_cloud_stream_target_zone_used_bytes{account=~\"$account\", period=\"$period\", stream_target_name=~\"$stream_target\"})",
          legendFormat: "{{zone}}",
          instant: true,
          range: false,
        },
      ],
    },
    {
      type: "gauge",
      id: 17,
      title: "Egress quota used",
      datasource: ds,
      gridPos: {
        h: 6,
        w: 8,
        x: 0,
        y: 43,
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
          expr: "provider_account_resource:video_usage_quota_used:ratio{provider=\"wowza\", account=~\"$account\", period=\"$period\", resource=\"egress\"}",
          legendFormat: "{{account}}",
          range: true,
        },
      ],
    },
    {
      type: "stat",
      id: 18,
      title: "Estimated egress cost",
      datasource: ds,
      gridPos: {
        h: 6,
        w: 8,
        x: 8,
        y: 43,
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
          expr: "sum by (currency) (provider_account_resource:video_usage_cost:sum{provider=\"wowza\", account=~\"$account\", period=\"$period\", resource=\"egress\"})",
          legendFormat: "{{currency}}",
          range: true,
        },
      ],
      description: "Billed stream-target and transcoder egress x price per byte, per currency.",
    },
    {
      type: "stat",
      id: 19,
      title: "Billable egress, projected to period end",
      datasource: ds,
      gridPos: {
        h: 6,
        w: 8,
        x: 16,
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
          expr: "sum(provider_account:video_usage_egress_bytes:projected{provider=\"wowza\", account=~\"$account\", period=\"$period\"})",
          legendFormat: "projected",
          range: true,
        },
      ],
    },
    {
      type: "row",
      id: 20,
      title: "Recording storage",
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 49,
      },
      panels: [],
    },
    {
      type: "timeseries",
      id: 21,
      title: "Peak recording storage",
      datasource: ds,
      gridPos: {
        h: 8,
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
          expr: "provider_account:video_usage_storage_bytes:max{provider=\"wowza\", account=~\"$account\", period=\"$period\"}",
          legendFormat: "{{account}} peak",
          range: true,
        },
        {
          datasource: ds,
          refId: "B",
          expr: "max by (account) (video_usage_quota_bytes{provider=\"wowza\", account=~\"$account\", resource=\"storage\", period=\"$period\"})",
          legendFormat: "{{account}} quota",
          range: true,
        },
      ],
    },
    {
      type: "gauge",
      id: 22,
      title: "Storage quota used",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 6,
        x: 12,
        y: 50,
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
          expr: "provider_account_resource:video_usage_quota_used:ratio{provider=\"wowza\", account=~\"$account\", period=\"$period\", resource=\"storage\"}",
          legendFormat: "{{account}}",
          range: true,
        },
      ],
      description: "The storage quota is monthly. VideoUsageRecordingStorageNearQuota fires at 90%.",
    },
    {
      type: "stat",
      id: 23,
      title: "Estimated storage cost",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 6,
        x: 18,
        y: 50,
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
          expr: "sum by (currency) (provider_account_resource:video_usage_cost:sum{provider=\"wowza\", account=~\"$account\", period=\"$period\", resource=\"storage\"})",
          legendFormat: "{{currency}}",
          range: true,
        },
      ],
      description: "Peak bytes x price per byte-month, per currency; months only.",
    },
    {
      type: "row",
      id: 24,
      title: "Viewers",
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 58,
      },
      panels: [],
    },
    {
      type: "geomap",
      id: 25,
      title: "Unique viewers by country",
      datasource: ds,
      gridPos: {
        h: 12,
        w: 14,
        x: 0,
        y: 59,
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
            mode: "continuous-GrYlRd",
          },
        },
        overrides: [],
      },
      options: {
        view: {
          id: "zero",
          lat: 30,
          lon: 10,
          zoom: 1,
          allLayers: true,
        },
        controls: {
          showZoom: true,
          mouseWheelZoom: false,
          showAttribution: true,
        },
        basemap: {
          type: "default",
          name: "Basemap",
          config: {},
        },
        layers: [
          {
            type: "markers",
            name: "Unique viewers",
            config: {
              showLegend: true,
              style: {
                color: {
                  field: "Value",
                  fixed: "dark-green",
                },
                opacity: 0.5,
                size: {
                  field: "Value",
                  fixed: 5,
                  min: 4,
                  max: 30,
                },
                symbol: {
                  fixed: "img/icons/marker/circle.svg",
                  mode: "fixed",
                },
                text: {
                  field: "country",
                  fixed: "",
                  mode: "field",
                },
                textConfig: {
                  fontSize: 10,
                  offsetX: 0,
                  offsetY: 0,
                  textAlign: "center",
                  textBaseline: "middle",
                },
              },
            },
            location: {
              mode: "lookup",
              lookup: "country",
              gazetteer: "public/gazetteer/countries.json",
            },
            tooltip: true,
          },
        ],
        tooltip: {
          mode: "details",
        },
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "sum by (country) (wowza_cloud_stream_target_unique_viewers_by_country{account=~\"$account\", period=\"$period\", stream_target_name=~\"$stream_target\"})",
          legendFormat: "{{country}}",
          instant: true,
          range: false,
          format: "table",
        },
      ],
      description: "Countries by ISO 3166 code, located with Grafana's country gazetteer. Unique viewers are final up to 48 h after a stream.",
    },
    {
      type: "bargauge",
      id: 26,
      title: "Unique viewers by country",
      datasource: ds,
      gridPos: {
        h: 12,
        w: 10,
        x: 14,
        y: 59,
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
          expr: "sum by (country) (wowza_cloud_stream_target_unique_viewers_by_country{account=~\"$account\", period=\"$period\", stream_target_name=~\"$stream_target\"})",
          legendFormat: "{{country}}",
          instant: true,
          range: false,
        },
      ],
    },
    {
      type: "piechart",
      id: 27,
      title: "Unique viewers by protocol",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 0,
        y: 71,
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
        pieType: "pie",
        orientation: "auto",
        sort: "desc",
        legend: {
          calcs: [],
          displayMode: "table",
          placement: "right",
          showLegend: true,
          values: ["value", "percent"],
        },
        tooltip: {
          mode: "single",
          sort: "none",
        },
        displayLabels: [],
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "sum by (protocol) (wowza_cloud_stream_target_unique_viewers_by_protocol{account=~\"$account\", period=\"$period\", stream_target_name=~\"$stream_target\"})",
          legendFormat: "{{protocol}}",
          instant: true,
          range: false,
        },
      ],
    },
    {
      type: "bargauge",
      id: 28,
      title: "Unique viewers by rendition",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 8,
        y: 71,
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
          expr: "sum by (rendition) (wowza_cloud_stream_target_unique_viewers_by_rendition{account=~\"$account\", period=\"$period\", stream_target_name=~\"$stream_target\"})",
          legendFormat: "{{rendition}} kbps",
          instant: true,
          range: false,
        },
      ],
    },
    {
      type: "bargauge",
      id: 29,
      title: "Viewing time by country",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 16,
        y: 71,
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
          expr: "sum by (country) (wowza_cloud_stream_target_viewing_seconds_by_country{account=~\"$account\", period=\"$period\", stream_target_name=~\"$stream_target\"})",
          legendFormat: "{{country}}",
          instant: true,
          range: false,
        },
      ],
    },
    {
      type: "timeseries",
      id: 30,
      title: "Unique viewers per stream target",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 12,
        x: 0,
        y: 79,
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
          expr: "wowza_cloud_stream_target_unique_viewers{account=~\"$account\", period=\"$period\", stream_target_name=~\"$stream_target\"}",
          legendFormat: "{{account}} {{stream_target_name}}",
          range: true,
        },
      ],
    },
    {
      type: "stat",
      id: 31,
      title: "Average viewing time",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 6,
        x: 12,
        y: 79,
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
          expr: "sum(wowza_cloud_stream_target_viewing_seconds{account=~\"$account\", period=\"$period\", stream_target_name=~\"$stream_target\"}) / sum(wowza_cloud_stream_target_unique_viewers{account=~\"$account\", period=\"$period\", stream_target_name=~\"$stream_target\"})",
          legendFormat: "average",
          range: true,
        },
      ],
      description: "Viewing time / unique viewers (Wowza's seconds_avg_viewing_time).",
    },
    {
      type: "stat",
      id: 32,
      title: "Viewing time",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 6,
        x: 18,
        y: 79,
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
          expr: "sum(wowza_cloud_stream_target_viewing_seconds{account=~\"$account\", period=\"$period\", stream_target_name=~\"$stream_target\"})",
          legendFormat: "total",
          range: true,
        },
      ],
    },
    {
      type: "row",
      id: 33,
      title: "Data freshness",
      collapsed: true,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 87,
      },
      panels: [
        {
          type: "bargauge",
          id: 34,
          title: "Age of each resource's query",
          datasource: ds,
          gridPos: {
            h: 8,
            w: 12,
            x: 0,
            y: 88,
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
                  {
                    color: "orange",
                    value: 7200,
                  },
                  {
                    color: "red",
                    value: 21600,
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
              expr: "time() - max by (account, resource) (wowza_cloud_usage_window_end_timestamp_seconds{account=~\"$account\", period=\"$period\"})",
              legendFormat: "{{account}} {{resource}}",
              instant: true,
              range: false,
            },
          ],
          description: "Time since the `to` of the last successful query. Wowza's own lag (up to 3 h for network, 12 h for billing) comes on top.",
        },
        {
          type: "table",
          id: 35,
          title: "Query windows",
          datasource: ds,
          gridPos: {
            h: 8,
            w: 12,
            x: 12,
            y: 88,
          },
          fieldConfig: {
            defaults: {
              unit: "dateTimeAsIso",
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
            showHeader: true,
            cellHeight: "sm",
            frameIndex: 0,
          },
          targets: [
            {
              datasource: ds,
              refId: "A",
              expr: "max by (account, resource) (wowza_cloud_usage_window_start_timestamp_seconds{account=~\"$account\", period=\"$period\"}) * 1000",
              legendFormat: "__auto",
              instant: true,
              range: false,
              format: "table",
            },
            {
              datasource: ds,
              refId: "B",
              expr: "max by (account, resource) (wowza_cloud_usage_window_end_timestamp_seconds{account=~\"$account\", period=\"$period\"}) * 1000",
              legendFormat: "__auto",
              instant: true,
              range: false,
              format: "table",
            },
          ],
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
                  "Value #A": "from",
                  "Value #B": "to",
                },
                indexByName: {},
              },
            },
          ],
        },
      ],
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
