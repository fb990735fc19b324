// The ITransport contract over real sockets: the Node reactor's TCP transport on 127.0.0.1 and ::1,
// and its UNIX transport. The in-memory FakeTransport runs the same suite in
// test/testing/iosim-contract.test.ts.
import { IPv4Address, IPv6Address, UNIXAddress } from '../../src/core/address.js';
import { ConnectionDone, ConnectionLost } from '../../src/core/errors.js';
import { describeITransport } from '../support/transport-contract.js';
import { socketBufferedBytes, socketPairs } from './contract-pairs.js';

describeITransport('TCP over IPv4 (127.0.0.1)', socketPairs('TCP IPv4'), {
  addressClass: IPv4Address,
  peerSeesAbortAs: ConnectionLost,
  sendsWritesRightAfterClose: true,
  bufferedBytes: socketBufferedBytes,
});

describeITransport('TCP over IPv6 (::1)', socketPairs('TCP IPv6'), {
  addressClass: IPv6Address,
  peerSeesAbortAs: ConnectionLost,
  sendsWritesRightAfterClose: true,
  bufferedBytes: socketBufferedBytes,
});

// A UNIX socket has no reset: an abort reaches the peer as an ordinary close (as in Twisted).
describeITransport('UNIX socket', socketPairs('UNIX'), {
  addressClass: UNIXAddress,
  peerSeesAbortAs: ConnectionDone,
  sendsWritesRightAfterClose: true,
  bufferedBytes: socketBufferedBytes,
});
