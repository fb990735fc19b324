// AccumulatingProtocol (Twisted's twisted.internet.testing.AccumulatingProtocol).
import { describe, expect, it } from 'vitest';

import { ConnectionDone, Deferred, Factory, Failure, IPv4Address } from '../../src/core/index.js';
import { AccumulatingProtocol, StringTransport, successResultOf } from '../../src/testing/index.js';
import type { AccumulatingProtocolFactory } from '../../src/testing/index.js';

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const peer = new IPv4Address('TCP', '127.0.0.1', 4000);

/** A factory of AccumulatingProtocols that carries a `protocolConnectionMade` Deferred. */
class NotifyingFactory
  extends Factory<AccumulatingProtocol>
  implements AccumulatingProtocolFactory
{
  protocolConnectionMade: Deferred<AccumulatingProtocol> | null = new Deferred();
  override protocol = AccumulatingProtocol;
  override noisy = false;
}

describe('AccumulatingProtocol', () => {
  it('records that makeConnection attached it and called connectionMade', () => {
    const proto = new AccumulatingProtocol();
    const transport = new StringTransport();
    expect(proto.made).toBe(false);
    proto.makeConnection(transport);
    expect(proto.made).toBe(true);
    expect(proto.transport).toBe(transport);
    expect(proto.closed).toBe(false);
  });

  it('accumulates every dataReceived chunk, in order, keeping its own copy', () => {
    const proto = new AccumulatingProtocol();
    proto.makeConnection(new StringTransport());
    const chunk = bytes(1, 2);
    proto.dataReceived(chunk);
    proto.dataReceived(bytes());
    proto.dataReceived(bytes(3));
    chunk[0] = 9;
    expect(proto.data).toEqual(bytes(1, 2, 3));
    proto.dataReceived(new TextEncoder().encode('ok'));
    expect(proto.dataString()).toBe('\u0001\u0002\u0003ok');
  });

  it('lets a test reset data by assigning to it', () => {
    const proto = new AccumulatingProtocol();
    proto.dataReceived(bytes(1));
    proto.data = new Uint8Array(0);
    proto.dataReceived(bytes(2));
    expect(proto.data).toEqual(bytes(2));
  });

  it('records the connectionLost reason and fires closedDeferred once', () => {
    const proto = new AccumulatingProtocol();
    const closed = new Deferred<void>();
    proto.closedDeferred = closed;
    proto.makeConnection(new StringTransport());
    const reason = new Failure(new ConnectionDone());
    proto.connectionLost(reason);
    expect(proto.closed).toBe(true);
    expect(proto.closedReason).toBe(reason);
    expect(proto.closedDeferred).toBeNull();
    successResultOf(closed);
    proto.connectionLost(reason); // no Deferred left to fire twice
  });

  it("fires its factory's protocolConnectionMade with itself, only for the first connection", () => {
    const factory = new NotifyingFactory();
    const made = factory.protocolConnectionMade as Deferred<AccumulatingProtocol>;
    const first = factory.buildProtocol(peer) as AccumulatingProtocol;
    const second = factory.buildProtocol(peer) as AccumulatingProtocol;
    expect(first.factory).toBe(factory);
    first.makeConnection(new StringTransport());
    expect(successResultOf(made)).toBe(first);
    expect(factory.protocolConnectionMade).toBeNull();
    second.makeConnection(new StringTransport());
    expect(second.made).toBe(true);
  });

  it('connects fine when its factory has no protocolConnectionMade', () => {
    const factory = Factory.forProtocol(AccumulatingProtocol);
    factory.noisy = false;
    const proto = factory.buildProtocol(peer) as AccumulatingProtocol;
    proto.makeConnection(new StringTransport());
    expect(proto.made).toBe(true);
  });
});
