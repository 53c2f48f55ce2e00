import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type KeyPair = { key: string; cert: string };
export type TestPki = {
  /** The test CA's certificate (PEM), and the file it is in (for NODE_EXTRA_CA_CERTS). */
  ca: string;
  caFile: string;
  /** Signed by the CA for `localhost`. */
  localhost: KeyPair;
  /** Signed by the CA for another name: a valid certificate, for the wrong host. */
  elsewhere: KeyPair;
  /** Self-signed for `localhost`: the right name, from no one anybody trusts. */
  selfSigned: KeyPair;
  remove: () => Promise<void>;
};

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A throw-away certificate authority and three server certificates, made with the openssl CLI. */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'kpi-pki-'));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  await openssl('req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=KPI Sync test CA');

  async function signed(name: string, dnsName: string): Promise<KeyPair> {
    await openssl('req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${dnsName}`);
    await writeFile(at(`${name}.ext`), `subjectAltName=DNS:${dnsName}\n`);
    await openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
    return { key: await readFile(at(`${name}.key`), 'utf8'), cert: await readFile(at(`${name}.pem`), 'utf8') };
  }

  const localhost = await signed('localhost', 'localhost');
  const elsewhere = await signed('elsewhere', 'elsewhere.example');
  await openssl(
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'self.key',
    '-out',
    'self.pem',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost',
  );
  return {
    ca: await readFile(at('ca.pem'), 'utf8'),
    caFile: at('ca.pem'),
    localhost,
    elsewhere,
    selfSigned: { key: await readFile(at('self.key'), 'utf8'), cert: await readFile(at('self.pem'), 'utf8') },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
