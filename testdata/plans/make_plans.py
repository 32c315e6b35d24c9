#!/usr/bin/env python3
"""Writes the hand-built plans in this folder (shaped like `terraform show
-json` format 1.2 output) used by tests/cli.rs. Run from this folder."""
import json

AWS = "registry.terraform.io/hashicorp/aws"


def rc(address, type_, actions, before=None, after=None, reason=None, provider=AWS, **extra):
    name = address.split(".")[-1].split("[")[0]
    entry = {
        "address": address, "mode": "managed", "type": type_, "name": name,
        "provider_name": provider,
        "change": {
            "actions": actions, "before": before, "after": after,
            "after_unknown": {} if after is not None else {},
            "before_sensitive": {} if before is not None else False,
            "after_sensitive": {} if after is not None else False,
        },
    }
    if reason:
        entry["action_reason"] = reason
    entry.update(extra)
    return entry


def plan(changes, **top):
    doc = {"format_version": "1.2", "terraform_version": "1.9.8", "resource_changes": changes,
           "applyable": True, "complete": True, "errored": False}
    doc.update(top)
    return doc


def write(name, doc):
    with open(name, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


db = {"identifier": "main", "instance_class": "db.r6g.large", "engine_version": "15.4"}
write("stateful-replace-db.json", plan([
    rc("aws_db_instance.main", "aws_db_instance", ["delete", "create"], db,
       dict(db, engine_version="16.1"), "replace_because_cannot_update") | {"change": {
           "actions": ["delete", "create"], "before": db, "after": dict(db, engine_version="16.1"),
           "after_unknown": {"id": True}, "before_sensitive": {}, "after_sensitive": {},
           "replace_paths": [["engine_version"]]}},
    rc("aws_security_group.db", "aws_security_group", ["delete"], {"name": "db"}, None,
       "delete_because_no_resource_config"),
    rc("aws_db_instance.replica", "aws_db_instance", ["update"], db, dict(db, instance_class="db.r6g.xlarge")),
]))

write("stateful-destroys-four-platforms.json", plan([
    rc("aws_s3_bucket.logs", "aws_s3_bucket", ["delete"], {"bucket": "logs"}, None, "delete_because_no_resource_config"),
    rc("aws_dynamodb_table.orders", "aws_dynamodb_table", ["delete", "create"], {"name": "orders"}, {"name": "orders2"}, "replace_because_cannot_update"),
    rc("aws_ebs_volume.data[1]", "aws_ebs_volume", ["delete"], {"size": 100}, None, "delete_because_count_index"),
    rc("aws_kms_key.main", "aws_kms_key", ["create", "delete"], {"description": "k"}, {"description": "k2"}, "replace_by_request"),
    rc("google_sql_database_instance.main", "google_sql_database_instance", ["delete"], {"name": "pg"}, None, provider="registry.terraform.io/hashicorp/google"),
    rc("google_storage_bucket.assets", "google_storage_bucket", ["delete", "create"], {"name": "a"}, {"name": "b"}, "replace_because_cannot_update", provider="registry.terraform.io/hashicorp/google"),
    rc("azurerm_storage_account.main", "azurerm_storage_account", ["delete"], {"name": "sa"}, None, "delete_because_each_key", provider="registry.terraform.io/hashicorp/azurerm"),
    rc('module.db["eu"].azurerm_mssql_database.main', "azurerm_mssql_database", ["delete"], {"name": "db"}, None, "delete_because_no_module", provider="registry.terraform.io/hashicorp/azurerm"),
    rc("kubernetes_persistent_volume_claim.data", "kubernetes_persistent_volume_claim", ["delete"], {"metadata": [{"name": "data"}]}, None, provider="registry.terraform.io/hashicorp/kubernetes"),
    rc("kubernetes_stateful_set_v1.db", "kubernetes_stateful_set_v1", ["delete", "create"], {"metadata": [{"name": "db"}]}, {"metadata": [{"name": "db2"}]}, provider="registry.terraform.io/hashicorp/kubernetes"),
    rc("aws_instance.web", "aws_instance", ["delete"], {"ami": "ami-1"}, None),
]))


# The README's quick-start example: the same code in both environments;
# staging resized the database in place, prod's inputs force a replacement,
# remove a bucket and add an instance staging never saw.
import os

os.makedirs("../example", exist_ok=True)
web_s = {"ami": "ami-0abc", "instance_type": "t3.small", "tags": {"env": "staging"}}
web_p = {"ami": "ami-0abc", "instance_type": "m6i.large", "tags": {"env": "prod"}}
db_s = {"identifier": "app-staging", "instance_class": "db.t3.medium", "engine_version": "15.4",
        "password": "hunter2-staging", "allocated_storage": 50}
db_p = {"identifier": "app-prod", "instance_class": "db.r6g.large", "engine_version": "15.4",
        "password": "hunter2-prod", "allocated_storage": 500}
sens = {"password": True}


def db_change(before, after, actions, reason=None, replace_paths=None):
    change = rc("aws_db_instance.app", "aws_db_instance", actions, before, after, reason)
    change["change"]["before_sensitive"] = sens
    change["change"]["after_sensitive"] = sens
    if replace_paths:
        change["change"]["replace_paths"] = replace_paths
        change["change"]["after_unknown"] = {"id": True, "endpoint": True}
    return change


write("../example/staging.json", plan([
    db_change(db_s, dict(db_s, instance_class="db.t3.large"), ["update"]),
    rc("aws_instance.web[0]", "aws_instance", ["update"], web_s, dict(web_s, ami="ami-0def")),
    rc("aws_s3_bucket.assets", "aws_s3_bucket", ["no-op"], {"bucket": "assets-staging"}, {"bucket": "assets-staging"}),
], variables={"db_password": {"value": "hunter2-staging"}},
   configuration={"root_module": {"variables": {"db_password": {"sensitive": True}}}}))

write("../example/prod.json", plan([
    db_change(db_p, dict(db_p, instance_class="db.r6g.xlarge", engine_version="16.1"), ["delete", "create"],
              "replace_because_cannot_update", [["engine_version"]]),
    rc("aws_instance.web[0]", "aws_instance", ["update"], web_p, dict(web_p, ami="ami-0def")),
    rc("aws_instance.web[1]", "aws_instance", ["update"], web_p, dict(web_p, ami="ami-0def", user_data="#!/bin/sh\necho hunter2-prod > /etc/db")),
    rc("aws_s3_bucket.assets", "aws_s3_bucket", ["delete"], {"bucket": "assets-prod"}, None, "delete_because_no_resource_config"),
], variables={"db_password": {"value": "hunter2-prod"}},
   configuration={"root_module": {"variables": {"db_password": {"sensitive": True}}}}))


# Drift: prod's refresh found two objects changed outside Terraform; only one
# influenced the plan (relevant_attributes). terraform_data cannot drift, so
# the real-terraform pairs cannot show this.
os.makedirs("../pairs-handmade/drift", exist_ok=True)
sg = {"name": "web", "ingress": [{"from_port": 443, "cidr_blocks": ["10.0.0.0/8"]}]}
drift_sg = rc("aws_security_group.web", "aws_security_group", ["update"], sg,
              {"name": "web", "ingress": [{"from_port": 443, "cidr_blocks": ["0.0.0.0/0"]}]})
drift_tag = rc("aws_instance.batch", "aws_instance", ["update"], {"tags": {"owner": "a"}}, {"tags": {"owner": "b"}})
drift_gone = rc("aws_sqs_queue.jobs", "aws_sqs_queue", ["delete"], {"name": "jobs"}, None)
app = rc("aws_instance.app", "aws_instance", ["update"], {"vpc_security_group_ids": ["sg-1"], "ami": "ami-1"},
         {"vpc_security_group_ids": ["sg-1"], "ami": "ami-2"})
write("../pairs-handmade/drift/staging.json", plan([app]))
write("../pairs-handmade/drift/prod.json", plan(
    [app], resource_drift=[drift_sg, drift_tag, drift_gone],
    relevant_attributes=[{"resource": "aws_security_group.web", "attribute": ["ingress"]},
                         {"resource": "aws_sqs_queue.jobs", "attribute": ["name"]}]))


# Addresses that embed the environment: matched through [[compare.map]].
os.makedirs("../pairs-handmade/address-map", exist_ok=True)
def env_pair(env, extra_attr=False):
    after = {"size": 2, "name": f"app-{env}"}
    if extra_attr:
        after["public"] = True
    return [
        rc(f'module.env["{env}"].aws_instance.app', "aws_instance", ["update"], {"size": 1, "name": f"app-{env}"}, after),
        rc(f"aws_s3_bucket.logs_{env}", "aws_s3_bucket", ["update"], {"acl": "private"}, {"acl": "log-delivery-write"}),
    ]
write("../pairs-handmade/address-map/staging.json", plan(env_pair("staging")))
write("../pairs-handmade/address-map/prod.json", plan(env_pair("prod", extra_attr=True)))
with open("../pairs-handmade/address-map/policy.toml", "w") as f:
    f.write('''[[compare.map]]
prod = 'module.env["prod"]'
staging = 'module.env["staging"]'

[[compare.map]]
prod = "_prod"
staging = "_staging"
''')


# for_each keys that differ per environment: quantity and keys may differ,
# the kind of change may not.
os.makedirs("../pairs-handmade/regional-keys", exist_ok=True)
def regional(keys):
    return [rc(f'aws_instance.web["{k}"]', "aws_instance", ["update"], {"ami": "ami-1", "region": k},
               {"ami": "ami-2", "region": k}) for k in keys]
write("../pairs-handmade/regional-keys/staging.json", plan(regional(["us"])))
write("../pairs-handmade/regional-keys/prod.json", plan(regional(["eu", "ap"])))
