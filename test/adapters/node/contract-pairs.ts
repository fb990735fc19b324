// Connected pairs of the transport contract's protocols over the Node streams adapters:
// transportFromStream over stream.duplexPair() and over a plain net socket pair, and the chain
// weft TCP transport → WeftSocket → transportFromStream (so WeftSocket is checked by the contract
// too, from both ends).
import type { AddressInfo, NetConnectOpts, Server, ServerOpts, Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { duplexPair } from 'node:stream';

import { DuplexTransport, transportFromStream, WeftSocket } from '../../../adapters/node/index.js';
import type { IPv4Address, IPv6Address } from '../../../src/core/address.js';
import type { IStreamTransport } from '../../../src/core/interfaces/index.js';
import { ClientFactory, Factory } from '../../../src/core/protocol.js';
import { StreamTransport } from '../../../src/node/index.js';
import { NodeReactor } from '../../../src/node/reactor.js';
import type { MakePair, TransportPair } from '../../support/transport-pairs.js';
import { eventDrivenPair, waitForPoke } from '../../support/transport-pairs.js';
import type { Peer } from '../../support/transport-peers.js';
import { poke } from '../../support/transport-peers.js';

/** The contract's high-water mark (Twisted's bufferSize), given to every stream made here. */
export const HWM = 64 * 1024;

function codeError(code: string): Error {
  return Object.assign(new Error(`${code} (simulated)`), { code });
}

/**
 * Makes one end of a duplexPair behave like a socket: `duplexPair` itself does not tell one side
 * that the other was destroyed, and finishes a side only once the other side has read its end.
 * Here, as with TCP: ending a side is done once the end is handed over (FIN sent); a side
 * destroyed with an error resets the other (ECONNRESET), one destroyed cleanly ends it (FIN);
 * writing to a gone peer fails with EPIPE.
 */
function wireLikeSockets(side: Duplex, other: Duplex): void {
  const write = side._write.bind(side);
  side._write = (chunk, encoding, cb) => {
    if (other.destroyed) cb(codeError('EPIPE'));
    else write(chunk, encoding, cb);
  };
  side._final = (cb) => {
    if (!other.destroyed) other.push(null);
    cb();
  };
  other.on('close', () => {
    if (side.destroyed) return;
    if (other.errored !== null) side.destroy(codeError('ECONNRESET'));
    else side.push(null);
  });
}

/** `stream.duplexPair()` ends wired like sockets (see {@link wireLikeSockets}). */
export function socketLikeDuplexPair(highWaterMark = HWM): [Duplex, Duplex] {
  const [a, b] = duplexPair({ highWaterMark });
  wireLikeSockets(a, b);
  wireLikeSockets(b, a);
  return [a, b];
}

/** Bytes a DuplexTransport holds: its stream's buffer (plus a weft transport's under a WeftSocket). */
export function duplexBufferedBytes(transport: IStreamTransport): number {
  if (!(transport instanceof DuplexTransport)) throw new TypeError('not a DuplexTransport');
  const handle = (transport as DuplexTransport).getHandle();
  let bytes = handle.writableLength;
  if (handle instanceof WeftSocket) {
    const under = handle.transport;
    if (under instanceof StreamTransport) {
      bytes += (under as StreamTransport<Duplex>).getHandle().writableLength;
    }
  }
  return bytes;
}

/** Whether both ends' protocols have been connected (`connectionMade`). */
export function connected(server: Peer | undefined, client: Peer | undefined): boolean {
  return server?.events.includes('made') === true && client?.events.includes('made') === true;
}

/** Pairs over `socketLikeDuplexPair()`: no sockets at all. */
export const duplexPairs: MakePair = <S extends Peer, C extends Peer>(
  Server: new () => S,
  Client: new () => C,
): Promise<TransportPair<S, C>> => {
  const reactor = new NodeReactor();
  const [a, b] = socketLikeDuplexPair();
  const server = new Server();
  const client = new Client();
  transportFromStream(a, server, { reactor });
  transportFromStream(b, client, { reactor });
  return Promise.resolve(eventDrivenPair(server, client, { release: () => Promise.resolve() }));
};

/** Pairs over a plain `net` server and `net.connect` on 127.0.0.1, both ends adopted. */
export const netSocketPairs: MakePair = async <S extends Peer, C extends Peer>(
  Server: new () => S,
  Client: new () => C,
): Promise<TransportPair<S, C>> => {
  const server = new Server();
  const client = new Client();
  const listener: Server = createServer({ highWaterMark: HWM } as ServerOpts, (socket) => {
    transportFromStream(socket, server);
    poke();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as AddressInfo;
  const socket: Socket = connect({ host: '127.0.0.1', port, highWaterMark: HWM } as NetConnectOpts);
  socket.once('connect', () => {
    transportFromStream(socket, client);
    poke();
  });
  await waitForPoke(() => connected(server, client), 'both ends of a net pair are connected');
  return eventDrivenPair(server, client, {
    release: () =>
      new Promise<void>((resolve) => {
        listener.close(() => {
          resolve();
        });
      }),
  });
};

/** Runs `reactor` through its full shutdown, closing anything it still owns. */
export async function shutDown(reactor: NodeReactor): Promise<void> {
  const done = reactor.run({ installSignalHandlers: false });
  reactor.stop();
  await done;
}

/** The factories of a WeftSocket chain, and the sockets made so far (server's and client's). */
export interface WeftSocketChain {
  readonly serverFactory: Factory<WeftSocket['protocol']>;
  readonly clientFactory: ClientFactory<WeftSocket['protocol']>;
  readonly sockets: readonly WeftSocket[];
}

/**
 * Factories whose protocols are WeftSockets, each one the stream of a DuplexTransport driving
 * `server` or `client` once connected: Peer ⇄ DuplexTransport ⇄ WeftSocket ⇄ (the weft
 * transport the factory's protocol gets) ⇄ ... ⇄ Peer.
 */
export function weftSocketChain(reactor: NodeReactor, server: Peer, client: Peer): WeftSocketChain {
  const sockets: WeftSocket[] = [];
  const chain = (peer: Peer): WeftSocket => {
    const socket = new WeftSocket({ reactor, highWaterMark: HWM });
    sockets.push(socket);
    socket.once('connect', () => {
      transportFromStream(socket, peer, { reactor });
      poke();
    });
    return socket;
  };
  const serverFactory = new (class extends Factory<WeftSocket['protocol']> {
    override buildProtocol(): WeftSocket['protocol'] {
      return chain(server).protocol;
    }
  })();
  serverFactory.noisy = false;
  const clientFactory = new (class extends ClientFactory<WeftSocket['protocol']> {
    override buildProtocol(): WeftSocket['protocol'] {
      return chain(client).protocol;
    }
  })();
  clientFactory.noisy = false;
  return { serverFactory, clientFactory, sockets };
}

/** Pairs over weft TCP on 127.0.0.1 whose two ends are {@link weftSocketChain}s. */
export const weftSocketPairs: MakePair = async <S extends Peer, C extends Peer>(
  Server: new () => S,
  Client: new () => C,
): Promise<TransportPair<S, C>> => {
  const reactor = new NodeReactor();
  const server = new Server();
  const client = new Client();
  const { serverFactory, clientFactory } = weftSocketChain(reactor, server, client);
  const port = await reactor.listenTCP(0, serverFactory, { interface: '127.0.0.1' });
  const { port: number } = port.getHost() as IPv4Address | IPv6Address;
  reactor.connectTCP('127.0.0.1', number, clientFactory);
  await waitForPoke(
    () => connected(server, client),
    'both ends of a WeftSocket chain are connected',
  );
  return eventDrivenPair(server, client, {
    release: async () => {
      await port.stopListening();
      await shutDown(reactor);
    },
  });
};
