// UDP on the Node reactor, over real loopback sockets (127.0.0.1 / ::1, port 0). Every wait is on
// a promise fired by a protocol callback, bounded by vitest's test timeout.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';

import { afterEach, assert, describe, it } from 'vitest';

import { IPv4Address, IPv6Address } from '../../src/core/address.js';
import { DatagramProtocol } from '../../src/core/datagram-protocol.js';
import {
  CannotListenError,
  InvalidAddressError,
  InvalidStateError,
  MessageLengthError,
} from '../../src/core/errors.js';
import type { Failure } from '../../src/core/failure.js';
import type {
  DatagramAddress,
  IMulticastTransport,
  IUDPTransport,
} from '../../src/core/interfaces/index.js';
import { DatagramError, MulticastJoinError } from '../../src/core/udp-errors.js';
import { datagramErrorFrom, DEFAULT_MAX_PACKET_SIZE, UDPPort } from '../../src/node/index.js';
import { LogCapture } from '../../src/testing/log-capture.js';
import { freshReactor, later, nextTurn, shutDown, type Later } from './socket-helpers.js';

const text = new TextDecoder();

/** Records everything that happens to it; `next()` resolves with the next datagram. */
class Recorder<T extends IUDPTransport = IUDPTransport> extends DatagramProtocol<T> {
  override noisy = false;
  readonly datagrams: [string, DatagramAddress][] = [];
  readonly events: string[] = [];
  readonly failures: [Failure, DatagramAddress | null][] = [];
  #waiting: Later<[string, DatagramAddress]> | null = null;
  #refused: Later<undefined> | null = null;
  #failed: Later<Failure> | null = null;
  sizes: number[] = [];

  override startProtocol(): void {
    this.events.push('startProtocol');
  }

  override stopProtocol(): void {
    this.events.push('stopProtocol');
  }

  override datagramReceived(data: Uint8Array, addr: DatagramAddress): void {
    const entry: [string, DatagramAddress] = [text.decode(data), addr];
    this.sizes.push(data.length);
    this.datagrams.push(entry);
    const w = this.#waiting;
    this.#waiting = null;
    w?.resolve(entry);
  }

  override connectionRefused(): void {
    this.events.push('connectionRefused');
    this.#refused?.resolve(undefined);
  }

  override writeFailed(reason: Failure, addr: DatagramAddress | null): void {
    this.failures.push([reason, addr]);
    this.#failed?.resolve(reason);
  }

  next(): Promise<[string, DatagramAddress]> {
    this.#waiting = later();
    return this.#waiting.promise;
  }

  refused(): Promise<undefined> {
    this.#refused ??= later();
    return this.#refused.promise;
  }

  failed(): Promise<Failure> {
    this.#failed = later();
    return this.#failed.promise;
  }
}
class MulticastRecorder extends Recorder<IMulticastTransport> {}

let logs: LogCapture | null = null;
afterEach(() => {
  logs?.stop();
  logs = null;
});

async function listen(
  iface = '127.0.0.1',
): Promise<{ port: UDPPort; proto: Recorder; addr: DatagramAddress }> {
  const reactor = freshReactor();
  const proto = new Recorder();
  const port = await reactor.listenUDP(0, proto, { interface: iface });
  return { port, proto, addr: [iface, port.getHost().port] };
}

/** A UDP port number on `host` that nothing is bound to (it was free a moment ago). */
async function closedPort(host = '127.0.0.1'): Promise<number> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  socket.bind(0, host);
  await once(socket, 'listening');
  const { port } = socket.address();
  socket.close();
  await once(socket, 'close');
  return port;
}

