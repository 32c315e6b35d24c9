#!/usr/bin/env bash
# Regenerates the staging/prod plan pairs under testdata/pairs/<scenario>/.
#
# Model: "same code, different inputs". Each scenario is ONE root module with
# staging.tfvars and prod.tfvars and one workspace per environment (local
# backend). The script applies a baseline in both workspaces, then changes the
# code and/or the tfvars, runs `terraform plan -out` per environment and stores
# `terraform show -json` byte-for-byte as <scenario>/staging.json and prod.json,
# plus a short README.md.
#
# Only the built-in provider (terraform_data) is used, so no network access is
# needed. Ids and timestamps change on every run; the structure does not.
#
# Requirements: terraform (written against v1.11.4) and python3 on PATH.
# Usage: testdata/pairs/generate.sh [scenario ...]   (default: all scenarios)
#
# Tests must never need terraform: the generated JSON is committed.
set -euo pipefail

OUT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

export TF_IN_AUTOMATION=1
export CHECKPOINT_DISABLE=1
export TF_CLI_CONFIG_FILE=/dev/null   # no ~/.terraformrc, no plugin cache, no credentials
unset TF_WORKSPACE TF_CLI_ARGS TF_CLI_ARGS_plan TF_CLI_ARGS_apply TF_DATA_DIR 2>/dev/null || true

