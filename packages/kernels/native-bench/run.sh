#!/bin/bash
# Standalone timing of a charlm training step's native calls (both LSTM layers forward and BPTT,
# the softmax head, Adam; 64 x 100, one-hot 82), AVX2 and AVX-512 builds of a reference commit
# and of this tree interleaved in one process (docs/kernels.md). x86-64 with AVX-512 and g++.
#   packages/kernels/native-bench/run.sh REF [H=512] [ROUNDS=6]      (SEQCAST_THREADS=N for N threads)
set -euo pipefail
ref=${1:?usage: run.sh REF [H] [ROUNDS]}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/before"
git -C "$here/.." archive "$ref" native | tar -x -C "$tmp/before" --strip-components=1
flags="-O3 -march=native -ffp-contract=fast -fno-math-errno -std=gnu++17 -pthread -c"
g++ $flags -mno-avx512f -I"$tmp/before" -DVARIANT=old2 -Dsk=sk_old2 "$here/step.cc" -o "$tmp/o2.o" &
g++ $flags -mno-avx512f -I"$here/../native" -DVARIANT=new2 -Dsk=sk_new2 "$here/step.cc" -o "$tmp/n2.o" &
g++ $flags -I"$tmp/before" -DVARIANT=old5 -Dsk=sk_old5 "$here/step.cc" -o "$tmp/o5.o" &
g++ $flags -I"$here/../native" -DVARIANT=new5 -Dsk=sk_new5 "$here/step.cc" -o "$tmp/n5.o" &
wait
g++ -O2 "$here/driver.cc" "$tmp"/*.o -o "$tmp/driver" -pthread
SEQCAST_THREADS=${SEQCAST_THREADS:-1} "$tmp/driver" "${2:-512}" "${3:-6}"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
