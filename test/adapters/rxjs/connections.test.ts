import { createConnection } from 'node:net';

import { bufferCount, filter, firstValueFrom, map, take } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { connections$ } from '../../../adapters/rxjs/connections.js';
import { decodeUtf8, type ObservableProtocol } from '../../../adapters/rxjs/observable-protocol.js';
import { IPv4Address } from '../../../src/core/address.js';
import { Deferred } from '../../../src/core/defer.js';
import { CannotListenError } from '../../../src/core/errors.js';
import { Factory } from '../../../src/core/protocol.js';
import type { IStreamServerEndpoint } from '../../../src/core/interfaces/endpoint.js';
import type { IProtocol, IProtocolFactory } from '../../../src/core/interfaces/protocol.js';
import type { IListeningPort } from '../../../src/core/interfaces/transport.js';
import { LineFramer } from '../../../src/protocols/basic/line-framer.js';
import { TCP4ServerEndpoint } from '../../../src/node/endpoints.js';
import { NodeReactor } from '../../../src/node/reactor.js';
import { FakePort } from '../../../src/testing/fake-port.js';
import { MemoryReactor } from '../../../src/testing/memory-reactor.js';
import { StringTransport } from '../../../src/testing/string-transport.js';
import { portNumber } from '../../node/socket-helpers.js';

const peer = new IPv4Address('TCP', '192.168.1.1', 54321);

/** Makes one connection through the factory `reactor` was given, as the port would. */
function accept(factory: IProtocolFactory): { protocol: IProtocol; transport: StringTransport } {
  const protocol = factory.buildProtocol(peer);
  if (protocol === null) throw new Error('refused');
  const transport = new StringTransport();
  protocol.makeConnection(transport);
  return { protocol, transport };
}

/** An endpoint whose listen() the test fires by hand. */
class ManualEndpoint implements IStreamServerEndpoint {
  readonly listening: Deferred<IListeningPort>[] = [];
  factory: IProtocolFactory | null = null;
  listen(factory: IProtocolFactory): Deferred<IListeningPort> {
    this.factory = factory;
    const d = new Deferred<IListeningPort>();
    this.listening.push(d);
    return d;
  }
}

