// LimitConnectionsByPeer (Twisted's test_policies.py LimitConnectionsByPeer tests), with the
// count going down when connections go (Twisted 22.4 looks the peer up wrongly there).
import { describe, expect, it } from 'vitest';

import { Factory, IPv4Address, IPv6Address, UNIXAddress } from '../../../src/core/index.js';
import type { IAddress } from '../../../src/core/index.js';
import {
  ConnectionLimitError,
  LimitConnectionsByPeer,
  PeerConnectionLimitError,
  ProtocolWrapper,
} from '../../../src/protocols/policies/index.js';
import {
  AccumulatingProtocol,
  LogCapture,
  StringTransportWithDisconnection,
} from '../../../src/testing/index.js';

const peer = (host: string, port: number): IPv4Address => new IPv4Address('TCP', host, port);

function limited(max?: number): {
  factory: LimitConnectionsByPeer;
  connect: (addr: IAddress) => StringTransportWithDisconnection<IAddress> | null;
} {
  const factory = new LimitConnectionsByPeer(
    Factory.forProtocol(AccumulatingProtocol),
    max === undefined ? {} : { maxConnectionsPerPeer: max },
  );
  return {
    factory,
    connect: (addr) => {
      const wrapper = factory.buildProtocol(addr);
      if (wrapper === null) return null;
      const transport = new StringTransportWithDisconnection(undefined, addr);
      transport.protocol = wrapper;
      wrapper.makeConnection(transport);
      return transport;
    },
  };
}

describe('LimitConnectionsByPeer', () => {
  it('allows 5 connections per peer host by default, as Twisted', () => {
    using logs = new LogCapture();
    const { factory, connect } = limited();
    expect(factory.maxConnectionsPerPeer).toBe(5);
    for (let i = 0; i < 5; i++) expect(connect(peer('10.0.0.1', 1000 + i))).not.toBeNull();
    expect(connect(peer('10.0.0.1', 2000))).toBeNull();
    expect(logs.messages.some((m) => m.includes('Peer 10.0.0.1 already has 5 connections'))).toBe(
      true,
    );
    expect(factory.peerConnections.get('10.0.0.1')).toBe(5);
  });

  it('counts each peer host separately, whatever its ports', () => {
    const { factory, connect } = limited(1);
    expect(connect(peer('10.0.0.1', 1))).not.toBeNull();
    expect(connect(peer('10.0.0.1', 2))).toBeNull();
    expect(connect(peer('10.0.0.2', 1))).not.toBeNull();
    expect(connect(new IPv6Address('TCP', '::1', 1))).not.toBeNull();
    expect(connect(new IPv6Address('TCP', '::1', 2))).toBeNull();
    expect([...factory.peerConnections.keys()]).toEqual(['10.0.0.1', '10.0.0.2', '::1']);
  });

  it('accepts a peer again once one of its connections is lost', () => {
    const { factory, connect } = limited(2);
    const first = connect(peer('10.0.0.1', 1));
    connect(peer('10.0.0.1', 2));
    expect(connect(peer('10.0.0.1', 3))).toBeNull();
    first?.loseConnection();
    expect(factory.peerConnections.get('10.0.0.1')).toBe(1);
    expect(connect(peer('10.0.0.1', 3))).not.toBeNull();
  });

  it('forgets a peer whose connections are all gone', () => {
    const { factory, connect } = limited(2);
    connect(peer('10.0.0.1', 1))?.loseConnection();
    expect(factory.peerConnections.size).toBe(0);
    expect(factory.protocols.size).toBe(0);
  });

  it('counts addresses without a host by their string form', () => {
    const { factory, connect } = limited(1);
    expect(connect(new UNIXAddress(null))).not.toBeNull();
    expect(connect(new UNIXAddress(null))).toBeNull();
    expect(factory.peerKey(new UNIXAddress('/tmp/s'))).toBe(new UNIXAddress('/tmp/s').toString());
  });

  it('hands a PeerConnectionLimitError to limitReached', () => {
    const { factory, connect } = limited(0);
    const errors: PeerConnectionLimitError[] = [];
    factory.limitReached = (_addr, error) => {
      errors.push(error);
    };
    const addr = peer('10.0.0.9', 9);
    expect(connect(addr)).toBeNull();
    const error = errors[0];
    expect(error).toBeInstanceOf(PeerConnectionLimitError);
    expect(error).toBeInstanceOf(ConnectionLimitError);
    expect(error?.name).toBe('PeerConnectionLimitError');
    expect(error?.peerKey).toBe('10.0.0.9');
    expect(error?.limit).toBe(0);
    expect(error?.peer).toBe(addr);
  });

  it('neither counts nor wraps a connection the wrapped factory refuses', () => {
    const { factory, connect } = limited(1);
    factory.wrappedFactory.buildProtocol = () => null;
    expect(connect(peer('10.0.0.1', 1))).toBeNull();
    expect(factory.peerConnections.size).toBe(0);
  });

  it('ignores a wrapper it did not count', () => {
    const { factory } = limited(1);
    factory.unregisterProtocol(new ProtocolWrapper(factory, new AccumulatingProtocol()));
    expect(factory.peerConnections.size).toBe(0);
  });

  it('rejects a negative limit', () => {
    expect(() => new LimitConnectionsByPeer(new Factory(), { maxConnectionsPerPeer: -1 })).toThrow(
      RangeError,
    );
  });
});
