#!/usr/bin/python3
"""report.py RESULTS_DIR - markdown tables from anchors.sh's raw results (hyperfine JSON,
latency JSON, walk TSVs). Ratios are against the first tool of the same run (pdcp / find)."""
import glob, json, os, re, sys

d = sys.argv[1]
out = []
P = out.append


def hf(path):
    return json.load(open(path))['results']


def nkey(path):
    m = re.search(r'-n(\d+)-', path)
    return int(m.group(1)) if m else 0


# failures.tsv (anchors.sh hf_each): step <TAB> command name <TAB> what happened
failed = {}
if os.path.exists(d + '/failures.tsv'):
    for l in open(d + '/failures.tsv'):
        f = l.rstrip('\n').split('\t')
        if len(f) >= 3:
            failed[(f[0], f[1])] = f[2]

P('# clsync-hpc anchors: %s\n' % os.path.basename(os.path.normpath(d)))
if os.path.exists(d + '/meta.txt'):
    P('```\n' + open(d + '/meta.txt').read().rstrip() + '\n```\n')

# ---- one-shot
files = sorted(glob.glob(d + '/oneshot-n*.json'), key=lambda p: (nkey(p), ['f4k', 'd50', 'f10m'].index(p.split('-')[-1][:-5])))
if files:
    tools = []
    for f in files:
        step = os.path.basename(f)[:-5]
        for name in [r['command'] for r in hf(f)] + [k[1] for k in failed if k[0] == step]:
            if name not in tools:
                tools.append(name)
    P('## a. One-shot push to all N nodes (hyperfine median s, min-max; xN = ratio to pdcp)\n')
    P('| N | payload | ' + ' | '.join(tools) + ' |')
    P('|---|---|' + '---|' * len(tools))
    names = {'f4k': '1 x 4 KiB', 'd50': '50 x 2 KiB (dir)', 'f10m': '1 x 10 MiB'}

    def oneshot_rows(files, tools, mark_failed):
        """A row per (N, payload) file: median (min-max) per tool, xN against the first tool."""
        for f in files:
            n, pl = nkey(f), f.split('-')[-1][:-5]
            res = {r['command']: r for r in hf(f)}
            base = res.get(tools[0], {}).get('median')
            cells = []
            for t in tools:
                r = res.get(t)
                if not r:
                    cells.append('**FAILED**' if mark_failed and (os.path.basename(f)[:-5], t) in failed else '-')
                    continue
                c = '%.2f (%.2f-%.2f)' % (r['median'], r['min'], r['max'])
                if base and t != tools[0]:
                    c += ' x%.2f' % (r['median'] / base)
                cells.append(c)
            P('| %d | %s | %s |' % (n, names.get(pl, pl), ' | '.join(cells)))

    oneshot_rows(files, tools, True)
    ifiles = [f for f in (d + '/interleaved-' + os.path.basename(f) for f in files) if os.path.exists(f)]
    if ifiles:
        il = json.load(open(ifiles[0]))
        itools = [r['command'] for r in il['results']]  # pdcp first
        P('\nThe same, pdcp and the candidates in turn (one run of each per round, %d rounds; median s, min-max;'
          ' the target check uses these):\n' % il['rounds'])
        P('| N | payload | ' + ' | '.join(itools) + ' |')
        P('|---|---|' + '---|' * len(itools))
        oneshot_rows(ifiles, itools, False)
    fails = ['* %s, %s: %s' % (step, name, what) for (step, name), what in sorted(failed.items()) if step.startswith('oneshot-')]
    if fails:
        P('\nFailed commands (no figure):\n\n' + '\n'.join(fails))
    if os.path.exists(d + '/verify.tsv'):
        bad = [l.strip() for l in open(d + '/verify.tsv') if not re.search(r'\t(\d+)/\1 identical', l)]
        P('\nCopies checked with diff -r on every node: %s\n' % ('all identical' if not bad else 'MISMATCHES: ' + '; '.join(bad)))

# ---- watch latency
def wkey(p):  # N, then single changes before bursts, then watcher name
    m = re.search(r'-burst(\d+)\.json$', p)
    return (nkey(p), int(m.group(1)) if m else 1, re.sub(r'-burst\d+\.json$', '.json', p))


