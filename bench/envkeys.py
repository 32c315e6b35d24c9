#!/usr/bin/env python3
"""Generates a staging or prod plan whose instances are keyed per environment.

N module instances `module.svc["<key>"].aws_ecs_service.this` (and the task
definition beside each), all updated the same way: the image line of a
multi-line script and one element of a JSON-encoded policy. With
`--keys env` the for_each keys differ per environment (`stg-eu-7` in
staging, `prod-eu-7` in prod), the common case the sibling matching must
handle in linear time; with `--keys shared` both use `eu-7`, the baseline.

    bench/envkeys.py --instances 20000 --keys env --env staging -o s.json
"""
import argparse
import json


def plan(n, keys, env):
    changes = []
    size = "t3.medium" if env == "staging" else "m5.xlarge"
    for i in range(n):
        key = f"eu-{i}" if keys == "shared" else f"{'stg' if env == 'staging' else 'prod'}-eu-{i}"
        module = f'module.svc["{key}"]'
        script = lambda image: (
            "#!/bin/sh\nset -e\n"
            f"docker pull registry.example.com/app:{image}\n"
            f"run --size {size} --name app-{env}-{i}\n"
        )
        policy = lambda actions: json.dumps(
            {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": actions,
                            "Resource": f"arn:aws:s3:::app-{env}-{i}/*"}]},
            separators=(",", ":"), sort_keys=True)
        before = {"name": f"app-{env}-{i}", "desired_count": 2, "user_data": script("1.4.2"),
                  "policy": policy(["s3:GetObject"]), "tags": {"env": env, "team": "platform"}}
        after = dict(before, user_data=script("1.5.0"), policy=policy(["s3:GetObject", "s3:PutObject"]))
        changes.append({
            "address": f"{module}.aws_ecs_service.this",
            "module_address": module,
            "mode": "managed",
            "type": "aws_ecs_service",
            "name": "this",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {
                "actions": ["update"],
                "before": before,
                "after": after,
                "after_unknown": {"tags": {}},
                "before_sensitive": {"tags": {}},
                "after_sensitive": {"tags": {}},
            },
        })
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "resource_changes": changes,
        "configuration": {"root_module": {}},
        "errored": False,
        "complete": True,
        "applyable": True,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", "-n", type=int, default=20000)
    ap.add_argument("--keys", choices=["env", "shared"], default="env")
    ap.add_argument("--env", choices=["staging", "prod"], required=True)
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    with open(args.output, "w") as f:
        json.dump(plan(args.instances, args.keys, args.env), f, separators=(",", ":"))


if __name__ == "__main__":
    main()
