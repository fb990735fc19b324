// STARTTLS: TCPTransport.startTLS upgrading a live connection in place, on both sides, with
// weft at both ends and with Node's own TLS as the peer. Bytes written before the switch must go
// out in clear and bytes after it encrypted, with nothing lost or reordered, including bytes the
// peer sent right behind its clear "go ahead" line in the same read.
import { createServer as netCreateServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, TLSSocket, createSecureContext } from 'node:tls';

import { describe, expect, it, onTestFinished } from 'vitest';

import { ConnectionDone, InvalidStateError } from '../../src/core/errors.js';
import type {
  ClientTLSOptions,
  ServerTLSOptions,
  StartTLSOptions,
} from '../../src/core/interfaces/index.js';
import { CertificateVerificationError, TLSHandshakeError } from '../../src/core/tls-errors.js';
import type { TestCertificates } from '../support/tls-certs.js';
import { testCertificates } from '../support/tls-certs.js';
import {
  freshReactor,
  later,
  portNumber,
  RecordingClientFactory,
  RecordingFactory,
  tcpTransport,
} from './socket-helpers.js';
import { TLSRecorder } from './tls-helpers.js';

let certs: TestCertificates;
const ready = testCertificates().then((c) => {
  certs = c;
});

const NL = 0x0a;

/**
 * A line protocol that records its lines (clear or not) and, on the line `trigger`, starts TLS,
 * handing TLS whatever it received behind that line.
 */
class Lines extends TLSRecorder {
  readonly lines: string[] = [];
  /** The line that starts TLS, what to reply first, and how. */
  trigger = 'STARTTLS';
  reply: string | null = null;
  tls: { options: ClientTLSOptions | ServerTLSOptions; start?: StartTLSOptions } | null = null;
  /** Bytes handed to TLS as `received` when it started. */
  handedOver = -1;
  #buffer = Buffer.alloc(0);
  readonly #gotLines = new Map<number, () => void>();

  override dataReceived(data: Uint8Array): void {
    super.dataReceived(data);
    this.#buffer = Buffer.concat([this.#buffer, data]);
    for (let nl = this.#buffer.indexOf(NL); nl >= 0; nl = this.#buffer.indexOf(NL)) {
      const line = this.#buffer.subarray(0, nl).toString();
      this.#buffer = this.#buffer.subarray(nl + 1);
      this.lines.push(line);
      this.#gotLines.get(this.lines.length)?.();
      if (line === this.trigger && this.tls !== null) {
        if (this.reply !== null) this.transport.write(this.reply);
        const rest = this.#buffer;
        this.#buffer = Buffer.alloc(0);
        this.handedOver = rest.length;
        this.transport.startTLS(this.tls.options, { ...this.tls.start, received: rest });
        this.afterStart();
        return;
      }
    }
  }

  /** Called right after startTLS. */
  afterStart(): void {
    // Override.
  }

  /** Resolves once `n` lines have arrived. */
  linesReceived(n: number): Promise<void> {
    if (this.lines.length >= n) return Promise.resolve();
    return new Promise((resolve) => {
      this.#gotLines.set(n, resolve);
    });
  }
}

/** A weft TCP server and client, connected (no TLS yet). */
async function tcpPair<S extends Lines, C extends Lines>(
  serverClass: new () => S,
  clientClass: new () => C,
): Promise<{ server: S; client: C }> {
  const reactor = freshReactor();
  const serverFactory = new RecordingFactory(serverClass);
  const port = await reactor.listenTCP(0, serverFactory, { interface: '127.0.0.1' });
  const clientFactory = new RecordingClientFactory(clientClass);
  reactor.connectTCP('127.0.0.1', portNumber(port), clientFactory);
  const [server, client] = await Promise.all([serverFactory.connection(0), clientFactory.made]);
  return { server, client };
}

