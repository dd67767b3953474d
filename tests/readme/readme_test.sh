#!/usr/bin/env bash
# The README's "Using it" commands, run exactly as written and in order, against a fresh
# `lingjing demo` in a temporary data directory; each one's documented effect is checked (exit
# status, the sample visible through the API, the user able to log in, the beats scored, the
# audit trail verifying). A README command this script has no check for fails the test, so the
# README and this test cannot drift apart.
#
#   tests/readme/readme_test.sh LINGJING_BINARY REPO_DIR SHARED_DIR
#
# The commands are the lines of the ```sh blocks between `<!-- readme-test: begin -->` and
# `<!-- readme-test: end -->` in README.md. They run in one bash session (variables and exports
# carry over, as in a user's terminal), in a scratch copy of the repository's layout: the
# binary under test at build/release/src/app/lingjing, models/, and ../shared (the PhysioNet
# data). The demo runs on 127.0.0.1:8080 when that port is free, else on another port: then
# `127.0.0.1:8080` in the commands and $LINGJING_URL point there. Commands after a paragraph
# saying "demo stopped" run with the demo stopped. Exit 77 (skipped) without ../shared/data.
set -uo pipefail

binary=$(readlink -f "$1")
repo=$(readlink -f "$2")
shared=$3
if [ ! -d "$shared/data/mitdb" ]; then
  echo "readme test SKIPPED: $shared/data/mitdb is absent (the README's examples use it)"
  exit 77
fi
shared=$(readlink -f "$shared")

work=$(mktemp -d /tmp/lj-readme-XXXXXX)
demo_pid=""
cleanup() {
  [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null && wait "$demo_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The layout the README assumes: the repository root with the release binary, and ../shared.
root="$work/repo"
mkdir -p "$root/build/release/src/app"
ln -s "$binary" "$root/build/release/src/app/lingjing"
ln -s "$repo/models" "$root/models"
ln -s "$shared" "$work/shared"
data="$root/lingjing-demo-data"

# --- the commands, as written ---------------------------------------------------------------
commands=()   # one per line of the marked ```sh blocks
stopped=()    # 1: runs with the demo stopped
in_region=0 in_block=0 stop=0
while IFS= read -r line; do
  case "$line" in
    *'<!-- readme-test: begin -->'*) in_region=1; continue ;;
    *'<!-- readme-test: end -->'*) in_region=0; continue ;;
  esac
  [ "$in_region" = 1 ] || continue
  if [ "$in_block" = 0 ]; then
    case "$line" in
      '```sh') in_block=1 ;;
      *'demo stopped'*) stop=1 ;;
    esac
    continue
  fi
  if [ "$line" = '```' ]; then in_block=0; continue; fi
  [ -z "$line" ] && continue
  commands+=("$line")
  stopped+=("$stop")
done <"$repo/README.md"
if [ "${#commands[@]}" -lt 5 ]; then
  echo "FAIL: found ${#commands[@]} commands between the readme-test markers of README.md"
  exit 1
fi

