#!/usr/bin/python3
"""targets.py RESULTS_DIR [--ssh NAME] [--watch NAME] [--walk LABEL] [--nochange LABEL]

The issue's performance targets for clsync-hpc, checked against one results dir of bench/bench.sh
(the raw files anchors.sh and memory.sh wrote). Prints a markdown section; a target whose figures
are missing is shown as "not measured" (never as met).

  one-shot, ssh transport: no slower than pdcp for 1 x 4 KiB and 50 x 2 KiB; within 1.2x on 10 MiB
  watch, N=32, --delay-collect 0: p50 <= 0.06 s and p90 <= 0.1 s, single changes and bursts of 3
  initial scan: no slower than `find -printf` (median)
  daemon memory (1,000 hosts x 2,000 paths): reported, no threshold in the issue
"""
import argparse, glob, json, os, re

ap = argparse.ArgumentParser()
ap.add_argument('dir')
ap.add_argument('--ssh', default='clsync-hpc-ssh', help='one-shot row (hyperfine command name)')
ap.add_argument('--nochange', default='clsync-hpc-ssh (no change)', help='one-shot steady-state row')
ap.add_argument('--watch', default='clsync-hpc-ssh', help='watch candidate name (file watch-nN-NAME.json)')
ap.add_argument('--walk', default='clsync-hpc scanTree', help='walk row (hyperfine command name)')
a = ap.parse_args()
d = a.dir
rows = []
failed = {}   # (step, command name) -> what happened (anchors.sh hf_each)
if os.path.exists(d + '/failures.tsv'):
    for l in open(d + '/failures.tsv'):
        f = l.rstrip('\n').split('\t')
        if len(f) >= 3:
            failed[(f[0], f[1])] = f[2]


def verdict(ok):
    return '**met**' if ok else '**NOT met**'


def hf(path):
    try:
        return {r['command']: r for r in json.load(open(path))['results']}
    except (OSError, ValueError, KeyError):
        return {}


# ---- one-shot
names = {'f4k': '1 x 4 KiB', 'd50': '50 x 2 KiB (dir)', 'f10m': '1 x 10 MiB'}
limit = {'f4k': 1.0, 'd50': 1.0, 'f10m': 1.2}
def okey(p):  # N, then payloads in the order of the one-shot table
    pl = p.split('-')[-1][:-5]
    return (int(re.search(r'-n(\d+)-', p).group(1)), list(names).index(pl) if pl in names else 9, pl)


for f in sorted(glob.glob(d + '/oneshot-n*.json'), key=okey):
    n = int(re.search(r'-n(\d+)-', f).group(1))
    pl = f.split('-')[-1][:-5]
    # the interleaved runs when there are some: hyperfine's back-to-back runs follow the VM's drift
    interleaved = hf(os.path.join(d, 'interleaved-' + os.path.basename(f)))
    res = interleaved or hf(f)
    what = 'one-shot ssh, N=%d, %s: <= %.1fx pdcp%s' % (n, names.get(pl, pl), limit.get(pl, 1.0),
                                                       ' (interleaved)' if interleaved else '')
    step = os.path.basename(f)[:-5]
    if (step, a.ssh) in failed:
        rows.append((what, 'FAILED: ' + failed[(step, a.ssh)], verdict(False)))
        continue
    if 'pdcp' not in res or a.ssh not in res:
        rows.append((what, 'not measured', '-'))
        continue
    x = res[a.ssh]['median'] / res['pdcp']['median']
    measured = '%.3f s vs %.3f s (x%.2f)' % (res[a.ssh]['median'], res['pdcp']['median'], x)
    if a.nochange in res:
        measured += '; no change: %.3f s' % res[a.nochange]['median']
    rows.append((what, measured, verdict(x <= limit.get(pl, 1.0))))

# ---- watch
for burst, suffix in ((1, ''), (3, '-burst3')):
    path = '%s/watch-n32-%s%s.json' % (d, a.watch, suffix)
    what = 'watch N=32, delay-collect 0%s: p50 <= 0.06 s, p90 <= 0.1 s' % ('' if burst == 1 else ', burst of 3')
    if not os.path.exists(path):
        rows.append((what, 'not measured', '-'))
        continue
    r = json.load(open(path))
    p50, p90 = r.get('lat_p50'), r.get('lat_p90')
    if p50 is None or p90 is None:
        rows.append((what, 'no sample (%d failures)' % r.get('failures', 0), verdict(False)))
        continue
    ok = p50 <= 0.06 and p90 <= 0.1 and r.get('failures', 0) == 0
    rows.append((what, 'p50 %.3f s, p90 %.3f s, max %.3f s, %d/%d ok' % (
        p50, p90, r.get('lat_p100') or 0, len(r['lat']), r['iters']), verdict(ok)))

# ---- walk
# the interleaved pair when there is one: hyperfine's back-to-back runs follow the VM's drift
interleaved = hf(d + '/walk-interleaved.json')
res = interleaved or hf(d + '/walk.json')
find = next((r for k, r in res.items() if k.startswith('find -printf')), None)
what = 'initial scan of the walk tree: <= find -printf' + (' (interleaved)' if interleaved else '')
if ('walk', a.walk) in failed:
    rows.append((what, 'FAILED: ' + failed[('walk', a.walk)], verdict(False)))
elif find is None or a.walk not in res:
    rows.append((what, 'not measured', '-'))
else:
    x = res[a.walk]['median'] / find['median']
    rows.append((what, '%.3f s vs %.3f s (x%.2f)' % (res[a.walk]['median'], find['median'], x), verdict(x <= 1.0)))

# ---- memory
what = 'daemon memory, 1,000 hosts x 2,000 paths (no threshold)'
if os.path.exists(d + '/memory.json'):
    m = json.load(open(d + '/memory.json'))
    rows.append(('daemon memory, %s hosts x %s paths (no threshold)' % (format(m['hosts'], ','), format(m['paths'], ',')),
                 'VmRSS %.0f MiB, VmHWM %.0f MiB, state dir %s, initial sync %s s' % (
                     m['vmrss_kb'] / 1024.0, m['vmhwm_kb'] / 1024.0, m['state_dir_human'], m['initial_sync_s']),
                 'reported' if m['files_written'] == m['files_expected'] else '**incomplete sync**'))
else:
    rows.append((what, 'not measured', '-'))

print('## Targets (from the issue)\n')
print('| target | measured (median / percentiles) | verdict |')
print('|---|---|---|')
for r in rows:
    print('| %s | %s | %s |' % r)
print()
