// adoptServer and upgradeHandler: existing Node servers handing connections to weft protocols,
// over real sockets on 127.0.0.1.
import type { AddressInfo, Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';

import { describe, expect, it } from 'vitest';

import { adoptServer, upgradeHandler } from '../../../adapters/node/index.js';
import { IPv4Address } from '../../../src/core/address.js';
import type { IAddress } from '../../../src/core/address.js';
import { Factory, Protocol } from '../../../src/core/protocol.js';
import { NodeReactor } from '../../../src/node/reactor.js';
import { LogCapture } from '../../../src/testing/log-capture.js';
import { cleanupsAfterEach } from '../../support/cleanups.js';

const cleanups = cleanupsAfterEach();

class Echo extends Protocol {
  static peers: IAddress[] = [];
  override connectionMade(): void {
    Echo.peers.push(this.transport.getPeer());
  }

  override dataReceived(data: Uint8Array): void {
    this.transport.write(data);
  }
}

function listen(server: Server): Promise<number> {
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  );
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Connects, writes `text`, and resolves with the first `expected` bytes read back. */
function exchange(port: number, text: string, expected = text.length): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.length >= expected) {
        socket.destroy();
        resolve(got);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => {
      resolve(got);
    });
    socket.write(text);
  });
}

describe('adoptServer', () => {
  it('runs the protocol on every new connection of a server already serving, leaving older ones alone', async () => {
    const reactor = new NodeReactor();
    const native = (socket: Socket): void => {
      socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
    };
    const server = createServer(native);
    const port = await listen(server);
    // An older connection, served natively.
    const old = connect(port, '127.0.0.1');
    cleanups.push(() => old.destroy());
    await new Promise((r) => old.once('connect', r));
    old.write('abc');
    expect((await new Promise<Buffer>((r) => old.once('data', r))).toString()).toBe('ABC');

    server.removeListener('connection', native);
    Echo.peers = [];
    const factory = Factory.forProtocol(Echo);
    const adopted = adoptServer(server, factory, { reactor });
    expect(factory.numPorts).toBe(1);
    expect(await exchange(port, 'weft')).toBe('weft');
    expect(Echo.peers[0]).toBeInstanceOf(IPv4Address);
    old.write('still native');
    expect((await new Promise<Buffer>((r) => old.once('data', r))).toString()).toBe('STILL NATIVE');

    adopted.stop();
    adopted.stop();
    expect(server.listenerCount('connection')).toBe(0);
    expect(factory.numPorts).toBe(0);
  });

  it('closes connections the factory refuses (null or an exception, logged)', async () => {
    const server = createServer();
    const port = await listen(server);
    const refusing = new (class extends Factory {
      calls = 0;
      override buildProtocol(): Protocol | null {
        this.calls++;
        if (this.calls === 1) return null;
        throw new Error('no thanks');
      }
    })();
    using log = new LogCapture();
    using _adopted = adoptServer(server, refusing);
    expect(await exchange(port, 'x')).toBe('');
    expect(await exchange(port, 'y')).toBe('');
    expect(log.messages.some((m) => m.includes('buildProtocol'))).toBe(true);
  });

  it("takes a tls.Server's connections from 'secureConnection'", () => {
    const fake = Object.assign(createServer(), { setSecureContext: () => undefined });
    using _adopted = adoptServer(fake, Factory.forProtocol(Echo));
    expect(fake.listenerCount('secureConnection')).toBe(1);
    expect(fake.listenerCount('connection')).toBe(0);
  });
});

describe('upgradeHandler', () => {
  function upgradeServer(respond?: Parameters<typeof upgradeHandler>[1]): Server {
    const server = createHttpServer((_req, res) => res.end('plain'));
    server.on('upgrade', upgradeHandler(Factory.forProtocol(Echo), respond));
    return server;
  }

  it('answers 101, then hands the socket to the protocol with the head bytes first', async () => {
    const port = await listen(upgradeServer());
    const request =
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nhead bytes|';
    const response =
      'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n';
    const got = await exchange(port, request, response.length + 'head bytes|'.length);
    expect(got).toBe(`${response}head bytes|`);
  });

  it('refuses with 400 when respond returns null', async () => {
    const port = await listen(upgradeServer({ respond: () => null }));
    const got = await exchange(
      port,
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n',
      1000,
    );
    expect(got).toMatch(/^HTTP\/1\.1 400 Bad Request/);
  });
});