command -v terraform >/dev/null || { echo "terraform not found on PATH" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 not found on PATH" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/plangate-pairs.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
STAGE="$WORK/out"
mkdir -p "$STAGE"

ALL_SCENARIOS=(
  same-change
  prod-only-change
  prod-only-replace
  scaled-counts
  removed-for-each-keys
  state-drift
  moved-resource
  secrets-and-hostile-values
  stateful-delete-removed-config
  errored-prod
  nothing-to-do
  secret-copies
  parity-and-one-way
  edits-script-policy
  edits-env-keys
)

SCEN=""
LOG=""

# tf ARGS...: run terraform in the scenario dir, log everything, die with the log tail on failure.
tf() {
  if ! terraform "$@" >>"$LOG" 2>&1; then
    echo "FAILED [$SCEN]: terraform $*" >&2
    tail -n 60 "$LOG" >&2
    exit 1
  fi
}

# begin NAME: fresh module directory under $WORK, cwd set to it.
begin() {
  SCEN="$1"
  mkdir -p "$WORK/src/$SCEN" "$STAGE/$SCEN"
  cd "$WORK/src/$SCEN"
  LOG="$WORK/src/$SCEN/terraform.log"
  : >"$LOG"
  echo "== $SCEN" >&2
}

# apply_baseline: init, create one workspace per env, apply the current files.
apply_baseline() {
  tf init -input=false -no-color
  local env
  for env in staging prod; do
    tf workspace new -no-color "$env"
    tf apply -input=false -no-color -auto-approve -var-file="$env.tfvars"
  done
}

# plan_env ENV [expect=ok|error]: plan -out in the env's workspace and write ENV.json.
plan_env() {
  local env="$1" expect="${2:-ok}" rc=0
  tf workspace select -no-color "$env"
  echo "--- plan $env (expect $expect)" >>"$LOG"
  terraform plan -input=false -no-color -out="$env.tfplan" -var-file="$env.tfvars" >>"$LOG" 2>&1 || rc=$?
  if [[ "$expect" == ok && $rc -ne 0 ]] || [[ "$expect" == error && $rc -eq 0 ]]; then
    echo "FAILED [$SCEN]: plan $env exited $rc, expected $expect" >&2
    tail -n 60 "$LOG" >&2
    exit 1
  fi
  if [[ ! -s "$env.tfplan" ]]; then
    echo "FAILED [$SCEN]: plan $env wrote no plan file" >&2
    exit 1
  fi
  # Byte-for-byte terraform output, no re-formatting.
  terraform show -json "$env.tfplan" >"$STAGE/$SCEN/$env.json" 2>>"$LOG"
}

plan_both() {
  plan_env staging "${1:-ok}"
  plan_env prod "${2:-ok}"
}

# readme: README.md for the scenario from stdin.
readme() {
  cat >"$STAGE/$SCEN/README.md"
}

###############################################################################
scenario_same-change() {
  begin same-change
  cat >main.tf <<'EOF'
variable "env" { type = string }
variable "instance_size" { type = string }
variable "min_capacity" { type = number }

resource "terraform_data" "app_server" {
  input = { name = "app-${var.env}", size = var.instance_size, version = local.app_version }
}

resource "terraform_data" "worker" {
  input = { name = "worker-${var.env}", size = var.instance_size, version = local.app_version }
}

resource "terraform_data" "autoscaling" {
  input = { min_capacity = var.min_capacity }
}
EOF
  echo 'locals { app_version = "1.4.2" }' >release.tf
  printf 'env = "staging"\ninstance_size = "t3.small"\nmin_capacity = 1\n' >staging.tfvars
  printf 'env = "prod"\ninstance_size = "m5.large"\nmin_capacity = 3\n' >prod.tfvars
  apply_baseline
  # Code change (release bump) plus a size bump in both tfvars.
  echo 'locals { app_version = "1.5.0" }' >release.tf
  printf 'env = "staging"\ninstance_size = "t3.medium"\nmin_capacity = 1\n' >staging.tfvars
  printf 'env = "prod"\ninstance_size = "m5.xlarge"\nmin_capacity = 3\n' >prod.tfvars
  plan_both
  readme <<'EOF'
# same-change
Staging: updates `terraform_data.app_server` and `terraform_data.worker` in place (version 1.4.2 -> 1.5.0, size t3.small -> t3.medium); `autoscaling` is a no-op.
Prod: the same two updates with prod values (version 1.4.2 -> 1.5.0, size m5.large -> m5.xlarge); `autoscaling` is a no-op.
Reviewer should be told: prod does what staging did (same addresses, same actions, same changed attribute paths); only the values differ per environment. Nothing prod-only.
EOF
}

###############################################################################
scenario_prod-only-change() {
  begin prod-only-change
  cat >main.tf <<'EOF'
variable "env" { type = string }
variable "log_retention_days" { type = number }

resource "terraform_data" "app" {
  input = { name = "app-${var.env}" }
}

resource "terraform_data" "log_group" {
  input = { name = "/app/${var.env}", retention_days = var.log_retention_days }
}

resource "terraform_data" "alerts" {
  input = { topic = "alerts-${var.env}" }
}
EOF
  printf 'env = "staging"\nlog_retention_days = 7\n' >staging.tfvars
  printf 'env = "prod"\nlog_retention_days = 30\n' >prod.tfvars
  apply_baseline
  printf 'env = "prod"\nlog_retention_days = 90\n' >prod.tfvars
  plan_both
  readme <<'EOF'
# prod-only-change
Staging: every resource is a no-op (nothing changed in staging.tfvars).
Prod: `terraform_data.log_group` is updated in place (`input.retention_days` 30 -> 90, from prod.tfvars).
Reviewer should be told: prod changes `terraform_data.log_group`, which is a no-op in staging, so this change was never exercised in staging.
EOF
}

###############################################################################
scenario_prod-only-replace() {
  begin prod-only-replace
  cat >main.tf <<'EOF'
variable "env" { type = string }
variable "db_engine_version" { type = string }
variable "db_storage_gb" { type = number }
variable "cache_node_type" { type = string }

# Stands in for a database: an engine version change forces replacement.
resource "terraform_data" "db" {
  triggers_replace = { engine_version = var.db_engine_version }
  input = {
    identifier     = "db-${var.env}"
    engine_version = var.db_engine_version
    storage_gb     = var.db_storage_gb
  }
}

# Stands in for a cache cluster, replaced create-before-destroy.
resource "terraform_data" "cache" {
  triggers_replace = { node_type = var.cache_node_type }
  input            = { cluster = "cache-${var.env}", node_type = var.cache_node_type }
  lifecycle {
    create_before_destroy = true
  }
}

resource "terraform_data" "app" {
  input = { name = "app-${var.env}", db_id = terraform_data.db.id }
}
EOF
  printf 'env = "staging"\ndb_engine_version = "15.4"\ndb_storage_gb = 20\ncache_node_type = "cache.t3.small"\n' >staging.tfvars
  printf 'env = "prod"\ndb_engine_version = "14.9"\ndb_storage_gb = 500\ncache_node_type = "cache.r6g.large"\n' >prod.tfvars
  apply_baseline
  printf 'env = "staging"\ndb_engine_version = "15.4"\ndb_storage_gb = 40\ncache_node_type = "cache.t3.small"\n' >staging.tfvars
  printf 'env = "prod"\ndb_engine_version = "15.4"\ndb_storage_gb = 500\ncache_node_type = "cache.r6g.xlarge"\n' >prod.tfvars
  plan_both
  readme <<'EOF'
# prod-only-replace
Staging: `terraform_data.db` is updated in place (`input.storage_gb` 20 -> 40); `cache` and `app` are no-ops.
Prod: `terraform_data.db` is REPLACED destroy-before-create (`triggers_replace.engine_version` 14.9 -> 15.4, action_reason replace_because_cannot_update); `terraform_data.cache` is replaced create-before-destroy (`["create","delete"]`, node type change); `terraform_data.app` is updated because it references `db.id`.
Reviewer should be told: prod destroys and recreates the database-like `terraform_data.db`, while staging only updated it in place; the cache replacement and the app update are prod-only too. Block/flag as a stateful replace.
EOF
}

###############################################################################
scenario_scaled-counts() {
  begin scaled-counts
  cat >main.tf <<'EOF'
variable "env" { type = string }
variable "replicas" { type = number }
variable "instance_size" { type = string }

resource "terraform_data" "web" {
  count = var.replicas
  input = {
    name  = "web-${var.env}-${count.index}"
    image = local.image
    size  = var.instance_size
  }
}
EOF
  echo 'locals { image = "registry.example.com/web:1.4.2" }' >release.tf
  printf 'env = "staging"\nreplicas = 2\ninstance_size = "t3.small"\n' >staging.tfvars
  printf 'env = "prod"\nreplicas = 4\ninstance_size = "m5.large"\n' >prod.tfvars
  apply_baseline
  echo 'locals { image = "registry.example.com/web:1.5.0" }' >release.tf
  plan_both
  readme <<'EOF'
# scaled-counts
Staging (`replicas = 2`): `terraform_data.web[0]` and `[1]` are updated in place (`input.image` web:1.4.2 -> web:1.5.0).
Prod (`replicas = 4`): the same update on `terraform_data.web[0]` .. `[3]`.
Reviewer should be told: this is the same change as staging, applied to more instances. `web[2]` and `web[3]` have no staging twin at the same address, but they belong to the same resource and have the same action and changed paths, so they should be grouped with `web[*]` and not reported as prod-only changes.
EOF
}

###############################################################################
scenario_removed-for-each-keys() {
  begin removed-for-each-keys
  cat >main.tf <<'EOF'
variable "env" { type = string }
variable "queues" { type = map(number) }

resource "terraform_data" "queue" {
  for_each = var.queues
  input    = { name = "${var.env}-${each.key}", retention_hours = each.value }
}
EOF
  local base='{ orders = 24, emails = 24, audit = 168, "legacy/billing" = 720 }'
  printf 'env = "staging"\nqueues = %s\n' "$base" >staging.tfvars
  printf 'env = "prod"\nqueues = %s\n' "$base" >prod.tfvars
  apply_baseline
  printf 'env = "staging"\nqueues = { orders = 48, emails = 24, audit = 168, "legacy/billing" = 720 }\n' >staging.tfvars
  printf 'env = "prod"\nqueues = { orders = 48, emails = 24 }\n' >prod.tfvars
  plan_both
  readme <<'EOF'
# removed-for-each-keys
Staging: `terraform_data.queue["orders"]` is updated (`retention_hours` 24 -> 48); `emails`, `audit` and `legacy/billing` are no-ops.
Prod: the same `["orders"]` update, plus `terraform_data.queue["audit"]` and `terraform_data.queue["legacy/billing"]` are DELETED (action_reason delete_because_each_key; the keys were dropped from prod.tfvars only).
Reviewer should be told: prod deletes two queue instances that still exist, unchanged, in staging. The `["orders"]` update matches staging. Note the `/` inside a for_each key.
EOF
}

###############################################################################
# Edits the prod state behind terraform's back (state pull / edit / push).
drift_prod_state() {
  tf workspace select -no-color prod
  terraform state pull >state.json 2>>"$LOG"
  python3 - state.json <<'EOF'
import json, sys
path = sys.argv[1]
st = json.load(open(path))
for r in st["resources"]:
    a = r["instances"][0]["attributes"]
    if r["name"] == "network":
        # Only the computed output changes: the config still matches input,
        # so network itself stays a no-op, but app picks up the edited value.
        a["output"]["value"]["cidr"] = "10.99.0.0/16"
    elif r["name"] == "dns":
        # input and output both edited: the plan reverts ttl 60 -> 300.
        a["input"]["value"]["ttl"] = 60
        a["output"]["value"]["ttl"] = 60
st["serial"] += 1
json.dump(st, open(path, "w"), indent=2)
EOF
  tf state push -no-color state.json
  rm -f state.json
}

scenario_state-drift() {
  begin state-drift
  cat >main.tf <<'EOF'
variable "env" { type = string }
variable "vpc_cidr" { type = string }

resource "terraform_data" "network" {
  input = { name = "net-${var.env}", cidr = var.vpc_cidr }
}

resource "terraform_data" "app" {
  input = { name = "app-${var.env}", subnet_cidr = terraform_data.network.output.cidr }
}

resource "terraform_data" "dns" {
  input = { zone = "${var.env}.example.internal", ttl = 300 }
}
EOF
  printf 'env = "staging"\nvpc_cidr = "10.1.0.0/16"\n' >staging.tfvars
  printf 'env = "prod"\nvpc_cidr = "10.0.0.0/16"\n' >prod.tfvars
  apply_baseline
  drift_prod_state
  plan_both
  readme <<'EOF'
# state-drift
Staging: no changes; every resource is a no-op.
Prod: the prod state was edited out of band (`terraform state pull` / edit / `state push`, with the serial bumped): `network.output.cidr` 10.0.0.0/16 -> 10.99.0.0/16 and `dns` ttl 300 -> 60. The plan updates `terraform_data.app` (`subnet_cidr` 10.0.0.0/16 -> 10.99.0.0/16, from the edited output) and `terraform_data.dns` (ttl 60 -> 300); `network` is a no-op. `relevant_attributes` lists `terraform_data.network` `["output","cidr"]`.
LIMITATION: there is NO `resource_drift` key. terraform_data's refresh returns the stored state unchanged, so Terraform cannot see this as drift. Reviewer should be told: prod changes `app` and `dns` although the code and tfvars did not change (no staging counterpart), and the app change comes from a value that differs from the configured cidr.
EOF
}

###############################################################################
scenario_moved-resource() {
  begin moved-resource
  cat >main.tf <<'EOF'
variable "env" { type = string }
variable "rate_limit" { type = number }

resource "terraform_data" "api" {
  input = { name = "api-${var.env}", rate_limit = var.rate_limit }
}

resource "terraform_data" "frontend" {
  input = { name = "web-${var.env}" }
}
EOF
  printf 'env = "staging"\nrate_limit = 50\n' >staging.tfvars
  printf 'env = "prod"\nrate_limit = 100\n' >prod.tfvars
  apply_baseline
  cat >main.tf <<'EOF'
variable "env" { type = string }
variable "rate_limit" { type = number }

resource "terraform_data" "api_gateway" {
  input = { name = "api-${var.env}", rate_limit = var.rate_limit }
}

moved {
  from = terraform_data.api
  to   = terraform_data.api_gateway
}

resource "terraform_data" "frontend" {
  input = { name = "web-${var.env}" }
}
EOF
  printf 'env = "prod"\nrate_limit = 500\n' >prod.tfvars
  plan_both
  readme <<'EOF'
# moved-resource
Staging: a `moved` block renames `terraform_data.api` to `terraform_data.api_gateway`. This is a pure move: `["no-op"]` with `previous_address`. `frontend` is a no-op.
Prod: the same move, plus an in-place update of `terraform_data.api_gateway` (`input.rate_limit` 100 -> 500): `["update"]` with `previous_address`.
Reviewer should be told: both environments only rename `api` (nothing is destroyed). Match staging and prod on the new address. The rate-limit update happens in prod only.
EOF
}

###############################################################################
scenario_secrets-and-hostile-values() {
  begin secrets-and-hostile-values
  cat >main.tf <<'EOF'
variable "env" { type = string }
variable "policy_actions" { type = list(string) }
variable "db_password" {
  type      = string
  sensitive = true
}

# input.password is marked sensitive (before_sensitive/after_sensitive).
resource "terraform_data" "db_credentials" {
  input = {
    username = "app_${var.env}"
    password = var.db_password
    host     = "db.${var.env}.internal"
  }
}

# terraform_data copies input to output, but Terraform does not carry the
# sensitive mark over to the computed `output`: db_credentials.output.password
# is stored and shown UNMARKED, and so is this copy of it.
resource "terraform_data" "db_password_copy" {
  input = { password = terraform_data.db_credentials.output.password }
}

# Explicitly unmarked with nonsensitive().
resource "terraform_data" "connection_string" {
  input = "postgres://app_${var.env}:${nonsensitive(var.db_password)}@db.${var.env}.internal:5432/app"
}

resource "terraform_data" "banner" {
  input = {
    ansi    = "\u001b[31mRED ${local.release}\u001b[0m"
    cr      = "progress 10%\rrelease ${local.release} done"
    fence   = "```\nrelease ${local.release}\n```"
    details = "</details><details open><summary>${local.release}</summary>"
    marker  = "<!-- plangate:prod --> ${local.release}"
    table   = "col | ${local.release} | end"
    notes   = <<-EOT
      Release ${local.release} (${var.env})
      | change | risk |
      |--------|------|
      | `db`   | high |
      </details>
    EOT
  }
}

resource "terraform_data" "iam_policy" {
  input = {
    name = "app-${var.env}"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Sid      = "AppBucket"
        Effect   = "Allow"
        Action   = var.policy_actions
        Resource = ["arn:aws:s3:::app-${var.env}", "arn:aws:s3:::app-${var.env}/*"]
      }]
    })
  }
}

