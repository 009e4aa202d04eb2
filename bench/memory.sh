#!/usr/bin/env bash
# bench/memory.sh OUT_DIR - daemon memory at cluster scale (scenario d of bench/bench.sh).
#
# Starts the clsync-hpc daemon (no --once) with `--transport local` on a generated tree of
# MEMORY_PATHS paths and a host list of MEMORY_HOSTS hosts (`h[0001-1000]`), waits for the initial
# sync to finish (the log line "watching ..."), lets it sit idle for MEMORY_SETTLE seconds, then
# reads VmRSS / VmHWM of the daemon from /proc/PID/status, the state dir size, and counts what the
# hosts received. Writes OUT_DIR/memory.json (+ memory.log, the daemon's output).
#
# Everything lives on a private tmpfs (the 2 M destination files never touch the disk), including
# TMPDIR (the local transport copies the stage per host there). The files are EMPTY: a non-empty
# file costs a 4 KiB tmpfs page per host (8 GiB for 1,000 x 2,000) while the daemon's own memory
# depends on the number of paths and hosts, not on file sizes. MEMORY_FILE_BYTES=N gives every
# file N distinct bytes instead (then check the memory estimate below).
# Time: the local transport runs apply.sh per host, about two processes (cp, mv) per written file,
# so 1,000 hosts x 1,900 files is ~3.8 M processes: 25-50 min on 2 cores (3 s per host measured
# under load). MEMORY_HOSTS=100 gives a quick figure (the report says how many hosts were used).
# Before starting it checks MemAvailable against an estimate (~1.2 KiB of kernel memory per
# destination inode + pages) and scales MEMORY_HOSTS down, with a note in the report, if needed.
#
# Environment: MEMORY_HOSTS=1000 MEMORY_PATHS=2000 MEMORY_DIRS=100 MEMORY_FILE_BYTES=0
#   MEMORY_TIMEOUT=7200 (s for the initial sync) MEMORY_SETTLE=5 CLI="node <repo>/dist/src/cli/launch.cjs"
set -Eeuo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:?usage: memory.sh OUT_DIR}
HOSTS=${MEMORY_HOSTS:-1000}; PATHS=${MEMORY_PATHS:-2000}; DIRS=${MEMORY_DIRS:-100}
BYTES=${MEMORY_FILE_BYTES:-0}; TIMEOUT=${MEMORY_TIMEOUT:-7200}; SETTLE=${MEMORY_SETTLE:-5}
CLI=${CLI:-node $REPO/dist/src/cli/launch.cjs}
PY=/usr/bin/python3
die() { echo "memory.sh: $*" >&2; exit 2; }
log() { echo "memory.sh: $*" >&2; }
[ "$(id -u)" = 0 ] || die "needs root (it mounts a tmpfs)"
[ "$PATHS" -gt "$DIRS" ] || die "MEMORY_PATHS ($PATHS) must exceed MEMORY_DIRS ($DIRS)"
mkdir -p "$OUT"

notes=()
# kernel memory per destination inode on tmpfs (inode + dentry, measured ~0.9 KiB; rounded up)
# plus one page per non-empty file; keep the whole thing under half of MemAvailable
per_host_kb=$(( PATHS * 6 / 5 + (BYTES > 0 ? (PATHS - DIRS) * ((BYTES + 4095) / 4096) * 4 : 0) ))
avail_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
max_hosts=$(( avail_kb / 2 / (per_host_kb + 1) ))
if [ "$HOSTS" -gt "$max_hosts" ]; then
  notes+=("scaled down from $HOSTS to $max_hosts hosts: MemAvailable $((avail_kb / 1024)) MiB, estimate $((per_host_kb)) KiB per host")
  HOSTS=$max_hosts
fi
[ "$HOSTS" -ge 1 ] || die "not enough memory for even one host"
W=$(mktemp -d /tmp/clsync-bench-mem.XXXXXX)
PID=""
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null || true
  fi
  umount "$W" 2>/dev/null || true
  rmdir "$W" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
