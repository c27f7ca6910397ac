#!/usr/bin/env python3
"""Generates deploy/kubernetes/prometheusrule.yaml from alerts/*.yml.

The Prometheus Operator loads rules from PrometheusRule objects, not files:
this wraps the rule groups of every rule file, unchanged, in one
PrometheusRule. Re-run it after editing alerts/:

    python3 deploy/kubernetes/generate-prometheusrule.py

`-o FILE` writes elsewhere (`-o -`: standard output); .ci/deploy does that
and fails when the committed file differs. Needs PyYAML.

The output is deterministic: files in name order, groups and keys in file
order, long lines never folded. Comments in the rule files are not carried
over (the cluster would not keep them either); alerts/ is the source to
read. The groups go into one PrometheusRule, which the operator turns into
one rule file, so group names must be unique across alerts/*.yml: a
duplicate is an error here, as it would be in Prometheus.
"""

import argparse
import pathlib
import sys

try:
    import yaml
except ImportError:
    sys.exit(
        "generate-prometheusrule.py needs PyYAML: `pip install pyyaml` "
        "(or run .ci/deploy, which installs it in target/ci-venv)"
    )

ROOT = pathlib.Path(__file__).resolve().parents[2]
RULES = "alerts/*.yml"
OUTPUT = "deploy/kubernetes/prometheusrule.yaml"
NAME = "video-usage-exporter"
# What a Prometheus rule file may hold (prometheus/model/rulefmt).
GROUP_KEYS = {"name", "interval", "limit", "query_offset", "labels", "rules"}
RULE_KEYS = {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"}


class Dumper(yaml.SafeDumper):
    """Block style, multi-line strings as literal blocks, no anchors."""

    def ignore_aliases(self, data):
        return True

    def increase_indent(self, flow=False, indentless=False):
        # Lists indented under their key, as in the rule files.
        return super().increase_indent(flow, False)


def _str(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


Dumper.add_representer(str, _str)


def dump(data):
    return yaml.dump(
        data,
        Dumper=Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 16,
    )


def fail(path, message):
    sys.exit(f"{path}: {message}")


def load_groups(path):
    """The `groups` of one rule file, checked for the shape Prometheus needs."""
    rel = path.relative_to(ROOT)
    try:
        docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as err:
        fail(rel, f"not YAML: {err}")
    docs = [d for d in docs if d is not None]
    if len(docs) != 1 or not isinstance(docs[0], dict):
        fail(rel, "a rule file is one YAML mapping with `groups`")
    extra = set(docs[0]) - {"groups"}
    if extra:
        fail(rel, f"unknown top-level keys {sorted(extra)}: a rule file has only `groups`")
    groups = docs[0].get("groups") or []
    if not isinstance(groups, list):
        fail(rel, "`groups` is not a list")
    for group in groups:
        if not isinstance(group, dict) or not isinstance(group.get("name"), str):
            fail(rel, "every group needs a `name`")
        name = group["name"]
        extra = set(group) - GROUP_KEYS
        if extra:
            fail(rel, f"group {name}: unknown keys {sorted(extra)}")
        if not isinstance(group.get("rules"), list):
            fail(rel, f"group {name}: `rules` is not a list")
        for i, rule in enumerate(group["rules"]):
            if not isinstance(rule, dict):
                fail(rel, f"group {name}, rule {i}: not a mapping")
            extra = set(rule) - RULE_KEYS
            if extra:
                fail(rel, f"group {name}, rule {i}: unknown keys {sorted(extra)}")
            if ("record" in rule) == ("alert" in rule) or "expr" not in rule:
                fail(rel, f"group {name}, rule {i}: needs `expr` and one of `record`, `alert`")
    return groups


def generate():
    files = sorted(ROOT.glob(RULES))
    if not files:
        sys.exit(f"no rule files match {RULES}")
    seen = {}
    parts = []
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        groups = load_groups(path)
        for group in groups:
            if group["name"] in seen:
                fail(rel, f"group name {group['name']!r} is also used in {seen[group['name']]}")
            seen[group["name"]] = rel
        parts.append((rel, groups))

    head = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": NAME,
            "labels": {"app.kubernetes.io/name": NAME},
        },
    }
    out = [
        f"# Generated from {RULES} by deploy/kubernetes/generate-prometheusrule.py.\n",
        "# Do not edit: change the rule files and re-run the script.\n",
        "# The Prometheus Operator selects PrometheusRules by label\n",
        "# (kube-prometheus-stack: `release: <its Helm release>`): add yours below.\n",
        dump(head),
        "spec:\n",
        "  groups:\n",
    ]
    for rel, groups in parts:
        out.append(f"    # {rel}\n")
        if groups:
            text = dump(groups)
            out.extend("    " + line if line.strip() else line for line in text.splitlines(True))
    text = "".join(out)

    # The text must parse back to exactly the rule files' groups.
    parsed = yaml.safe_load(text)
    expected = [g for _, groups in parts for g in groups]
    if parsed.get("spec", {}).get("groups") != expected:
        sys.exit("internal error: the generated PrometheusRule does not parse back to the rule groups")
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "-o", "--output", default=str(ROOT / OUTPUT),
        help=f"where to write (default {OUTPUT}; - for standard output)",
    )
    args = parser.parse_args()
    text = generate()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        pathlib.Path(args.output).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