describe('NodeReactor.listenUDP', () => {
  it('binds, calls makeConnection then startProtocol before the Deferred fires, and reports the address', async () => {
    const { port, proto } = await listen();
    assert.deepEqual(proto.events, ['startProtocol']);
    assert.strictEqual(proto.transport, port);
    assert.equal(proto.numPorts, 1);
    const host = port.getHost();
    assert.instanceOf(host, IPv4Address);
    assert.equal(host.type, 'UDP');
    assert.equal(host.host, '127.0.0.1');
    assert.isAbove(host.port, 0);
    assert.equal(port.maxPacketSize, DEFAULT_MAX_PACKET_SIZE);
    await port.stopListening();
  });

  it('sends and receives datagrams both ways on 127.0.0.1, with the sender address', async () => {
    const a = await listen();
    const b = await listen();
    const atB = b.proto.next();
    a.port.write('hello', b.addr);
    assert.deepEqual(await atB, ['hello', a.addr]);
    const atA = a.proto.next();
    b.port.write(new TextEncoder().encode('back'), a.addr);
    assert.deepEqual(await atA, ['back', b.addr]);
    await Promise.all([a.port.stopListening(), b.port.stopListening()]);
  });

  it('makes an IPv6 port for an IPv6 interface and exchanges datagrams on ::1', async () => {
    const a = await listen('::1');
    const b = await listen('::1');
    assert.instanceOf(a.port.getHost(), IPv6Address);
    assert.equal(a.port.getHost().host, '::1');
    const atB = b.proto.next();
    a.port.write('over v6', b.addr);
    assert.deepEqual(await atB, ['over v6', a.addr]);
    await Promise.all([a.port.stopListening(), b.port.stopListening()]);
  });

  it('binds every IPv4 interface when no interface is given', async () => {
    const reactor = freshReactor();
    const port = await reactor.listenUDP(0, new Recorder());
    assert.equal(port.getHost().host, '0.0.0.0');
    await port.stopListening();
  });

  it('fails with CannotListenError carrying EADDRINUSE when the port is taken', async () => {
    const { port } = await listen();
    const reactor = freshReactor();
    const proto = new Recorder();
    const d = reactor.listenUDP(port.getHost().port, proto, { interface: '127.0.0.1' });
    const error: unknown = await d.asPromise().catch((e: unknown) => e);
    assert.instanceOf(error, CannotListenError);
    assert.equal(error.code, 'EADDRINUSE');
    assert.deepEqual(proto.events, []);
    await port.stopListening();
  });

  it('fails with CannotListenError for a port number out of range', async () => {
    const reactor = freshReactor();
    const error: unknown = await reactor
      .listenUDP(70000, new Recorder(), { interface: '127.0.0.1' })
      .asPromise()
      .catch((e: unknown) => e);
    assert.instanceOf(error, CannotListenError);
    assert.equal(error.code, 'ERR_SOCKET_BAD_PORT');
  });

  it('fails with InvalidAddressError for an interface that is not an IP literal', async () => {
    const reactor = freshReactor();
    const error: unknown = await reactor
      .listenUDP(0, new Recorder(), { interface: 'localhost' })
      .asPromise()
      .catch((e: unknown) => e);
    assert.instanceOf(error, InvalidAddressError);
  });

  it('fails with what makeConnection threw, leaving nothing bound', async () => {
    class Broken extends Recorder {
      override startProtocol(): void {
        throw new RangeError('no start');
      }
    }
    const reactor = freshReactor();
    const error: unknown = await reactor
      .listenUDP(0, new Broken(), { interface: '127.0.0.1' })
      .asPromise()
      .catch((e: unknown) => e);
    assert.instanceOf(error, RangeError);
  });

  it('truncates datagrams longer than maxPacketSize to it, as recvfrom does', async () => {
    const reactor = freshReactor();
    const proto = new Recorder();
    const port = await reactor.listenUDP(0, proto, { interface: '127.0.0.1', maxPacketSize: 16 });
    const a = await listen();
    const got = proto.next();
    a.port.write('x'.repeat(1000), ['127.0.0.1', port.getHost().port]);
    assert.deepEqual(await got, ['x'.repeat(16), a.addr]);
    await Promise.all([port.stopListening(), a.port.stopListening()]);
  });

  it('logs an exception thrown by datagramReceived and keeps delivering', async () => {
    logs = new LogCapture();
    class Throws extends Recorder {
      override datagramReceived(data: Uint8Array, addr: DatagramAddress): void {
        super.datagramReceived(data, addr);
        if (text.decode(data) === 'boom') throw new RangeError('bad datagram');
      }
    }
    const reactor = freshReactor();
    const proto = new Throws();
    const port = await reactor.listenUDP(0, proto, { interface: '127.0.0.1' });
    const a = await listen();
    const to: DatagramAddress = ['127.0.0.1', port.getHost().port];
    let got = proto.next();
    a.port.write('boom', to);
    await got;
    got = proto.next();
    a.port.write('after', to);
    assert.deepEqual((await got)[0], 'after');
    assert.isTrue(logs.failures.some((f) => f.value instanceof RangeError));
    await Promise.all([port.stopListening(), a.port.stopListening()]);
  });
});

