/**
 * Test certificates made with the openssl CLI (as the issue asks: never checked in): a CA, a broker certificate for
 * localhost / 127.0.0.1 (PEM files, PKCS12 key store), client certificates signed by that CA, and a second,
 * untrusted CA with a client certificate of its own.
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

export async function makeTestCerts(dir: string): Promise<TestCerts> {
  await ca(dir, 'ca', 'Rafka Test CA');
  await ca(dir, 'rogue-ca', 'Rogue CA');
  await signed(dir, 'ca', 'broker', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1');
  await signed(dir, 'ca', 'client', '/O=Rafka/OU=Eng/CN=alice');
  await signed(dir, 'rogue-ca', 'rogue', '/CN=mallory');
  const brokerP12Password = 'p12-test-pass';
  await openssl(['pkcs12', '-export', '-in', 'broker.pem', '-inkey', 'broker.key', '-certfile', 'ca.pem', '-out', 'broker.p12', '-passout', `pass:${brokerP12Password}`], dir);
  const p = (f: string) => join(dir, f);
  await writeFile(p('broker-bundle.pem'), (await readFile(p('broker.key'), 'utf8')) + (await readFile(p('broker.pem'), 'utf8')) + (await readFile(p('ca.pem'), 'utf8')));
  return {
    dir, caPem: p('ca.pem'), brokerCertPem: p('broker.pem'), brokerKeyPem: p('broker.key'), brokerP12: p('broker.p12'), brokerP12Password, brokerBundlePem: p('broker-bundle.pem'),
    clientCertPem: p('client.pem'), clientKeyPem: p('client.key'), rogueCertPem: p('rogue.pem'), rogueKeyPem: p('rogue.key'),
    text: (path: string) => readFile(path, 'utf8'),
  };
}
