import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Batch } from '../../types.js';
import { makeHostLabelResolver } from './resolve-host-label.js';
import { applyRoundResults, stageRoundFailures } from './round-results.js';
import type { ToolRun } from './run-tool.js';

const hosts = ['n1', 'n2'];
const resolve = makeHostLabelResolver(hosts);
/** A finished run (exit 0 unless said), or with exited=false one that never exited by itself. */
const run = (extra: Partial<ToolRun>, exited = true): ToolRun => {
  const base: ToolRun = { stdout: '', stderr: '', timedOut: false, canceled: false, ...extra };
  return exited ? { exitCode: 0, ...base } : base;
};
const batch: Batch = {
  id: 'b1',
  createdAt: 0,
  destDir: '/etc',
  changes: [{ path: 'a', op: 'delete' }],
  staged: new Map(),
};

test('round 1: only the hosts pdcp names failed, unless the whole run failed', () => {
  const named = stageRoundFailures(
    hosts,
    run({ stderr: 'pdcp@x: n2: fatal: /tmp/s/0: No space left on device\n' }),
    resolve,
  );
  assert.deepEqual([...named.keys()], ['n2']);
  const classes = (r: ToolRun) =>
    [...stageRoundFailures(hosts, r, resolve).values()].map((f) => `${f.class}/${f.code ?? ''}/${f.partial}`);
  assert.deepEqual(classes(run({ timedOut: true }, false)), ['timeout//true', 'timeout//true']);
  assert.deepEqual(classes(run({ canceled: true })), ['other/aborted/true', 'other/aborted/true']);
  // what pdcp printed as the stop killed it is the stop's doing, not the node's
  const killed = run({ canceled: true, stderr: 'pdcp@x: n2: _pcp_send_file_data: write: Broken pipe\n' });
  assert.deepEqual(classes(killed), ['other/aborted/true', 'other/aborted/true']);
  assert.deepEqual(classes(run({ startError: 'spawn pdcp ENOENT' }, false)), [
    'other/pdcp-failed/false',
    'other/pdcp-failed/false',
  ]);
  assert.deepEqual(classes(run({ exitCode: 1, stderr: 'pdcp: invalid option' })), [
    'other/pdcp-failed/true',
    'other/pdcp-failed/true',
  ]);
});

test('round 2: ok only with the OK line; a command timeout is not a stale stage (the script cleans up itself)', () => {
  const { results, staleStage } = applyRoundResults(
    ['n1', 'n2', 'n3'],
    run({
      stdout: 'n1: CLSYNC-HPC b1 OK\n',
      stderr:
        'pdsh@x: n2: command timeout\nn3: sh: 0: cannot open /tmp/s/apply.sh: No such file\npdsh@x: n3: ssh exited with exit code 2\n',
      exitCode: 0,
    }),
    batch,
    makeHostLabelResolver(['n1', 'n2', 'n3']),
  );
  assert.deepEqual(results.get('n1'), undefined);
  assert.equal(results.get('n2')?.class, 'timeout');
  assert.deepEqual(results.get('n3'), {
    class: 'other',
    code: 'remote-exit',
    message: 'sh: 0: cannot open /tmp/s/apply.sh: No such file; pdsh: ssh exited with exit code 2',
  });
  assert.deepEqual(staleStage, ['n3']);
  assert.equal(results.size, 3);
});
