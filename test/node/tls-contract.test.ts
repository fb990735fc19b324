// The ITransport contract and the chunking property over TLS (listenSSL/connectSSL on 127.0.0.1,
// and wrapServerTLS/wrapClientTLS over UNIX sockets), as test/node/transport-contract.test.ts runs
// them over TCP and UNIX sockets.
import { IPv4Address, UNIXAddress } from '../../src/core/address.js';
import { ConnectionLost } from '../../src/core/errors.js';
import { describeChunkingProperty } from '../support/chunking-property.js';
import { describeITransport } from '../support/transport-contract.js';
import { socketBufferedBytes } from './contract-pairs.js';
import { tlsPairs, unixTLSPairs } from './tls-pairs.js';

describeITransport('TLS over TCP (127.0.0.1)', tlsPairs(), {
  addressClass: IPv4Address,
  peerSeesAbortAs: ConnectionLost,
  sendsWritesRightAfterClose: true,
  bufferedBytes: socketBufferedBytes,
});

describeChunkingProperty('TLS over TCP (127.0.0.1)', tlsPairs(), {
  numRuns: 15,
  timeLimitMs: 40_000,
  timeoutMs: 60_000,
});

// A UNIX socket has no reset, but an abort still reaches the TLS peer as an unclean close: the
// connection ends without close_notify (a truncation), which is ConnectionLost, not ConnectionDone.
describeITransport('TLS over UNIX', unixTLSPairs(), {
  addressClass: UNIXAddress,
  peerSeesAbortAs: ConnectionLost,
  sendsWritesRightAfterClose: true,
  bufferedBytes: socketBufferedBytes,
});

describeChunkingProperty('TLS over UNIX', unixTLSPairs(), {
  numRuns: 10,
  timeLimitMs: 40_000,
  timeoutMs: 60_000,
});