/** A listening Node server on 127.0.0.1 calling `onSocket` per connection, closed after the test. */
async function nodeServer(onSocket: (socket: Socket) => void): Promise<number> {
  const server: Server = netCreateServer({ allowHalfOpen: true }, onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

/** Reads clear lines from `socket` until `line`; resolves with what came after it. */
function readUntilLine(socket: Socket, line: string): Promise<Buffer> {
  return new Promise((resolve) => {
    let buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      const at = buffer.indexOf(`${line}\n`);
      if (at < 0) return;
      socket.removeListener('data', onData);
      socket.pause();
      resolve(buffer.subarray(at + line.length + 1));
    };
    socket.on('data', onData);
  });
}

describe('TCPTransport.startTLS', () => {
  it('upgrades both ends in place: clear lines first, then TLS both ways, nothing lost or reordered', async () => {
    await ready;
    class Server extends Lines {
      override connectionMade(): void {
        super.connectionMade();
        this.tls = { options: certs.server };
      }
      override afterStart(): void {
        this.transport.write('secret reply\n');
      }
    }
    class Client extends Lines {
      override connectionMade(): void {
        super.connectionMade();
        this.transport.write('clear 1\n');
        this.transport.write('STARTTLS\n');
        // The client does not wait for the server: its ClientHello follows the line at once.
        this.transport.startTLS({ trustRoot: certs.ca, hostname: 'localhost' });
        this.transport.write('secret 1\n');
        this.transport.write('secret 2\n');
      }
    }
    const { server, client } = await tcpPair(Server, Client);
    await Promise.all([server.handshake, client.handshake, server.linesReceived(4)]);
    await client.linesReceived(1);
    expect(server.lines).toEqual(['clear 1', 'STARTTLS', 'secret 1', 'secret 2']);
    expect(client.lines).toEqual(['secret reply']);
    expect(client.transport.getPeerCertificate()?.subject.CN).toBe('localhost');
    client.transport.loseConnection();
    expect((await server.lost).value).toBeInstanceOf(ConnectionDone);
    expect((await client.lost).value).toBeInstanceOf(ConnectionDone);
  });

  it('decrypts TLS bytes that arrived in the same read as the clear "go ahead" line (pipelined peer)', async () => {
    await ready;
    // Node is the TCP server and the TLS client: it answers STARTTLS with "STARTTLS ok" and its
    // ClientHello in one write, while weft (TCP client, TLS server) is not reading, so weft reads
    // both at once when it resumes.
    const peerLines = later<string[]>();
    const written = later();
    const port = await nodeServer((raw) => {
      void readUntilLine(raw, 'STARTTLS').then(() => {
        let first = true;
        const tap = new Duplex({
          write(chunk: Buffer, _encoding, done): void {
            if (first) {
              first = false;
              raw.write(Buffer.concat([Buffer.from('STARTTLS ok\n'), chunk]), () => {
                written.resolve(undefined);
              });
            } else {
              raw.write(chunk);
            }
            done();
          },
          read(): void {
            raw.resume();
          },
          final(done): void {
            raw.end();
            done();
          },
        });
        raw.on('data', (chunk: Buffer) => tap.push(chunk));
        raw.on('end', () => tap.push(null));
        const secure = tlsConnect({ socket: tap, ca: certs.ca, servername: 'localhost' });
        let text = '';
        secure.setEncoding('utf8');
        secure.on('data', (chunk: string) => {
          text += chunk;
          if (text.endsWith('bye\n')) {
            peerLines.resolve(text.split('\n').slice(0, -1));
            secure.end();
          }
        });
        secure.on('secureConnect', () => {
          secure.write('encrypted hello\n');
        });
      });
    });
    const reactor = freshReactor();
    class Client extends Lines {
      override connectionMade(): void {
        super.connectionMade();
        this.trigger = 'STARTTLS ok';
        this.tls = { options: certs.server, start: { server: true } };
        this.transport.write('STARTTLS\n');
        this.transport.pauseProducing();
      }
      override afterStart(): void {
        this.transport.write('from weft\n');
      }
    }
    const factory = new RecordingClientFactory(Client);
    reactor.connectTCP('127.0.0.1', port, factory);
    const client = await factory.made;
    await written.promise;
    client.transport.resumeProducing();
    await client.linesReceived(2);
    expect(client.handedOver).toBeGreaterThan(0); // the ClientHello came with the line
    expect(client.lines).toEqual(['STARTTLS ok', 'encrypted hello']);
    expect(client.events.indexOf('handshake')).toBeGreaterThan(0);
    client.transport.write('bye\n');
    expect(await peerLines.promise).toEqual(['from weft', 'bye']);
    expect((await client.lost).value).toBeInstanceOf(ConnectionDone);
  });

  it.each([
    ['a few clear bytes', 0],
    ['8 MiB of clear bytes still queued for the OS', 8 * 1024 * 1024],
  ])(
    'sends what was written before the call in clear and what was written after encrypted, after %s (Node TLS server peer)',
    async (_what, bulk) => {
      await ready;
      const received = later<{ clearBytes: number; clearTail: string; secret: string }>();
      const context = createSecureContext({
        cert: certs.server.certificate,
        key: certs.server.privateKey,
      });
      const marker = Buffer.from('switch\n');
      const port = await nodeServer((raw) => {
        const chunks: Buffer[] = [];
        let seen = 0;
        // No setEncoding on a socket TLS will take over: Node's TLS must get its buffered bytes raw.
        const onData = (chunk: Buffer): void => {
          chunks.push(chunk);
          seen += chunk.length;
          const tail = Buffer.concat(chunks.slice(-2));
          const inTail = tail.indexOf(marker);
          if (inTail < 0) return;
          raw.removeListener('data', onData);
          raw.pause();
          const at = seen - tail.length + inTail;
          const all = Buffer.concat(chunks);
          const behind = all.subarray(at + marker.length);
          if (behind.length > 0) raw.unshift(behind);
          const secure = new TLSSocket(raw, { isServer: true, secureContext: context });
          let secret = '';
          secure.setEncoding('utf8');
          secure.on('data', (text: string) => {
            secret += text;
          });
          secure.on('end', () => {
            const clear = all.subarray(0, at);
            received.resolve({
              clearBytes: clear.length,
              clearTail: clear.subarray(-13).toString('latin1'),
              secret,
            });
            secure.end();
          });
        };
        raw.on('data', onData);
      });
      const reactor = freshReactor();
      let queued = -1;
      class Client extends Lines {
        override connectionMade(): void {
          super.connectionMade();
          if (bulk > 0) this.transport.write(new Uint8Array(bulk).fill(0x2e));
          this.transport.write('one in clear\n');
          this.transport.write('switch\n');
          this.transport.startTLS({ trustRoot: certs.ca, hostname: 'localhost' });
          queued = tcpTransport(this.transport).getHandle().writableLength;
          this.transport.write('one encrypted\n');
          this.transport.writeSequence(['two ', 'encrypted\n']);
          this.transport.loseConnection();
        }
      }
      const factory = new RecordingClientFactory(Client);
      reactor.connectTCP('127.0.0.1', port, factory);
      const client = await factory.made;
      const got = await received.promise;
      if (bulk > 0) expect(queued).toBeGreaterThan(0); // the switch had to wait for the OS
      expect(got).toEqual({
        clearBytes: bulk + 13,
        clearTail: 'one in clear\n',
        secret: 'one encrypted\ntwo encrypted\n',
      });
      expect((await client.lost).value).toBeInstanceOf(ConnectionDone);
      expect(client.events).toContain('handshake');
    },
  );

  it('holds writes in order while certificate files are read, then sends them encrypted before closing', async () => {
    await ready;
    class Server extends Lines {
      override connectionMade(): void {
        super.connectionMade();
        this.tls = {
          options: {
            certificate: certs.server.certificatePath,
            privateKey: certs.server.privateKeyPath,
          },
        };
      }
    }
    class Client extends Lines {
      override connectionMade(): void {
        super.connectionMade();
        this.transport.write('STARTTLS\n');
        this.transport.startTLS({ trustRoot: certs.caPath, hostname: 'localhost' });
        for (let i = 0; i < 100; i++) this.transport.write(`line ${String(i)}\n`);
        this.transport.loseConnection();
      }
    }
    const { server, client } = await tcpPair(Server, Client);
    expect((await server.lost).value).toBeInstanceOf(ConnectionDone);
    expect(server.lines).toEqual([
      'STARTTLS',
      ...Array.from({ length: 100 }, (_, i) => `line ${String(i)}`),
    ]);
    await client.lost;
  });

  it('ends the connection with CertificateVerificationError when the upgraded peer is not trusted', async () => {
    await ready;
    class Server extends Lines {
      override connectionMade(): void {
        super.connectionMade();
        this.tls = { options: certs.selfSigned };
      }
    }
    class Client extends Lines {
      override connectionMade(): void {
        super.connectionMade();
        this.transport.write('STARTTLS\n');
        this.transport.startTLS({ trustRoot: certs.ca, hostname: 'localhost' });
      }
    }
    const { server, client } = await tcpPair(Server, Client);
    const reason = await client.lost;
    expect(reason.value).toBeInstanceOf(CertificateVerificationError);
    expect((reason.value as CertificateVerificationError).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    await server.lost;
  });

  it("ends the connection with TLSHandshakeError when TLS is started after the peer's close was read", async () => {
    await ready;
    class HalfOpen extends Lines {
      readConnectionLost(): void {
        this.transport.startTLS(certs.server, { received: new Uint8Array([0x16]) });
      }
      writeConnectionLost(): void {
        // Not used.
      }
    }
    const { server, client } = await tcpPair(HalfOpen, Lines);
    client.transport.loseWriteConnection();
    const reason = await server.lost;
    expect(reason.value).toBeInstanceOf(TLSHandshakeError);
    expect((reason.value as TLSHandshakeError).code).toBe('ERR_STREAM_UNSHIFT_AFTER_END_EVENT');
    await client.lost;
  });

  it('refuses to start twice, on a closing connection, or as a server without a certificate', async () => {
    await ready;
    const { server, client } = await tcpPair(Lines, Lines);
    expect(() => {
      server.transport.startTLS({ trustRoot: certs.ca }, { server: true });
    }).toThrow(TypeError);
    client.transport.startTLS({ trustRoot: certs.ca, hostname: 'localhost' });
    expect(() => {
      client.transport.startTLS({ trustRoot: certs.ca });
    }).toThrow(InvalidStateError);
    server.transport.loseConnection();
    expect(() => {
      server.transport.startTLS(certs.server);
    }).toThrow(InvalidStateError);
    await Promise.all([server.lost, client.lost]);
  });
});
