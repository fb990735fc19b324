import { describe, expect, it } from 'vitest';

import {
  asyncHandlerFactory,
  IterableProtocol,
} from '../../../adapters/promise/iterable-protocol.js';
import { ConnectionDone, ConnectionLost } from '../../../src/core/errors.js';
import { Failure } from '../../../src/core/failure.js';
import { isHalfCloseableProtocol } from '../../../src/core/interfaces/protocol.js';
import { Protocol } from '../../../src/core/protocol.js';
import { NodeReactor } from '../../../src/node/reactor.js';
import { connectedServerAndClient } from '../../../src/testing/iosim.js';
import { StringTransport } from '../../../src/testing/string-transport.js';
import { portNumber } from '../../node/socket-helpers.js';
import { settle } from '../../support/promises.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function connected(options?: ConstructorParameters<typeof IterableProtocol>[0]): {
  proto: IterableProtocol<StringTransport>;
  transport: StringTransport;
} {
  const proto = new IterableProtocol<StringTransport>(options);
  const transport = new StringTransport();
  proto.makeConnection(transport);
  return { proto, transport };
}

describe('IterableProtocol', () => {
  it('yields chunks in arrival order and ends when the connection closes cleanly', async () => {
    const { proto } = connected();
    proto.dataReceived(bytes('a'));
    const seen: string[] = [];
    const loop = (async () => {
      for await (const chunk of proto) seen.push(text(chunk));
    })();
    await settle();
    proto.dataReceived(bytes('b'));
    proto.dataReceived(bytes('c'));
    proto.connectionLost(new Failure(new ConnectionDone()));
    await loop;
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('delivers what arrived before a lost connection, then throws the reason', async () => {
    const { proto } = connected();
    proto.dataReceived(bytes('x'));
    proto.connectionLost(new Failure(new ConnectionLost('reset')));
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of proto) seen.push(text(chunk));
      })(),
    ).rejects.toBeInstanceOf(ConnectionLost);
    expect(seen).toEqual(['x']);
  });

  it('pauses the transport above the high-water mark and resumes at the low one', async () => {
    const { proto, transport } = connected({ highWaterMark: 10, lowWaterMark: 5 });
    for (let i = 0; i < 3; i++) proto.dataReceived(bytes('12345'));
    expect(proto.bufferedBytes).toBe(15);
    expect(transport.producerState).toBe('paused');
    await proto.next();
    expect(transport.producerState).toBe('paused'); // 10 left: still above 5
    await proto.next();
    expect(transport.producerState).toBe('producing'); // 5 left: at the low-water mark
    expect(proto.bufferedBytes).toBe(5);
  });

  it('closes the connection and resumes it when the loop is left early', async () => {
    const { proto, transport } = connected({ highWaterMark: 1 });
    proto.dataReceived(bytes('ab'));
    proto.dataReceived(bytes('cd'));
    for await (const chunk of proto) {
      expect(text(chunk)).toBe('ab');
      break;
    }
    expect(transport.disconnecting).toBe(true);
    expect(transport.producerState).toBe('producing');
    expect(proto.bufferedBytes).toBe(0);
    expect(await proto.next()).toEqual({ value: undefined, done: true });
  });

  it('keeps the connection open when left early with closeOnReturn false', async () => {
    const { proto, transport } = connected({ closeOnReturn: false });
    proto.dataReceived(bytes('ab'));
    await proto.return();
    expect(transport.disconnecting).toBe(false);
    proto.dataReceived(bytes('ignored'));
    expect(proto.bufferedBytes).toBe(0);
  });

  it('ends the loop on the peer’s half-close while the connection stays writable', async () => {
    const { proto, transport } = connected({ halfClose: true });
    proto.dataReceived(bytes('request'));
    const seen: string[] = [];
    const loop = (async () => {
      for await (const chunk of proto) seen.push(text(chunk));
      proto.transport.write('reply');
    })();
    await settle();
    proto.readConnectionLost?.();
    await loop;
    expect(seen).toEqual(['request']);
    expect(transport.valueString()).toBe('reply');
    expect(transport.disconnecting).toBe(false);
  });

  it('is an IHalfCloseableProtocol with halfClose, so real transports deliver the half-close', () => {
    expect(isHalfCloseableProtocol(connected({ halfClose: true }).proto)).toBe(true);
    expect(isHalfCloseableProtocol(connected().proto)).toBe(false);
  });

  it('has no readConnectionLost without halfClose, so EOF closes as usual', () => {
    expect(connected().proto.readConnectionLost).toBeUndefined();
  });

  it('refuses a second concurrent next()', async () => {
    const { proto } = connected();
    const first = proto.next();
    await expect(proto.next()).rejects.toBeInstanceOf(TypeError);
    proto.dataReceived(bytes('z'));
    expect(text((await first).value as Uint8Array)).toBe('z');
  });
});

describe('asyncHandlerFactory', () => {
  class Collector extends Protocol {
    received = '';
    lost: Failure | null = null;
    override dataReceived(data: Uint8Array): void {
      this.received += text(data);
    }
    override connectionLost(reason: Failure): void {
      this.lost = reason;
    }
  }

  it('runs the handler per connection and closes the connection when it returns', async () => {
    const factory = asyncHandlerFactory(async (conn) => {
      for await (const chunk of conn) {
        conn.transport.write(text(chunk).toUpperCase());
        if (text(chunk).endsWith('!')) return;
      }
    });
    const { client, pump } = connectedServerAndClient(factory, Collector);
    client.transport.write('hello ');
    pump.flush();
    await settle();
    client.transport.write('world!');
    pump.flush();
    await settle();
    pump.flush();
    expect(client.received).toBe('HELLO WORLD!');
    expect(client.lost?.check(ConnectionDone)).not.toBeNull();
  });

  it('aborts the connection when the handler throws', async () => {
    const factory = asyncHandlerFactory(() => {
      throw new RangeError('handler bug');
    });
    const { client, pump } = connectedServerAndClient(factory, Collector);
    pump.flush();
    await settle();
    pump.flush();
    expect(client.lost).not.toBeNull();
  });

  it('serves real TCP connections on the Node reactor', async () => {
    const reactor = new NodeReactor();
    const port = await reactor.listenTCP(
      0,
      asyncHandlerFactory(async (conn) => {
        for await (const chunk of conn) conn.transport.write(chunk);
      }),
      { interface: '127.0.0.1' },
    );
    try {
      const { createConnection } = await import('node:net');
      const socket = createConnection(portNumber(port), '127.0.0.1');
      const echoed = await new Promise<string>((resolve, reject) => {
        let got = '';
        socket.on('data', (d: Buffer) => {
          got += d.toString();
        });
        socket.on('end', () => {
          resolve(got);
        });
        socket.on('error', reject);
        socket.end('ping over tcp');
      });
      expect(echoed).toBe('ping over tcp');
    } finally {
      await port.stopListening();
    }
  });
});
