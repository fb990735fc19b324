/**
 * `weft/adapters/node`: Node streams and servers ⇄ weft transports and
 * protocols, with backpressure both ways.
 *
 * - Node → weft: {@link transportFromStream} (any `Duplex` as a transport),
 *   {@link adoptServer} (an existing `net`/`tls` server's connections),
 *   {@link upgradeHandler} (HTTP upgrades), {@link sendReadable} (a
 *   `Readable` as a push producer), {@link consumerFromWritable} (a
 *   `Writable` as a consumer).
 * - weft → Node: {@link WeftSocket} (a connection as a `Duplex` that passes
 *   for a `net.Socket`), {@link NodeServerFactory} (host `http`, Express,
 *   Koa, Fastify, `ws`, `http2` on weft ports or in memory),
 *   {@link weftConnector} (weft connections as the sockets of
 *   `http.request`, `http2.connect`, `ws`), {@link weftUndiciConnect}
 *   (as the sockets of undici's agents and `fetch`).
 *
 * @module
 */
export { adoptServer, upgradeHandler } from './adopt-server.js';
export type { AdoptedServer, AdoptOptions, UpgradeOptions } from './adopt-server.js';
export { weftConnector } from './create-connection.js';
export type { ConnectionTarget, WeftConnectorOptions } from './create-connection.js';
export { DuplexTransport, StreamAddress, transportFromStream } from './duplex-transport.js';
export type { TransportFromStreamOptions } from './duplex-transport.js';
export { ConsumerStoppedError } from './errors.js';
export { NodeServerFactory } from './host-server.js';
export type { HostedCloseOptions, NodeServerFactoryOptions } from './host-server.js';
export { ReadableProducer, sendReadable } from './readable-producer.js';
export { weftUndiciConnect } from './undici-connect.js';
export type {
  UndiciConnectCallback,
  UndiciConnectOptions,
  WeftUndiciConnectOptions,
} from './undici-connect.js';
export { consumerFromWritable, WritableConsumer } from './writable-consumer.js';
export { WeftSocket } from './weft-socket.js';
export type { SocketAddressInfo, WeftSocketOptions } from './weft-socket.js';
