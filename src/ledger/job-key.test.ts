import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jobKey } from './job-key.js';

test('job keys are one safe path component, readable and distinct per job', () => {
  const key = jobKey('etc', '/etc', '/etc');
  assert.match(key, /^etc-[0-9a-f]{16}$/);
  assert.equal(jobKey('etc', '/etc', '/etc/'), key, 'a trailing slash on the destination does not matter');
  assert.notEqual(jobKey('etc', '/etc', '/srv/etc'), key);
  assert.notEqual(jobKey('etc', '/other', '/etc'), key);
  for (const label of ['../../x', '.', '..', '', 'a/b', 'with\nnewline', '$(rm -rf /)', 'é'.repeat(100)]) {
    const k = jobKey(label, '/etc', '/etc');
    assert.match(k, /^[A-Za-z0-9_-][A-Za-z0-9._-]*-[0-9a-f]{16}$/, JSON.stringify(label));
    assert.ok(k.length <= 57);
  }
});
