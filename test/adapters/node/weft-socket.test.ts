// WeftSocket, deterministically: over a StringTransport (what it asks of the transport) and with
// a Clock (idle timeouts). The full ordering, half-close and flow-control rules run in the
// transport contract (transport-contract.test.ts), through the WeftSocket chain over weft TCP.
import { describe, expect, it } from 'vitest';

import { WeftSocket } from '../../../adapters/node/index.js';
import { IPv6Address, UNIXAddress } from '../../../src/core/address.js';
import { ConnectionAborted, ConnectionDone, ConnectionLost } from '../../../src/core/errors.js';
import { Failure } from '../../../src/core/failure.js';
import { Clock } from '../../../src/testing/clock.js';
import {
  StringTransport,
  StringTransportWithDisconnection,
} from '../../../src/testing/string-transport.js';

/** A socket connected to a StringTransportWithDisconnection, recording its events in order. */
function connected(options: ConstructorParameters<typeof WeftSocket>[0] = {}): {
  socket: WeftSocket;
  transport: StringTransportWithDisconnection;
  events: string[];
} {
  const socket = new WeftSocket(options);
  const transport = new StringTransportWithDisconnection();
  transport.protocol = socket.protocol;
  const events: string[] = [];
  for (const name of ['connect', 'end', 'finish', 'close', 'timeout']) {
    socket.on(name, () => events.push(name));
  }
  socket.on('error', (err: Error) => events.push(`error:${err.name}`));
  socket.protocol.makeConnection(transport);
  return { socket, transport, events };
}

/** Resolves at the socket's 'close' (events.once would reject at its 'error'). */
function closed(socket: WeftSocket): Promise<void> {
  return new Promise((resolve) =>
    socket.once('close', () => {
      resolve();
    }),
  );
}

function turn(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}

