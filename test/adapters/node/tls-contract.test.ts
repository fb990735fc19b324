// The ITransport contract over the Node adapters and TLS (issue 8): transportFromStream over native
// TLS sockets, a native tls.Server adopted by adoptServer (dialled by weft's connectSSL), and
// WeftSocket over weft TLS under transportFromStream. TLS runs with the same options as weft's own
// TLS transports (test/node/tls-contract.test.ts): an abort is a TCP reset under the TLS layer.
import { IPv4Address } from '../../../src/core/address.js';
import { ConnectionLost } from '../../../src/core/errors.js';
import { describeITransport } from '../../support/transport-contract.js';
import {
  adoptedTLSServerPairs,
  tlsBufferedBytes,
  tlsSocketPairs,
  weftSocketTLSPairs,
} from './tls-contract-pairs.js';

describeITransport('transportFromStream over native TLS sockets', tlsSocketPairs, {
  addressClass: IPv4Address,
  peerSeesAbortAs: ConnectionLost,
  sendsWritesRightAfterClose: true,
  bufferedBytes: tlsBufferedBytes,
});

describeITransport('adoptServer(tls.Server) dialled by connectSSL', adoptedTLSServerPairs, {
  addressClass: IPv4Address,
  peerSeesAbortAs: ConnectionLost,
  sendsWritesRightAfterClose: true,
  bufferedBytes: tlsBufferedBytes,
});

describeITransport('transportFromStream over WeftSocket over weft TLS', weftSocketTLSPairs, {
  addressClass: IPv4Address,
  peerSeesAbortAs: ConnectionLost,
  sendsWritesRightAfterClose: true,
  bufferedBytes: tlsBufferedBytes,
});
