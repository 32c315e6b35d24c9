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
