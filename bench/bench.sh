#!/usr/bin/env bash
# bench/bench.sh [N...] - `npm run bench`: clsync-hpc against its anchors (pdcp, clush, an rsync
# loop, clsync 0.4.5 + pdcp, lsyncd, find) in ONE run on the namespace lab, then a markdown report
# with the issue's targets. Default N: 8 32. See bench/README.md for what each scenario measures.
#
#   scenarios (SCENARIOS="oneshot watch walk memory"):
#     oneshot  bench/anchors: one push to N nodes; clsync-hpc --once over ssh and over pdcp (fresh
#              state dir per invocation, so it copies like the others), plus a steady-state row
#              (same state dir every run: the ledger says every host has it)
#     watch    bench/anchors: change-to-delivered latency of the daemon (--delay-collect 0), for
#              every burst size in BURSTS (one anchors pass per size)
#     walk     bench/anchors: initial scan of 1,001,000 entries; clsync-hpc's scanTree (scan-walk.js)
#     memory   bench/memory.sh: daemon RSS with 1,000 hosts x 2,000 paths (local transport, tmpfs)
#   knobs, passed through to bench/anchors/anchors.sh: RUNS=5 ITERS=20 LAB_FAST_KEX=1 CLSYNC_TW
#     LSYNCD_DELAY WALK_DIRS WALK_FILES; and memory.sh's MEMORY_*.
#   BURSTS="1 3"   watch burst sizes (BURST=K alone = BURSTS=K)
#   CANDIDATES     default: clsync-hpc-ssh clsync-hpc-pdcp clsync-hpc-ssh-nochange clsync-hpc-scan
#                  clsync-hpc-scan-find (the scan without the addon);
#                  CANDIDATES= (empty) measures the anchors alone (no build of the CLI needed)
#   OUT=bench/results/<date>_<time>   results dir (raw data, report.md)
# Lab: test/lab/lab.sh with LAB_NS_PREFIX=b LAB_DIR=/tmp/clsync-bench-lab LAB_SUBNET=10.231.98
# LAB_ETC_HOSTS=0, apart from the test labs (10.231.101+) and from the default lab (/tmp/lab).
set -Eeuo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
REPO=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "bench: $*" >&2; exit 2; }
log() { echo "bench: $*" >&2; }

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces, tmpfs mounts); try: sudo npm run bench"

# ---- packages: the lab's, the anchors', the report's
need=(pdsh pdcp clush hyperfine clsync lsyncd bc strace rsync ssh ssh-keygen /usr/sbin/sshd ip nsenter /usr/bin/python3 node)
missing() { local t; for t in "${need[@]}"; do command -v "$t" >/dev/null 2>&1 || echo "$t"; done; }
if [ -n "$(missing)" ]; then
  log "missing: $(missing | tr '\n' ' ')-> SETUP_BENCH=1 SETUP_VAGRANT=0 scripts/setup"
  SETUP_BENCH=1 SETUP_VAGRANT=0 "$REPO/scripts/setup"
  [ -z "$(missing)" ] || die "still missing after scripts/setup: $(missing | tr '\n' ' ')"
fi