describe('UDPPort', () => {
  describe('write', () => {
    it('throws InvalidAddressError without an address on an unconnected port', async () => {
      const { port } = await listen();
      assert.throws(() => {
        port.write('x');
      }, InvalidAddressError);
      await port.stopListening();
    });

    it('throws InvalidAddressError for a host name or the wrong address family', async () => {
      const v4 = await listen();
      const v6 = await listen('::1');
      assert.throws(() => {
        v4.port.write('x', ['localhost', 9]);
      }, InvalidAddressError);
      assert.throws(() => {
        v4.port.write('x', ['::1', 9]);
      }, InvalidAddressError);
      assert.throws(() => {
        v6.port.write('x', ['127.0.0.1', 9]);
      }, InvalidAddressError);
      await Promise.all([v4.port.stopListening(), v6.port.stopListening()]);
    });

    it('reports EMSGSIZE for a datagram over 65507 bytes as MessageLengthError, and the port keeps working', async () => {
      const a = await listen();
      const b = await listen();
      const failed = a.proto.failed();
      a.port.write(new Uint8Array(65508), b.addr);
      const reason = await failed;
      assert.instanceOf(reason.value, MessageLengthError);
      assert.equal(reason.value.code, 'EMSGSIZE');
      assert.deepEqual(a.proto.failures[0]?.[1], b.addr);
      const got = b.proto.next();
      a.port.write('still open', b.addr);
      assert.deepEqual(await got, ['still open', a.addr]);
      await Promise.all([a.port.stopListening(), b.port.stopListening()]);
    });

    it('delivers the largest IPv4 datagram, 65507 bytes, whole with a large maxPacketSize', async () => {
      const reactor = freshReactor();
      const proto = new Recorder();
      const port = await reactor.listenUDP(0, proto, {
        interface: '127.0.0.1',
        maxPacketSize: 65536,
      });
      const a = await listen();
      const got = proto.next();
      a.port.write(new Uint8Array(65507), ['127.0.0.1', port.getHost().port]);
      await got;
      assert.deepEqual(proto.sizes, [65507]);
      await Promise.all([port.stopListening(), a.port.stopListening()]);
    });

    it('logs a failed send with the default writeFailed', async () => {
      logs = new LogCapture();
      const reactor = freshReactor();
      const proto = new DatagramProtocol();
      proto.noisy = false;
      const port = await reactor.listenUDP(0, proto, { interface: '127.0.0.1' });
      port.write(new Uint8Array(70000), ['127.0.0.1', 9]);
      for (let i = 0; i < 100 && logs.failures.length === 0; i++) await nextTurn();
      assert.instanceOf(logs.failures[0]?.value, MessageLengthError);
      await port.stopListening();
    });
  });

  describe('setBroadcastAllowed', () => {
    it('is off by default: a broadcast fails with DatagramError EACCES until allowed', async () => {
      const { port, proto } = await listen('0.0.0.0');
      assert.isFalse(port.getBroadcastAllowed());
      const failed = proto.failed();
      port.write('to all', ['<broadcast>', 9]);
      const reason = await failed;
      assert.instanceOf(reason.value, DatagramError);
      assert.equal(reason.value.code, 'EACCES');
      port.setBroadcastAllowed(true);
      assert.isTrue(port.getBroadcastAllowed());
      port.setBroadcastAllowed(false);
      assert.isFalse(port.getBroadcastAllowed());
      await port.stopListening();
    });

    it('throws DatagramError once the port is closed', async () => {
      const { port } = await listen();
      await port.stopListening();
      assert.throws(() => {
        port.setBroadcastAllowed(true);
      }, DatagramError);
    });
  });

  describe('connect', () => {
    it('sends to and receives from the connected peer only, without addresses', async () => {
      const a = await listen();
      const b = await listen();
      const c = await listen();
      a.port.connect('127.0.0.1', b.addr[1]);
      a.port.write('first'); // before libuv has connected: held, then sent in order
      a.port.write('second', b.addr);
      const atB = b.proto.next();
      assert.deepEqual(await atB, ['first', a.addr]);
      for (let i = 0; i < 100 && b.proto.datagrams.length < 2; i++) await nextTurn();
      assert.deepEqual(b.proto.datagrams[1], ['second', a.addr]);
      // c's datagram is filtered by the kernel; b's reply arrives.
      c.port.write('stranger', a.addr);
      const atA = a.proto.next();
      b.port.write('reply', a.addr);
      assert.deepEqual(await atA, ['reply', b.addr]);
      assert.deepEqual(
        a.proto.datagrams.map(([d]) => d),
        ['reply'],
      );
      assert.throws(() => {
        a.port.write('x', c.addr);
      }, InvalidAddressError);
      await Promise.all([a.port.stopListening(), b.port.stopListening(), c.port.stopListening()]);
    });

    it('calls connectionRefused when nothing listens on the peer port, and the port stays open', async () => {
      const a = await listen();
      const dead = await closedPort();
      a.port.connect('127.0.0.1', dead);
      const refused = a.proto.refused();
      a.port.write('anyone?');
      a.port.write('anyone there?');
      await refused;
      assert.include(a.proto.events, 'connectionRefused');
      a.port.write('still writable');
      await a.port.stopListening();
      assert.deepEqual(a.proto.events.at(-1), 'stopProtocol');
    });

    it('refuses a second connect with InvalidStateError and a host name with InvalidAddressError', async () => {
      const a = await listen();
      assert.throws(() => {
        a.port.connect('localhost', 9);
      }, InvalidAddressError);
      a.port.connect('127.0.0.1', 9);
      assert.throws(() => {
        a.port.connect('127.0.0.1', 10);
      }, InvalidStateError);
      await a.port.stopListening();
      const b = await listen();
      await b.port.stopListening();
      assert.throws(() => {
        b.port.connect('127.0.0.1', 9);
      }, InvalidStateError);
    });
  });

  describe('stopListening', () => {
    it('closes the socket, calls stopProtocol, drops the transport, and is idempotent', async () => {
      const { port, proto } = await listen();
      const first = port.stopListening();
      const second = port.loseConnection();
      await Promise.all([first, second]);
      assert.deepEqual(proto.events, ['startProtocol', 'stopProtocol']);
      assert.isNull(proto.transport);
      assert.equal(proto.numPorts, 0);
      await port.stopListening();
      port.write('dropped', ['127.0.0.1', 9]); // after closing: ignored
      // The port number is free again.
      const reactor = freshReactor();
      const again = await reactor.listenUDP(port.getHost().port, new Recorder(), {
        interface: '127.0.0.1',
      });
      await again.stopListening();
    });

    it('supports await using', async () => {
      const proto = new Recorder();
      {
        await using port = await freshReactor().listenUDP(0, proto, { interface: '127.0.0.1' });
        assert.isAbove(port.getHost().port, 0);
      }
      assert.deepEqual(proto.events, ['startProtocol', 'stopProtocol']);
    });

    it('closes at reactor shutdown, calling stopProtocol', async () => {
      const reactor = freshReactor();
      const proto = new Recorder();
      await reactor.listenUDP(0, proto, { interface: '127.0.0.1' });
      await shutDown(reactor);
      assert.deepEqual(proto.events, ['startProtocol', 'stopProtocol']);
    });
  });
});

