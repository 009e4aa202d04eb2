#!/usr/bin/env bash
# anchors.sh [N...] - baseline figures ("anchors") for clsync-hpc: the tools users would otherwise
# pick, measured side by side with clsync-hpc's candidates in the namespace lab
# (test/lab/lab.sh). Default N: 8 32. Copied from the shared anchors harness and adapted: the
# project's lab with its own prefix/subnet/dir, several candidates per run, a walk candidate.
#
#   oneshot  push a payload once to all N nodes with pdcp, clush --copy and an xargs -P rsync loop
#            (hyperfine --runs $RUNS --warmup 1), pdcp and the candidates again in turn
#            (lib/interleave.py, ONESHOT_ROUNDS=5), then check every copy with diff -r (admin side)
#   watch    change-to-delivered latency of watcher daemons (clsync 0.4.5 + pdcp handler, lsyncd
#            2.2.3 with one sync{} per node): lib/latency.py, $ITERS changes, p50/p90/max
#   walk     initial scan of a 1,001,000-entry tree on a private tmpfs: find, clsync's initial walk,
#            a Node.js walker (hyperfine --runs 3 --warmup 1); entries/s; then find -printf and the
#            candidates in turn (lib/interleave.py, WALK_ROUNDS=5). Runs once, without a lab.
#
# Environment:
#   SCENARIOS="oneshot watch walk"  RUNS=5  ITERS=20  LAB_FAST_KEX=1  OUT=bench/results/<date>
#   ANCHORS_REPORT=1  0 = do not print report.md at the end (bench/bench.sh adds its own sections)
#   CLSYNC_TW="0:0"   clsync -t:-w pairs to measure (0:0 = the smallest accepted; e.g. "0:0 1:1")
#   LSYNCD_DELAY="0"  lsyncd delay values to measure (e.g. "0 1")
#   BURST=1           files changed back-to-back per watch iteration (3 ~ useradd: passwd group shadow)
#   WALK_DIRS=1000 WALK_FILES=1000
#   Lab (defaults keep this lab apart from the test labs): LAB=<repo>/test/lab/lab.sh
#     LAB_NS_PREFIX=b LAB_DIR=/tmp/clsync-bench-lab LAB_SUBNET=10.231.98 LAB_ETC_HOSTS=0
#
# Candidates (the product), any number per run:
#   CANDIDATES="a b-c"  names ([A-Za-z0-9._-]); a name's variables use its KEY = the name with every
#                       other character than [A-Za-z0-9] replaced by _ (b-c -> b_c):
#   CANDIDATE_ONESHOT_<KEY>  template: push the CONTENTS of {src_dir} into {dest_dir} (create it) on
#                            every host of {hosts_file}, then exit. Timed by hyperfine, run by /bin/sh.
#   CANDIDATE_WATCH_<KEY>    template starting a watcher daemon in the foreground that keeps
#                            {dest_dir} on every host in sync with {src_dir}; run as `exec <template>`.
#   CANDIDATE_WALK_<KEY>     template scanning {tree} (scenario walk), timed by hyperfine.
#   CANDIDATE_RESIDENT_<KEY>=1  processes the watcher keeps alive when idle (e.g. 2: daemon + helper)
#   CANDIDATE_LABEL_<KEY>=<name>  the name shown in the tables (may contain spaces)
#   A candidate without a template for a scenario is left out of that scenario.
#   Placeholders: {hosts_file} {src_dir} {dest_dir} {tree}, and {run_dir}: an empty directory of
#   its own for each (scenario, N, payload, candidate) - for state dirs that must start empty.
#   Single-candidate form (the shared harness's): CANDIDATE_NAME=candidate CANDIDATE_ONESHOT=...
#   CANDIDATE_WATCH=... CANDIDATE_WALK=... CANDIDATE_RESIDENT=1 (used when CANDIDATES is unset,
#   or as the fallback for the candidate named $CANDIDATE_NAME).
# Output: $OUT/{meta.txt,loadavg.tsv,*.json,verify.tsv,walk*.tsv,failures.tsv,*.fail.log,report.md};
# report.md on stdout. Each command gets its own hyperfine run, so a failing one loses only its row.
set -Eeuo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C  # no pyenv shims
HERE=$(cd "$(dirname "$0")" && pwd)
LIB=$HERE/lib
LAB=${LAB:-$(cd "$HERE/../../test/lab" && pwd)/lab.sh}
export LAB_NS_PREFIX=${LAB_NS_PREFIX-b} LAB_DIR=${LAB_DIR:-/tmp/clsync-bench-lab} \
       LAB_SUBNET=${LAB_SUBNET:-10.231.98} LAB_ETC_HOSTS=${LAB_ETC_HOSTS:-0}
