#!/usr/bin/env bash
# ModelGen side by side with TorchSharp (libtorch) and ONNX Runtime on this machine's CPU. Builds benchmarks/Peers
# (the build applies the GLIBCXX patch TorchSharp needs on Debian 12), publishes ModelGen's cold-start child as
# NativeAOT and ReadyToRun, runs every workload alternating the sides, and writes benchmarks/results.md.
#
# Usage: benchmarks/peers.sh [--quick] [--no-publish] [more Peers bench options, see benchmarks/Peers/Program.cs]
#   --no-publish skips the NativeAOT/ReadyToRun cold-start programs.
#   Full run on the busy 2-core VM: 9 min (2.6 build/publish + 6.6 measuring); --quick: 2.9 min measuring.
set -euo pipefail
cd "$(dirname "$0")/.."
PUBLISH=1
ARGS=()
for a in "$@"; do if [[ "$a" == "--no-publish" ]]; then PUBLISH=0; else ARGS+=("$a"); fi; done

dotnet build benchmarks/Peers -c Release -nologo -v q

EXTRA=()
if [[ $PUBLISH == 1 ]]; then
  OUT=benchmarks/Peers/ColdStartAot/bin/publish
  # NativeAOT links with a C toolchain: clang by default; gcc works too. Without either, only ReadyToRun is measured.
  LINKER=""
  if command -v clang >/dev/null; then LINKER=clang; elif command -v gcc >/dev/null; then LINKER=gcc; fi
  if [[ -n "$LINKER" ]] && dotnet publish benchmarks/Peers/ColdStartAot -c Release -nologo -v q \
       -p:ColdStartBuild=aot -p:CppCompilerAndLinker=$LINKER -o "$OUT-aot"; then
    EXTRA+=(--aot "$OUT-aot/ModelGenColdStart")
  else
    echo "NativeAOT publish not possible here (linker: ${LINKER:-none}); measuring ReadyToRun only" >&2
  fi
  if dotnet publish benchmarks/Peers/ColdStartAot -c Release -nologo -v q -p:ColdStartBuild=r2r -o "$OUT-r2r"; then
    EXTRA+=(--r2r "$OUT-r2r/ModelGenColdStart")
  fi
  # The same small program without precompilation: the JIT baseline for the two above.
  if dotnet publish benchmarks/Peers/ColdStartAot -c Release -nologo -v q -o "$OUT-jit"; then
    EXTRA+=(--jit "$OUT-jit/ModelGenColdStart")
  fi
fi

exec benchmarks/Peers/bin/Release/net10.0/linux-x64/Peers bench --command "benchmarks/peers.sh $*" "${EXTRA[@]}" "${ARGS[@]}"
