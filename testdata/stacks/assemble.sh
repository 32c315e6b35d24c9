#!/usr/bin/env bash
# Assembles the many-stacks fixtures from the committed single-pair plans,
# in the two layouts plangate reads:
#
#   terragrunt/{staging,prod}/<stack>/tfplan.json   (--staging DIR --prod DIR;
#                                                    what `terragrunt run-all plan
#                                                    --json-out-dir` writes per env)
#   plans/<stack>/{staging,prod}.json               (--plans 'plans/{stack}/{env}.json')
#
# Both hold the same twelve stacks, so each must get the same verdict in both.
# The plans are byte-for-byte copies of testdata/pairs, testdata/example and
# testdata/plans (real `terraform show -json` output or documented hand-made
# plans); rerun this script after regenerating those.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
T=..

# stack            staging plan                                  prod plan
STACKS=(
  "network/vpc     pairs/same-change/staging.json                pairs/same-change/prod.json"
  "network/dns     pairs/nothing-to-do/staging.json              pairs/nothing-to-do/prod.json"
  "data/db         example/staging.json                          example/prod.json"
  "data/cache      pairs/errored-prod/staging.json               pairs/errored-prod/prod.json"
  "data/archive    -                                             plans/stateful-replace-db.json"
  "app/web         pairs/prod-only-change/staging.json           pairs/prod-only-change/prod.json"
  "app/workers     pairs/scaled-counts/staging.json              pairs/scaled-counts/prod.json"
  "app/queue       pairs/moved-resource/staging.json             pairs/moved-resource/prod.json"
  "edge/cdn        -                                             pairs/prod-only-replace/prod.json"
  "legacy/batch    pairs/state-drift/staging.json                -"
  "ops/secrets     pairs/secrets-and-hostile-values/staging.json pairs/secrets-and-hostile-values/prod.json"
  "ops/monitoring  pairs/removed-for-each-keys/staging.json      pairs/removed-for-each-keys/prod.json"
)

rm -rf terragrunt plans
for row in "${STACKS[@]}"; do
  read -r stack staging prod <<<"$row"
  for env in staging prod; do
    src=${!env}
    [ "$src" = - ] && continue
    mkdir -p "terragrunt/$env/$stack" "plans/$stack"
    cp "$T/$src" "terragrunt/$env/$stack/tfplan.json"
    cp "$T/$src" "plans/$stack/$env.json"
  done
done