inodes=$(( HOSTS * PATHS * 3 + 100000 ))     # destination + per-host stage copies + slack
mount -t tmpfs -o "size=$(( HOSTS * per_host_kb * 2 / 1024 + 512 ))m,nr_inodes=$inodes,mode=0700" clsync-bench-mem "$W"
mkdir -p "$W/src" "$W/hosts-root" "$W/state" "$W/tmp"

# the tree: DIRS directories (d000..), PATHS - DIRS files spread over the root and the dirs
"$PY" - "$W/src" "$PATHS" "$DIRS" "$BYTES" <<'EOF'
import os, sys
root, paths, dirs, nbytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for d in range(dirs):
    os.mkdir('%s/d%03d' % (root, d))
for f in range(paths - dirs):
    parent = root if f % (dirs + 1) == dirs else '%s/d%03d' % (root, f % (dirs + 1))
    with open('%s/f%05d.conf' % (parent, f), 'wb') as fh:
        fh.write(('%s f%05d\n' % ('x' * nbytes, f)).encode()[-nbytes:] if nbytes else b'')
EOF
hosts_expr=$(printf 'h[%04d-%04d]' 1 "$HOSTS")
echo "$hosts_expr" >"$W/hosts.txt"
files_expected=$(( HOSTS * (PATHS - DIRS) ))

log "$HOSTS hosts x $PATHS paths ($DIRS dirs), local transport on tmpfs $W"
: >"$OUT/memory.log"
start=$(date +%s.%N)
# shellcheck disable=SC2086
TMPDIR=$W/tmp $CLI -W "$W/src" -D /srv/etc -H "$W/hosts.txt" --transport local --local-root "$W/hosts-root" \
  --state-dir "$W/state" --delay-collect 0 >"$OUT/memory.log" 2>&1 </dev/null &
PID=$!
ready=""
while [ -z "$ready" ]; do
  if grep -q 'watching' "$OUT/memory.log"; then ready=$(date +%s.%N); break; fi
  if ! kill -0 "$PID" 2>/dev/null; then
    rc=0; wait "$PID" || rc=$?; PID=""
    die "the daemon exited (status $rc) before it was watching; see $OUT/memory.log: $(tail -3 "$OUT/memory.log")"
  fi
  [ "$(echo "$(date +%s.%N) - $start < $TIMEOUT" | bc)" = 1 ] || die "no 'watching' after $TIMEOUT s; see $OUT/memory.log"
  sleep 0.2
done
sleep "$SETTLE"
status_kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$PID/status"; }
rss=$(status_kb VmRSS); hwm=$(status_kb VmHWM)
children_rss=0
for c in $(pgrep -P "$PID" || true); do   # e.g. the inotify helper
  children_rss=$(( children_rss + $(awk '$1 == "VmRSS:" {print $2}' "/proc/$c/status" 2>/dev/null || echo 0) ))
done
state_bytes=$(du -sb "$W/state" | cut -f1); state_human=$(du -sh "$W/state" | cut -f1)
state_files=$(find "$W/state" -type f | wc -l)
files_written=$(find "$W/hosts-root" -type f | wc -l)
[ "$files_written" = "$files_expected" ] || notes+=("hosts received $files_written files, expected $files_expected")
tmpfs_used=$(df --output=used -k "$W" | tail -1 | tr -d ' ')

"$PY" - "$OUT/memory.json" "${notes[@]}" <<EOF
import json, sys
json.dump(dict(hosts=$HOSTS, paths=$PATHS, dirs=$DIRS, file_bytes=$BYTES, hosts_expr="$hosts_expr",
  initial_sync_s=round($ready - $start, 1), vmrss_kb=$rss, vmhwm_kb=$hwm, children_rss_kb=$children_rss,
  state_dir_bytes=$state_bytes, state_dir_human="$state_human", state_dir_files=$state_files,
  files_written=$files_written, files_expected=$files_expected, tmpfs_used_kb=$tmpfs_used,
  loadavg="$(cut -d' ' -f1-3 /proc/loadavg)",
  note="empty files" if $BYTES == 0 else "$BYTES-byte files",
  notes=sys.argv[2:]), open(sys.argv[1], 'w'), indent=1)
EOF
log "VmRSS $((rss / 1024)) MiB, VmHWM $((hwm / 1024)) MiB, state dir $state_human, initial sync $(echo "$ready - $start" | bc) s"
