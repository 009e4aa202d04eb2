import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { OrphanTemps } from './orphan-temps.js';

const scratch = mkdtempSync(join(tmpdir(), 'orphan-temps-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const fileName = (): string => join(scratch, `orphans-${n++}.json`);

describe('OrphanTemps', () => {
  it('survives the process: what one run could not remove, the next one loads', async () => {
    const file = fileName();
    const first = await OrphanTemps.load(file);
    assert.deepEqual(first.of('node01'), []);
    first.add('node01', ['/etc/.passwd.clsync-hpc.a1', '/etc/ssh/.sshd_config.clsync-hpc.a1']);
    first.add('node02', ['/etc/.group.clsync-hpc.b2']);
    first.add('node03', []);
    await first.save();

    const second = await OrphanTemps.load(file);
    assert.deepEqual(second.of('node01'), [
      '/etc/.passwd.clsync-hpc.a1',
      '/etc/ssh/.sshd_config.clsync-hpc.a1',
    ]);
    assert.deepEqual(second.of('node02'), ['/etc/.group.clsync-hpc.b2']);
    assert.deepEqual(second.of('node03'), []);
  });

  it('removes the file once nothing is left, and writes nothing when nothing changed', async () => {
    const file = fileName();
    const list = await OrphanTemps.load(file);
    await list.save();
    assert.equal(existsSync(file), false, 'no change, no file');
    list.add('node01', ['/etc/.a.clsync-hpc.x']);
    await list.save();
    assert.equal(existsSync(file), true);
    list.remove('node01', '/etc/.a.clsync-hpc.x');
    list.remove('node01', '/etc/never-listed');
    await list.save();
    assert.equal(existsSync(file), false);
  });

  it('treats a damaged or foreign file as an empty list, and replaces it on the next save', async () => {
    for (const damaged of [
      '{"version":1,"hosts":{"node01":["/etc/.a',
      'null',
      '[]',
      '{"hosts":{"node01":"x"}}',
    ]) {
      const file = fileName();
      writeFileSync(file, damaged);
      const list = await OrphanTemps.load(file);
      assert.deepEqual(list.of('node01'), [], damaged);
      list.add('node02', ['/etc/.b.clsync-hpc.y']);
      await list.save();
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
        version: 1,
        hosts: { node02: ['/etc/.b.clsync-hpc.y'] },
      });
    }
  });

  it('keeps only absolute paths from the file (nothing relative is ever unlinked)', async () => {
    const file = fileName();
    writeFileSync(
      file,
      JSON.stringify({ version: 1, hosts: { node01: ['etc/x', '/etc/.x.clsync-hpc.1', 7] } }),
    );
    assert.deepEqual((await OrphanTemps.load(file)).of('node01'), ['/etc/.x.clsync-hpc.1']);
  });

  it('without a file it only remembers in memory', async () => {
    const list = await OrphanTemps.load(undefined);
    list.add('node01', ['/etc/.a.clsync-hpc.x']);
    await list.save();
    assert.deepEqual(list.of('node01'), ['/etc/.a.clsync-hpc.x']);
  });
});
