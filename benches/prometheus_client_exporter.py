"""The same series as a Python prometheus_client exporter would serve them.

Reads a text exposition dumped by the scrape benchmark (VUE_BENCH_DUMP),
keeps the ScaleEngine gauges in memory as an exporter caches provider data,
and serves them with prometheus_client's own HTTP server, which renders the
families on every scrape (and gzips when asked), as such exporters do.
Usage: python3 prometheus_client_exporter.py DUMP PORT
"""

import re
import sys
import time

from prometheus_client import start_http_server
from prometheus_client.core import REGISTRY, GaugeMetricFamily

SAMPLE = re.compile(r'^(scaleengine_[a-z_]+)\{(.*)\} (\S+)$')
LABEL = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')


def load(path):
    families = {}
    with open(path, encoding="utf-8") as dump:
        for line in dump:
            match = SAMPLE.match(line.rstrip("\n"))
            if not match:
                continue
            name, labels, value = match.groups()
            pairs = LABEL.findall(labels)
            family = families.setdefault(name, ([k for k, _ in pairs], []))
            family[1].append(([v.replace('\\"', '"').replace("\\\\", "\\") for _, v in pairs], float(value)))
    return families


class Cached:
    def __init__(self, families):
        self.families = families

    def collect(self):
        for name, (labels, samples) in self.families.items():
            family = GaugeMetricFamily(name, name, labels=labels)
            for values, value in samples:
                family.add_metric(values, value)
            yield family


def main():
    REGISTRY.register(Cached(load(sys.argv[1])))
    start_http_server(int(sys.argv[2]), addr="127.0.0.1")
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
