#!/usr/bin/env bash
# Builds the release binaries and runs the end-to-end ingest benchmark (bench/README.md).
# Usage: bench/run_ingest.sh [ingest_bench flags...]   e.g. --patients 200 --skip-mqtt
# Each phase runs 3 times (best verified run kept) unless --repeat is given. Builds with at most
# 2 parallel jobs (the machine is shared); everything runs on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v influxd >/dev/null || [ ! -x /usr/sbin/mosquitto ]; then
  LJ_SETUP_BENCH=1 scripts/setup
fi

cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLJ_BENCH=ON -DLJ_TESTS=OFF >/dev/null
ninja -C build/release -j2 lingjing ingest_bench

repeat=(--repeat 3)
for a in "$@"; do case "$a" in --repeat | --repeat=*) repeat=() ;; esac; done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (figures are noisy when others are busy)"
exec build/release/bench/ingest_bench --lingjing build/release/src/app/lingjing \
  --influxd "$(command -v influxd)" "${repeat[@]}" "$@"
