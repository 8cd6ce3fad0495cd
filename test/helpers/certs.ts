/**
 * Test certificates made with the openssl CLI (as the issue asks: never checked in): a CA, a broker certificate for
 * localhost / 127.0.0.1 (PEM files, PKCS12 key store), client certificates signed by that CA, and a second,
 * untrusted CA with a client certificate of its own, and a client certificate of the trusted CA that expired in 2020
 * (`openssl ca -startdate/-enddate`: `x509 -days` cannot go negative and this openssl (3.0) has no -not_after).
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: 60_000 }, (err, _out, stderr) => (err ? reject(new Error(`openssl ${args[0]}: ${stderr || err.message}`)) : resolve()));
  });
}

export interface TestCerts {
  dir: string;
  caPem: string; // path
  brokerCertPem: string; brokerKeyPem: string; brokerP12: string; brokerP12Password: string;
  /** key + certificate chain in one PEM file (ssl.keystore.type=PEM with ssl.keystore.location) */
  brokerBundlePem: string;
  /** CN=alice,OU=Eng,O=Rafka (RFC 2253 order) */
  clientCertPem: string; clientKeyPem: string;
  /** signed by an untrusted CA */
  rogueCertPem: string; rogueKeyPem: string;
  /** CN=expired, signed by the trusted CA, valid 2020-01-01..2020-01-02 only */
  expiredCertPem: string; expiredKeyPem: string;
  text(path: string): Promise<string>;
}

async function ca(dir: string, name: string, cn: string): Promise<void> {
  await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${cn}`], dir);
}

async function signed(dir: string, caName: string, name: string, subj: string, ext?: string): Promise<void> {
  await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj], dir);
  const args = ['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2'];
  if (ext) { await writeFile(join(dir, `${name}.ext`), `${ext}\n`); args.push('-extfile', `${name}.ext`); }
  await openssl(args, dir);
}

/** A certificate of `caName` whose validity ended long ago: `openssl ca` is the CLI that takes explicit past dates. */
async function expired(dir: string, caName: string, name: string, cn: string): Promise<void> {
  await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  await writeFile(join(dir, `${name}-ca.cnf`), `[ca]\ndefault_ca=d\n[d]\ndatabase=${name}-index.txt\nnew_certs_dir=.\nserial=${name}.srl\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n`);
  await writeFile(join(dir, `${name}-index.txt`), '');
  await writeFile(join(dir, `${name}.srl`), '1000\n');
  await openssl(['ca', '-batch', '-config', `${name}-ca.cnf`, '-cert', `${caName}.pem`, '-keyfile', `${caName}.key`, '-in', `${name}.csr`, '-out', `${name}.pem`,
    '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-notext'], dir);
}

export async function makeTestCerts(dir: string): Promise<TestCerts> {
  await ca(dir, 'ca', 'Rafka Test CA');
  await ca(dir, 'rogue-ca', 'Rogue CA');
  await signed(dir, 'ca', 'broker', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1');
  await signed(dir, 'ca', 'client', '/O=Rafka/OU=Eng/CN=alice');
  await signed(dir, 'rogue-ca', 'rogue', '/CN=mallory');
  await expired(dir, 'ca', 'expired', 'expired');
  const brokerP12Password = 'p12-test-pass';
  await openssl(['pkcs12', '-export', '-in', 'broker.pem', '-inkey', 'broker.key', '-certfile', 'ca.pem', '-out', 'broker.p12', '-passout', `pass:${brokerP12Password}`], dir);
  const p = (f: string) => join(dir, f);
  await writeFile(p('broker-bundle.pem'), (await readFile(p('broker.key'), 'utf8')) + (await readFile(p('broker.pem'), 'utf8')) + (await readFile(p('ca.pem'), 'utf8')));
  return {
    dir, caPem: p('ca.pem'), brokerCertPem: p('broker.pem'), brokerKeyPem: p('broker.key'), brokerP12: p('broker.p12'), brokerP12Password, brokerBundlePem: p('broker-bundle.pem'),
    clientCertPem: p('client.pem'), clientKeyPem: p('client.key'), rogueCertPem: p('rogue.pem'), rogueKeyPem: p('rogue.key'),
    expiredCertPem: p('expired.pem'), expiredKeyPem: p('expired.key'),
    text: (path: string) => readFile(path, 'utf8'),
  };
}
