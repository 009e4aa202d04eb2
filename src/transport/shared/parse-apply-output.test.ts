import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Batch } from '../../types.js';
import { applyFailure, foldApplyLines, hostPath, parseApplyOutput } from './parse-apply-output.js';

test('OK, ERR and NOTE lines of our batch; other batches and stray output are ignored', () => {
  assert.deepEqual(
    foldApplyLines(
      [
        'noise',
        'CLSYNC-HPC b2 OK',
        'CLSYNC-HPC b1 NOTE 4 directory not empty, left in place',
        'CLSYNC-HPC b1 OK',
      ],
      'b1',
    ),
    {
      ok: true,
      notes: [{ change: 4, text: 'directory not empty, left in place' }],
    },
  );
  assert.deepEqual(
    foldApplyLines(['CLSYNC-HPC b1 ERR validation 3 content check failed on the node: 3: FAILED'], 'b1'),
    {
      ok: false,
      errorClass: 'validation',
      change: 3,
      text: 'content check failed on the node: 3: FAILED',
      notes: [],
    },
  );
  // before the script knows the batch it speaks as "-"; an unknown class is "other"
  assert.deepEqual(foldApplyLines(['CLSYNC-HPC - ERR weird - apply.sh runs only from a stage'], 'b1'), {
    ok: false,
    errorClass: 'other',
    text: 'apply.sh runs only from a stage',
    notes: [],
  });
  assert.equal(foldApplyLines(['CLSYNC-HPC b2 OK', ''], 'b1'), undefined);
});

test('pdsh-prefixed output → per host label', () => {
  const out =
    'n1: CLSYNC-HPC b1 OK\r\nn2: CLSYNC-HPC b1 ERR remote-io 0 cp: x: No space left on device\nn3: hello\n';
  const results = parseApplyOutput(out, 'b1');
  assert.deepEqual([...results.keys()], ['n1', 'n2']);
  assert.equal(results.get('n2')?.text, 'cp: x: No space left on device');
});

test('a failure names the path on the node', () => {
  const batch: Batch = {
    id: 'b1',
    createdAt: 0,
    destDir: '/etc/',
    changes: [{ path: 'app.conf', op: 'delete' }],
    staged: new Map(),
  };
  assert.deepEqual(
    applyFailure({ ok: false, errorClass: 'remote-io', change: 0, text: 'Is a directory', notes: [] }, batch),
    {
      class: 'remote-io',
      message: '/etc/app.conf: Is a directory',
    },
  );
  assert.deepEqual(applyFailure({ ok: false, errorClass: 'other', text: '', notes: [] }, batch), {
    class: 'other',
    message: 'failed',
  });
  assert.equal(hostPath('/', 'a/b'), '/a/b');
});
