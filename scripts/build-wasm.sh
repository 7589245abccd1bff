#!/usr/bin/env bash
# Builds the WebAssembly modules of engine-wasm/ from engine-wasm/assembly/ with the pinned
# AssemblyScript compiler (devDependency): score-kernel.wasm (assembly/score.ts, superpixel
# scoring) and softmax.wasm (assembly/softmax.ts, soft labels from logits). The .wasm files are
# committed; the unit test test/unit/engine/score-kernel.test.ts rebuilds them and checks the bytes
# are identical.
# Usage: scripts/build-wasm.sh [OUT_DIR]   (default: engine-wasm)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-engine-wasm}
build() {
  node node_modules/assemblyscript/bin/asc.js "engine-wasm/assembly/$1.ts" \
    --outFile "$out/$2" \
    --optimizeLevel 3 --shrinkLevel 0 --noAssert \
    --runtime stub --use abort= \
    --enable simd \
    --initialMemory 1
}
build score score-kernel.wasm
build softmax softmax.wasm
