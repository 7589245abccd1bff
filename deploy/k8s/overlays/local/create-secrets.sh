#!/usr/bin/env bash
# Creates the Secrets the local overlay references (never stored in the repository): development
# S3 keys for SeaweedFS and the ALC pods, and the password of Temporal's PostgreSQL. Random values;
# an existing Secret is left as it is (its data lives in the volumes already initialised with it).
#   bash deploy/k8s/overlays/local/create-secrets.sh [NAMESPACE]
set -euo pipefail
ns="${1:-alc}"
kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns"
random() { head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32; }
if ! kubectl -n "$ns" get secret alc-s3-credentials >/dev/null 2>&1; then
  kubectl -n "$ns" create secret generic alc-s3-credentials \
    --from-literal=AWS_ACCESS_KEY_ID="alc-$(random | head -c 12)" \
    --from-literal=AWS_SECRET_ACCESS_KEY="$(random)"
fi
if ! kubectl -n "$ns" get secret temporal-db >/dev/null 2>&1; then
  kubectl -n "$ns" create secret generic temporal-db --from-literal=password="$(random)"
fi
echo "secrets in namespace $ns: alc-s3-credentials, temporal-db"