describe('UDPPort.getHandle', () => {
  it('gives the dgram socket; an error Node reports after binding is logged and the port stays open', async () => {
    logs = new LogCapture();
    const { port, proto } = await listen();
    const b = await listen();
    port.getHandle().emit('error', Object.assign(new Error('odd'), { code: 'EODD' }));
    assert.equal(logs.failures[0]?.getErrorMessage(), 'odd');
    const got = proto.next();
    b.port.write('after', ['127.0.0.1', port.getHost().port]);
    assert.deepEqual((await got)[0], 'after');
    await Promise.all([port.stopListening(), b.port.stopListening()]);
  });
});

describe('NodeReactor.listenMulticast', () => {
  const GROUP = '239.255.42.99';

  it('joins a group on 127.0.0.1 with loopback on, and receives what it sends to the group', async () => {
    const reactor = freshReactor();
    const proto = new MulticastRecorder();
    const port = await reactor.listenMulticast(0, proto, { listenMultiple: true });
    assert.isTrue(port.getLoopbackMode());
    assert.equal(port.getTTL(), 1);
    assert.equal(port.getOutgoingInterface(), '');
    port.setLoopbackMode(true);
    port.setTTL(2);
    assert.equal(port.getTTL(), 2);
    await port.setOutgoingInterface('127.0.0.1');
    assert.equal(port.getOutgoingInterface(), '127.0.0.1');
    const joined = await port
      .joinGroup(GROUP, '127.0.0.1')
      .asPromise()
      .then(
        () => null,
        (e: unknown) => e,
      );
    if (joined !== null) {
      // A kernel without multicast on loopback refuses the join: that must be the typed error.
      assert.instanceOf(joined, MulticastJoinError);
      await port.stopListening();
      return;
    }
    const got = proto.next();
    port.write('to the group', [GROUP, port.getHost().port]);
    const [data, from] = await got;
    assert.equal(data, 'to the group');
    assert.equal(from[1], port.getHost().port);
    await port.leaveGroup(GROUP, '127.0.0.1');
    port.setLoopbackMode(false);
    assert.isFalse(port.getLoopbackMode());
    await port.stopListening();
  });

  it('lets two ports bind the same port with listenMultiple', async () => {
    const reactor = freshReactor();
    const first = await reactor.listenMulticast(0, new MulticastRecorder(), {
      listenMultiple: true,
    });
    const second = await reactor.listenMulticast(first.getHost().port, new MulticastRecorder(), {
      listenMultiple: true,
    });
    assert.equal(second.getHost().port, first.getHost().port);
    await Promise.all([first.stopListening(), second.stopListening()]);
  });

  it('fails joinGroup with MulticastJoinError carrying the code for an address that is not a group', async () => {
    const reactor = freshReactor();
    const port = await reactor.listenMulticast(0, new MulticastRecorder());
    const error: unknown = await port
      .joinGroup('127.0.0.1')
      .asPromise()
      .catch((e: unknown) => e);
    assert.instanceOf(error, MulticastJoinError);
    assert.equal(error.group, '127.0.0.1');
    assert.isString(error.code);
    const left: unknown = await port
      .leaveGroup(GROUP)
      .asPromise()
      .catch((e: unknown) => e);
    assert.instanceOf(left, MulticastJoinError);
    await port.stopListening();
  });

  it('fails setOutgoingInterface with DatagramError for an address of no interface', async () => {
    const reactor = freshReactor();
    const port = await reactor.listenMulticast(0, new MulticastRecorder());
    const error: unknown = await port
      .setOutgoingInterface('192.0.2.1')
      .asPromise()
      .catch((e: unknown) => e);
    assert.instanceOf(error, DatagramError);
    assert.equal(port.getOutgoingInterface(), '');
    await port.stopListening();
  });
});

describe('datagramErrorFrom', () => {
  it('maps EMSGSIZE to MessageLengthError and other codes to DatagramError, keeping code and cause', () => {
    const big = Object.assign(new Error('send EMSGSIZE'), { code: 'EMSGSIZE' });
    const e1 = datagramErrorFrom(big);
    assert.instanceOf(e1, MessageLengthError);
    assert.strictEqual(e1.cause, big);
    const e2 = datagramErrorFrom('odd');
    assert.instanceOf(e2, DatagramError);
    assert.isUndefined(e2.code);
  });
});
