// TLS on the Node reactor (listenSSL/connectSSL) over real loopback sockets: verification,
// client certificates, ALPN, SNI, handshake failures and certificate loading. Certificates come
// from test/support/tls-certs.ts; every wait is on a promise fired by a callback, bounded by
// vitest's test timeout.
import { beforeAll, describe, expect, it } from 'vitest';

import { ConnectionClosed, ConnectionDone } from '../../src/core/errors.js';
import type { Failure } from '../../src/core/failure.js';
import type { ClientTLSOptions, ServerTLSOptions } from '../../src/core/interfaces/index.js';
import {
  CertificateVerificationError,
  TLSError,
  TLSHandshakeError,
  TLSOptionsError,
} from '../../src/core/tls-errors.js';
import { TLSConnector, TLSPort } from '../../src/node/index.js';
import type { NodeReactor } from '../../src/node/reactor.js';
import { LogCapture } from '../../src/testing/log-capture.js';
import type { TestCertificates } from '../support/tls-certs.js';
import { testCertificates } from '../support/tls-certs.js';
import { TLSRecorder } from './tls-helpers.js';
import {
  errorName,
  freshReactor,
  portNumber,
  Recorder,
  RecordingClientFactory,
  RecordingFactory,
} from './socket-helpers.js';

/** Writes a greeting from connectionMade, before any handshake. */
class Greeter extends TLSRecorder {
  override connectionMade(): void {
    super.connectionMade();
    this.transport.write('hello before the handshake');
  }
}

interface PairOptions {
  readonly server?: new () => TLSRecorder;
  readonly client?: new () => TLSRecorder;
}

/** A TLS server on 127.0.0.1 and a client connected to it, both made (handshake not awaited). */
async function tlsPair(
  reactor: NodeReactor,
  serverOptions: ServerTLSOptions,
  clientOptions: ClientTLSOptions,
  options: PairOptions = {},
): Promise<{
  server: TLSRecorder;
  client: TLSRecorder;
  clientFactory: RecordingClientFactory<TLSRecorder>;
}> {
  const serverFactory = new RecordingFactory(options.server ?? TLSRecorder);
  const port = await reactor.listenSSL(0, serverFactory, serverOptions, {
    interface: '127.0.0.1',
  });
  const clientFactory = new RecordingClientFactory(options.client ?? TLSRecorder);
  reactor.connectSSL('127.0.0.1', portNumber(port), clientFactory, clientOptions);
  const [server, client] = await Promise.all([serverFactory.connection(0), clientFactory.made]);
  expect(port).toBeInstanceOf(TLSPort);
  return { server, client, clientFactory };
}

/** The error a Failure wraps. */
function errorOf(reason: Failure): Error & { code?: string } {
  return reason.value as Error & { code?: string };
}

let certs: TestCertificates;
// Made by openssl once for the file, before the first test (with a test's time to do it).
beforeAll(async () => {
  certs = await testCertificates();
}, 20_000);

/** The test CA's server certificate, and the CA as the only trust root for clients. */
function serverOptions(extra: Partial<ServerTLSOptions> = {}): ServerTLSOptions {
  return { ...certs.server, ...extra };
}

function trusting(extra: Partial<ClientTLSOptions> = {}): ClientTLSOptions {
  return { trustRoot: certs.ca, ...extra };
}

