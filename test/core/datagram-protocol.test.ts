// DatagramProtocol's own logic, without sockets: port counting, start/stop hooks, default logging.
import { afterEach, assert, describe, it } from 'vitest';

import { DatagramProtocol } from '../../src/core/datagram-protocol.js';
import { Failure } from '../../src/core/failure.js';
import { Deferred } from '../../src/core/defer.js';
import { IPv4Address } from '../../src/core/address.js';
import type { DatagramAddress, IUDPTransport } from '../../src/core/interfaces/index.js';
import { DatagramError, MulticastJoinError } from '../../src/core/udp-errors.js';
import { LogCapture } from '../../src/testing/log-capture.js';

/** The least a port offers: records what is written. */
class FakeUDPPort implements IUDPTransport {
  readonly written: [string, DatagramAddress | undefined][] = [];
  write(data: Uint8Array | string, addr?: DatagramAddress): void {
    this.written.push([typeof data === 'string' ? data : new TextDecoder().decode(data), addr]);
  }
  connect(): void {
    // Not used here.
  }
  stopListening(): Deferred<void> {
    return new Deferred<void>();
  }
  loseConnection(): Deferred<void> {
    return this.stopListening();
  }
  getHost(): IPv4Address {
    return new IPv4Address('UDP', '127.0.0.1', 5353);
  }
  setBroadcastAllowed(): void {
    // Not used here.
  }
  getBroadcastAllowed(): boolean {
    return false;
  }
  async [Symbol.asyncDispose](): Promise<void> {
    // Nothing to close.
  }
}

class Counting extends DatagramProtocol {
  readonly calls: string[] = [];
  override startProtocol(): void {
    this.calls.push('start');
  }
  override stopProtocol(): void {
    this.calls.push('stop');
  }
  override datagramReceived(data: Uint8Array, addr: DatagramAddress): void {
    this.transport?.write(data, addr);
  }
}

let logs: LogCapture;
afterEach(() => {
  logs.stop();
});

describe('DatagramProtocol', () => {
  it('starts on the first port and stops after the last, counting ports in numPorts', () => {
    logs = new LogCapture();
    const proto = new Counting();
    const a = new FakeUDPPort();
    proto.makeConnection(a);
    assert.strictEqual(proto.transport, a);
    proto.makeConnection(new FakeUDPPort());
    assert.equal(proto.numPorts, 2);
    assert.deepEqual(proto.calls, ['start']);
    proto.doStop();
    assert.deepEqual(proto.calls, ['start']);
    proto.doStop();
    assert.deepEqual(proto.calls, ['start', 'stop']);
    assert.isNull(proto.transport);
    proto.doStop(); // extra: ignored
    assert.equal(proto.numPorts, 0);
    assert.deepEqual(logs.messages, ['Starting protocol Counting', 'Stopping protocol Counting']);
  });

  it('logs nothing when not noisy', () => {
    logs = new LogCapture();
    const proto = new Counting();
    proto.noisy = false;
    proto.makeConnection(new FakeUDPPort());
    proto.doStop();
    assert.deepEqual(logs.messages, []);
  });

  it('answers a datagram through its transport', () => {
    logs = new LogCapture();
    const proto = new Counting();
    const port = new FakeUDPPort();
    proto.makeConnection(port);
    proto.datagramReceived(new TextEncoder().encode('ping'), ['10.0.0.1', 53]);
    assert.deepEqual(port.written, [['ping', ['10.0.0.1', 53]]]);
  });

  it('does nothing by default for datagrams and refusals, and logs failed writes at warn', () => {
    logs = new LogCapture();
    const proto = new DatagramProtocol();
    proto.noisy = false;
    proto.datagramReceived(new Uint8Array(1), ['10.0.0.1', 53]);
    proto.connectionRefused();
    proto.startProtocol();
    proto.stopProtocol();
    const reason = new Failure(new DatagramError('no route', { code: 'ENETUNREACH' }));
    proto.writeFailed(reason, ['10.0.0.1', 53]);
    proto.writeFailed(reason, null);
    assert.deepEqual(logs.messages, [
      'DatagramProtocol could not send a datagram to 10.0.0.1:53',
      'DatagramProtocol could not send a datagram to the connected peer',
    ]);
    assert.strictEqual(logs.failures[0], reason);
    assert.equal(logs.events[0]?.log_level, 'warn');
  });
});

describe('MulticastJoinError', () => {
  it('names the group and interface, and the cause when there is one', () => {
    const plain = new MulticastJoinError('239.1.2.3', '');
    assert.equal(plain.message, "Couldn't join multicast group 239.1.2.3 on any");
    const cause = Object.assign(new Error('No such device'), { code: 'ENODEV' });
    const e = new MulticastJoinError('239.1.2.3', '10.0.0.1', { code: 'ENODEV', cause });
    assert.equal(e.message, "Couldn't join multicast group 239.1.2.3 on 10.0.0.1: No such device");
    assert.equal(e.code, 'ENODEV');
    assert.equal(e.interface, '10.0.0.1');
    assert.equal(e.name, 'MulticastJoinError');
  });
});