describe('connections$', () => {
  it('listens on subscribe and emits each connection once it is made', () => {
    const reactor = new MemoryReactor();
    const seen: ObservableProtocol[] = [];
    let port: IListeningPort | null = null;
    const sub = connections$(new TCP4ServerEndpoint(reactor, 8080), {
      onListening: (p) => (port = p),
    }).subscribe((conn) => seen.push(conn));
    expect(reactor.tcpServers).toHaveLength(1);
    expect(port).toBe(reactor.ports[0]);
    const [, factory] = reactor.tcpServers[0] ?? [];
    if (factory === undefined) throw new Error('not listening');
    const { transport } = accept(factory);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.transport).toBe(transport);
    sub.unsubscribe();
    expect((reactor.ports[0] as FakePort).listening).toBe(false);
  });

  it('gives each connection its input$ and its writer', () => {
    const reactor = new MemoryReactor();
    connections$(new TCP4ServerEndpoint(reactor, 0)).subscribe((conn) => {
      conn.input$
        .pipe(
          decodeUtf8(),
          map((s) => s.toUpperCase()),
        )
        .subscribe(conn.writer());
    });
    const [, factory] = reactor.tcpServers[0] ?? [];
    if (factory === undefined) throw new Error('not listening');
    const { protocol, transport } = accept(factory);
    protocol.dataReceived(new TextEncoder().encode('hi'));
    expect(transport.valueString()).toBe('HI');
  });

  it('stops listening exactly once, and closes connections made after the unsubscription', () => {
    const endpoint = new ManualEndpoint();
    let stops = 0;
    const seen: ObservableProtocol[] = [];
    const sub = connections$(endpoint).subscribe((conn) => seen.push(conn));
    const port = new FakePort(peer, endpoint.factory as IProtocolFactory);
    const stopListening = port.stopListening.bind(port);
    port.stopListening = () => {
      stops += 1;
      return stopListening();
    };
    endpoint.listening[0]?.callback(port);
    sub.unsubscribe();
    sub.unsubscribe();
    expect(stops).toBe(1);
    const late = accept(endpoint.factory as IProtocolFactory);
    expect(late.transport.disconnecting).toBe(true);
    expect(seen).toEqual([]);
  });

  it('unsubscribed while listen is pending: stops listening as soon as it succeeds', () => {
    const endpoint = new ManualEndpoint();
    let listening: IListeningPort | null = null;
    const sub = connections$(endpoint, { onListening: (p) => (listening = p) }).subscribe();
    sub.unsubscribe();
    const port = new FakePort(peer, endpoint.factory as IProtocolFactory);
    endpoint.listening[0]?.callback(port);
    expect(port.listening).toBe(false);
    expect(listening).toBeNull();
  });

  it('errors with the listen failure; a failure after unsubscribing is dropped', () => {
    const endpoint = new ManualEndpoint();
    let error: unknown;
    connections$(endpoint).subscribe({ error: (e: unknown) => (error = e) });
    const refused = new CannotListenError('127.0.0.1', 80, { code: 'EACCES' });
    endpoint.listening[0]?.errback(refused);
    expect(error).toBe(refused);
    const sub = connections$(endpoint).subscribe({
      error: () => expect.unreachable('no error after unsubscribe'),
    });
    sub.unsubscribe();
    endpoint.listening[1]?.errback(refused);
  });

  it('is cold: each subscription listens on its own', () => {
    const reactor = new MemoryReactor();
    const servers = connections$(new TCP4ServerEndpoint(reactor, 0));
    const a = servers.subscribe();
    const b = servers.subscribe();
    expect(reactor.tcpServers).toHaveLength(2);
    a.unsubscribe();
    b.unsubscribe();
    expect(reactor.ports.every((p) => !p.listening)).toBe(true);
  });

  it('serves real TCP: lines through an RxJS pipeline and back, then stops listening', async () => {
    const reactor = new NodeReactor();
    const tcp = new TCP4ServerEndpoint(reactor, 0, { interface: '127.0.0.1' });
    const listening = new Deferred<IListeningPort>();
    const watch: { stopped: Deferred<void> | null } = { stopped: null };
    // The real endpoint, with the port's stopListening() watched.
    const endpoint: IStreamServerEndpoint = {
      listen: (factory) =>
        tcp.listen(factory).addCallback((p) => {
          const stop = p.stopListening.bind(p);
          p.stopListening = () => (watch.stopped = stop());
          return p;
        }),
    };
    const server = connections$(endpoint, {
      framer: () => new LineFramer({ delimiter: '\n' }),
      halfClose: true,
      onListening: (p) => {
        listening.callback(p);
      },
    })
      .pipe(take(1))
      .subscribe((conn) => {
        conn.input$
          .pipe(
            decodeUtf8(),
            filter((line) => line !== ''),
            bufferCount(2),
            map((pair) => `${pair.join('+')}\n`),
          )
          .subscribe(conn.writer());
      });
    const port = await listening;
    // take(1) completes after the first connection, which unsubscribes connections$.
    const socket = createConnection(portNumber(port), '127.0.0.1');
    const reply = new Promise<string>((resolve, reject) => {
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString()));
      socket.on('end', () => {
        resolve(got);
      });
      socket.on('error', reject);
    });
    socket.write('a\n\nb\nc\n');
    socket.end('d\n');
    expect(await reply).toBe('a+b\nc+d\n');
    expect(server.closed).toBe(true);
    expect(watch.stopped).not.toBeNull();
    await watch.stopped;
  });

  it('errors with CannotListenError on a real port in use, leaving nothing listening', async () => {
    const reactor = new NodeReactor();
    const taken = await reactor.listenTCP(0, new Factory(), { interface: '127.0.0.1' });
    try {
      const error = await firstValueFrom(
        connections$(
          new TCP4ServerEndpoint(reactor, portNumber(taken), { interface: '127.0.0.1' }),
        ),
      ).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CannotListenError);
      expect((error as CannotListenError).code).toBe('EADDRINUSE');
    } finally {
      await taken.stopListening();
    }
  });
});
