#!/usr/bin/env python3
"""Renders the monitoring mixin (mixin/*.libsonnet) to the files users load.

    python3 mixin/render.py            # write the files below
    python3 mixin/render.py --check    # exit 1 when a committed file differs

Writes alerts/video-usage.rules.yml from `prometheusAlerts` (each group's and
rule's hidden `comment::` becomes the YAML comment above it),
dashboards/*.json from `grafanaDashboards` (keys in jsonnet's sorted order),
and then deploy/kubernetes/prometheusrule.yaml from the rule file
(deploy/kubernetes/generate-prometheusrule.py). Needs the `jsonnet` and
`PyYAML` Python packages (`pip install jsonnet pyyaml`; .ci/deploy installs
both in target/ci-venv).

The YAML is written here, not by a YAML library, so that the comments, the
key order of a rule file and literal blocks for PromQL are kept; every
output is parsed back and must equal the mixin's data exactly.
"""

import argparse
import json
import pathlib
import re
import subprocess
import sys

try:
    import _jsonnet
    import yaml
except ImportError:
    sys.exit(
        "render.py needs the jsonnet and PyYAML packages: `pip install jsonnet pyyaml` "
        "(or run .ci/deploy, which installs them in target/ci-venv)"
    )

ROOT = pathlib.Path(__file__).resolve().parents[1]
MIXIN = ROOT / "mixin"
RULES = "alerts/video-usage.rules.yml"
DASHBOARDS = "dashboards"
PROMETHEUS_RULE = "deploy/kubernetes/prometheusrule.yaml"

# The mixin's data, with the hidden comments made visible under `#`.
EXPORT = """
local m = import 'mixin.libsonnet';
local withComment(o) = o + (if std.objectHasAll(o, 'comment') then { '#': o.comment } else {});
{
  header: m.rulesFileComment,
  dashboards: m.grafanaDashboards,
  groups: [
    withComment(g) { rules: [withComment(r) for r in g.rules] }
    for g in m.prometheusAlerts.groups
  ],
}
"""

RULE_KEYS = ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"]
GROUP_KEYS = ["name", "interval", "limit", "query_offset", "labels", "rules"]
ANNOTATION_ORDER = ["summary", "description", "runbook", "runbook_url", "dashboard", "dashboard_url"]
PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:/-]*$")
# Longer single-line strings are folded (`>-`) at about this width.
FOLD = 100


def comment(text, indent):
    pad = " " * indent
    return [f"{pad}# {line}".rstrip() if line else f"{pad}#" for line in text.rstrip("\n").split("\n")]


def scalar(key, value, indent):
    """`key: value` lines for one string, in the plainest style that reads
    back as the same string."""
    pad = " " * indent
    if "\n" in value:
        # `|` keeps one final line break, `|-` none.
        chomp = "" if value.endswith("\n") else "-"
        body = value[:-1] if chomp == "" else value
        lines = [f"{pad}{key}: |{chomp}"]
        lines += [f"{pad}  {line}".rstrip() for line in body.split("\n")]
        return lines
    text = value.rstrip("\n")
    if PLAIN.match(text) and yaml.safe_load(text) == text:
        return [f"{pad}{key}: {text}"]
    if len(text) > FOLD and "  " not in text and text == text.strip():
        words, lines, line = text.split(" "), [], ""
        for word in words:
            if line and len(line) + 1 + len(word) > FOLD:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
        return [f"{pad}{key}: >-"] + [f"{pad}  {line}" for line in lines]
    return [f"{pad}{key}: '" + text.replace("'", "''") + "'"]


def ordered(mapping, order):
    known = [k for k in order if k in mapping]
    extra = sorted(k for k in mapping if k not in order)
    return known + extra


def render_rules(data):
    out = comment(data["header"], 0) + ["groups:"]
    for g, group in enumerate(data["groups"]):
        if g:
            out.append("")
        if "#" in group:
            out += comment(group["#"], 2)
        keys = ordered({k: v for k, v in group.items() if k != "#"}, GROUP_KEYS)
        first = True
        for key in keys:
            prefix = "  - " if first else "    "
            first = False
            if key == "rules":
                out.append(f"{prefix}rules:")
                for r, rule in enumerate(group["rules"]):
                    if r:
                        out.append("")
                    out += render_rule(rule)
            else:
                out += [prefix + line.lstrip() for line in scalar(key, str(group[key]), 0)]
    return "\n".join(out) + "\n"


def render_rule(rule):
    out = comment(rule["#"], 6) if "#" in rule else []
    first = True
    for key in ordered({k: v for k, v in rule.items() if k != "#"}, RULE_KEYS):
        value = rule[key]
        if isinstance(value, dict):
            lines = [f"        {key}:"]
            order = ANNOTATION_ORDER if key == "annotations" else []
            for k in ordered(value, order):
                lines += scalar(k, value[k], 10)
        else:
            lines = scalar(key, value, 8)
        if first:
            lines[0] = "      - " + lines[0][8:]
            first = False
        out += lines
    return out


def strip_comments(groups):
    return [
        {k: ([{rk: rv for rk, rv in r.items() if rk != "#"} for r in v] if k == "rules" else v)
         for k, v in g.items() if k != "#"}
        for g in groups
    ]


def render():
    """{path: text} of every rendered file but the PrometheusRule."""
    data = json.loads(_jsonnet.evaluate_snippet("render", EXPORT, jpathdir=[str(MIXIN)]))
    text = render_rules(data)
    if yaml.safe_load(text) != {"groups": strip_comments(data["groups"])}:
        sys.exit("internal error: the rendered rules do not parse back to the mixin's groups")
    files = {RULES: text}
    for name, dashboard in sorted(data["dashboards"].items()):
        files[f"{DASHBOARDS}/{name}"] = json.dumps(dashboard, indent=2, ensure_ascii=False) + "\n"
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    args = parser.parse_args()
    files = render()
    if args.check:
        stale = [path for path, text in files.items()
                 if not (ROOT / path).exists() or (ROOT / path).read_text(encoding="utf-8") != text]
        # A dashboard file that the mixin does not render is stale too.
        stale += sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / DASHBOARDS).glob("*.json")
                        if p.relative_to(ROOT).as_posix() not in files)
        if stale:
            sys.exit("out of date with mixin/: " + ", ".join(stale) + ". Run python3 mixin/render.py and commit.")
        print(f"mixin: {len(files)} rendered files up to date")
        return
    for path, text in files.items():
        (ROOT / path).write_text(text, encoding="utf-8")
    subprocess.run([sys.executable, str(ROOT / "deploy/kubernetes/generate-prometheusrule.py")], check=True)
    print(f"mixin: wrote {', '.join(files)} and {PROMETHEUS_RULE}")


if __name__ == "__main__":
    main()