# ---- the candidates: the CLI as built in dist/ (npm run bench builds first)
export LAB_NS_PREFIX=b LAB_DIR=/tmp/clsync-bench-lab LAB_SUBNET=10.231.98 LAB_ETC_HOSTS=0
# The CLI runs from a private copy of dist/ for the whole run: other people rebuilding dist/ (or
# rewriting files across the repository) during a long run must neither break a measurement nor
# change the code under test halfway. Outside the repository, with package.json (version.ts reads
# it) and a node_modules symlink, so that node resolves the dependencies as from dist/.
SNAP=$(mktemp -d /tmp/clsync-bench-dist.XXXXXX)
trap 'rm -rf "$SNAP"' EXIT
CLI="node $SNAP/dist/src/cli/launch.cjs"   # the installed binary: bundle + code cache
SSHCFG=$LAB_DIR/ssh_config                        # written by lab.sh up, before any template runs
[ -n "${CANDIDATES+x}" ] || CANDIDATES="clsync-hpc-ssh clsync-hpc-pdcp clsync-hpc-ssh-nochange clsync-hpc-scan clsync-hpc-scan-find"
export CANDIDATES
if [ -n "$CANDIDATES" ]; then
  for f in dist/src/cli/launch.cjs dist/bundle/clsync-hpc.js dist/bench/scan-walk.js; do
    [ -f "$REPO/$f" ] || die "$f is missing: run 'npm run build' (npm run bench does), or CANDIDATES= for the anchors alone"
  done
  mkdir -p "$SNAP/dist/bench"
  cp -a "$REPO/dist/src" "$REPO/dist/bundle" "$SNAP/dist/"
  cp -a "$REPO/dist/bench/scan-walk.js" "$SNAP/dist/bench/"
  # the scan's addon (the bundle has its own copy), where tree-lister-addon.ts looks first
  if [ -f "$REPO/build/Release/tree_lister.node" ]; then
    cp "$REPO/build/Release/tree_lister.node" "$SNAP/dist/src/tree/tree-lister.node"
  else
    log "WARNING: build/Release/tree_lister.node is missing (npm ci builds it): the scan uses find(1)"
  fi
  cp "$REPO/package.json" "$SNAP/"
  ln -s "$REPO/node_modules" "$SNAP/node_modules"
  # a copy taken while someone's tsc is emitting can be inconsistent: every relative import (and
  # worker URL) of the copy must name a file of the copy (tests and .ts URLs, for tsx runs, aside)
  broken=$(node --input-type=module - "$SNAP/dist" <<'EOF_NODE'
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
const bad = [];
const walk = (d) => { for (const e of readdirSync(d, { withFileTypes: true })) {
  const p = join(d, e.name);
  if (e.isDirectory()) walk(p);
  else if (p.endsWith('.js') && !p.endsWith('.test.js')) for (const m of readFileSync(p, 'utf8').matchAll(/(?:from|import\(|new URL\()\s*['"](\.{1,2}\/[^'"]+)['"]/g))
    if (!m[1].endsWith('.ts') && !existsSync(resolve(dirname(p), m[1]))) bad.push(`${p.slice(process.argv[2].length + 1)} imports ${m[1]}`);
} };
walk(process.argv[2]);
console.log(bad.join('\n'));
EOF_NODE
)
  [ -z "$broken" ] || die "dist/ is inconsistent (a build in progress, or a stale file?); rebuild and retry:
$broken"
  out=$($CLI --version 2>&1) || die "the clsync-hpc CLI does not start ($CLI --version):
$out
(CANDIDATES= measures the anchors alone)"
  log "clsync-hpc $out"
fi
common="-W {src_dir} -D {dest_dir} -H {hosts_file} --ssh-config $SSHCFG"
# one-shot: every invocation gets an empty state dir, so the ledger cannot skip anything and each
# run copies everything, like pdcp/clush/rsync -I -W do (hyperfine runs this with /bin/sh -c)
# (--ignore-times: the nodes still hold the previous run's copy, which the quick check would find
# in place and not send again)
fresh() { echo "d=\$(mktemp -d /tmp/clsync-bench-state.XXXXXX) && { $CLI $common --once --transport $1 --ignore-times --state-dir \"\$d\"; rc=\$?; rm -rf \"\$d\"; exit \$rc; }"; }
export CANDIDATE_ONESHOT_clsync_hpc_ssh CANDIDATE_ONESHOT_clsync_hpc_pdcp CANDIDATE_ONESHOT_clsync_hpc_ssh_nochange \
       CANDIDATE_LABEL_clsync_hpc_ssh_nochange CANDIDATE_WATCH_clsync_hpc_ssh CANDIDATE_WATCH_clsync_hpc_pdcp \
       CANDIDATE_RESIDENT_clsync_hpc_ssh CANDIDATE_RESIDENT_clsync_hpc_pdcp CANDIDATE_WALK_clsync_hpc_scan \
       CANDIDATE_LABEL_clsync_hpc_scan CANDIDATE_WALK_clsync_hpc_scan_find CANDIDATE_LABEL_clsync_hpc_scan_find
CANDIDATE_ONESHOT_clsync_hpc_ssh=$(fresh ssh)
CANDIDATE_ONESHOT_clsync_hpc_pdcp=$(fresh pdcp)
# steady state: one state dir for all runs of a (N, payload); hyperfine's warmup run does the copy
CANDIDATE_ONESHOT_clsync_hpc_ssh_nochange="$CLI $common --once --transport ssh --state-dir {run_dir}/state"
CANDIDATE_LABEL_clsync_hpc_ssh_nochange="clsync-hpc-ssh (no change)"
# watch: the daemon in the foreground; initial sync (the nodes were pre-seeded), then events
CANDIDATE_WATCH_clsync_hpc_ssh="$CLI $common --transport ssh --delay-collect 0 --state-dir {run_dir}/state"
CANDIDATE_WATCH_clsync_hpc_pdcp="$CLI $common --transport pdcp --delay-collect 0 --state-dir {run_dir}/state"
CANDIDATE_RESIDENT_clsync_hpc_ssh=2     # node + its python inotify helper
CANDIDATE_RESIDENT_clsync_hpc_pdcp=2
CANDIDATE_WALK_clsync_hpc_scan="node $SNAP/dist/bench/scan-walk.js {tree}"
CANDIDATE_LABEL_clsync_hpc_scan="clsync-hpc scanTree"
# the same scan without the addon (a machine without a C compiler at install time): find(1) lists
CANDIDATE_WALK_clsync_hpc_scan_find="env CLSYNC_HPC_NATIVE_LISTER=0 node $SNAP/dist/bench/scan-walk.js {tree}"
CANDIDATE_LABEL_clsync_hpc_scan_find="clsync-hpc scanTree (find(1), no addon)"

# ---- run
[ $# -gt 0 ] || set -- 8 32
SCENARIOS=${SCENARIOS:-oneshot watch walk memory}
for s in $SCENARIOS; do
  case $s in oneshot|watch|walk|memory) ;; *) die "unknown scenario '$s' in SCENARIOS (oneshot watch walk memory)" ;; esac
done
BURSTS=${BURSTS:-${BURST:-1 3}}
unset BURST
export OUT=${OUT:-$REPO/bench/results/$(date +%Y-%m-%d_%H%M%S)} ANCHORS_REPORT=0
mkdir -p "$OUT"
{ echo "clsync-hpc: ${CANDIDATES:+$($CLI --version 2>&1)} git $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')" \
       "($(git -C "$REPO" status --porcelain 2>/dev/null | wc -l) paths changed or untracked in the working tree)"
  echo "bench.sh $*: SCENARIOS=$SCENARIOS BURSTS=$BURSTS CANDIDATES=$CANDIDATES"; } >>"$OUT/meta.txt"
has() { case " $SCENARIOS " in *" $1 "*) return 0 ;; esac; return 1; }
rc=0
started=$(date +%s)
first=${BURSTS%% *}
anchor_scen=""; for s in oneshot watch walk; do has $s && anchor_scen+="$s "; done
if [ -n "$anchor_scen" ]; then
  log "anchors pass: ${anchor_scen}(burst $first) N=$* -> $OUT"
  SCENARIOS=$anchor_scen BURST=$first bash "$REPO/bench/anchors/anchors.sh" "$@" || { rc=$?; log "anchors pass failed (status $rc)"; }
fi
if has watch; then
  for b in $BURSTS; do
    [ "$b" != "$first" ] || continue
    log "anchors pass: watch, burst $b, N=$*"
    SCENARIOS=watch BURST=$b bash "$REPO/bench/anchors/anchors.sh" "$@" || { rc=$?; log "watch burst $b failed (status $rc)"; }
  done
fi
if has memory; then
  if [ -n "$CANDIDATES" ]; then
    log "memory: daemon with ${MEMORY_HOSTS:-1000} hosts x ${MEMORY_PATHS:-2000} paths"
    CLI=$CLI bash "$REPO/bench/memory.sh" "$OUT" || { rc=$?; log "memory scenario failed (status $rc)"; }
  else
    log "memory: skipped (no candidates)"
  fi
fi
{ /usr/bin/python3 "$REPO/bench/anchors/lib/report.py" "$OUT"
  [ -z "$CANDIDATES" ] || /usr/bin/python3 "$REPO/bench/targets.py" "$OUT"
  echo "Total time: $(( ($(date +%s) - started) / 60 )) min $(( ($(date +%s) - started) % 60 )) s; raw data in $OUT"
} >"$OUT/report.md"
cat "$OUT/report.md"
exit $rc