# Hostile for_each keys end up inside resource addresses.
resource "terraform_data" "route" {
  for_each = toset(["a|b", "</details>", "\u001b[1mbold"])
  input    = "${each.key} ${local.release}"
}

output "db_password" {
  value     = var.db_password
  sensitive = true
}

output "dsn_unmarked" {
  value = "postgres://app_${var.env}:${nonsensitive(var.db_password)}@db.${var.env}.internal:5432/app"
}
EOF
  echo 'locals { release = "r1" }' >release.tf
  printf 'env = "staging"\ndb_password = "S3cr3t-staging-old-3e2d"\npolicy_actions = ["s3:GetObject"]\n' >staging.tfvars
  printf 'env = "prod"\ndb_password = "S3cr3t-prod-old-c4d5"\npolicy_actions = ["s3:GetObject"]\n' >prod.tfvars
  apply_baseline
  echo 'locals { release = "r2" }' >release.tf
  printf 'env = "staging"\ndb_password = "S3cr3t-staging-7f1c"\npolicy_actions = ["s3:GetObject", "s3:PutObject"]\n' >staging.tfvars
  printf 'env = "prod"\ndb_password = "S3cr3t-prod-91ab"\npolicy_actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]\n' >prod.tfvars
  plan_both
  readme <<'EOF'
