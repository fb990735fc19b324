// The ITransport contract over the Node streams adapters, in both directions: Duplex → transport
// (transportFromStream over duplexPair and over net sockets) and transport → Duplex → transport
// (WeftSocket under transportFromStream, over weft TCP).
import { IPv4Address } from '../../../src/core/address.js';
import { ConnectionLost } from '../../../src/core/errors.js';
import { StreamAddress } from '../../../adapters/node/index.js';
import { describeITransport } from '../../support/transport-contract.js';
import {
  duplexBufferedBytes,
  duplexPairs,
  netSocketPairs,
  weftSocketPairs,
} from './contract-pairs.js';

describeITransport('transportFromStream over duplexPair', duplexPairs, {
  addressClass: StreamAddress,
  peerSeesAbortAs: ConnectionLost,
  sendsWritesRightAfterClose: true,
  bufferedBytes: duplexBufferedBytes,
});

describeITransport('transportFromStream over net sockets', netSocketPairs, {
  addressClass: IPv4Address,
  peerSeesAbortAs: ConnectionLost,
  sendsWritesRightAfterClose: true,
  bufferedBytes: duplexBufferedBytes,
});

describeITransport('transportFromStream over WeftSocket over weft TCP', weftSocketPairs, {
  addressClass: IPv4Address,
  peerSeesAbortAs: ConnectionLost,
  sendsWritesRightAfterClose: true,
  bufferedBytes: duplexBufferedBytes,
});
