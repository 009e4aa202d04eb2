import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildRunReport } from './run-report.js';

test('report folds duplicate changes, sorts hosts naturally and is ok only without failures', () => {
  const report = buildRunReport({
    dryRun: false,
    label: 'etc',
    transport: 'pdcp',
    startedAt: new Date(1000),
    finishedAt: new Date(3500),
    changes: [
      { path: 'passwd', op: 'write' },
      { path: 'passwd', op: 'write' },
      { path: 'old', op: 'delete' },
    ],
    hosts: [
      { host: 'node10', status: 'ok', attempts: 1, sent: 1, deleted: 1 },
      {
        host: 'node9',
        status: 'failed',
        attempts: 3,
        sent: 0,
        deleted: 0,
        error: { class: 'timeout', message: 'x' },
      },
    ],
  });
  assert.equal(report.ok, false);
  assert.equal(report.durationMs, 2500);
  assert.deepEqual(report.changes, [
    { path: 'passwd', op: 'write' },
    { path: 'old', op: 'delete' },
  ]);
  assert.deepEqual(
    report.hosts.map((h) => h.host),
    ['node9', 'node10'],
  );
  assert.equal(report.startedAt, '1970-01-01T00:00:01.000Z');
});
