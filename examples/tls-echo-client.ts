// A TLS echo client configured by an endpoint string (docs/endpoints.md): clientFromString('tls:...')
// against an echo server from serverFromString('ssl:...'), in one process. The tls: endpoint
// resolves the name, connects, and completes the handshake — verifying the server for "localhost"
// against the CA directory it was given — before the protocol's connectionMade; a client trusting
// the wrong CA gets a typed error from connect() and its protocol is never connected.
//
// It needs the openssl command, to make a throwaway CA and a server certificate for "localhost" in
// a temporary directory (removed at the end). Run it with
// `npx tsc -p tsconfig.examples.json && node .build/examples/tls-echo-client.js`. It prints:
//
//   server: listening on ssl:0 (port chosen by the system)
//   client: connected to "localhost" over TLS, handshake already done
//   client: got back "hello through tls:"
//   client: closed cleanly (ConnectionDone)
//   wrong CA: CertificateVerificationError (UNABLE_TO_VERIFY_LEAF_SIGNATURE)
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import {
  clientFromString,
  Deferred,
  Factory,
  IPv4Address,
  NodeReactor,
  Protocol,
  quoteStringArgument,
  serverFromString,
  type Failure,
  type ITLSTransport,
} from '../src/index.js';

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport.write(data);
  }
}

/** Sends one line, prints the echo, closes; `done` fires with why the connection ended. */
class Hello extends Protocol<ITLSTransport> {
  readonly done = new Deferred<Error>();
  out: (line: string) => void = console.log;

  override connectionMade(): void {
    // With tls: strings the handshake is over by now: the certificate is known.
    const server = this.transport.getPeerCertificate()?.subject.CN;
    this.out(`client: connected to "${String(server)}" over TLS, handshake already done`);
    this.transport.write('hello through tls:');
  }

  override dataReceived(data: Uint8Array): void {
    this.out(`client: got back "${new TextDecoder().decode(data)}"`);
    this.transport.loseConnection();
  }

  override connectionLost(reason: Failure): void {
    this.done.callback(reason.value as Error);
  }
}

const run = promisify(execFile);

/** A CA (ca/ca.pem), a server certificate it signs for localhost, and an unrelated CA (other/). */
async function makeCertificates(dir: string): Promise<void> {
  const req = [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-noenc',
  ];
  await mkdir(join(dir, 'ca'));
  await mkdir(join(dir, 'other'));
  for (const name of ['ca', 'other']) {
    await run('openssl', [
      ...req, '-keyout', join(dir, `${name}.key`), '-out', join(dir, name, `${name}.pem`),
      '-days', '1', '-subj', `/CN=example ${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign',
    ]); // prettier-ignore
  }
  await writeFile(join(dir, 'ca', 'README.txt'), 'only *.pem files are read\n');
  await run('openssl', [
    ...req, '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.pem'), '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
    '-CA', join(dir, 'ca', 'ca.pem'), '-CAkey', join(dir, 'ca.key'),
  ]); // prettier-ignore
}

/** Connects a Hello client from `description`; resolves with how its connection ended. */
async function hello(
  reactor: NodeReactor,
  description: string,
  out: (line: string) => void,
): Promise<Error> {
  const protocol = new Hello();
  protocol.out = out;
  const factory = new Factory<Hello>();
  factory.buildProtocol = () => protocol;
  try {
    await clientFromString(reactor, description).connect(factory);
  } catch (e) {
    return e as Error; // the handshake failed: the protocol was never connected
  }
  return protocol.done.asPromise();
}

/** Runs the server and both clients, passing each line to `out`. */
export async function main(out: (line: string) => void = console.log): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-tls-client-example-'));
  const reactor = new NodeReactor();
  const q = quoteStringArgument;
  try {
    await makeCertificates(dir);
    const server = Factory.forProtocol(Echo);
    server.noisy = false;
    const key = q(join(dir, 'server.key'));
    const cert = q(join(dir, 'server.pem'));
    const listening = await serverFromString(
      reactor,
      `ssl:0:interface=127.0.0.1:privateKey=${key}:certKey=${cert}`,
    ).listen(server);
    out('server: listening on ssl:0 (port chosen by the system)');
    const host = listening.getHost();
    const port = String(host instanceof IPv4Address ? host.port : NaN);

    const closed = await hello(
      reactor,
      `tls:localhost:${port}:trustRoots=${q(join(dir, 'ca'))}`,
      out,
    );
    out(`client: closed cleanly (${closed.name})`);

    const other = q(join(dir, 'other'));
    const refused = (await hello(
      reactor,
      `tls:localhost:${port}:trustRoots=${other}`,
      out,
    )) as Error & {
      code?: string;
    };
    out(`wrong CA: ${refused.name} (${String(refused.code)})`);

    await listening.stopListening();
  } finally {
    const stopped = reactor.run({ installSignalHandlers: false });
    reactor.stop();
    await stopped;
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
