// Certificates for TLS tests, made at test time with the openssl CLI (EC P-256 keys, valid two
// days) in a temporary directory, once per test process: a CA, server and client certificates it
// signs, and self-signed ones it does not. No private key is ever committed.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, as PEM text and as the files holding them. */
export interface TestKeyPair {
  readonly certificate: string;
  readonly privateKey: string;
  readonly certificatePath: string;
  readonly privateKeyPath: string;
}

/** Everything a TLS test needs. */
export interface TestCertificates {
  /** The test CA's certificate, PEM. */
  readonly ca: string;
  /** Path of the CA's certificate file. */
  readonly caPath: string;
  /** CA-signed, for `localhost`, `127.0.0.1` and `::1`. */
  readonly server: TestKeyPair;
  /** CA-signed, for `other.example` and `*.wild.example` (an SNI alternative). */
  readonly other: TestKeyPair;
  /** Self-signed, for `localhost` and `127.0.0.1`. */
  readonly selfSigned: TestKeyPair;
  /** CA-signed client certificate (`CN=weft client`). */
  readonly client: TestKeyPair;
  /** Self-signed client certificate the CA knows nothing of. */
  readonly rogueClient: TestKeyPair;
  /** CA-signed, for `localhost` and `127.0.0.1`, valid only on 2020-01-01 (expired). */
  readonly expired: TestKeyPair;
}

function openssl(args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: 15_000 }, (err, _stdout, stderr) => {
      if (err === null) resolve();
      else reject(new Error(`openssl ${args.join(' ')} failed: ${stderr}`, { cause: err }));
    });
  });
}

function config(cn: string, extensions: readonly string[]): string {
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    'x509_extensions = ext',
    '[dn]',
    `CN = ${cn}`,
    '[ext]',
    ...extensions,
    '',
  ].join('\n');
}

const LEAF = [
  'basicConstraints = critical,CA:FALSE',
  'keyUsage = critical,digitalSignature',
  'extendedKeyUsage = serverAuth,clientAuth',
];

async function make(
  dir: string,
  name: string,
  cn: string,
  extensions: readonly string[],
  signed: boolean,
): Promise<TestKeyPair> {
  const cnf = join(dir, `${name}.cnf`);
  writeFileSync(cnf, config(cn, extensions));
  const certificatePath = join(dir, `${name}.pem`);
  const privateKeyPath = join(dir, `${name}.key`);
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-noenc',
      '-keyout',
      privateKeyPath,
      '-out',
      certificatePath,
      '-days',
      '2',
      '-config',
      cnf,
      ...(signed ? ['-CA', 'ca.pem', '-CAkey', 'ca.key'] : []),
    ],
    dir,
  );
  return {
    certificate: readFileSync(certificatePath, 'utf8'),
    privateKey: readFileSync(privateKeyPath, 'utf8'),
    certificatePath,
    privateKeyPath,
  };
}

/**
 * A CA-signed server certificate valid only on 2020-01-01: `openssl req -x509` cannot back-date,
 * so this one goes through `openssl ca`, which takes explicit start and end dates.
 */
async function makeExpired(dir: string): Promise<TestKeyPair> {
  const privateKeyPath = join(dir, 'expired.key');
  const certificatePath = join(dir, 'expired.pem');
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '01\n');
  writeFileSync(
    join(dir, 'ca-db.cnf'),
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      'database = index.txt',
      'new_certs_dir = .',
      'serial = serial',
      'default_md = sha256',
      'policy = any',
      'copy_extensions = copy',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  await openssl(
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-noenc',
      '-keyout',
      privateKeyPath,
      '-out',
      'expired.csr',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName = DNS:localhost,IP:127.0.0.1',
    ],
    dir,
  );
  await openssl(
    [
      'ca',
      '-batch',
      '-config',
      'ca-db.cnf',
      '-cert',
      'ca.pem',
      '-keyfile',
      'ca.key',
      '-in',
      'expired.csr',
      '-out',
      certificatePath,
      '-startdate',
      '20200101000000Z',
      '-enddate',
      '20200102000000Z',
    ],
    dir,
  );
  return {
    certificate: readFileSync(certificatePath, 'utf8'),
    privateKey: readFileSync(privateKeyPath, 'utf8'),
    certificatePath,
    privateKeyPath,
  };
}

async function generate(): Promise<TestCertificates> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-tls-'));
  process.once('exit', () => {
    rmSync(dir, { recursive: true, force: true });
  });
  const ca = await make(
    dir,
    'ca',
    'weft test CA',
    ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign'],
    false,
  );
  const san = (names: string): string => `subjectAltName = ${names}`;
  const [server, other, selfSigned, client, rogueClient, expired] = await Promise.all([
    make(dir, 'server', 'localhost', [...LEAF, san('DNS:localhost,IP:127.0.0.1,IP:::1')], true),
    make(
      dir,
      'other',
      'other.example',
      [...LEAF, san('DNS:other.example,DNS:*.wild.example')],
      true,
    ),
    make(dir, 'self', 'localhost', [...LEAF, san('DNS:localhost,IP:127.0.0.1')], false),
    make(dir, 'client', 'weft client', LEAF, true),
    make(dir, 'rogue', 'rogue client', LEAF, false),
    makeExpired(dir),
  ]);
  return {
    ca: ca.certificate,
    caPath: ca.certificatePath,
    server,
    other,
    selfSigned,
    client,
    rogueClient,
    expired,
  };
}

let cached: Promise<TestCertificates> | undefined;

/** The test certificates, made on first use in this process. */
export function testCertificates(): Promise<TestCertificates> {
  cached ??= generate();
  return cached;
}
