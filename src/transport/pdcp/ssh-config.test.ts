// The generated ssh_config is checked with the real ssh (`ssh -G` prints the effective settings
// for a host without connecting): precedence is what ConnectionSettings promises.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TransportError } from '../../errors.js';
import type { ConnectionSettings } from '../../types.js';
import { pdshEnvironment, renderSshConfig } from './ssh-config.js';

const dir = mkdtempSync(join(tmpdir(), 'clsync-sshcfg-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const base: ConnectionSettings = {
  identityFiles: [],
  acceptNewHostKeys: false,
  user: 'deploy',
  connectTimeoutMs: 5000,
  operationTimeoutMs: 60000,
};

function effective(settings: ConnectionSettings, host: string): Map<string, string[]> {
  const file = join(dir, 'generated');
  writeFileSync(file, renderSshConfig(settings));
  const out = execFileSync('ssh', ['-G', '-F', file, host], { encoding: 'utf8' });
  const values = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const [key = '', ...rest] = line.split(' ');
    values.set(key, [...(values.get(key) ?? []), rest.join(' ')]);
  }
  return values;
}

test("the user's ssh config wins over the default user; our enforced settings win over it", () => {
  const userConfig = join(dir, 'user config');
  writeFileSync(userConfig, 'Host special\n  User admin\n  StrictHostKeyChecking no\nHost *\n  Port 2222\n');
  const settings: ConnectionSettings = {
    ...base,
    sshConfigFile: userConfig,
    identityFiles: [join(dir, 'id with space'), join(dir, 'id%n')],
    knownHostsFile: join(dir, 'known hosts'),
  };
  const special = effective(settings, 'special');
  assert.deepEqual(special.get('user'), ['admin']);
  assert.deepEqual(special.get('stricthostkeychecking'), ['true']);
  assert.deepEqual(special.get('port'), ['2222']);
  assert.deepEqual(special.get('batchmode'), ['yes']);
  assert.deepEqual(special.get('userknownhostsfile'), [join(dir, 'known hosts')]);
  // ssh -G shows IdentityFile before token expansion: %% is a literal % once ssh uses it
  assert.deepEqual(special.get('identityfile'), [join(dir, 'id with space'), join(dir, 'id%%n')]);
  assert.deepEqual(effective(settings, 'node7').get('user'), ['deploy']);
  assert.deepEqual(effective(settings, 'node7').get('serveraliveinterval'), ['15']);
});

test('acceptNewHostKeys → accept-new; no config file → ~/.ssh/config and /etc/ssh/ssh_config', () => {
  const text = renderSshConfig({ ...base, acceptNewHostKeys: true });
  assert.match(text, /^StrictHostKeyChecking accept-new$/m);
  assert.match(text, /^Include ~\/\.ssh\/config\nInclude \/etc\/ssh\/ssh_config$/m);
  assert.deepEqual(effective({ ...base, acceptNewHostKeys: true }, 'n1').get('stricthostkeychecking'), [
    'accept-new',
  ]);
});

test('values ssh_config cannot quote are refused with the reason', () => {
  assert.throws(
    () => renderSshConfig({ ...base, identityFiles: ['/a"b'] }),
    (e: unknown) => e instanceof TransportError && /identity file/.test(e.message),
  );
  assert.throws(() => renderSshConfig({ ...base, user: 'a\nb' }), TransportError);
});

test('environment: only our ssh settings reach pdsh, whatever the caller exported', () => {
  const env = pdshEnvironment(
    { PATH: '/bin', PDSH_SSH_ARGS_APPEND: '-F /elsewhere', WCOLL: '/h', FANOUT: '3', PDSH_RCMD_TYPE: 'rsh' },
    '/tmp/w/ssh_config',
  );
  assert.deepEqual(env, {
    PATH: '/bin',
    LC_ALL: 'C',
    PDSH_RCMD_TYPE: 'ssh',
    PDSH_SSH_ARGS: '-x -a -F /tmp/w/ssh_config %h',
  });
  assert.throws(() => pdshEnvironment({}, '/tmp/with space/ssh_config'), TransportError);
});
