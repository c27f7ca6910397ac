// Rendered to dashboards/video-usage-exporter.json by mixin/render.py.
local ds = import '../lib/datasource.libsonnet';

function(cfg) {
  uid: "video-usage-exporter",
  title: "Video usage / Exporter health",
  description: "The exporter itself: scrape state, endpoint refreshes, provider API calls and failures, request durations, cache, data age, and its own resources (series served and folded, memory, CPU, file descriptors, configuration reloads).",
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
        name: "job",
        label: "Job",
        type: "query",
        datasource: ds,
        query: {
          qryType: 1,
          query: "label_values(up{%(jobSelector)s}, job)" % cfg,
          refId: "PrometheusVariableQueryEditor-VariableQuery",
        },
        refresh: 2,
        regex: "",
        sort: 1,
        hide: 0,
        includeAll: true,
        multi: true,
        options: [],
        allValue: cfg.jobRegex,
        current: {
          selected: true,
          text: ["All"],
          value: ["$__all"],
        },
        description: "The exporter's scrape jobs: `video-usage-exporter` and the sharded `video-usage-exporter-shard`, the selector of the rules' job_instance:video_usage_exporter_scrape:up (`jobRegex` in mixin/config.libsonnet). With another job name, change this variable's query and its custom All value with it.",
      },
      {
        name: "provider",
        label: "Provider",
        type: "query",
        datasource: ds,
        query: {
          qryType: 1,
          query: "label_values(video_usage_exporter_up{job=~\"$job\"}, provider)",
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
          query: "label_values(video_usage_exporter_up{job=~\"$job\", provider=~\"$provider\"}, account)",
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
      id: 19,
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
          expr: "ALERTS{alertname=~\"VideoUsage.*\", alertstate=\"firing\", job=~\"$job\", provider=~\"$provider|\", account=~\"$account|\"}\n  or\nALERTS{alertname=\"VideoUsageExporterAbsent\", alertstate=\"firing\"}",
          legendFormat: "{{alertname}} {{job}} {{instance}} {{provider}} {{account}} {{endpoint}} {{period}}",
          range: true,
        },
      ],
      description: "Alerts of the video-usage rules firing in the time range (Prometheus's ALERTS series) for the selected jobs: the exporter's own alerts and the usage alerts that keep `job`; VideoUsageExporterAbsent, which has no job, always.",
    },
    {
      type: "row",
      id: 1,
      title: "State",
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
      title: "Exporter scraped",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 4,
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
                color: "red",
                value: null,
              },
              {
                color: "green",
                value: 1,
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
                "0": {
                  text: "DOWN",
                  color: "red",
                  index: 0,
                },
                "1": {
                  text: "UP",
                  color: "green",
                  index: 1,
                },
              },
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
          expr: "up{job=~\"$job\"}",
          legendFormat: "{{instance}}",
          range: true,
        },
      ],
      description: "Prometheus's own `up` for the exporter's targets. VideoUsageExporterDown fires after 10 minutes down.",
    },
    {
      type: "stat",
      id: 3,
      title: "Endpoints failing",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 4,
        x: 4,
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
          expr: "sum(1 - video_usage_exporter_up{job=~\"$job\", provider=~\"$provider\", account=~\"$account\"})",
          legendFormat: "failing",
          range: true,
        },
      ],
      description: "Endpoints whose last refresh failed. VideoUsageEndpointFailing fires after 15 minutes.",
    },
    {
      type: "stat",
      id: 4,
      title: "Version",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 6,
        x: 8,
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
        textMode: "name",
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
          expr: "video_usage_exporter_build_info{job=~\"$job\"}",
          legendFormat: "{{version}} ({{revision}})",
          instant: true,
          range: false,
        },
      ],
    },
    {
      type: "stat",
      id: 5,
      title: "Scrape duration",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 5,
        x: 14,
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
          expr: "scrape_duration_seconds{job=~\"$job\"}",
          legendFormat: "{{instance}}",
          range: true,
        },
      ],
    },
    {
      type: "stat",
      id: 6,
      title: "Samples per scrape",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 5,
        x: 19,
        y: 5,
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
          expr: "scrape_samples_scraped{job=~\"$job\"}",
          legendFormat: "{{instance}}",
          range: true,
        },
      ],
    },
    {
      type: "state-timeline",
      id: 7,
      title: "Endpoint up",
      datasource: ds,
      gridPos: {
        h: 10,
        w: 24,
        x: 0,
        y: 10,
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
              {
                color: "green",
                value: 1,
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
                "0": {
                  text: "DOWN",
                  color: "red",
                  index: 0,
                },
                "1": {
                  text: "UP",
                  color: "green",
                  index: 1,
                },
              },
            },
          ],
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
          expr: "video_usage_exporter_up{job=~\"$job\", provider=~\"$provider\", account=~\"$account\"}",
          legendFormat: "{{provider}} {{account}} {{endpoint}} {{period}}",
          range: true,
        },
      ],
    },
    {
      type: "table",
      id: 8,
      title: "Endpoints",
      datasource: ds,
      gridPos: {
        h: 9,
        w: 24,
        x: 0,
        y: 20,
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
              options: "up",
            },
            properties: [
              {
                id: "unit",
                value: "none",
              },
              {
                id: "mappings",
                value: [
                  {
                    type: "value",
                    options: {
                      "0": {
                        text: "DOWN",
                        color: "red",
                        index: 0,
                      },
                      "1": {
                        text: "UP",
                        color: "green",
                        index: 1,
                      },
                    },
                  },
                ],
              },
              {
                id: "custom.cellOptions",
                value: {
                  type: "color-background",
                },
              },
              {
                id: "thresholds",
                value: {
                  mode: "absolute",
                  steps: [
                    {
                      color: "red",
                      value: null,
                    },
                    {
                      color: "green",
                      value: 1,
                    },
                  ],
                },
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
          expr: "max by (provider, account, endpoint, period) (video_usage_exporter_up{job=~\"$job\", provider=~\"$provider\", account=~\"$account\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
        {
          datasource: ds,
          refId: "B",
          expr: "time() - max by (provider, account, endpoint, period) (video_usage_exporter_last_success_timestamp_seconds{job=~\"$job\", provider=~\"$provider\", account=~\"$account\"})",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
        {
          datasource: ds,
          refId: "C",
          expr: "max by (provider, account, endpoint, period) (video_usage_exporter_refresh_interval_seconds{job=~\"$job\", provider=~\"$provider\", account=~\"$account\"})",
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
              "Value #A": "up",
              "Value #B": "data age",
              "Value #C": "refresh interval",
            },
            indexByName: {},
          },
        },
      ],
    },
    {
      type: "row",
      id: 20,
      title: "Exporter process",
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 29,
      },
      panels: [],
    },
    {
      type: "timeseries",
      id: 21,
      title: "Provider series served",
      datasource: ds,
      gridPos: {
        h: 7,
        w: 8,
        x: 0,
        y: 30,
      },
      fieldConfig: {
        defaults: {
          unit: "short",
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
          expr: "sum by (job, instance) (video_usage_exporter_series{job=~\"$job\", provider=~\"$provider\", account=~\"$account\"})",
          legendFormat: "{{instance}}",
          range: true,
        },
      ],
      description: "Provider series each target serves (`video_usage_exporter_series`, summed over the selected accounts, endpoints and periods): what scrape size, memory and Prometheus's storage grow with.",
    },
    {
      type: "timeseries",
      id: 22,
      title: "Series folded into __other__",
      datasource: ds,
      gridPos: {
        h: 7,
        w: 8,
        x: 8,
        y: 30,
      },
      fieldConfig: {
        defaults: {
          unit: "short",
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
          expr: "max by (provider, account, endpoint, period) (video_usage_exporter_series_dropped{job=~\"$job\", provider=~\"$provider\", account=~\"$account\"})",
          legendFormat: "{{provider}} {{account}} {{endpoint}} {{period}}",
          range: true,
        },
      ],
      description: "Series that `max_series`, `include`/`exclude` or `aggregate_only` folded into `__other__` rows (`video_usage_exporter_series_dropped`). Above 0, top-N panels cannot show those URLs or targets; `__other__` holds their sum.",
    },
    {
      type: "bargauge",
      id: 23,
      title: "Series per account",
      datasource: ds,
      gridPos: {
        h: 7,
        w: 8,
        x: 16,
        y: 30,
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
          expr: "sum by (provider, account) (max by (provider, account, endpoint, period) (video_usage_exporter_series{job=~\"$job\", provider=~\"$provider\", account=~\"$account\"}))",
          legendFormat: "{{provider}} {{account}}",
          instant: true,
          range: false,
        },
      ],
      description: "Provider series per account, each endpoint and period counted once across targets.",
    },
    {
      type: "timeseries",
      id: 24,
      title: "Resident memory",
      datasource: ds,
      gridPos: {
        h: 7,
        w: 8,
        x: 0,
        y: 37,
      },
      fieldConfig: {
        defaults: {
          unit: "bytes",
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
          expr: "process_resident_memory_bytes{job=~\"$job\"}",
          legendFormat: "{{instance}}",
          range: true,
        },
      ],
      description: "`process_resident_memory_bytes` of each exporter process.",
    },
    {
      type: "timeseries",
      id: 25,
      title: "CPU",
      datasource: ds,
      gridPos: {
        h: 7,
        w: 8,
        x: 8,
        y: 37,
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
          expr: "rate(process_cpu_seconds_total{job=~\"$job\"}[$__rate_interval])",
          legendFormat: "{{instance}}",
          range: true,
        },
      ],
      description: "CPU seconds per second of each exporter process (100% = one core).",
    },
    {
      type: "timeseries",
      id: 26,
      title: "Open file descriptors",
      datasource: ds,
      gridPos: {
        h: 7,
        w: 8,
        x: 16,
        y: 37,
      },
      fieldConfig: {
        defaults: {
          unit: "short",
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
        overrides: [
          {
            matcher: {
              id: "byRegexp",
              options: ".* share of limit",
            },
            properties: [
              {
                id: "unit",
                value: "percentunit",
              },
              {
                id: "custom.axisPlacement",
                value: "right",
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
          expr: "process_open_fds{job=~\"$job\"}",
          legendFormat: "{{instance}} open",
          range: true,
        },
        {
          datasource: ds,
          refId: "B",
          expr: "process_open_fds{job=~\"$job\"} / process_max_fds{job=~\"$job\"}",
          legendFormat: "{{instance}} share of limit",
          range: true,
        },
      ],
      description: "Open file descriptors (connections from scrapers and to providers, files) and their share of the process limit `process_max_fds` (right axis).",
    },
    {
      type: "stat",
      id: 27,
      title: "Uptime",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 8,
        x: 0,
        y: 44,
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
        textMode: "value_and_name",
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
          expr: "time() - process_start_time_seconds{job=~\"$job\"}",
          legendFormat: "{{instance}}",
          range: true,
        },
      ],
      description: "Time since each exporter process started: a short one after an unplanned restart points at a crash.",
    },
    {
      type: "stat",
      id: 28,
      title: "Last configuration (re)load",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 8,
        x: 8,
        y: 44,
      },
      fieldConfig: {
        defaults: {
          unit: "none",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "red",
                value: null,
              },
              {
                color: "green",
                value: 1,
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
                "0": {
                  text: "FAILED",
                  color: "red",
                  index: 0,
                },
                "1": {
                  text: "OK",
                  color: "green",
                  index: 1,
                },
              },
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
        orientation: "auto",
        textMode: "value_and_name",
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
          expr: "video_usage_exporter_config_last_reload_successful{job=~\"$job\"}",
          legendFormat: "{{instance}}",
          range: true,
        },
      ],
      description: "Whether each process's last configuration (re)load succeeded. VideoUsageConfigReloadFailed fires after 5 minutes failed; the reason is in the exporter's log.",
    },
    {
      type: "stat",
      id: 29,
      title: "Since the last successful (re)load",
      datasource: ds,
      gridPos: {
        h: 5,
        w: 8,
        x: 16,
        y: 44,
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
        textMode: "value_and_name",
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
          expr: "time() - video_usage_exporter_config_last_reload_success_timestamp_seconds{job=~\"$job\"}",
          legendFormat: "{{instance}}",
          range: true,
        },
      ],
      description: "Time since each process last loaded its configuration successfully.",
    },
    {
      type: "row",
      id: 9,
      title: "Provider API calls",
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
      id: 10,
      title: "API calls by status code",
      datasource: ds,
      gridPos: {
        h: 9,
        w: 12,
        x: 0,
        y: 50,
      },
      fieldConfig: {
        defaults: {
          unit: "reqps",
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
          expr: "sum by (provider, account, endpoint, code) (rate(video_usage_exporter_upstream_requests_total{job=~\"$job\", provider=~\"$provider\", account=~\"$account\"}[$__rate_interval]))",
          legendFormat: "{{provider}} {{account}} {{endpoint}} {{code}}",
          range: true,
        },
      ],
    },
    {
      type: "timeseries",
      id: 11,
      title: "Share of API calls failing",
      datasource: ds,
      gridPos: {
        h: 9,
        w: 12,
        x: 12,
        y: 50,
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
          min: 0,
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
          expr: "(sum by (provider, account, endpoint) (rate(video_usage_exporter_upstream_requests_total{job=~\"$job\", provider=~\"$provider\", account=~\"$account\", code!~\"2..\"}[$__rate_interval])) or sum by (provider, account, endpoint) (rate(video_usage_exporter_upstream_requests_total{job=~\"$job\", provider=~\"$provider\", account=~\"$account\"}[$__rate_interval])) * 0) / sum by (provider, account, endpoint) (rate(video_usage_exporter_upstream_requests_total{job=~\"$job\", provider=~\"$provider\", account=~\"$account\"}[$__rate_interval]))",
          legendFormat: "{{provider}} {{account}} {{endpoint}}",
          range: true,
        },
      ],
      description: "Answers other than 2xx, and `code=\"error\"` (no answer), among all calls. 404s of stream targets without viewer data count here.",
    },
    {
      type: "table",
      id: 12,
      title: "API calls in the time range",
      datasource: ds,
      gridPos: {
        h: 9,
        w: 12,
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
            mode: "thresholds",
          },
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        showHeader: true,
        cellHeight: "sm",
        frameIndex: 0,
        sortBy: [
          {
            displayName: "calls",
            desc: true,
          },
        ],
      },
      targets: [
        {
          datasource: ds,
          refId: "A",
          expr: "sum by (provider, account, endpoint, code) (increase(video_usage_exporter_upstream_requests_total{job=~\"$job\", provider=~\"$provider\", account=~\"$account\"}[$__range]))",
          legendFormat: "__auto",
          instant: true,
          range: false,
          format: "table",
        },
      ],
      transformations: [
        {
          id: "organize",
          options: {
            excludeByName: {
              Time: true,
            },
            renameByName: {
              Value: "calls",
            },
            indexByName: {},
          },
        },
      ],
    },
    {
      type: "timeseries",
      id: 13,
      title: "Request duration (p50, p90, p99)",
      datasource: ds,
      gridPos: {
        h: 9,
        w: 12,
        x: 12,
        y: 59,
      },
      fieldConfig: {
        defaults: {
          unit: "s",
          custom: {
            drawStyle: "line",
            lineInterpolation: "linear",
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: "never",
            spanNulls: true,
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
          expr: "histogram_quantile(0.5, sum by (le, provider, endpoint) (rate(video_usage_exporter_upstream_request_duration_seconds_bucket{job=~\"$job\", provider=~\"$provider\", account=~\"$account\"}[$__rate_interval])))",
          legendFormat: "p50 {{provider}} {{endpoint}}",
          range: true,
        },
        {
          datasource: ds,
          refId: "B",
          expr: "histogram_quantile(0.9, sum by (le, provider, endpoint) (rate(video_usage_exporter_upstream_request_duration_seconds_bucket{job=~\"$job\", provider=~\"$provider\", account=~\"$account\"}[$__rate_interval])))",
          legendFormat: "p90 {{provider}} {{endpoint}}",
          range: true,
        },
        {
          datasource: ds,
          refId: "C",
          expr: "histogram_quantile(0.99, sum by (le, provider, endpoint) (rate(video_usage_exporter_upstream_request_duration_seconds_bucket{job=~\"$job\", provider=~\"$provider\", account=~\"$account\"}[$__rate_interval])))",
          legendFormat: "p99 {{provider}} {{endpoint}}",
          range: true,
        },
      ],
    },
    {
      type: "row",
      id: 14,
      title: "Cache and data age",
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 68,
      },
      panels: [],
    },
    {
      type: "timeseries",
      id: 15,
      title: "Cache hit ratio",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 0,
        y: 69,
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
        legend: {
          displayMode: "table",
          placement: "bottom",
          showLegend: true,
          calcs: ["mean"],
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
          expr: "sum(rate(video_usage_exporter_cache_requests_total{job=~\"$job\", result=\"hit\"}[$__rate_interval])) / sum(rate(video_usage_exporter_cache_requests_total{job=~\"$job\"}[$__rate_interval]))",
          legendFormat: "hits",
          range: true,
        },
      ],
      description: "Scrape-time lookups served from fresh data; a miss starts a refresh (unless backing off).",
    },
    {
      type: "timeseries",
      id: 16,
      title: "Cache lookups by result",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 8,
        y: 69,
      },
      fieldConfig: {
        defaults: {
          unit: "ops",
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
          calcs: ["mean"],
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
          expr: "sum by (result) (rate(video_usage_exporter_cache_requests_total{job=~\"$job\"}[$__rate_interval]))",
          legendFormat: "{{result}}",
          range: true,
        },
      ],
    },
    {
      type: "bargauge",
      id: 17,
      title: "Data age / refresh interval",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 8,
        x: 16,
        y: 69,
      },
      fieldConfig: {
        defaults: {
          unit: "suffix: × interval",
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
              {
                color: "orange",
                value: 2,
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
          decimals: 1,
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
          expr: "(time() - video_usage_exporter_last_success_timestamp_seconds{job=~\"$job\", provider=~\"$provider\", account=~\"$account\", period!~\"previous_.*\"}) / video_usage_exporter_refresh_interval_seconds{job=~\"$job\", provider=~\"$provider\", account=~\"$account\", period!~\"previous_.*\"}",
          legendFormat: "{{provider}} {{account}} {{endpoint}} {{period}}",
          instant: true,
          range: false,
        },
      ],
      description: "VideoUsageDataStale fires above 3 (and 15 minutes). Previous periods refresh slowly and are left out.",
    },
    {
      type: "timeseries",
      id: 18,
      title: "Data age",
      datasource: ds,
      gridPos: {
        h: 8,
        w: 24,
        x: 0,
        y: 77,
      },
      fieldConfig: {
        defaults: {
          unit: "s",
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
          calcs: ["max"],
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
          expr: "time() - video_usage_exporter_last_success_timestamp_seconds{job=~\"$job\", provider=~\"$provider\", account=~\"$account\"}",
          legendFormat: "{{provider}} {{account}} {{endpoint}} {{period}}",
          range: true,
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
