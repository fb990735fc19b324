// ssl: server strings and tls: client strings (Twisted's _parseSSL and _parseClientTLS): the
// endpoint each description makes, table-driven invalid cases, and real TLS connections made from
// strings alone, with certificate files made at test time (test/support/tls-certs.ts).
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';

import {
  CertificateVerificationError,
  EndpointArgumentError,
  EndpointStringError,
  Factory,
  Failure,
  parseEndpointDescription,
  Protocol,
  quoteStringArgument,
  TLSOptionsError,
  UnknownEndpointTypeError,
} from '../../src/core/index.js';
import type { IStreamClientEndpoint } from '../../src/core/index.js';
import { clientFromString, serverFromString, SSL4ServerEndpoint } from '../../src/node/index.js';
import type { NodeReactor } from '../../src/node/reactor.js';
import { MemoryReactorClock, MemoryResolver } from '../../src/testing/index.js';
import type { TestCertificates } from '../support/tls-certs.js';
import { testCertificates } from '../support/tls-certs.js';
import { freshReactor, portNumber, RecordingFactory } from './socket-helpers.js';
import { TLSRecorder } from './tls-helpers.js';

let certs: TestCertificates;
const ready = testCertificates().then((c) => {
  certs = c;
});

const factory = Factory.forProtocol(Protocol);

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-tls-strings-'));
  onTestFinished(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** The SSL4ServerEndpoint `description` makes on a NodeReactor (parsing only; nothing listens). */
function sslServer(description: string): SSL4ServerEndpoint {
  const endpoint = serverFromString(freshReactor(), description);
  if (!(endpoint instanceof SSL4ServerEndpoint)) throw new Error(`not SSL4: ${description}`);
  return endpoint;
}

/** What `description` asks a MemoryReactorClock to connect to, names resolved by `hosts`. */
function tlsConnects(description: string, hosts: Record<string, string[]>): unknown[][] {
  const reactor = new MemoryReactorClock();
  reactor.installNameResolver(new MemoryResolver(hosts));
  void clientFromString(reactor, description).connect(factory);
  return reactor.tcpClients.map(([h, p, , t, b]) => [h, p, t, b]);
}

async function failureOf(d: PromiseLike<unknown>): Promise<Error & { code?: string }> {
  try {
    await d;
  } catch (e) {
    return (e instanceof Failure ? e.value : e) as Error & { code?: string };
  }
  throw new Error('expected a failure');
}

describe('serverFromString: ssl', () => {
  it('ssl:PORT:privateKey=...:certKey=... listens with listenSSL, backlog 50, every interface', () => {
    const endpoint = sslServer('ssl:443:privateKey=key.pem:certKey=cert.pem');
    expect(endpoint.port).toBe(443);
    expect(endpoint.tlsOptions).toEqual({ certificate: 'cert.pem', privateKey: 'key.pem' });
    expect(endpoint.backlog).toBe(50);
    expect(endpoint.interface).toBe('');
  });

  it('defaults privateKey to server.pem and certKey to the privateKey file, as Twisted', () => {
    expect(sslServer('ssl:443').tlsOptions).toEqual({
      certificate: 'server.pem',
      privateKey: 'server.pem',
    });
    expect(sslServer('ssl:443:privateKey=both.pem').tlsOptions).toEqual({
      certificate: 'both.pem',
      privateKey: 'both.pem',
    });
  });

  it("binds positional arguments in Twisted's order", () => {
    const endpoint = sslServer('ssl:8443:k.pem:c.pem:TLSv1_2_METHOD:127.0.0.1:7:chain.pem:dh.pem');
    expect(endpoint.port).toBe(8443);
    expect(endpoint.interface).toBe('127.0.0.1');
    expect(endpoint.backlog).toBe(7);
    expect(endpoint.tlsOptions).toEqual({
      certificate: ['c.pem', 'chain.pem'],
      privateKey: 'k.pem',
      minimumVersion: 'TLSv1.2',
      maximumVersion: 'TLSv1.2',
      dhParameters: 'dh.pem',
    });
  });

  it('maps sslmethod to a version range: SSLv23/TLS methods negotiate, TLSv1_2_METHOD pins 1.2', () => {
    const cases: [string, object][] = [
      ['SSLv23_METHOD', {}],
      ['TLS_METHOD', {}],
      ['TLS_SERVER_METHOD', {}],
      ['TLSv1_2_METHOD', { minimumVersion: 'TLSv1.2', maximumVersion: 'TLSv1.2' }],
    ];
    for (const [method, versions] of cases) {
      expect(sslServer(`ssl:1:sslmethod=${method}`).tlsOptions, method).toEqual({
        certificate: 'server.pem',
        privateKey: 'server.pem',
        ...versions,
      });
    }
  });

  it('takes extraCertChain=, dhParameters=, interface=, backlog= and handshakeTimeout= by name', () => {
    const endpoint = sslServer(
      'ssl:port=1:extraCertChain=ca.pem:dhParameters=dh.pem:interface=\\:\\:1:backlog=3:handshakeTimeout=2.5',
    );
    expect(endpoint.interface).toBe('::1');
    expect(endpoint.backlog).toBe(3);
    expect(endpoint.tlsOptions).toEqual({
      certificate: ['server.pem', 'ca.pem'],
      privateKey: 'server.pem',
      dhParameters: 'dh.pem',
      handshakeTimeout: 2.5,
    });
  });

  it('throws typed errors naming the bad part', () => {
    const reactor = freshReactor();
    const cases: [string, new (...a: never[]) => Error, RegExp][] = [
      ['ssl', EndpointArgumentError, /Missing argument "port"/],
      ['ssl:https', EndpointArgumentError, /port must be an integer/],
      ['ssl:443:sslmethod=TLSv1_METHOD', EndpointArgumentError, /weft refuses/],
      ['ssl:443:sslmethod=SSLv3_METHOD', EndpointArgumentError, /weft refuses/],
      ['ssl:443:sslmethod=TLSv1_1_METHOD', EndpointArgumentError, /weft refuses/],
      ['ssl:443:sslmethod=SSLv2_METHOD', EndpointArgumentError, /weft refuses/],
      ['ssl:443:sslmethod=FAST_METHOD', EndpointArgumentError, /Unknown sslmethod "FAST_METHOD"/],
      ['ssl:443:backlog=lots', EndpointArgumentError, /backlog must be an integer/],
      ['ssl:443:handshakeTimeout=-1', EndpointArgumentError, /handshakeTimeout must be a number/],
      ['ssl:443:caCertsDir=/etc/ssl', EndpointArgumentError, /Unknown argument "caCertsDir"/],
      [
        'ssl:1:a:b:c:d:e:f:g:h',
        EndpointArgumentError,
        /Too many positional arguments \(at most 8\)/,
      ],
      ['SSL:443', UnknownEndpointTypeError, /Unknown endpoint type: "SSL"/],
    ];
    for (const [description, type, message] of cases) {
      expect(() => serverFromString(reactor, description), description).toThrow(type);
      expect(() => serverFromString(reactor, description), description).toThrow(message);
    }
  });

  it('refuses a reactor without listenSSL with EndpointStringError', () => {
    expect(() => serverFromString(new MemoryReactorClock(), 'ssl:443')).toThrow(
      /does not support TLS/,
    );
    expect(() => serverFromString(new MemoryReactorClock(), 'ssl:443')).toThrow(
      EndpointStringError,
    );
  });

  it('fails listen with TLSOptionsError when the default server.pem is not there', async () => {
    const dir = tempDir();
    const endpoint = serverFromString(
      freshReactor(),
      `ssl:0:interface=127.0.0.1:privateKey=${quoteStringArgument(join(dir, 'server.pem'))}`,
    );
    const err = await failureOf(endpoint.listen(factory));
    expect(err).toBeInstanceOf(TLSOptionsError);
    expect(err.code).toBe('ENOENT');
  });
});

describe('clientFromString: tls', () => {
  it('tls:HOST:PORT resolves HOST and connects to each address with timeout 30', () => {
    expect(tlsConnects('tls:example.com:443', { 'example.com': ['192.0.2.1'] })).toEqual([
      ['192.0.2.1', 443, 30, null],
    ]);
  });

  it('takes host= and port= by name, timeout= and bindAddress=', () => {
    expect(
      tlsConnects('tls:host=example.com:port=8443:timeout=5:bindAddress=10.0.0.1', {
        'example.com': ['192.0.2.1'],
      }),
    ).toEqual([['192.0.2.1', 8443, 5, ['10.0.0.1', 0]]]);
  });

  it('resolves an internationalized name by its IDNA form, as Twisted', () => {
    expect(
      tlsConnects('tls:bücher.example:443', { 'xn--bcher-kva.example': ['192.0.2.7'] }),
    ).toEqual([['192.0.2.7', 443, 30, null]]);
  });

  it('matches the type in any case', () => {
    expect(tlsConnects('TLS:example.com:443', { 'example.com': ['192.0.2.1'] })).toHaveLength(1);
  });

  it('wraps the endpoint endpoint= describes instead, HOST being only the name verified', () => {
    const reactor = new MemoryReactorClock();
    void clientFromString(reactor, 'tls:example.com:endpoint=unix\\:/tmp/s').connect(factory);
    expect(reactor.unixClients.map(([path]) => path)).toEqual(['/tmp/s']);
    expect(reactor.tcpClients).toEqual([]);
  });

  it('throws typed errors naming the bad part', () => {
    const reactor = new MemoryReactorClock();
    const cases: [string, new (...a: never[]) => Error, RegExp][] = [
      ['tls', EndpointArgumentError, /Missing argument "host"/],
      ['tls:example.com', EndpointArgumentError, /Missing argument "port"/],
      ['tls:example.com:https', EndpointArgumentError, /port must be an integer/],
      ['tls:example.com:443:timeout=soon', EndpointArgumentError, /timeout must be a number/],
      ['tls:example.com:443:privateKey=k.pem', EndpointArgumentError, /needs certificate=/],
      [
        'tls:example.com:443:caCertsDir=/etc',
        EndpointArgumentError,
        /Unknown argument "caCertsDir"/,
      ],
      ['tls:example.com:443:x', EndpointArgumentError, /Too many positional/],
      ['tls:a b:443', EndpointArgumentError, /Invalid host name "a b"/],
      ['tls:example.com:endpoint=gopher\\:x', UnknownEndpointTypeError, /"gopher"/],
    ];
    for (const [description, type, message] of cases) {
      expect(() => clientFromString(reactor, description), description).toThrow(type);
      expect(() => clientFromString(reactor, description), description).toThrow(message);
    }
  });

  it('round-trips any trustRoots path through quoteStringArgument (500 runs)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (path) => {
        const description = `tls:example.com:443:trustRoots=${quoteStringArgument(path)}`;
        expect(parseEndpointDescription(description).kwargs.trustRoots).toBe(path);
        expect(clientFromString(new MemoryReactorClock(), description)).toBeDefined();
      }),
      { numRuns: 500 },
    );
  });
});

