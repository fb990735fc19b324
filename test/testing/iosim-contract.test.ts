// The ITransport contract and the chunking property, run over in-memory FakeTransport pairs driven
// by an IOPump. The real-socket transports run the same suite in test/node/transport-contract.test.ts.
import { expectTypeOf } from 'vitest';

import { IPv4Address } from '../../src/core/address.js';
import { ConnectionLost } from '../../src/core/errors.js';
import type { IStreamTransport } from '../../src/core/interfaces/index.js';
import { connectedServerAndClient, FakeTransport } from '../../src/testing/iosim.js';
import { describeChunkingProperty } from '../support/chunking-property.js';
import { describeITransport } from '../support/transport-contract.js';
import { pumpedPair } from '../support/transport-pairs.js';
import type { MakePair } from '../support/transport-pairs.js';

// Compile-time conformance: a FakeTransport is a full stream transport.
expectTypeOf<FakeTransport>().toExtend<IStreamTransport>();

const makePair: MakePair = (Server, Client) => {
  const { server, client, pump } = connectedServerAndClient(Server, Client);
  return Promise.resolve(pumpedPair(server, client, pump));
};

function bufferedBytes(transport: IStreamTransport): number {
  if (!(transport instanceof FakeTransport)) throw new TypeError('not a FakeTransport');
  return transport.stream.reduce((sum, chunk) => sum + chunk.byteLength, 0);
}

describeITransport('FakeTransport over IOPump', makePair, {
  addressClass: IPv4Address,
  peerSeesAbortAs: ConnectionLost,
  sendsWritesRightAfterClose: false,
  bufferedBytes,
});

describeChunkingProperty('FakeTransport over IOPump', makePair, { numRuns: 100 });
