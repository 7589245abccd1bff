#!/usr/bin/env bash
# Builds the WebAssembly scoring kernel engine-wasm/score-kernel.wasm from engine-wasm/assembly/
# with the pinned AssemblyScript compiler (devDependency). The .wasm is committed; the unit test
# test/unit/engine/score-kernel-build.test.ts rebuilds it and checks the bytes are identical.
# Usage: scripts/build-wasm.sh [OUT.wasm]   (default: engine-wasm/score-kernel.wasm)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-engine-wasm/score-kernel.wasm}
exec node node_modules/assemblyscript/bin/asc.js engine-wasm/assembly/score.ts \
  --outFile "$out" \
  --optimizeLevel 3 --shrinkLevel 0 --noAssert \
  --runtime stub --use abort= \
  --enable simd \
  --initialMemory 1