# secrets-and-hostile-values
Both environments rotate `var.db_password` (sensitive). Staging goes S3cr3t-staging-old-3e2d -> S3cr3t-staging-7f1c, prod goes S3cr3t-prod-old-c4d5 -> S3cr3t-prod-91ab. Both update `db_credentials`, `db_password_copy`, `connection_string`, `banner`, `iam_policy` (jsonencoded policy: staging adds s3:PutObject, prod adds s3:PutObject and s3:DeleteObject) and the 3 `route[...]` instances, whose for_each keys are hostile.
Where the secrets are (all in clear; terraform never redacts):
- Marked sensitive: top-level `variables.db_password.value` (sensitivity only in `configuration.root_module.variables.db_password.sensitive`); `db_credentials` `change.before/after.input.password`; `output_changes.db_password` (before_sensitive/after_sensitive true); `planned_values`/`prior_state` copies.
- NOT marked: `db_credentials` `change.before.output.password` (old secret; terraform_data's output loses the mark); `db_password_copy` `change.before.input.password` and `before.output.password` (old secret); `connection_string` `change.before/after.input` and `before.output` (old and new secret, via nonsensitive()); `output_changes.dsn_unmarked` before/after (old and new secret).
Hostile, non-sensitive values sit in `banner.input.*`: ESC/ANSI `\u001b[31m`, CR `\r`, ```` ``` ```` fences, `</details>`, `<!-- plangate:prod -->`, `|` pipes, and a multi-line heredoc `notes` that holds a markdown table. The hostile for_each keys `"a|b"`, `"</details>"` and ESC+`[1mbold` appear inside addresses. In `address` terraform writes the ESC key as the 6 literal characters `\u001b`, while `index` holds the raw ESC. The raw JSON escapes `<`/`>` as `\u003c`/`\u003e`, so grep decoded strings, not raw bytes.
Reviewer should be told: a sensitive value changed in both environments (redact it; never print any of the 4 S3cr3t-* strings, including the unmarked copies: redact by value too). Prod's IAM policy grants more (s3:DeleteObject) than staging's. Every string must be escaped before it goes into the Markdown/terminal output.
EOF
}

###############################################################################
scenario_stateful-delete-removed-config() {
  begin stateful-delete-removed-config
  cat >main.tf <<'EOF'
variable "env" { type = string }

resource "terraform_data" "app" {
  input = { name = "app-${var.env}" }
}

resource "terraform_data" "legacy_db" {
  input = { identifier = "legacy-db-${var.env}", engine = "postgres", storage_gb = 100 }
}
EOF
  printf 'env = "staging"\n' >staging.tfvars
  printf 'env = "prod"\n' >prod.tfvars
  apply_baseline
  cat >main.tf <<'EOF'
variable "env" { type = string }

resource "terraform_data" "app" {
  input = { name = "app-${var.env}" }
}
EOF
  plan_both
  readme <<'EOF'
# stateful-delete-removed-config
Staging: `terraform_data.legacy_db` is deleted (its resource block was removed from the code; action_reason delete_because_no_resource_config). `app` is a no-op.
Prod: the same delete of `terraform_data.legacy_db` (the prod object holds prod data).
Reviewer should be told: both environments destroy a database-like resource because its block was deleted from the code. It is the same as staging, but it is a stateful destroy, so it must be flagged/blocked even though staging did it too. A `removed { lifecycle { destroy = false } }` block would forget the object instead.
EOF
}

###############################################################################
scenario_errored-prod() {
  begin errored-prod
  cat >main.tf <<'EOF'
variable "env" { type = string }
variable "max_connections" { type = number }

resource "terraform_data" "app" {
  input = { name = "app-${var.env}", version = local.app_version }
}

resource "terraform_data" "db_params" {
  input = { max_connections = var.max_connections }
  lifecycle {
    precondition {
      condition     = var.max_connections <= 200
      error_message = "max_connections must be <= 200, got ${var.max_connections}."
    }
  }
}
EOF
  echo 'locals { app_version = "1.4.2" }' >release.tf
  printf 'env = "staging"\nmax_connections = 50\n' >staging.tfvars
  printf 'env = "prod"\nmax_connections = 150\n' >prod.tfvars
  apply_baseline
  echo 'locals { app_version = "1.5.0" }' >release.tf
  printf 'env = "staging"\nmax_connections = 100\n' >staging.tfvars
  printf 'env = "prod"\nmax_connections = 500\n' >prod.tfvars
  plan_both ok error
  readme <<'EOF'
# errored-prod
Staging: a normal plan that updates `terraform_data.app` (version 1.4.2 -> 1.5.0) and `terraform_data.db_params` (max_connections 50 -> 100).
Prod: `terraform plan -out` FAILED (exit 1) on the `db_params` precondition (max_connections = 500 > 200). Terraform still wrote the plan file: `errored: true`, `applyable: false`, `complete: false`, only a partial `resource_changes`, and `checks` reports the failing precondition.
Reviewer should be told: the prod plan is errored and cannot be applied, so the gate must fail. Do not treat the partial prod change list as "prod does less than staging".
EOF
}

###############################################################################
scenario_nothing-to-do() {
  begin nothing-to-do
  cat >main.tf <<'EOF'
variable "env" { type = string }
variable "instance_size" { type = string }

resource "terraform_data" "app" {
  input = { name = "app-${var.env}", size = var.instance_size }
}

resource "terraform_data" "db" {
  input = { identifier = "db-${var.env}" }
}

output "app_name" { value = "app-${var.env}" }
EOF
  printf 'env = "staging"\ninstance_size = "t3.small"\n' >staging.tfvars
  printf 'env = "prod"\ninstance_size = "m5.large"\n' >prod.tfvars
  apply_baseline
  plan_both
  readme <<'EOF'
# nothing-to-do
Staging: every resource is a no-op, and so is the `app_name` output (`applyable: false`).
Prod: the same, every resource and output is a no-op.
Reviewer should be told: no changes in either environment, so there is nothing to gate.
EOF
}

###############################################################################
scenario_secret-copies() {
  begin secret-copies
  cat >main.tf <<'EOF'
variable "env" { type = string }
variable "token" {
  type      = string
  sensitive = true
}
variable "key_pem" {
  type      = string
  sensitive = true
}

# The secret as a map key: the whole input is marked, but terraform_data's
# computed output carries the same map unmarked.
resource "terraform_data" "keyed" {
  input = { (var.token) = "value-${var.env}" }
}

# The secret in the encodings Terraform's functions produce, unmarked.
resource "terraform_data" "encoded" {
  input = {
    b64       = nonsensitive(base64encode(var.token))
    url       = nonsensitive(urlencode(var.token))
    json      = nonsensitive(jsonencode({ t = var.token }))
    yaml      = nonsensitive(yamlencode({ tls = { key = var.key_pem } }))
    user_data = nonsensitive(base64encode("#!/bin/sh\nexport TOKEN='${var.token}'\n"))
  }
}

# The secret in a for_each key, so in the resource address.
resource "terraform_data" "per_key" {
  for_each = toset([nonsensitive("eu-${var.token}")])
  input    = each.key
}

# The secret as an output's map key.
output "by_token" {
  value = { (nonsensitive(var.token)) = var.env }
}
EOF
  tfvars() { # ENV TOKEN
    cat >"$1.tfvars" <<EOF2
env     = "$1"
token   = "$2"
key_pem = "-----BEGIN KEY-----\nMIIE${1}QIBADANBgkq\r\nhkiG9w0BAQEFAASC\n-----END KEY-----"
EOF2
  }
  tfvars staging 'stg&<Tok3n> old/1'
  tfvars prod 'prd&<Tok3n> old/2'
  apply_baseline
  tfvars staging 'stg&<Tok3n> new/1'
  tfvars prod 'prd&<Tok3n> new/2'
  plan_both
  readme <<'EOF'
# secret-copies
`var.token` (sensitive) rotates in both environments: staging `stg&<Tok3n> old/1` -> `stg&<Tok3n> new/1`, prod `prd&<Tok3n> old/2` -> `prd&<Tok3n> new/2`; `var.key_pem` (sensitive, multi-line, one CRLF line end) holds `MIIEstagingQIBADANBgkq` / `MIIEprodQIBADANBgkq` and `hkiG9w0BAQEFAASC`.
Copies of the secrets that Terraform does not mark: the key of `keyed.output` (map key), `encoded.input.*` (base64encode, urlencode, jsonencode with `\u0026`/`\u003c`/`\u003e`, yamlencode re-indenting the PEM, base64 of a script holding the token), the for_each key of `per_key` (so its address), and the key of output `by_token`.
Reviewer should be told: every copy is masked in every format; none of the token or key strings appears in any output.
EOF
}

###############################################################################
scenario_edits-script-policy() {
  begin edits-script-policy
  cat >main.tf <<'EOF'
variable "env" { type = string }
variable "replicas" { type = number }
variable "size" { type = string }
variable "actions" { type = list(string) }
variable "token" {
  type      = string
  sensitive = true
}

# A deploy script: the image line comes from the code, the replica count
# and the token from each environment's tfvars.
resource "terraform_data" "deploy" {
  input = {
    name           = "app-${var.env}-db"
    instance_class = var.size
    script         = <<-EOT
      #!/bin/sh
      set -e
      export API_TOKEN=${nonsensitive(var.token)}
      docker pull registry.example.com/app:${local.image_tag}
      run --replicas ${var.replicas} --name app-${var.env}
    EOT
  }
}

# Where the token lives marked (as a real secret store would hold it): the
# plan marks its old and new values sensitive, so every copy can be masked.
resource "terraform_data" "token" {
  input = var.token
}

# An IAM-style policy, jsonencode'd: the actions come from tfvars.
resource "terraform_data" "policy" {
  input = {
    name = "app-${var.env}-policy"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Sid      = "AppBucket"
        Effect   = "Allow"
        Action   = var.actions
        Resource = "arn:aws:s3:::app-${var.env}-bucket/*"
      }]
    })
  }
}
EOF
  echo 'locals { image_tag = "1.2.0" }' >release.tf
  tfvars() { # ENV REPLICAS SIZE ACTIONS TOKEN
    printf 'env = "%s"\nreplicas = %s\nsize = "%s"\nactions = %s\ntoken = "%s"\n' "$@" >"$1.tfvars.tmp"
    mv "$1.tfvars.tmp" "$(if [[ $1 == stg ]]; then echo staging; else echo prod; fi).tfvars"
  }
  tfvars stg 2 db.t3.medium '["s3:GetObject"]' 'stg-Tok3n-0ld-a1'
  tfvars prd 4 db.r6g.large '["s3:GetObject"]' 'prd-Tok3n-0ld-b2'
  apply_baseline
  # Both: the image bump (code), a bigger size and the token rotated; staging
  # also grants s3:PutObject. Prod also scales 4 -> 6 replicas and grants
  # s3:DeleteObject, which staging never did.
  echo 'locals { image_tag = "1.3.0" }' >release.tf
  tfvars stg 2 db.t3.large '["s3:GetObject", "s3:PutObject"]' 'stg-Tok3n-n3w-a1'
  tfvars prd 6 db.r6g.xlarge '["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]' 'prd-Tok3n-n3w-b2'
  plan_both
  readme <<'EOF'
# edits-script-policy
Staging (`env = "stg"`): `terraform_data.token` (the marked secret) is updated in both; `terraform_data.deploy` changes the script's image line (1.2.0 -> 1.3.0) and token line (rotated), and `instance_class` db.t3.medium -> db.t3.large; `terraform_data.policy` adds `s3:PutObject` to the jsonencode'd policy.
Prod (`env = "prd"`): the same, with prod sizes (db.r6g.large -> db.r6g.xlarge), and in addition the script's `run --replicas 4` line becomes `--replicas 6`, and the policy also gains `s3:DeleteObject`.
The token (`var.token`, sensitive) is copied unmarked into the script through `nonsensitive()`: `stg-Tok3n-0ld-a1` -> `stg-Tok3n-n3w-a1`, `prd-Tok3n-0ld-b2` -> `prd-Tok3n-n3w-b2`.
Reviewer should be told: `deploy` diverged (the replicas line, not in staging; the image and token lines as staging; the size differs in value only), `policy` diverged (the `s3:DeleteObject` element, not in staging); names differ only by environment token (`stg`/`prd`) and are not differences; no token appears anywhere.
EOF
}

###############################################################################
scenario_edits-env-keys() {
  begin edits-env-keys
  mkdir -p modules/svc
  cat >modules/svc/main.tf <<'EOF'
variable "name" { type = string }
variable "release" { type = string }

resource "terraform_data" "this" {
  input = { name = var.name, release = var.release }
}
EOF
  cat >main.tf <<'EOF'
variable "env" { type = string }
variable "regions" { type = list(string) }
variable "workers" { type = number }

# for_each keys that embed the environment: "stg-eu" in staging,
# "prod-eu" in prod.
module "svc" {
  source   = "./modules/svc"
  for_each = toset([for r in var.regions : "${var.env}-${r}"])
  name     = "svc-${each.key}"
  release  = local.release
}

# A count that grows only in prod.
resource "terraform_data" "worker" {
  count = var.workers
  input = { release = local.release, index = count.index }
}

# A value naming the environment, changed in both.
resource "terraform_data" "endpoint" {
  input = { host = "db-${local.release}.${var.env == "stg" ? "staging" : "prod"}.internal" }
}
EOF
  echo 'locals { release = "41" }' >release.tf
  printf 'env = "stg"\nregions = ["eu", "us"]\nworkers = 1\n' >staging.tfvars
  printf 'env = "prod"\nregions = ["eu", "us"]\nworkers = 2\n' >prod.tfvars
  apply_baseline
  echo 'locals { release = "42" }' >release.tf
  printf 'env = "prod"\nregions = ["eu", "us"]\nworkers = 4\n' >prod.tfvars
  plan_both
  readme <<'EOF'
# edits-env-keys
Both: release 41 -> 42 updates every `module.svc[...]` instance, every `terraform_data.worker` and `terraform_data.endpoint` (`db-42.staging.internal` / `db-42.prod.internal`).
The module's for_each keys differ per environment: staging `module.svc["stg-eu"]`, `["stg-us"]`; prod `module.svc["prod-eu"]`, `["prod-us"]`.
Prod also grows `terraform_data.worker` from 2 to 4 instances (`worker[2]`, `worker[3]` created); staging keeps its one worker.
Reviewer should be told: the module instances match their staging siblings; `endpoint` is the same edit once `staging` reads `prod`; the prod-only scale-out is one `not-in-staging` finding for `terraform_data.worker` naming `worker[2]` and `worker[3]`.
EOF
}

###############################################################################
# Structural checks + summary of what was generated.
check_and_summarize() {
  python3 - "$STAGE" "$@" <<'EOF'
import json, sys, collections, os
stage, names = sys.argv[1], sys.argv[2:]
ok = True
for name in names:
    print(f"{name}:")
    for env in ("staging", "prod"):
        p = os.path.join(stage, name, env + ".json")
        raw = open(p, "rb").read()
        d = json.loads(raw)
        if d.get("format_version") != "1.2":
            print(f"  !! {env}: unexpected format_version {d.get('format_version')}"); ok = False
        c = collections.Counter()
        for rc in d.get("resource_changes") or []:
            k = ",".join(rc["change"]["actions"])
            if rc.get("action_reason"): k += f" ({rc['action_reason']})"
            if rc.get("previous_address"): k += " [moved]"
            c[k] += 1
        drift = collections.Counter(",".join(r["change"]["actions"]) for r in d.get("resource_drift") or [])
        flags = f"errored={d.get('errored')} applyable={d.get('applyable')} complete={d.get('complete')}"
        extra = f" drift={dict(drift)}" if drift else ""
        rel = f" relevant={len(d['relevant_attributes'])}" if d.get("relevant_attributes") else ""
        print(f"  {env:7} {dict(c)}{extra}{rel} {flags} ({len(raw)} bytes)")
sys.exit(0 if ok else 1)
EOF
}

###############################################################################
scenario_parity-and-one-way() {
  begin parity-and-one-way
  cat >main.tf <<'EOF'
variable "env" { type = string }
variable "db_engine_version" { type = string }
variable "db_storage_gb" { type = number }
variable "db_class" { type = string }
variable "lb_type" { type = string }

# Stands in for a database: engine and major version are kind, class and
# storage are quantity.
resource "terraform_data" "db" {
  input = {
    identifier     = "orders-${var.env}"
    engine         = "postgres"
    engine_version = var.db_engine_version
    storage_gb     = var.db_storage_gb
    class          = var.db_class
  }
}

# Stands in for a load balancer: its type is kind.
resource "terraform_data" "lb" {
  input = { name = "web-${var.env}", load_balancer_type = var.lb_type }
}
EOF
  printf 'env = "staging"\ndb_engine_version = "15.4"\ndb_storage_gb = 20\ndb_class = "small"\nlb_type = "application"\n' >staging.tfvars
  printf 'env = "prod"\ndb_engine_version = "15.7"\ndb_storage_gb = 100\ndb_class = "xlarge"\nlb_type = "network"\n' >prod.tfvars
  apply_baseline
  # Both grow storage; prod alone moves to PostgreSQL 16.
  printf 'env = "staging"\ndb_engine_version = "15.4"\ndb_storage_gb = 50\ndb_class = "small"\nlb_type = "application"\n' >staging.tfvars
  printf 'env = "prod"\ndb_engine_version = "16.1"\ndb_storage_gb = 200\ndb_class = "xlarge"\nlb_type = "network"\n' >prod.tfvars
  plan_both
  cat >"$STAGE/$SCEN/policy.toml" <<'EOF'
# Kind attributes and one-way edits of the terraform_data stand-ins.
[[parity]]
type = "terraform_data"
attributes = ["input.engine", "input.load_balancer_type"]
reason = "the same engine and load balancer type"

[[parity]]
type = "terraform_data"
attributes = ["input.engine_version"]
compare = "major"
reason = "the same major engine version"

[[one_way]]
type = "terraform_data"
path = "input.storage_gb"
direction = "increase"
outcome = "error"
reason = "storage cannot shrink"
source = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.ModifyingExisting.html"

[[one_way]]
type = "terraform_data"
path = "input.engine_version"
direction = "upgrade"
outcome = "error"
reason = "no downgrade path"
source = "https://github.com/hashicorp/terraform-provider-aws/issues/39883"
EOF
  readme <<'EOF'
# parity-and-one-way
Staging: `terraform_data.db` storage 20 -> 50, engine version stays 15.4; `terraform_data.lb` (application) is a no-op.
Prod: `terraform_data.db` storage 100 -> 200 and engine version 15.7 -> 16.1; `terraform_data.lb` (network) is a no-op.
With `policy.toml` (kind attributes and one-way edits of the stand-ins), a reviewer should be told: the engine version now differs in major version, introduced by this plan (`parity-kind`); the load balancer types differ and already did (`parity-kind`); class and storage sizes are quantity; prod's storage growth and version upgrade cannot be undone by promoting the previous artifact (`one-way`, Rollback section).
EOF
}

###############################################################################
main() {
  local names=("$@")
  if [[ ${#names[@]} -eq 0 ]]; then names=("${ALL_SCENARIOS[@]}"); fi
  local n
  for n in "${names[@]}"; do
    if ! declare -F "scenario_$n" >/dev/null; then
      echo "unknown scenario: $n (known: ${ALL_SCENARIOS[*]})" >&2
      exit 2
    fi
  done
  for n in "${names[@]}"; do
    ( "scenario_$n" )
  done
  check_and_summarize "${names[@]}"
  # Only replace the committed output once every requested scenario succeeded.
  for n in "${names[@]}"; do
    rm -rf "${OUT_ROOT:?}/$n"
    cp -R "$STAGE/$n" "$OUT_ROOT/$n"
  done
  echo "wrote ${#names[@]} scenario(s) under $OUT_ROOT" >&2
}

main "$@"
