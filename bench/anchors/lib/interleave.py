#!/usr/bin/python3
"""interleave.py OUT.json ROUNDS NAME CMD [NAME CMD ...] - time commands in turn, one run of each
per round (after one warm-up round), so that a machine whose speed drifts over minutes (this VM's
does, by a third) slows every command alike instead of whichever hyperfine happened to run last.
Writes hyperfine's export shape ({"results": [{command, median, min, max, mean, times}]}), so the
report and the target check read it like walk.json. Exit 1 if a command fails (its output is shown)."""
import json, statistics, subprocess, sys, time

out, rounds, rest = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
if rounds < 1 or not rest or len(rest) % 2:
    sys.exit(__doc__)
cmds = list(zip(rest[0::2], rest[1::2]))
times = {name: [] for name, _ in cmds}
for r in range(rounds + 1):
    for name, cmd in cmds:
        t = time.perf_counter()
        p = subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t
        if p.returncode != 0:
            sys.stderr.write(p.stderr.decode(errors='replace'))
            sys.exit('interleave.py: %s exited with %d' % (name, p.returncode))
        if r > 0:
            times[name].append(dt)
results = [{'command': name, 'median': statistics.median(ts), 'mean': statistics.mean(ts), 'min': min(ts),
            'max': max(ts), 'times': ts} for name, ts in times.items()]
json.dump({'results': results, 'rounds': rounds}, open(out, 'w'), indent=1)
