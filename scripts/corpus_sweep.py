#!/usr/bin/env python3
"""Sweep the real plan corpus through the plangate binary.

Every plan under CORPUS/real must be handled (exit 0 or 1), its JSON report
must parse, and every change that does something (not a pure no-op) must be
in the report's `changes`; every file under CORPUS/real-malformed and
CORPUS/related-formats must be rejected with exit 2 and a message on stderr.

Usage: corpus_sweep.py PLANGATE_BINARY CORPUS_DIR
Prints one line per failure and a closing `N passed, N failed` line.
"""
import json
import os
import subprocess
import sys


def is_change(rc):
    change = rc.get("change", {})
    actions = change.get("actions", [])
    moved = rc.get("previous_address") not in (None, rc.get("address"))
    importing = change.get("importing") is not None or change.get("generated_config") is not None
    return actions != ["no-op"] or moved or importing


def check_real(binary, path):
    proc = subprocess.run(
        [binary, "check", path, "--format", "json"],
        capture_output=True, timeout=120,
    )
    if proc.returncode not in (0, 1):
        return f"exit {proc.returncode}: {proc.stderr.decode(errors='replace').strip()[:300]}"
    try:
        report = json.loads(proc.stdout)
    except ValueError as e:
        return f"report is not JSON: {e}"
    if report.get("schema_version") != 1 or report.get("verdict") not in ("pass", "warn", "block"):
        return "report lacks schema_version 1 or a verdict"
    expected_verdict = "block" if proc.returncode == 1 else None
    if expected_verdict and report["verdict"] != "block":
        return "exit 1 without a block verdict"
    with open(path, "rb") as f:
        plan = json.load(f)
    seen = {(c["address"], c.get("deposed")) for c in report.get("changes", [])}
    entries = list(plan.get("resource_changes") or [])
    entries += [d.get("resource_change", {}) for d in plan.get("deferred_changes") or []]
    missing = [
        rc["address"] for rc in entries
        if is_change(rc) and (rc["address"], rc.get("deposed")) not in seen
    ]
    if missing:
        return f"{len(missing)} change(s) missing from the report, e.g. {missing[:3]}"
    return None


def check_bad(binary, path):
    proc = subprocess.run([binary, "check", path, "--format", "json"], capture_output=True, timeout=120)
    if proc.returncode != 2:
        return f"expected exit 2, got {proc.returncode}"
    if not proc.stderr.strip():
        return "exit 2 with an empty stderr"
    return None


def files(root):
    for dirpath, _, names in os.walk(root):
        for n in sorted(names):
            if n.endswith(".json"):
                yield os.path.join(dirpath, n)


def main():
    binary, corpus = sys.argv[1], sys.argv[2]
    passed = failed = 0
    suites = [("real", check_real), ("real-malformed", check_bad), ("related-formats", check_bad)]
    for sub, check in suites:
        root = os.path.join(corpus, sub)
        for path in sorted(files(root)):
            problem = check(binary, path)
            if problem:
                failed += 1
                print(f"FAIL {os.path.relpath(path, corpus)}: {problem}")
            else:
                passed += 1
    print(f"corpus: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
