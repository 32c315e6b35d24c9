#!/usr/bin/env python3
"""Prepares a GitLab CI/CD component for schema validation.

A component file is two YAML documents: the `spec:` header and the jobs, whose
`$[[ inputs.NAME ]]` placeholders GitLab replaces before it validates the
jobs. This script checks that every placeholder names a declared input and
every input is used, then writes the header and the jobs interpolated with
each input's default (or a sample value for inputs without one) to OUT_DIR,
for `check-jsonschema --builtin-schema vendor.gitlab-ci`.

Usage: check_component.py COMPONENT.yml OUT_DIR   (needs ruamel.yaml, which
check-jsonschema installs)
"""

import json
import re
import sys
from pathlib import Path

from ruamel.yaml import YAML

PLACEHOLDER = re.compile(r"\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]")
SAMPLES = {"string": "sample", "array": [], "boolean": True, "number": 1}


def main() -> int:
    component, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    text = component.read_text()
    head, sep, body = text.partition("\n---\n")
    if not sep:
        print(f"{component}: no `---` line between the spec header and the jobs")
        return 1
    spec = YAML(typ="safe").load(head)
    inputs = (spec or {}).get("spec", {}).get("inputs", {})
    problems = []
    used = set(PLACEHOLDER.findall(body))
    for name in sorted(used - set(inputs)):
        problems.append(f"`$[[ inputs.{name} ]]` is not a declared input")
    for name in sorted(set(inputs) - used):
        problems.append(f"input `{name}` is declared but never used")
    for name, decl in inputs.items():
        if "description" not in (decl or {}):
            problems.append(f"input `{name}` has no description")

    def value(name: str):
        decl = inputs.get(name) or {}
        if "default" in decl:
            return decl["default"]
        return SAMPLES[decl.get("type", "string")]

    def interpolate(match: re.Match) -> str:
        v = value(match.group(1))
        # Arrays and booleans are interpolated as YAML values, strings as text.
        return json.dumps(v) if not isinstance(v, str) else v

    jobs = PLACEHOLDER.sub(interpolate, body)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{component.stem}.spec.yml").write_text(head + "\n")
    (out_dir / f"{component.stem}.jobs.yml").write_text(jobs)
    for p in problems:
        print(f"{component}: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
