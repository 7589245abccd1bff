#!/usr/bin/env bash
# The main job on the embedded default: provisions what is missing, starts the local stack
# (Temporal + SeaweedFS), checks it end to end, generates the synthetic dataset into S3, and runs
# an Active Label Correction campaign round by round with the project's own commands: train,
# fused inference + scoring, acquisition, the oracle annotator, label expansion, evaluation.
# Prints the per-round table at the end.
#
#   npm run demo [-- --images N --rounds R --budget B --mode alc|a2lc --epochs E --seed S]
#
# (The durable Temporal campaign workflow and the annotation app replace this loop as they land:
# issues 5 and 6.)
set -euo pipefail
cd "$(dirname "$0")/.."

images=80 rounds=3 budget=60 mode=alc epochs=25 seed=1
while [ $# -gt 0 ]; do
  case "$1" in
    --images) images=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --budget) budget=$2; shift 2 ;;
    --mode) mode=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "demo: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

bash scripts/setup.sh
alc() { node bin/alc.mjs "$@"; }
step() { printf '\n== %s\n' "$*"; }

step "embedded stack"
alc stack up --free-ports
alc stack check
bucket=$(alc config show --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).s3.bucket))')

run="demo-${mode}-$(date +%Y%m%d-%H%M%S)"
dataset="s3://${bucket}/datasets/synthetic-${images}-${seed}"
campaign="s3://${bucket}/campaigns/${run}"
work=".alc/demo/${run}"
mkdir -p "$work"

step "synthetic dataset: ${images} images -> ${dataset}"
alc dataset generate --out "$dataset" --images "$images" --seed "$seed"
alc dataset validate --dataset "$dataset" > /dev/null

train() { # round, labels prefix ("" = pseudo labels)
  local spec="$work/train-$1.json" labels=""
  [ -n "$2" ] && labels="\"labelsPrefix\": \"$2\","
  cat > "$spec" <<JSON
{ "datasetPrefix": "datasets/synthetic-${images}-${seed}/", ${labels}
  "model": { "config": "tiny" }, "hyperparameters": { "epochs": ${epochs} }, "seed": ${seed},
  "outputPrefix": "campaigns/${run}/round-$1/model/" }
JSON
  alc train --spec "$spec"
}
model_miou() { # round
  alc infer --model "${campaign}/round-$1/model/" --dataset "$dataset" --split val --evaluate --json \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log((JSON.parse(s).evaluation.metrics.meanIoU*100).toFixed(1)))'
}
data_miou() { # labels location, output file
  alc evaluate --labels "$1" --gt "${dataset}/gt" --classes "${dataset}/classes.json" --out "$2" --json \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(((j.meanIoU ?? j.metrics?.meanIoU)*100).toFixed(1))})'
}

step "round 0: train on the pseudo labels"
labels="${dataset}/pseudo"
train 0 ""
table=("round  queries  answered  relabelled  data mIoU  model mIoU")
table+=("$(printf '%-5s  %-7s  %-8s  %-10s  %-9s  %s' 0 0 0 0 "$(data_miou "$labels" "$work/data-0.json")" "$(model_miou 0)")")
: > "$work/queried.jsonl"

for r in $(seq 1 "$rounds"); do
  prev=$((r - 1))
  step "round ${r}: soft labels of model ${prev} -> scores -> ${budget} queries -> oracle answers -> expansion -> model ${r}"
  soft="$work/round-${r}/soft-labels"
  alc infer --model "${campaign}/round-${prev}/model/" --dataset "$dataset" --labels "$labels" --split train --dump-soft-labels "$soft" > /dev/null
  alc acquire --soft-labels "$soft" --labels "$labels" --superpixels "${dataset}/superpixels" --mode "$mode" \
    --budget "$budget" --queried "$work/queried.jsonl" --out "$work/round-${r}"
  alc oracle --selected "$work/round-${r}/selected.jsonl" --soft-labels "$soft" --labels "$labels" \
    --superpixels "${dataset}/superpixels" --gt "${dataset}/gt" --mode "$mode" --seed "$seed" --out "$work/round-${r}/answers.jsonl"
  alc apply-answers --answers "$work/round-${r}/answers.jsonl" --soft-labels "$soft" --labels "$labels" \
    --superpixels "${dataset}/superpixels" --mode "$mode" --classes "${dataset}/classes.json" --out "${campaign}/round-${r}/labels"
  cat "$work/round-${r}/answers.jsonl" >> "$work/queried.jsonl"
  rm -rf "$soft"
  labels="${campaign}/round-${r}/labels"
  train "$r" "campaigns/${run}/round-${r}/labels/"
  answered=$(grep -c '"answer"' "$work/round-${r}/answers.jsonl" || true)
  relabelled=$(grep -c '"relabel"' "$work/round-${r}/answers.jsonl" || true)
  table+=("$(printf '%-5s  %-7s  %-8s  %-10s  %-9s  %s' "$r" "$budget" "$answered" "$relabelled" "$(data_miou "$labels" "$work/data-${r}.json")" "$(model_miou "$r")")")
done

step "result (${mode}, ${images} images, budget ${budget} per round)"
printf '%s\n' "${table[@]}"
ui=$(alc stack status --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).temporal.ui))')
echo
echo "artifacts: ${campaign}/ (labels and models of every round), local notes: ${work}/"
echo "Temporal Web UI: ${ui}"