files = sorted(glob.glob(d + '/watch-n*.json'), key=wkey)
if files:
    P('## b. Change-to-delivered latency, watch mode (s from close() until ALL N nodes have the new content;'
      ' one appended line per iteration, `-burstK`: K files appended back-to-back)\n')
    P('| N | watcher | p50 | p90 | max | first node p50 | ok/iters | startup s | loadavg before -> after |')
    P('|---|---|---|---|---|---|---|---|---|')
    for f in files:
        r = json.load(open(f))
        fmt = lambda v: '-' if v is None else '%.3f' % v
        P('| %d | %s | %s | %s | %s | %s | %d/%d | %s | %s -> %s |' % (
            r['nodes'], r['name'], fmt(r.get('lat_p50')), fmt(r.get('lat_p90')), fmt(r.get('lat_p100')),
            fmt(r.get('first_p50')), len(r['lat']), r['iters'], r.get('startup_s', '-'),
            ' '.join(r['loadavg_before']), ' '.join(r.get('loadavg_after', []))))
        for note in r.get('notes', []):
            P('|  | note: %s |||||||' % note)
    P('')

# ---- walk
if os.path.exists(d + '/walk.json'):
    meta = dict(l.rstrip('\n').split('\t', 1) for l in open(d + '/walk-meta.tsv'))
    ents = int(meta['entries'])
    P('## c. Initial scan of %s entries on tmpfs (hyperfine median of 3 s; entries/s)\n' % format(ents, ','))
    P('(tree created in %.1f s by lib/mktree.py; tmpfs inodes used: %s)\n' % (float(meta['create_s']), meta.get('tmpfs_inodes_used', '?').strip()))
    P('| walker | median s | min-max | entries/s | x find -printf |')
    P('|---|---|---|---|---|')
    res = hf(d + '/walk.json')
    base = res[0]['median']
    for (step, name), what in sorted(failed.items()):
        if step == 'walk':
            P('| `%s` | **FAILED** | %s | | |' % (name, what))
    for r in res:
        P('| `%s` | %.3f | %.3f-%.3f | %s | %.2f |' % (r['command'], r['median'], r['min'], r['max'],
                                                   format(int(ents / r['median']), ','), r['median'] / base))
    if os.path.exists(d + '/walk-interleaved.json'):
        il = json.load(open(d + '/walk-interleaved.json'))
        P('\nThe same pair interleaved (one run of each in turn, %d rounds; the target check uses this):\n' % il['rounds'])
        P('| walker | median s | min-max | x find -printf |')
        P('|---|---|---|---|')
        ibase = il['results'][0]['median']
        for r in il['results']:
            P('| `%s` | %.3f | %.3f-%.3f | %.2f |' % (r['command'], r['median'], r['min'], r['max'], r['median'] / ibase))
    if os.path.exists(d + '/walk-candidates.tsv'):
        P('\nWhat each candidate walker printed (its own count; check it against %s):\n' % format(ents, ','))
        for l in open(d + '/walk-candidates.tsv'):
            k, v = (l.rstrip('\n').split('\t') + [''])[:2]
            P('* %s: `%s`' % (k, v))
    if os.path.exists(d + '/walk-syscalls.tsv'):
        P('\nSyscalls per run (strace -f -c):\n')
        for l in open(d + '/walk-syscalls.tsv'):
            k, v = (l.rstrip('\n').split('\t') + [''])[:2]
            P('* `%s`: %s' % (re.sub(r'/tmp/anchors\.[^/]+/', '', k), v))
    P('')

# ---- daemon memory (bench/memory.sh)
if os.path.exists(d + '/memory.json'):
    m = json.load(open(d + '/memory.json'))
    P('## d. Daemon memory: %s hosts x %s paths, transport local (tmpfs), after the initial sync\n' % (
        format(m['hosts'], ','), format(m['paths'], ',')))
    P('| hosts | paths | files written | initial sync s | VmRSS MiB | VmHWM MiB | state dir | note |')
    P('|---|---|---|---|---|---|---|---|')
    mib = lambda kb: '-' if kb is None else '%.1f' % (kb / 1024.0)
    P('| %s | %s | %s | %s | %s | %s | %s | %s |' % (
        format(m['hosts'], ','), format(m['paths'], ','), format(m.get('files_written', 0), ','),
        m.get('initial_sync_s', '-'), mib(m.get('vmrss_kb')), mib(m.get('vmhwm_kb')),
        m.get('state_dir_human', '-'), m.get('note', '')))
    for note in m.get('notes', []):
        P('\n* %s' % note)
    P('')

if os.path.exists(d + '/loadavg.tsv'):
    P('## Machine load at each step (loadavg 1/5/15; cpu_busy = both cores, 1 s sample)\n')
    P('| time | step | loadavg | cpu busy |')
    P('|---|---|---|---|')
    for l in open(d + '/loadavg.tsv'):
        f = l.rstrip('\n').split('\t') + ['']
        P('| %s | %s | %s | %s |' % (f[0], f[1], f[2], f[3].replace('cpu_busy=', '')))
print('\n'.join(out))