describe('NodeReactor.connectSSL and listenSSL', () => {
  describe('lifecycle', () => {
    it('calls connectionMade at the TCP connection, sends its writes after the handshake, then handshakeCompleted', async () => {
      const reactor = freshReactor();
      const { server, client } = await tlsPair(reactor, serverOptions(), trusting(), {
        client: Greeter,
      });
      expect(client.events[0]).toBe('made');
      await Promise.all([server.handshake, client.handshake]);
      const got = await server.bytes(26);
      expect(got.toString()).toBe('hello before the handshake');
      expect(server.events.slice(0, 2)).toEqual(['made', 'handshake']);
      expect(client.events.slice(0, 2)).toEqual(['made', 'handshake']);
      client.transport.loseConnection();
      expect((await client.lost).value).toBeInstanceOf(ConnectionDone);
      expect((await server.lost).value).toBeInstanceOf(ConnectionDone);
    });

    it('closes cleanly when loseConnection() comes before the handshake completes', async () => {
      const reactor = freshReactor();
      class Quitter extends TLSRecorder {
        override connectionMade(): void {
          super.connectionMade();
          this.transport.loseConnection();
        }
      }
      const { server, client } = await tlsPair(reactor, serverOptions(), trusting(), {
        client: Quitter,
      });
      await Promise.all([client.lost, server.lost]);
      expect(client.events.at(-1)).toBe('lost');
    });

    it('closes the connection with the exception thrown by handshakeCompleted', async () => {
      const reactor = freshReactor();
      class Thrower extends TLSRecorder {
        override handshakeCompleted(): void {
          super.handshakeCompleted();
          throw new RangeError('no thanks');
        }
      }
      using logs = new LogCapture();
      const { server, client } = await tlsPair(reactor, serverOptions(), trusting(), {
        client: Thrower,
      });
      expect((await client.lost).value).toBeInstanceOf(RangeError);
      await server.lost;
      expect(logs.events.some((e) => e.log_failure !== undefined)).toBe(true);
    });
  });

  describe('server verification (on by default)', () => {
    it('accepts a server whose certificate chains to the trust root, and reports that certificate', async () => {
      const reactor = freshReactor();
      const { server, client } = await tlsPair(reactor, serverOptions(), trusting());
      await client.handshake;
      const cert = client.transport.getPeerCertificate();
      expect(cert?.subject.CN).toBe('localhost');
      expect(cert?.issuer.CN).toBe('weft test CA');
      expect(cert?.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(cert?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(cert?.raw[0]).toBe(0x30); // DER SEQUENCE
      await server.handshake;
      expect(server.transport.getPeerCertificate()).toBeNull(); // no client certificate asked for
    });

    it('rejects a self-signed server with CertificateVerificationError (DEPTH_ZERO_SELF_SIGNED_CERT), after connectionMade', async () => {
      const reactor = freshReactor();
      const { server, client, clientFactory } = await tlsPair(
        reactor,
        { ...certs.selfSigned },
        trusting(),
      );
      const reason = await client.lost;
      expect(reason.value).toBeInstanceOf(CertificateVerificationError);
      expect(reason.value).toBeInstanceOf(TLSHandshakeError);
      expect(errorOf(reason).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(errorOf(reason).cause).toBeInstanceOf(Error);
      expect(client.events).toEqual(['made', 'lost']);
      expect(errorName(await clientFactory.lost)).toBe('CertificateVerificationError');
      expect(client.transport.getPeerCertificate()).toBeNull();
      expect((await server.lost).value).toBeInstanceOf(TLSError);
    });

    // The server's options, the client's, and the code of the CertificateVerificationError the
    // client's connection is lost with.
    const rejections: readonly {
      readonly title: string;
      readonly server: () => ServerTLSOptions;
      readonly client: () => ClientTLSOptions;
      readonly code: string;
    }[] = [
      {
        title:
          'rejects an expired server certificate with CertificateVerificationError (CERT_HAS_EXPIRED)',
        server: () => ({ ...certs.expired }),
        client: () => trusting(),
        code: 'CERT_HAS_EXPIRED',
      },
      {
        title: 'rejects a certificate for another name with ERR_TLS_CERT_ALTNAME_INVALID',
        server: () => serverOptions(),
        client: () => trusting({ hostname: 'www.example.com' }),
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      },
      {
        title: "uses the platform's trust store by default, which does not know the test CA",
        server: () => serverOptions(),
        client: () => ({}),
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      },
    ];

    for (const { title, server, client: clientOptions, code } of rejections) {
      it(title, async () => {
        const reactor = freshReactor();
        const { client } = await tlsPair(reactor, server(), clientOptions());
        const reason = await client.lost;
        expect(reason.value).toBeInstanceOf(CertificateVerificationError);
        expect(errorOf(reason).code).toBe(code);
      });
    }

    it('accepts any server with verify: false', async () => {
      const reactor = freshReactor();
      const { client } = await tlsPair(
        reactor,
        { ...certs.selfSigned },
        { verify: false, hostname: 'www.example.com' },
      );
      await client.handshake;
      expect(client.transport.getPeerCertificate()?.subject.CN).toBe('localhost');
    });
  });

  describe('client certificates', () => {
    it("'require' accepts a client certificate the trust root signed, and reports it", async () => {
      const reactor = freshReactor();
      const { server } = await tlsPair(
        reactor,
        serverOptions({ clientAuthentication: 'require', trustRoot: certs.ca }),
        trusting({ clientCertificate: certs.client }),
      );
      await server.handshake;
      expect(server.transport.getPeerCertificate()?.subject.CN).toBe('weft client');
    });

    it("'require' rejects a client without a certificate", async () => {
      const reactor = freshReactor();
      const { server, client } = await tlsPair(
        reactor,
        serverOptions({ clientAuthentication: 'require', trustRoot: certs.ca }),
        trusting(),
      );
      const reason = await server.lost;
      expect(reason.value).toBeInstanceOf(CertificateVerificationError);
      expect(server.events).not.toContain('handshake');
      // In TLS 1.3 the client's handshake completes before the server checks its certificate:
      // Node's server closes without sending its alert, so the client sees a plain close.
      expect((await client.lost).value).toBeInstanceOf(ConnectionClosed);
    });

    it("'require' rejects a client certificate the trust root did not sign", async () => {
      const reactor = freshReactor();
      const { server } = await tlsPair(
        reactor,
        serverOptions({ clientAuthentication: 'require', trustRoot: certs.ca }),
        trusting({ clientCertificate: certs.rogueClient }),
      );
      const reason = await server.lost;
      expect(reason.value).toBeInstanceOf(CertificateVerificationError);
      expect(errorOf(reason).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(server.events).not.toContain('handshake');
    });

    it("'request' accepts a client without a certificate", async () => {
      const reactor = freshReactor();
      const { server } = await tlsPair(
        reactor,
        serverOptions({ clientAuthentication: 'request', trustRoot: certs.ca }),
        trusting(),
      );
      await server.handshake;
      expect(server.transport.getPeerCertificate()).toBeNull();
    });

    it("'request' still rejects a certificate that does not verify", async () => {
      const reactor = freshReactor();
      const { server } = await tlsPair(
        reactor,
        serverOptions({ clientAuthentication: 'request', trustRoot: certs.ca }),
        trusting({ clientCertificate: certs.rogueClient }),
      );
      expect((await server.lost).value).toBeInstanceOf(CertificateVerificationError);
    });
  });

  describe('ALPN', () => {
    it("agrees on the server's most preferred protocol that the client offers, on both ends", async () => {
      const reactor = freshReactor();
      const { server, client } = await tlsPair(
        reactor,
        serverOptions({ acceptableProtocols: ['h2', 'http/1.1'] }),
        trusting({ acceptableProtocols: ['http/1.1', 'h2'] }),
      );
      expect(client.transport.negotiatedProtocol).toBeNull(); // not before the handshake
      await Promise.all([server.handshake, client.handshake]);
      expect(client.transport.negotiatedProtocol).toBe('h2');
      expect(server.transport.negotiatedProtocol).toBe('h2');
    });

    it('gives null when the client offers nothing', async () => {
      const reactor = freshReactor();
      const { server, client } = await tlsPair(
        reactor,
        serverOptions({ acceptableProtocols: ['h2'] }),
        trusting(),
      );
      await Promise.all([server.handshake, client.handshake]);
      expect(client.transport.negotiatedProtocol).toBeNull();
      expect(server.transport.negotiatedProtocol).toBeNull();
    });

    it('fails the handshake when the client offers only protocols the server does not accept', async () => {
      const reactor = freshReactor();
      const { server, client } = await tlsPair(
        reactor,
        serverOptions({ acceptableProtocols: ['h2'] }),
        trusting({ acceptableProtocols: ['spdy/3'] }),
      );
      expect((await client.lost).value).toBeInstanceOf(TLSHandshakeError);
      expect((await server.lost).value).toBeInstanceOf(TLSHandshakeError);
    });
  });

  describe('SNI', () => {
    const sniServer = (): ServerTLSOptions =>
      serverOptions({ sni: { 'other.example': certs.other, '*.wild.example': certs.other } });

    // Each case connects once per entry of `asks`: the name the client sends (none for an IP
    // address) and the CN of the certificate it must be served.
    const cases: readonly {
      readonly title: string;
      readonly asks: readonly { readonly hostname?: string; readonly cn: string }[];
    }[] = [
      {
        title: 'serves the certificate registered for the name the client asks for',
        asks: [{ hostname: 'other.example', cn: 'other.example' }],
      },
      {
        title: 'matches a one-label wildcard',
        asks: [{ hostname: 'a.wild.example', cn: 'other.example' }],
      },
      {
        title: 'serves the default certificate for other names and for IP addresses',
        asks: [{ hostname: 'localhost', cn: 'localhost' }, { cn: 'localhost' }],
      },
    ];

    for (const { title, asks } of cases) {
      it(title, async () => {
        const reactor = freshReactor();
        for (const { hostname, cn } of asks) {
          const { client } = await tlsPair(
            reactor,
            sniServer(),
            trusting(hostname === undefined ? {} : { hostname }),
          );
          await client.handshake;
          expect(client.transport.getPeerCertificate()?.subject.CN).toBe(cn);
        }
      });
    }
  });

  describe('handshake failures', () => {
    /** A TLS server on 127.0.0.1 and a plain TCP client connected to it. */
    async function plainClient(reactor: NodeReactor): Promise<{
      serverFactory: RecordingFactory<TLSRecorder>;
      client: Recorder;
    }> {
      const serverFactory = new RecordingFactory(TLSRecorder);
      const port = await reactor.listenSSL(0, serverFactory, serverOptions(), {
        interface: '127.0.0.1',
      });
      const clientFactory = new RecordingClientFactory(Recorder);
      reactor.connectTCP('127.0.0.1', portNumber(port), clientFactory);
      return { serverFactory, client: await clientFactory.made };
    }

    it('ends both ends with TLSHandshakeError carrying the OpenSSL code when no version is common', async () => {
      const reactor = freshReactor();
      const { server, client } = await tlsPair(
        reactor,
        serverOptions({ maximumVersion: 'TLSv1.2' }),
        trusting({ minimumVersion: 'TLSv1.3' }),
      );
      const [serverReason, clientReason] = await Promise.all([server.lost, client.lost]);
      for (const reason of [serverReason, clientReason]) {
        expect(reason.value).toBeInstanceOf(TLSHandshakeError);
        expect(errorOf(reason).code).toMatch(/^ERR_SSL_/);
      }
      expect(server.events).toEqual(['made', 'lost']);
    });

    it('gives the server TLSHandshakeError when the client speaks something else than TLS', async () => {
      const { serverFactory, client } = await plainClient(freshReactor());
      client.transport.write('GET / HTTP/1.0\r\n\r\n');
      const server = await serverFactory.connection(0);
      const reason = await server.lost;
      expect(reason.value).toBeInstanceOf(TLSHandshakeError);
      expect(errorOf(reason).code).toMatch(/^ERR_SSL_/);
    });

    it('gives the server TLSHandshakeError when the client closes mid-handshake', async () => {
      const { serverFactory, client } = await plainClient(freshReactor());
      client.transport.loseConnection();
      const server = await serverFactory.connection(0);
      expect((await server.lost).value).toBeInstanceOf(TLSHandshakeError);
    });
  });

  describe('certificates from files', () => {
    it('reads PEM files named by path, asynchronously', async () => {
      const reactor = freshReactor();
      const { client } = await tlsPair(
        reactor,
        { certificate: certs.server.certificatePath, privateKey: certs.server.privateKeyPath },
        { trustRoot: [certs.caPath] },
      );
      await client.handshake;
      expect(client.transport.getPeerCertificate()?.subject.CN).toBe('localhost');
    });

    it('accepts PEM bytes and a certificate list', async () => {
      const reactor = freshReactor();
      const bytes = new TextEncoder();
      const { client } = await tlsPair(
        reactor,
        {
          certificate: [bytes.encode(certs.server.certificate)],
          privateKey: bytes.encode(certs.server.privateKey),
        },
        { trustRoot: bytes.encode(certs.ca) },
      );
      await client.handshake;
    });

    it('fails listenSSL with TLSOptionsError (ENOENT) for a missing file', async () => {
      const reactor = freshReactor();
      const factory = new RecordingFactory(TLSRecorder);
      const listening = reactor.listenSSL(0, factory, {
        certificate: '/nonexistent/weft/cert.pem',
        privateKey: certs.server.privateKey,
      });
      const error = await listening.asPromise().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TLSOptionsError);
      expect((error as TLSOptionsError).code).toBe('ENOENT');
    });

    it('fails listenSSL with TLSOptionsError for a key that is not PEM', async () => {
      const reactor = freshReactor();
      const factory = new RecordingFactory(TLSRecorder);
      const listening = reactor.listenSSL(0, factory, {
        certificate: certs.server.certificate,
        privateKey: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n',
      });
      const error = await listening.asPromise().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TLSOptionsError);
    });

    it('reports a missing trust root file to clientConnectionFailed, before connecting', async () => {
      const reactor = freshReactor();
      const factory = new RecordingClientFactory(TLSRecorder);
      const connector = reactor.connectSSL('127.0.0.1', 1, factory, {
        trustRoot: '/nonexistent/weft/ca.pem',
      });
      expect(connector).toBeInstanceOf(TLSConnector);
      const reason = await factory.failed;
      expect(reason.value).toBeInstanceOf(TLSOptionsError);
      expect(factory.events).not.toContain('buildProtocol');
    });

    it('reports unusable PEM text to clientConnectionFailed', async () => {
      const reactor = freshReactor();
      const factory = new RecordingClientFactory(TLSRecorder);
      reactor.connectSSL('127.0.0.1', 1, factory, {
        trustRoot: certs.ca,
        clientCertificate: {
          certificate: certs.client.certificate,
          privateKey: certs.server.privateKey,
        },
      });
      expect((await factory.failed).value).toBeInstanceOf(TLSOptionsError);
    });
  });
});