describe('WeftSocket', () => {
  describe('as a readable', () => {
    it('pushes what the transport delivers and pauses the transport when its buffer is full', async () => {
      const { socket, transport } = connected({ highWaterMark: 4 });
      socket.protocol.dataReceived(new TextEncoder().encode('ab'));
      expect(transport.producerState).toBe('producing');
      socket.protocol.dataReceived(new TextEncoder().encode('cd'));
      expect(transport.producerState).toBe('paused');
      const chunks: string[] = [];
      socket.on('data', (d: Buffer) => chunks.push(d.toString()));
      await turn();
      expect(chunks.join('')).toBe('abcd');
      expect(transport.producerState).toBe('producing');
      expect(socket.bytesRead).toBe(4);
    });

    it("ends at readConnectionLost (the peer's half-close) and keeps the write side open", async () => {
      const { socket, transport, events } = connected();
      socket.resume();
      socket.protocol.readConnectionLost();
      await turn();
      expect(events).toEqual(['connect', 'end']);
      socket.write('still');
      await turn();
      expect(transport.valueString()).toBe('still');
    });

    it('ends the write side too at readConnectionLost when allowHalfOpen is false', async () => {
      const { socket, transport } = connected({ allowHalfOpen: false });
      socket.resume();
      socket.protocol.readConnectionLost();
      await turn();
      expect(transport.writeDisconnected).toBe(true);
    });
  });

  describe('as a writable', () => {
    it('holds write callbacks while the transport has it paused, so write() returns false until drain', async () => {
      const { socket, transport } = connected({ highWaterMark: 4 });
      expect(transport.producer).toBe(socket.protocol);
      expect(transport.streaming).toBe(true);
      socket.protocol.pauseProducing();
      expect(socket.write('abcd')).toBe(false);
      let drained = false;
      socket.once('drain', () => (drained = true));
      await turn();
      expect(transport.valueString()).toBe('abcd');
      expect(drained).toBe(false);
      socket.protocol.resumeProducing();
      await turn();
      expect(drained).toBe(true);
      expect(socket.bytesWritten).toBe(4);
    });

    it('sends writes made before the connection once it is made', async () => {
      const socket = new WeftSocket();
      expect(socket.connecting).toBe(true);
      socket.write('early ');
      socket.write('bird');
      await turn();
      const transport = new StringTransport();
      socket.protocol.makeConnection(transport);
      await turn();
      expect(socket.connecting).toBe(false);
      expect(transport.valueString()).toBe('early bird');
    });

    it('half-closes at end(): loseWriteConnection, then finish at writeConnectionLost', async () => {
      const { socket, transport, events } = connected();
      socket.end('bye');
      await turn();
      expect(transport.valueString()).toBe('bye');
      expect(transport.writeDisconnected).toBe(true);
      expect(transport.producer).toBeNull();
      expect(events).toEqual(['connect']);
      socket.protocol.writeConnectionLost();
      await turn();
      expect(events).toEqual(['connect', 'finish']);
    });
  });

  describe('closing', () => {
    it('ends both sides, then closes once, on connectionLost(ConnectionDone)', async () => {
      const { socket, events } = connected();
      socket.resume();
      socket.protocol.connectionLost(new Failure(new ConnectionDone()));
      await turn();
      await turn();
      expect(events.slice(1, 3).sort()).toEqual(['end', 'finish']);
      expect(events.slice(3)).toEqual(['close']);
      expect(socket.destroyed).toBe(true);
    });

    it('emits the reason as error, then close, once, on connectionLost(ConnectionLost)', async () => {
      const { socket, events } = connected();
      const reset = new ConnectionLost('reset', { code: 'ECONNRESET' });
      socket.protocol.connectionLost(new Failure(reset));
      await closed(socket);
      expect(events).toEqual(['connect', 'error:ConnectionLost', 'close']);
      expect(socket.errored).toBe(reset);
    });

    it('sends what was written, then closes, at destroy(err): connectionLost first, then error and close once', async () => {
      const { socket, transport, events } = connected();
      socket.write('HTTP/1.1 408 Request Timeout\r\n\r\n');
      socket.destroy(new Error('boom'));
      expect(transport.valueString()).toBe('HTTP/1.1 408 Request Timeout\r\n\r\n');
      expect(transport.disconnecting).toBe(true);
      expect(transport.disconnected).toBe(false);
      await closed(socket);
      await turn();
      expect(events).toEqual(['connect', 'error:Error', 'close']);
    });

    it('aborts destroy(err) after destroyGrace seconds on the clock if the close has not completed', async () => {
      const clock = new Clock();
      const socket = new WeftSocket({ reactor: clock });
      const transport = new StringTransport();
      socket.protocol.makeConnection(transport);
      socket.on('error', () => undefined);
      socket.destroy(new Error('boom'));
      expect([transport.disconnecting, transport.disconnected]).toEqual([true, false]);
      clock.advance(4.999);
      expect(transport.disconnected).toBe(false);
      clock.advance(0.001);
      expect(transport.disconnected).toBe(true);
      socket.protocol.connectionLost(new Failure(new ConnectionAborted()));
      await closed(socket);
      expect(clock.getDelayedCalls()).toHaveLength(0);
    });

    it('cancels the destroyGrace abort once the connection is lost', () => {
      const clock = new Clock();
      const socket = new WeftSocket({ reactor: clock });
      const transport = new StringTransport();
      socket.protocol.makeConnection(transport);
      socket.on('error', () => undefined);
      socket.destroy(new Error('boom'));
      expect(clock.getDelayedCalls()).toHaveLength(1);
      socket.protocol.connectionLost(new Failure(new ConnectionDone()));
      expect(clock.getDelayedCalls()).toHaveLength(0);
      expect(transport.disconnected).toBe(false);
    });

    it('closes cleanly at destroy(): loseConnection, then close once', async () => {
      const { socket, transport, events } = connected();
      socket.destroy();
      expect(transport.disconnecting).toBe(true);
      expect(transport.disconnected).toBe(false);
      await turn();
      socket.protocol.connectionLost(new Failure(new ConnectionDone()));
      await turn();
      expect(events.filter((e) => e === 'close')).toEqual(['close']);
    });

    it('holds close until connectionLost when the transport reports it later', async () => {
      const socket = new WeftSocket();
      const transport = new StringTransport();
      socket.protocol.makeConnection(transport);
      let closed = false;
      socket.on('close', () => (closed = true));
      socket.destroy();
      await turn();
      expect(transport.disconnecting).toBe(true);
      expect(closed).toBe(false);
      socket.protocol.connectionLost(new Failure(new ConnectionDone()));
      await turn();
      expect(closed).toBe(true);
    });

    it('aborts a connection made after it was destroyed', () => {
      const socket = new WeftSocket();
      socket.destroy();
      const transport = new StringTransport();
      socket.protocol.makeConnection(transport);
      expect(transport.disconnected).toBe(true);
    });

    it('aborts at resetAndDestroy()', async () => {
      const { socket, transport, events } = connected();
      socket.resetAndDestroy();
      expect(transport.disconnected).toBe(true);
      await turn();
      expect(events).toContain('close');
      expect(events).not.toContain('error:ConnectionAborted');
    });

    it('ends then destroys at destroySoon()', async () => {
      const { socket, transport, events } = connected();
      socket.destroySoon();
      await turn();
      expect(transport.writeDisconnected).toBe(true);
      socket.protocol.writeConnectionLost();
      await turn();
      await turn();
      expect(events).toContain('close');
    });
  });

  describe('setTimeout', () => {
    it("emits 'timeout' after the idle period on the given clock, pushed back by activity", () => {
      const clock = new Clock();
      const { socket, events } = connected({ reactor: clock });
      const fired: number[] = [];
      socket.setTimeout(1000, () => fired.push(clock.seconds()));
      expect(socket.timeout).toBe(1000);
      clock.advance(0.5);
      socket.protocol.dataReceived(new Uint8Array([1]));
      clock.advance(0.9);
      expect(fired).toEqual([]);
      clock.advance(0.1);
      expect(fired).toEqual([1.5]);
      expect(events.filter((e) => e === 'timeout')).toHaveLength(1);
      clock.advance(5);
      expect(events.filter((e) => e === 'timeout')).toHaveLength(1);
      socket.protocol.dataReceived(new Uint8Array([2]));
      clock.advance(1);
      expect(events.filter((e) => e === 'timeout')).toHaveLength(2);
    });

    it('is turned off by setTimeout(0), which also removes the given listener', () => {
      const clock = new Clock();
      const { socket, events } = connected({ reactor: clock });
      const listener = (): void => undefined;
      socket.setTimeout(10, listener);
      socket.setTimeout(0, listener);
      expect(socket.listenerCount('timeout')).toBe(1); // the recorder only
      expect(socket.timeout).toBeUndefined();
      clock.advance(100);
      expect(events).not.toContain('timeout');
    });
    it('costs no timer churn when turned off and on again (as an HTTP server does per request), and still fires when due', () => {
      const clock = new Clock();
      const { socket, events } = connected({ reactor: clock });
      socket.setTimeout(5000);
      const [armed] = clock.getDelayedCalls();
      clock.advance(2);
      socket.setTimeout(0);
      clock.advance(1);
      socket.setTimeout(5000); // idle from t=3: due at 8
      expect(clock.getDelayedCalls()).toEqual([armed]);
      clock.advance(4.9);
      expect(events).not.toContain('timeout');
      clock.advance(0.1);
      expect(clock.seconds()).toBe(8);
      expect(events.filter((e) => e === 'timeout')).toHaveLength(1);
    });

    it('re-arms earlier when a shorter period ends before the armed call', () => {
      const clock = new Clock();
      const { socket } = connected({ reactor: clock });
      const fired: number[] = [];
      socket.on('timeout', () => fired.push(clock.seconds()));
      socket.setTimeout(10_000);
      clock.advance(0.5);
      socket.setTimeout(1000);
      expect(clock.getDelayedCalls().map((c) => c.getTime())).toEqual([1.5]);
      clock.advance(1);
      expect(fired).toEqual([1.5]);
    });

    it('drops an armed call that comes after the timer was turned off', () => {
      const clock = new Clock();
      const { socket, events } = connected({ reactor: clock });
      socket.setTimeout(1000);
      socket.setTimeout(0);
      clock.advance(2);
      expect(events).not.toContain('timeout');
      expect(clock.getDelayedCalls()).toEqual([]);
    });

    it('cancels its scheduled call at once when the socket is destroyed', () => {
      const clock = new Clock();
      const { socket } = connected({ reactor: clock });
      socket.setTimeout(1000);
      socket.destroy();
      expect(clock.getDelayedCalls()).toEqual([]);
    });
  });

  describe('writing strings', () => {
    it('sends strings as UTF-8 unless written with another encoding, and counts bytes', async () => {
      const { socket, transport } = connected();
      socket.write('é');
      socket.write('é', 'latin1');
      socket.write(Buffer.from('!'));
      await turn();
      expect([...transport.value()]).toEqual([0xc3, 0xa9, 0xe9, 0x21]);
      expect(socket.bytesWritten).toBe(4);
    });
  });

  describe('net.Socket look-alikes', () => {
    it("emit 'secureConnect' when the transport's TLS handshake completes, after 'connect'", () => {
      const { socket, events } = connected();
      socket.on('secureConnect', () => events.push('secureConnect'));
      socket.protocol.handshakeCompleted();
      expect(events).toEqual(['connect', 'secureConnect']);
    });

    it('report the transport addresses', () => {
      const { socket } = connected();
      expect(socket.remoteAddress).toBe('192.168.1.1');
      expect(socket.remotePort).toBe(54321);
      expect(socket.remoteFamily).toBe('IPv4');
      expect(socket.localAddress).toBe('10.0.0.1');
      expect(socket.localPort).toBe(12345);
      expect(socket.address()).toEqual({ address: '10.0.0.1', family: 'IPv4', port: 12345 });
      expect(socket.encrypted).toBeUndefined();
      expect(socket.alpnProtocol).toBeUndefined();
    });

    it('report IPv6 and UNIX addresses, and none before the connection', () => {
      const socket = new WeftSocket();
      expect(socket.remoteAddress).toBeUndefined();
      expect(socket.address()).toEqual({});
      const v6 = new StringTransport(
        new IPv6Address('TCP', '::1', 80),
        new IPv6Address('TCP', '::1', 4000),
      );
      socket.protocol.makeConnection(v6);
      expect(socket.remoteFamily).toBe('IPv6');
      expect(socket.address()).toEqual({ address: '::1', family: 'IPv6', port: 80 });
      const unix = new WeftSocket();
      unix.protocol.makeConnection(
        new StringTransport(new UNIXAddress('/tmp/s'), new UNIXAddress(null)),
      );
      expect(unix.address()).toEqual({ address: '/tmp/s', family: '', port: 0 });
      expect(unix.remoteAddress).toBeUndefined();
      expect(unix.remoteFamily).toBeUndefined();
    });

    it('pass setNoDelay and setKeepAlive to a TCP transport, and chain', () => {
      const { socket, transport } = connected();
      expect(socket.setNoDelay().setKeepAlive(true, 1000).ref().unref()).toBe(socket);
      expect(transport.getTcpNoDelay()).toBe(true);
      expect(transport.getTcpKeepAlive()).toBe(true);
    });

    it('report TLS facts from the handle of the transport', () => {
      const socket = new WeftSocket();
      const transport = Object.assign(new StringTransport(), {
        getHandle: () => ({ encrypted: true, alpnProtocol: 'h2' }),
      });
      socket.protocol.makeConnection(transport);
      expect(socket.encrypted).toBe(true);
      expect(socket.alpnProtocol).toBe('h2');
    });
  });

  it('is reported aborted (ConnectionAborted) when destroy(err) aborts at once (destroyGrace 0)', async () => {
    const { socket } = connected({ destroyGrace: 0 });
    socket.on('error', () => undefined);
    const lost: Failure[] = [];
    const original = socket.protocol.connectionLost.bind(socket.protocol);
    socket.protocol.connectionLost = (reason) => {
      lost.push(reason);
      original(reason);
    };
    socket.destroy(new Error('x'));
    await turn();
    expect(lost[0]?.value).toBeInstanceOf(ConnectionAborted);
  });
});