# --- the demo -----------------------------------------------------------------------------------
port=8080
if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then port=0; fi  # 8080 is taken: any port
start_demo() {
  (cd "$root" && exec "$binary" demo --port "$port" --address 127.0.0.1 --data "$data" \
    --log-level warn) >"$work/demo.out" 2>&1 &
  demo_pid=$!
  for _ in $(seq 1 600); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/demo.out" | head -1)
    [ -n "$url" ] && break
    kill -0 "$demo_pid" 2>/dev/null || { cat "$work/demo.out"; echo "FAIL: the demo exited"; exit 1; }
    sleep 0.1
  done
  [ -n "$url" ] || { cat "$work/demo.out"; echo "FAIL: the demo did not start"; exit 1; }
  port=${url#http://127.0.0.1:}
  port=${port%/}
}
stop_demo() {
  kill "$demo_pid" && wait "$demo_pid" 2>/dev/null
  demo_pid=""
}
start_demo
base="http://127.0.0.1:$port"
export LINGJING_URL="$base"
echo "== README commands against a demo on $base (data in $data)"

# The administrator's session, for checking effects through the API (not part of the README).
admin_jar="$work/admin.cookies"
admin_login() {
  local link code
  link=$("$binary" user link admin --data "$data" 2>&1)
  code=$(printf '%s' "$link" | grep -o '#login=[A-Za-z0-9_-]*' | head -1 | cut -d= -f2)
  curl -sf -c "$admin_jar" -H 'Content-Type: application/json' \
    -d "{\"code\":\"$code\"}" "$base/api/v1/login/link" >/dev/null
}
api() { curl -sf -b "$admin_jar" "$base$1"; }
admin_login || { echo "FAIL: cannot log in as admin to check effects"; exit 1; }

# The values of a telemetry of a twin over the last two minutes (raw history, one per line).
recent_values() {
  local now from
  now=$(date +%s%3N)
  from=$((now - 120000))
  api "/api/v1/twins/$1/telemetry/$2/history?from=$from&to=$((now + 600000))" |
    grep -o '"v":\[[^]]*\]' | tr -d '"v:[]' | tr ',' '\n'
}

failures=0
fail() {
  echo "FAIL: $1"
  echo "  command: $cmd"
  sed 's/^/  | /' "$out" | tail -20
  failures=$((failures + 1))
}
has() { grep -q -- "$1" "$out"; }

# Checks: the documented effect of each README command, matched by what the command does.
check() {
  case "$cmd" in
    'export PATH='*)
      [ "$(command -v lingjing)" = "$root/build/release/src/app/lingjing" ] ||
        fail "lingjing on PATH is $(command -v lingjing)" ;;
    'lingjing --help'*)
      has demo && has replay && has import || fail "--help does not list the commands" ;;
    'lingjing user add alice'*)
      has password || fail "no generated password printed" ;;
    'lingjing user link alice'*)
      local code
      code=$(grep -o '#login=[A-Za-z0-9_-]*' "$out" | head -1 | cut -d= -f2)
      curl -sf -c "$work/alice.cookies" -H 'Content-Type: application/json' \
        -d "{\"code\":\"$code\"}" "$base/api/v1/login/link" >/dev/null ||
        fail "alice could not log in with the link"
      curl -sf -b "$work/alice.cookies" "$base/api/v1/whoami" | grep -q '"alice"' ||
        fail "the link's session is not alice's" ;;
    'T=$(lingjing token create'*)
      [[ "${T:-}" == ljd_* ]] || fail "no device token in \$T" ;;
    "curl "*"/write"*)
      recent_values monitor-a01 spo2 | awk '$1 + 0 == 97 { f = 1 } END { exit !f }' ||
        fail "spo2=97 is not in monitor-a01's history" ;;
    "curl "*"/api/v1/telemetry"*)
      recent_values monitor-a01 rr | awk '$1 + 0 == 17 { f = 1 } END { exit !f }' ||
        fail "rr=17 is not in monitor-a01's history" ;;
    'export LINGJING_TOKEN='*)
      [[ "${LINGJING_TOKEN:-}" == ljs_* ]] || fail "no service token in \$LINGJING_TOKEN" ;;
    'lingjing replay '*)
      has ' 0 rejected' || fail "the replay's samples were not all accepted"
      has '15000 samples sent' || fail "the replay did not send 60 s at 250 Hz" ;;
    'lingjing ecg evaluate '*)
      has 'Se' && has '100' && has '101' || fail "no beat-by-beat figures for records 100 and 101" ;;
    'lingjing models validate '*)
      : ;;
    'lingjing audit query --user mon-a01'*)
      has 'write_telemetry' || fail "the device's writes are not in the audit trail" ;;
    'lingjing audit verify'*)
      has 'OK' || fail "the audit trail does not verify" ;;
    'lingjing import wfdb '*)
      has 'imported 650000 of 650000 samples of record 101' ||
        fail "not all 650000 samples of record 101 were stored" ;;
    *)
      fail "no check for this README command: add one to tests/readme/readme_test.sh" ;;
  esac
}

cd "$root" || exit 1
for i in "${!commands[@]}"; do
  cmd=${commands[$i]}
  if [ "${stopped[$i]}" = 1 ] && [ -n "$demo_pid" ]; then
    stop_demo
    echo "-- (demo stopped)"
  fi
  run=${cmd//127.0.0.1:8080/127.0.0.1:$port}
  out="$work/step$i.out"
  echo "-- $cmd"
  eval "$run" >"$out" 2>&1
  rc=$?
  if [ "$rc" -ne 0 ]; then
    fail "exit status $rc"
    continue
  fi
  check
done

if [ "$failures" -gt 0 ]; then
  echo "== $failures README command(s) failed"
  exit 1
fi
echo "== all ${#commands[@]} README commands did what the README says"