PY=/usr/bin/python3
[ $# -gt 0 ] || set -- 8 32
SCENARIOS=${SCENARIOS:-oneshot watch walk}
RUNS=${RUNS:-5}; ITERS=${ITERS:-20}
CLSYNC_TW=${CLSYNC_TW:-0:0}; LSYNCD_DELAY=${LSYNCD_DELAY:-0}
CAND=${CANDIDATE_NAME:-candidate}
if [ -z "${CANDIDATES+x}" ]; then
  CANDIDATES=""
  [ -z "${CANDIDATE_ONESHOT:-}${CANDIDATE_WATCH:-}${CANDIDATE_WALK:-}" ] || CANDIDATES=$CAND
fi
export LAB_FAST_KEX=${LAB_FAST_KEX:-1} LAB_QUIET=1
OUT=${OUT:-$(cd "$HERE/.." && pwd)/results/$(date +%Y-%m-%d_%H%M%S)}
mkdir -p "$OUT"
W=$(mktemp -d /tmp/anchors.XXXXXX)       # scratch: payloads, /etc-like tree, clsync lists, run dirs
WALK_MNT=""
cleanup() {
  "$LAB" down >/dev/null 2>&1 || true
  if [ -n "$WALK_MNT" ]; then umount "$WALK_MNT" 2>/dev/null && rmdir "$WALK_MNT"; fi
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log()  { echo "anchors: $*" >&2; }
die()  { echo "anchors: $*" >&2; exit 2; }
load() { # time, step, loadavg 1/5/15, CPU busy % over the last second (our own load + foreign load)
  local a b; a=$(head -1 /proc/stat); sleep 1; b=$(head -1 /proc/stat)
  printf '%s\t%s\t%s\t%s\n' "$(date +%T)" "$1" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$(echo "$a"$'\n'"$b" | awk '{i=$5+$6; t=0; for(k=2;k<=NF;k++) t+=$k; I[NR]=i; T[NR]=t}
      END{printf "cpu_busy=%.0f%%", 100*(1-(I[2]-I[1])/(T[2]-T[1]))}')" >>"$OUT/loadavg.tsv"; }
has()  { case " $SCENARIOS " in *" $1 "*) return 0 ;; esac; return 1; }
fill() { # template key value [key value...] -> command with every {key} replaced
  local t=$1; shift
  while [ $# -ge 2 ]; do t=${t//\{$1\}/$2}; shift 2; done
  echo "$t"; }
cand_key() { echo "${1//[^A-Za-z0-9]/_}"; }
cand_var() { # KIND NAME -> CANDIDATE_<KIND>_<KEY>, else CANDIDATE_<KIND> for the single candidate
  local v; v=CANDIDATE_${1}_$(cand_key "$2")
  if [ -n "${!v:-}" ]; then echo "${!v}"; return; fi
  v=CANDIDATE_$1
  [ "$2" != "$CAND" ] || echo "${!v:-}"; }
cand_label() { local v; v=CANDIDATE_LABEL_$(cand_key "$1"); echo "${!v:-$1}"; }
cand_resident() { local v; v=CANDIDATE_RESIDENT_$(cand_key "$1"); [ -n "${!v:-}" ] || [ "$1" != "$CAND" ] || v=CANDIDATE_RESIDENT
  echo "${!v:-1}"; }
cands_for() { # KIND -> names of the candidates that have a template for it
  local c; for c in $CANDIDATES; do [ -z "$(cand_var "$1" "$c")" ] || echo "$c"; done; }
run_dir() { local d=$W/run/$1; rm -rf "$d"; mkdir -p "$d"; echo "$d"; }
# the same dir as it is (the interleaved rounds after hyperfine: the no-change candidate's state stays)
run_path() { local d=$W/run/$1; mkdir -p "$d"; echo "$d"; }
# hf_each STEP RUNS -n NAME CMD [-n NAME CMD...]: one hyperfine per command (a failing command must
# not drop the rows after it), results merged into $OUT/STEP.json in the given order. A command
# that fails is run once more with its output kept in $OUT/STEP.<name>.fail.log, and noted in
# $OUT/failures.tsv (the report shows it in place of the missing figure).
hf_each() {
  local step=$1 runs=$2 i=0 name cmd rc parts=(); shift 2
  while [ $# -ge 3 ]; do
    name=$2; cmd=$3; shift 3; i=$((i + 1))
    if hyperfine --style basic --runs "$runs" --warmup 1 --export-json "$W/hf-$i.json" -n "$name" "$cmd" >&2; then
      parts+=("$W/hf-$i.json")
    else
      local flog; flog=$OUT/$step.$(cand_key "$name").fail.log
      rc=0; sh -c "$cmd" >"$flog" 2>&1 </dev/null || rc=$?
      printf '%s	%s	%s
' "$step" "$name" "failed under hyperfine; run again: exit $rc, output in ${flog##*/}" >>"$OUT/failures.tsv"
      log "WARNING: $step: '$name' failed (run again: exit $rc; ${flog##*/})"
    fi
  done
  "$PY" -c 'import json, sys
res = [r for f in sys.argv[2:] for r in json.load(open(f))["results"]]
json.dump({"results": res}, open(sys.argv[1], "w"), indent=1)' "$OUT/$step.json" "${parts[@]}"
  rm -f "$W"/hf-*.json
}

for c in $CANDIDATES; do
  case $c in *[!A-Za-z0-9._-]*) die "candidate name '$c': use [A-Za-z0-9._-] only (labels: CANDIDATE_LABEL_<KEY>)" ;; esac
  [ -n "$(cand_var ONESHOT "$c")$(cand_var WATCH "$c")$(cand_var WALK "$c")" ] \
    || die "candidate '$c' has no template: set CANDIDATE_ONESHOT_$(cand_key "$c"), CANDIDATE_WATCH_$(cand_key "$c") or CANDIDATE_WALK_$(cand_key "$c")"
done

{ echo "pass: SCENARIOS=$SCENARIOS"
  echo "date: $(date -Is)  host: $(hostname)  kernel: $(uname -r)  cpus: $(nproc)"
  echo "mem: $(free -m | awk '/^Mem/{print $2" MiB total, "$3" used"}')  loadavg: $(cat /proc/loadavg)"
  echo "LAB_FAST_KEX=$LAB_FAST_KEX RUNS=$RUNS ITERS=$ITERS CLSYNC_TW=$CLSYNC_TW LSYNCD_DELAY=$LSYNCD_DELAY BURST=${BURST:-1} sizes: $*"
  echo "pdsh: $(pdsh -V 2>&1 | head -1)  clush: $(clush --version 2>&1)  $(rsync --version | head -1)"
  echo "lsyncd: $(lsyncd --version 2>&1 | head -1)  clsync: $(clsync -V 2>&1 | head -1)"
  echo "$(hyperfine --version)  node: $(node --version)  $(ssh -V 2>&1)"
  echo "lab: $LAB  LAB_NS_PREFIX=$LAB_NS_PREFIX LAB_DIR=$LAB_DIR LAB_SUBNET=$LAB_SUBNET"
  for c in $CANDIDATES; do
    for k in ONESHOT WATCH WALK; do
      t=$(cand_var $k "$c"); [ -z "$t" ] || echo "candidate $c ($k): $t"
    done
  done
} >>"$OUT/meta.txt"        # appended: bench/bench.sh runs several passes into one OUT

# ---------------------------------------------------------------- scenario a: one-shot push
# Payload P lives in its own directory $W/pay/P. Every tool ends with the same layout on each
# node: /srv/bench/TOOL/P/<files>. For f4k/f10m the (pre-created) P dir receives the file; d50 is
# copied recursively into /srv/bench/TOOL/. rsync uses -I -W so every run copies everything, as
# pdcp and clush do. Fanout: pdcp default (32), clush default (64, clush.conf), xargs -P 32.
oneshot() {
  local n=$1 p t c node src f up bad pdcp_cmd pair
  local cands; mapfile -t cands < <(cands_for ONESHOT)
  local tools=(pdcp clush rsync "${cands[@]}")
  local mk=(); for t in "${tools[@]}"; do mk+=("/srv/bench/$t/f4k" "/srv/bench/$t/f10m"); done
  pdsh "mkdir -p ${mk[*]}"
  for p in f4k d50 f10m; do
    src=$W/pay/$p
    if [ $p = d50 ]; then
      pdcp_cmd="pdcp -r $src /srv/bench/pdcp/"
      set -- -n pdcp  "$pdcp_cmd" \
             -n clush "clush -o '-F $LAB_SSH_CONFIG' -w $LAB_NODE_RANGE --copy $src --dest /srv/bench/clush/" \
             -n rsync "xargs -P 32 -I{} sh -c 'rsync -a -I -W $src {}:/srv/bench/rsync/ || exit 1' <$WCOLL"
    else
      f=$src/$p.bin
      pdcp_cmd="pdcp $f /srv/bench/pdcp/$p/"
      set -- -n pdcp  "$pdcp_cmd" \
             -n clush "clush -o '-F $LAB_SSH_CONFIG' -w $LAB_NODE_RANGE --copy $f --dest /srv/bench/clush/$p/" \
             -n rsync "xargs -P 32 -I{} sh -c 'rsync -a -I -W $f {}:/srv/bench/rsync/$p/ || exit 1' <$WCOLL"
    fi
    for c in "${cands[@]}"; do
      set -- "$@" -n "$(cand_label "$c")" "$(fill "$(cand_var ONESHOT "$c")" hosts_file "$WCOLL" src_dir "$src" \
        dest_dir "/srv/bench/$c/$p" run_dir "$(run_dir "oneshot-n$n-$p-$c")")"
    done
    load "oneshot n$n $p start"
    hf_each "oneshot-n$n-$p" "$RUNS" "$@"
    if [ ${#cands[@]} -gt 0 ] && [ "${ONESHOT_ROUNDS:-5}" -gt 0 ]; then
      # pdcp and the candidates again, in turn: hyperfine runs each command's runs back to back,
      # and this VM's speed drifts within minutes (the target check uses this pair)
      pair=(pdcp "$pdcp_cmd")
      for c in "${cands[@]}"; do
        pair+=("$(cand_label "$c")" "$(fill "$(cand_var ONESHOT "$c")" hosts_file "$WCOLL" src_dir "$src" \
          dest_dir "/srv/bench/$c/$p" run_dir "$(run_path "oneshot-n$n-$p-$c")")")
      done
      "$PY" "$LIB/interleave.py" "$OUT/interleaved-oneshot-n$n-$p.json" "${ONESHOT_ROUNDS:-5}" "${pair[@]}" \
        || log "WARNING: the interleaved one-shot runs (n$n $p) failed"
    fi
    load "oneshot n$n $p end"
    # every node's copy must equal the source (admin-side overlay upper dir, no ssh)
    for t in "${tools[@]}"; do
      bad=0
      for node in $LAB_NODES; do
        up=$("$LAB" path "$node" "/srv/bench/$t/$p")
        diff -rq "$src" "$up" >/dev/null 2>&1 || bad=$((bad + 1))
      done
      printf '%s\t%s\t%s\t%s\n' "$n" "$t" "$p" "$((n - bad))/$n identical" >>"$OUT/verify.tsv"
    done
  done
}

# ---------------------------------------------------------------- scenario b: watch latency
# Source: a 300-file / 40-dir /etc-like tree in $W/etc. Each watcher gets its own destination
# root /srv/etc-NAME on the nodes, pre-seeded with rsync so every watcher starts from "in sync"
# (clsync runs with --skip-initialsync; lsyncd does its usual startup rsync). Then latency.py
# (see its header) times $ITERS single-file appends until all N nodes have the new content.
watch_one() { # file-name label dest cmd [resident]
  local name=$1 label=$2 dest=$3 cmd=$4 resident=${5:-1} node
  [ "${BURST:-1}" = 1 ] || { name=$name-burst$BURST; label="$label, burst of $BURST"; }
  xargs -P 32 -I{} rsync -a "$W/etc/" "{}:$dest/" <"$WCOLL"
  for node in $LAB_NODES; do printf '%s\t%s\n' "$node" "$("$LAB" path "$node" "$dest")"; done >"$W/uppers"
  load "watch n$N $name start"
  BENCH_DEST=$dest "$PY" "$LIB/latency.py" --name "$label" --iters "$ITERS" --src "$W/etc" \
    --uppers "$W/uppers" --out "$OUT/watch-n$N-$name.json" --cmd "$cmd" --resident "$resident" --burst "${BURST:-1}" \
    || log "WARNING: $name failed (see $OUT/watch-n$N-$name.log)"
  load "watch n$N $name end"
}
watch() {
  local tw t wd d c
  export BENCH_SRC=$W/etc BENCH_STATE=$W/state BENCH_N=$N
  mkdir -p -m 0700 "$W/state" "$W/lists"        # clsync refuses a lists dir others can access
  for tw in $CLSYNC_TW; do
    t=${tw%:*}; wd=${tw#*:}
    watch_one "clsync-t${t}w${wd}+pdcp" "clsync-t${t}w${wd}+pdcp" "/srv/etc-clsync-t${t}w${wd}" \
      "exec clsync -M shell -S $LIB/clsync-pdcp-handler.sh -W $W/etc -R $W/clsync.rules -L $W/lists \
       -t$t -w$wd -u 0 -g 0 --skip-initialsync -l bench"
  done
  for d in $LSYNCD_DELAY; do
    export BENCH_DELAY=$d
    watch_one "lsyncd-delay$d" "lsyncd-delay$d" "/srv/etc-lsyncd-d$d" "exec lsyncd $LIB/lsyncd-nodes.lua"
  done
  for c in $(cands_for WATCH); do
    watch_one "$c" "$(cand_label "$c")" "/srv/etc-$c" \
      "exec $(fill "$(cand_var WATCH "$c")" hosts_file "$WCOLL" src_dir "$W/etc" dest_dir "/srv/etc-$c" \
        run_dir "$(run_dir "watch-n$N-$c")")" "$(cand_resident "$c")"
  done
}

# ---------------------------------------------------------------- scenario c: initial walk
# A private tmpfs (never the real FS), WALK_DIRS x WALK_FILES empty files. clsync's walk uses
# rsyncdirect with -S /bin/true, so the "rsync" it runs does nothing; -D is an empty scratch dir
# that is neither inside nor a parent of the tree. A syscall count (strace -c) shows what each
# clsync variant (and each candidate walker) really does (e.g. without rules clsync does not walk).
walk() {
  local nd=${WALK_DIRS:-1000} nf=${WALK_FILES:-1000} tree dst ents s e v c cmd
  WALK_MNT=$(mktemp -d /tmp/anchors-walk.XXXXXX)
  mount -t tmpfs -o size=4g,nr_inodes=4m,mode=0755 anchors-walk "$WALK_MNT"
  tree=$WALK_MNT/tree; dst=$W/walk-dst; mkdir -p "$tree" "$dst"
  printf '%s\n' '-f\.swp$' '+*.*' >"$W/walk.rules"
  s=$(date +%s.%N); ents=$("$PY" "$LIB/mktree.py" big "$tree" "$nd" "$nf"); e=$(date +%s.%N)
  printf 'entries\t%s\ncreate_s\t%s\ntmpfs_inodes_used\t%s\n' "$ents" "$(echo "$e - $s" | bc)" \
    "$(df --output=iused "$WALK_MNT" | tail -1)" >"$OUT/walk-meta.tsv"
  local CL="clsync -M rsyncdirect -S /bin/true -W $tree -D $dst -u 0 -g 0 -t0 -w0"
  set -- -n "find -printf '%s %T@ %p'" "find $tree -printf '%s %T@ %p\n' >/dev/null" \
         -n "find" "find $tree >/dev/null" \
         -n "clsync --only-initialsync (no rules)" "$CL --only-initialsync" \
         -n "clsync --only-initialsync -R rules" "$CL -R $W/walk.rules --only-initialsync" \
         -n "clsync --exit-on-no-events -R rules" "$CL -R $W/walk.rules --exit-on-no-events" \
         -n "node readdirSync withFileTypes (no lstat)" "node $LIB/walk.js $tree types" \
         -n "node readdirSync+lstatSync" "node $LIB/walk.js $tree sync" \
         -n "node opendir+lstat async" "node $LIB/walk.js $tree async"
  local cands; mapfile -t cands < <(cands_for WALK)
  for c in "${cands[@]}"; do
    set -- "$@" -n "$(cand_label "$c")" "$(fill "$(cand_var WALK "$c")" tree "$tree" run_dir "$(run_dir "walk-$c")") >/dev/null"
  done
  load "walk start"
  hf_each walk 3 "$@"
  if [ ${#cands[@]} -gt 0 ]; then
    # the verdict pair again, in turn (find, candidates, find, ...): hyperfine runs each walker's
    # runs back to back, and this VM's speed drifts by a third within minutes
    local pair=("find -printf '%s %T@ %p'" "find $tree -printf '%s %T@ %p\n' >/dev/null")
    for c in "${cands[@]}"; do
      pair+=("$(cand_label "$c")" "$(fill "$(cand_var WALK "$c")" tree "$tree" run_dir "$(run_path "walk-$c")") >/dev/null")
    done
    "$PY" "$LIB/interleave.py" "$OUT/walk-interleaved.json" "${WALK_ROUNDS:-5}" "${pair[@]}" \
      || log "WARNING: the interleaved walk pair failed"
  fi
  load "walk end"
  node "$LIB/walk.js" "$tree" sync >"$OUT/walk-node-check.txt"   # entries counted by node
  for c in "${cands[@]}"; do   # what the candidate printed (its own entry count), once
    printf '%s\t%s\n' "$(cand_label "$c")" "$(sh -c "$(fill "$(cand_var WALK "$c")" tree "$tree" run_dir "$(run_dir "walk-$c")")" 2>&1 | tail -1)" \
      >>"$OUT/walk-candidates.tsv"
  done
  for v in "--only-initialsync" "-R $W/walk.rules --only-initialsync" "-R $W/walk.rules --exit-on-no-events"; do
    # shellcheck disable=SC2086
    strace -f -c -o "$W/strace.txt" $CL $v >/dev/null 2>&1 || true
    printf '%s\t%s\n' "clsync $v" "$(awk '$NF ~ /^(getdents64|newfstatat|lstat|statx|inotify_add_watch|execve|openat)$/ {printf "%s=%s ", $NF, $4}' "$W/strace.txt")" >>"$OUT/walk-syscalls.tsv"
  done
  for c in "${cands[@]}"; do
    cmd=$(fill "$(cand_var WALK "$c")" tree "$tree" run_dir "$(run_dir "walk-$c")")
    strace -f -c -o "$W/strace.txt" sh -c "$cmd" >/dev/null 2>&1 || true
    printf '%s\t%s\n' "$(cand_label "$c")" "$(awk '$NF ~ /^(getdents64|newfstatat|lstat|statx|inotify_add_watch|execve|openat|read)$/ {printf "%s=%s ", $NF, $4}' "$W/strace.txt")" >>"$OUT/walk-syscalls.tsv"
  done
  umount "$WALK_MNT"; rmdir "$WALK_MNT"; WALK_MNT=""
}

# ---------------------------------------------------------------- main
"$PY" "$LIB/mktree.py" payloads "$W/pay" >/dev/null
"$PY" "$LIB/mktree.py" etc "$W/etc" >/dev/null
printf '%s\n' '-f\.swp$' '-f~$' '+*.*' >"$W/clsync.rules"   # clsync rules: relative paths, no leading /
load "begin"
if has oneshot || has watch; then
  for N in "$@"; do
    log "N=$N: lab up ($LAB_DIR, netns prefix '$LAB_NS_PREFIX', $LAB_SUBNET.0/24)"; "$LAB" up "$N"
    # shellcheck disable=SC1091
    . "$LAB_DIR/env"
    if has oneshot; then log "N=$N: one-shot push"; oneshot "$N"; fi
    if has watch; then log "N=$N: watch latency"; watch; fi
    "$LAB" down
  done
fi
if has walk; then log "initial walk"; walk; fi
load "end"
[ "${ANCHORS_REPORT:-1}" = 0 ] || "$PY" "$LIB/report.py" "$OUT" | tee "$OUT/report.md"
