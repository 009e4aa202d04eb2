import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tempPathFor } from './remote-dirs.js';

const bytes = (path: string): number => Buffer.byteLength(path.slice(path.lastIndexOf('/') + 1));

it('a temp is the target name hidden and suffixed, in the same directory', () => {
  assert.equal(tempPathFor('/etc/passwd', 'b1x2c3d4e5'), '/etc/.passwd.clsync-hpc.b1x2c3d4e5');
  assert.equal(tempPathFor('/passwd', 'b1x2c3d4e5'), '/.passwd.clsync-hpc.b1x2c3d4e5');
});

it('a name too long for that stays within NAME_MAX (255 bytes, not characters), unique per name', () => {
  const fits = 'x'.repeat(255 - '..clsync-hpc.b1x2c3d4e5'.length);
  assert.equal(tempPathFor(`/etc/${fits}`, 'b1x2c3d4e5'), `/etc/.${fits}.clsync-hpc.b1x2c3d4e5`);
  for (const long of [`${fits}y`, 'L'.repeat(255), 'é'.repeat(127)]) {
    const temp = tempPathFor(`/etc/${long}`, 'b1x2c3d4e5');
    assert.ok(temp.startsWith('/etc/.clsync-hpc.b1x2c3d4e5.'), temp);
    assert.ok(bytes(temp) <= 255, `${bytes(temp)} bytes`);
  }
  assert.notEqual(tempPathFor(`/etc/${'a'.repeat(250)}`, 'b'), tempPathFor(`/etc/${'a'.repeat(249)}c`, 'b'));
});
