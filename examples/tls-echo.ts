// An echo server and client over TLS (docs/tls.md), in one process: listenSSL and connectSSL,
// the client verifying the server against the certificate it was told to trust, ALPN, and what
// a client that does not trust the server gets instead.
//
// It needs the openssl command, to make a throwaway self-signed certificate for "localhost" in a
// temporary directory (removed at the end). Run it with
// `npx tsc -p tsconfig.examples.json && node .build/examples/tls-echo.js`. It prints:
//
//   server: listening with TLS
//   client: handshake done; the server is "localhost", ALPN "echo/1"
//   client: got back "hello over TLS"
//   client: closed cleanly (ConnectionDone)
//   strict client: CertificateVerificationError (DEPTH_ZERO_SELF_SIGNED_CERT)
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import {
  ClientFactory,
  Deferred,
  Factory,
  IPv4Address,
  NodeReactor,
  Protocol,
  type Failure,
  type IHandshakeListener,
  type ITLSTransport,
} from '../src/index.js';

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport.write(data);
  }
}

/** Says hello, prints what comes back, then closes; `done` fires with why the connection ended. */
class Hello extends Protocol<ITLSTransport> implements IHandshakeListener {
  // A Deferred fired with a Failure would take its error path: hand over the error itself.
  readonly done = new Deferred<Error>();
  out: (line: string) => void = console.log;

  override connectionMade(): void {
    // Sent as soon as the handshake completes.
    this.transport.write('hello over TLS');
  }

  handshakeCompleted(): void {
    const server = this.transport.getPeerCertificate()?.subject.CN;
    const alpn = this.transport.negotiatedProtocol;
    this.out(`client: handshake done; the server is "${String(server)}", ALPN "${String(alpn)}"`);
  }

  override dataReceived(data: Uint8Array): void {
    this.out(`client: got back "${new TextDecoder().decode(data)}"`);
    this.transport.loseConnection();
  }

  override connectionLost(reason: Failure): void {
    this.done.callback(reason.value as Error);
  }
}

/** Makes a self-signed certificate for localhost in `dir`; returns the two file paths. */
async function selfSigned(dir: string): Promise<{ certificate: string; privateKey: string }> {
  const certificate = join(dir, 'cert.pem');
  const privateKey = join(dir, 'key.pem');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-noenc',
    '-keyout', privateKey, '-out', certificate, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]); // prettier-ignore
  return { certificate, privateKey };
}

/** Connects a Hello client with `options`; resolves with how its connection ended. */
function hello(
  reactor: NodeReactor,
  port: number,
  options: Parameters<NodeReactor['connectSSL']>[3],
  out: (line: string) => void,
): Promise<Error> {
  const protocol = new Hello();
  protocol.out = out;
  const factory = new ClientFactory();
  factory.buildProtocol = () => protocol;
  reactor.connectSSL('127.0.0.1', port, factory, options);
  return protocol.done.asPromise();
}

/** Runs the server and both clients, passing each line to `out`. */
export async function main(out: (line: string) => void = console.log): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-tls-example-'));
  const reactor = new NodeReactor();
  try {
    const cert = await selfSigned(dir);
    const server = Factory.forProtocol(Echo);
    server.noisy = false;
    const listening = await reactor.listenSSL(
      0,
      server,
      { ...cert, acceptableProtocols: ['echo/1'] },
      { interface: '127.0.0.1' },
    );
    out('server: listening with TLS');
    const host = listening.getHost();
    const port = host instanceof IPv4Address ? host.port : NaN;

    // Trusts exactly the server's own certificate, and checks it is for "localhost".
    const trusting = { trustRoot: cert.certificate, hostname: 'localhost' };
    const closed = await hello(
      reactor,
      port,
      { ...trusting, acceptableProtocols: ['echo/1'] },
      out,
    );
    out(`client: closed cleanly (${closed.name})`);

    // The platform's trust store does not know a self-signed certificate.
    const refused = await hello(reactor, port, { hostname: 'localhost' }, out);
    const error = refused as Error & { code?: string };
    out(`strict client: ${error.name} (${String(error.code)})`);

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