describe('ssl: and tls: strings over real sockets', () => {
  /** An ssl: echo server on 127.0.0.1 from a description; returns its port number. */
  async function sslEcho(reactor: NodeReactor, extra = ''): Promise<number> {
    const key = quoteStringArgument(certs.server.privateKeyPath);
    const cert = quoteStringArgument(certs.server.certificatePath);
    const endpoint = serverFromString(
      reactor,
      `ssl:0:interface=127.0.0.1:privateKey=${key}:certKey=${cert}${extra}`,
    );
    const echo = new RecordingFactory(
      class extends TLSRecorder {
        override dataReceived(data: Uint8Array): void {
          this.transport.write(data);
        }
      },
    );
    return portNumber(await endpoint.listen(echo));
  }

  function tlsClient(reactor: NodeReactor, description: string): IStreamClientEndpoint {
    reactor.installNameResolver(new MemoryResolver({ localhost: ['127.0.0.1'] }));
    return clientFromString(reactor, description);
  }

  it('a tls: client with trustRoots=CA file talks to an ssl: server, handshake first', async () => {
    await ready;
    const reactor = freshReactor();
    const port = await sslEcho(reactor);
    const ca = quoteStringArgument(certs.caPath);
    const client = await tlsClient(
      reactor,
      `tls:localhost:${String(port)}:trustRoots=${ca}`,
    ).connect(new RecordingFactory(TLSRecorder));
    expect(client.transport.getPeerCertificate()?.subject.CN).toBe('localhost');
    client.transport.write('from strings');
    expect((await client.bytes(12)).toString()).toBe('from strings');
  });

  it('takes a directory of *.pem files as trustRoots, skipping what is not a certificate', async () => {
    await ready;
    const reactor = freshReactor();
    const port = await sslEcho(reactor, ':sslmethod=TLSv1_2_METHOD');
    const dir = tempDir();
    copyFileSync(certs.caPath, join(dir, 'ca.PEM'));
    writeFileSync(join(dir, 'notes.pem'), 'not a certificate\n');
    writeFileSync(join(dir, 'ignored.txt'), certs.selfSigned.certificate);
    const description = `tls:localhost:${String(port)}:trustRoots=${quoteStringArgument(dir)}`;
    const client = await tlsClient(reactor, description).connect(new RecordingFactory(TLSRecorder));
    const handle = (client.transport as unknown as { getHandle(): TLSSocket }).getHandle();
    expect(handle.getProtocol()).toBe('TLSv1.2');
  });

  it('reads dhParameters= and extraCertChain= files when listening', async () => {
    await ready;
    const reactor = freshReactor();
    const dir = tempDir();
    const dh = join(dir, 'dh.pem');
    await new Promise<void>((resolve, reject) => {
      execFile(
        'openssl',
        ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', dh],
        { timeout: 15_000 },
        (err) => {
          if (err === null) resolve();
          else reject(err);
        },
      );
    });
    const extra = `:dhParameters=${quoteStringArgument(dh)}:extraCertChain=${quoteStringArgument(certs.caPath)}`;
    const port = await sslEcho(reactor, extra);
    const ca = quoteStringArgument(certs.caPath);
    const client = await tlsClient(
      reactor,
      `tls:localhost:${String(port)}:trustRoots=${ca}`,
    ).connect(new RecordingFactory(TLSRecorder));
    client.transport.write('dh');
    expect((await client.bytes(2)).toString()).toBe('dh');
  });

  it('fails with CertificateVerificationError when trustRoots does not hold the CA', async () => {
    await ready;
    const reactor = freshReactor();
    const port = await sslEcho(reactor);
    const wrong = quoteStringArgument(certs.selfSigned.certificatePath);
    const err = await failureOf(
      tlsClient(reactor, `tls:localhost:${String(port)}:trustRoots=${wrong}`).connect(
        new RecordingFactory(TLSRecorder),
      ),
    );
    expect(err).toBeInstanceOf(CertificateVerificationError);
  });

  it('presents certificate=/privateKey= as the client certificate', async () => {
    await ready;
    const reactor = freshReactor();
    const serverFactory = new RecordingFactory(TLSRecorder);
    const listening = await reactor.listenSSL(
      0,
      serverFactory,
      { ...certs.server, trustRoot: certs.ca, clientAuthentication: 'require' },
      { interface: '127.0.0.1' },
    );
    const q = quoteStringArgument;
    const base = `tls:localhost:${String(portNumber(listening))}:trustRoots=${q(certs.caPath)}`;
    await tlsClient(
      reactor,
      `${base}:certificate=${q(certs.client.certificatePath)}:privateKey=${q(certs.client.privateKeyPath)}`,
    ).connect(new RecordingFactory(TLSRecorder));
    const server = await serverFactory.connection(0);
    await server.handshake;
    expect(server.transport.getPeerCertificate()?.subject.CN).toBe('weft client');
    // One file holding both, as Twisted's certificate= alone.
    const both = join(tempDir(), 'client.pem');
    writeFileSync(both, `${certs.client.certificate}\n${certs.client.privateKey}`);
    await tlsClient(reactor, `${base}:certificate=${q(both)}`).connect(
      new RecordingFactory(TLSRecorder),
    );
    const second = await serverFactory.connection(1);
    await second.handshake;
    expect(second.transport.getPeerCertificate()?.subject.CN).toBe('weft client');
  });
});
