// The ITransport contract (test/support/transport-contract.ts) over StandardIO on real pipes.
//
// The suite needs both ends' protocols in this process, to watch every callback. So each pair is
// two StandardIO transports here, given (instead of descriptors 0 and 1) the parent's ends of two
// `cat` children's pipes: what the client writes goes down one pipe into a `cat`, which copies it
// to its stdout, the server's stdin; the server's stdout reaches the client through the other
// `cat`. Each StandardIO thus reads and writes real pipes, as it does in a child process, and EOF
// travels as it would (closing a pipe ends that `cat`, which closes the next pipe). A child
// process running StandardIO on its own descriptors is tested in stdio.test.ts.
//
// What differs from sockets, as options of the suite:
// - a pipe has no reset: an abort reaches the peer as EOF, so `ConnectionDone` (as UNIX sockets);
// - writes made after loseConnection()/loseWriteConnection() are dropped (the pipe is already
//   being closed), as Twisted's iosim does;
// - getHost()/getPeer() are PipeAddress on both ends.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

import type { IStreamTransport } from '../../src/core/interfaces/index.js';
import { PipeAddress } from '../../src/core/process-protocol.js';
import { ConnectionDone } from '../../src/core/errors.js';
import { NodeReactor } from '../../src/node/reactor.js';
import { StandardIO } from '../../src/node/stdio.js';
import { describeITransport } from '../support/transport-contract.js';
import type { MakePair, TransportPair } from '../support/transport-pairs.js';
import { eventDrivenPair } from '../support/transport-pairs.js';
import type { Peer } from '../support/transport-peers.js';

type Relay = ChildProcessByStdio<Writable, Readable, null>;

/** A `cat` copying what is written to its stdin to its stdout. */
function relay(): Relay {
  return spawn('cat', [], { stdio: ['pipe', 'pipe', 'ignore'] });
}

function exited(child: Relay): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
}

const stdioPairs: MakePair = <S extends Peer, C extends Peer>(
  Server: new () => S,
  Client: new () => C,
): Promise<TransportPair<S, C>> => {
  const reactor = new NodeReactor();
  const toServer = relay();
  const toClient = relay();
  const server = new Server();
  const client = new Client();
  new StandardIO(server, { stdin: toServer.stdout, stdout: toClient.stdin, reactor });
  new StandardIO(client, { stdin: toClient.stdout, stdout: toServer.stdin, reactor });
  return Promise.resolve(
    eventDrivenPair(server, client, {
      // Bytes pass through two `cat`s, which a loaded machine may not run for many turns here.
      quietMs: 100,
      release: async () => {
        // Both ends have closed their pipes, so both cats are ending; a straggler is killed.
        for (const cat of [toServer, toClient]) if (cat.exitCode === null) cat.kill('SIGKILL');
        await Promise.all([exited(toServer), exited(toClient)]);
      },
    }),
  );
};

describeITransport('StandardIO over pipes', stdioPairs, {
  addressClass: PipeAddress,
  peerSeesAbortAs: ConnectionDone,
  sendsWritesRightAfterClose: false,
  bufferedBytes: (transport: IStreamTransport) => {
    if (!(transport instanceof StandardIO)) throw new TypeError('not a StandardIO');
    return transport.bufferedBytes;
  },
});
