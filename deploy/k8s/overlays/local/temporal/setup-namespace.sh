#!/bin/sh
# Creates the Temporal namespace ALC runs in and the custom search attributes its workflows upsert
# (configs/constants.ts, SEARCH_ATTRIBUTES), when they are missing; safe to run on every deploy.
# Runs in Temporal's admin-tools image (sh, the temporal CLI). Used by the local Kubernetes overlay
# (setup-jobs.yaml) and by the compose file (deploy/compose/compose.yaml).
#   TEMPORAL_ADDRESS  frontend HOST:PORT (the CLI reads it)
#   NAMESPACE         default alc
#   RETENTION         how long closed workflow histories are kept, default 30d
set -eu
ns="${NAMESPACE:-alc}"

until temporal operator cluster health >/dev/null 2>&1; do
  echo "waiting for Temporal at ${TEMPORAL_ADDRESS}"
  sleep 5
done

if ! temporal operator namespace describe -n "$ns" >/dev/null 2>&1; then
  temporal operator namespace create -n "$ns" --retention "${RETENTION:-30d}"
fi
until temporal operator namespace describe -n "$ns" >/dev/null 2>&1; do sleep 2; done

existing="$(temporal operator search-attribute list -n "$ns")"
for attribute in AlcCampaign=Keyword AlcRound=Int AlcStep=Keyword AlcStatus=Keyword; do
  name="${attribute%%=*}"
  type="${attribute#*=}"
  if ! printf '%s\n' "$existing" | grep -qw "$name"; then
    temporal operator search-attribute create -n "$ns" --name "$name" --type "$type"
  fi
done
echo "namespace $ns is ready"
