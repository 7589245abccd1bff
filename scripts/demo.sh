#!/usr/bin/env bash
# The main job on the embedded default, in one command (README "Two commands"):
# provisions what is missing (scripts/setup.sh), then `alc demo`: starts the local stack
# (Temporal dev server + SeaweedFS), a GPU and a CPU worker and the annotation service, generates
# the synthetic dataset, runs an ALC campaign answered by oracle annotators through the annotation
# API, shows live progress and prints the per-round table, the HTML report and the links.
#
#   npm run demo [-- --images N --rounds R --budget B --strategy alc|a2lc|random|pixel
#                    --compare --human --epochs E --seed S --json]   (alc demo --help for all)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/alc.mjs demo "$@"
