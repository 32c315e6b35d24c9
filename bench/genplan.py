#!/usr/bin/env python3
"""A small, deterministic generator of staging/prod plan JSON pairs for
bench/run.sh (no dependencies beyond python3).

  bench/genplan.py --resources 10000 --env staging --seed 42 -o staging.json
  bench/genplan.py --resources 10000 --env prod    --seed 42 -o prod.json

Same --seed and --resources give the same addresses in both environments
(modules of instances of a handful of AWS types, with nested attributes,
tags, a JSON-encoded policy and sensitive values); values are
environment-specific, and prod changes about 1% of the resources differently
(replaces or deletes where staging updates). Output is compact one-line JSON
like `terraform show -json`.
"""
import argparse
import json
import random

TYPES = [
    ("aws_instance", lambda r, env, i: {
        "ami": f"ami-{r.randrange(16**8):08x}", "instance_type": r.choice(["t3.small", "m6i.large"]),
        "subnet_id": f"subnet-{env}-{i % 7}", "root_block_device": [{"volume_size": 20 + i % 5, "encrypted": True}],
        "user_data": f"#!/bin/sh\necho {env}-{i}\nexec /srv/app --replicas {1 + i % 3}\n"}),
    ("aws_s3_bucket", lambda r, env, i: {"bucket": f"app-{env}-data-{i}", "force_destroy": False}),
    ("aws_iam_policy", lambda r, env, i: {"name": f"{env}-policy-{i}", "policy": json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"],
                                                   "Resource": f"arn:aws:s3:::app-{env}-data-{i}/*"}]})}),
    ("aws_db_instance", lambda r, env, i: {"identifier": f"{env}-db-{i}", "instance_class": "db.t3.medium",
                                           "engine_version": "15.4", "password": f"pw-{env}-{r.randrange(10**9)}"}),
    ("aws_security_group", lambda r, env, i: {"name": f"{env}-sg-{i}", "ingress": [
        {"from_port": 443, "to_port": 443, "cidr_blocks": [f"10.{i % 250}.0.0/16"]}]}),
]


def plan(n, env, seed):
    r = random.Random(seed)
    changes = []
    for i in range(n):
        type_, make = TYPES[i % len(TYPES)]
        module = f"module.svc[\"{i // 50}\"]."
        address = f"{module}{type_}.this[{i % 50}]"
        vr = random.Random(f"{seed}-{env}-{i}")
        before = make(vr, env, i)
        before["tags"] = {"env": env, "team": f"t{i % 9}"}
        after = json.loads(json.dumps(before))
        kind = r.random()
        actions, reason, replace = ["no-op"], None, []
        if kind < 0.3:
            actions = ["update"]
            after["tags"]["revision"] = str(i)
        elif kind < 0.32:
            actions = ["create"]
            before = None
        # prod only: about 1% act differently.
        if env == "prod" and r.random() < 0.01:
            actions, reason = ["delete", "create"], "replace_because_cannot_update"
            key = next(iter(after))
            after[key] = f"{after[key]}-new" if isinstance(after[key], str) else after[key]
            replace = [[key]]
        sensitive = {"password": True} if "password" in (after or {}) else {}
        change = {"actions": actions, "before": before, "after": after, "after_unknown": {"id": True},
                  "before_sensitive": sensitive if before is not None else False, "after_sensitive": sensitive}
        if replace:
            change["replace_paths"] = replace
        rc = {"address": address, "module_address": module[:-1], "mode": "managed", "type": type_,
              "name": "this", "index": i % 50, "provider_name": "registry.terraform.io/hashicorp/aws",
              "change": change}
        if reason:
            rc["action_reason"] = reason
        changes.append(rc)
    return {"format_version": "1.2", "terraform_version": "1.9.8", "resource_changes": changes,
            "output_changes": {}, "errored": False, "complete": True, "applyable": True,
            "timestamp": "2026-01-01T00:00:00Z"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, required=True)
    ap.add_argument("--env", choices=["staging", "prod"], required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    with open(a.output, "w") as f:
        json.dump(plan(a.resources, a.env, a.seed), f, separators=(",", ":"), sort_keys=True)


if __name__ == "__main__":
    main()
