// weft's framing receivers against Twisted 22.4's own (twisted.protocols.basic) over real TCP on
// 127.0.0.1: the peer (basic_peer.py, run with /usr/bin/python3) greets, echoes each frame with
// "echo:" in front and closes on "QUIT"; both sides' limits are exercised. Every wait is bounded:
// the peer stops itself after 20 s and is killed after 30 s.
import { fileURLToPath } from 'node:url';

import { assert, describe, it } from 'vitest';

import { ConnectionDone } from '../../src/core/errors.js';
import type { Failure } from '../../src/core/failure.js';
import type { IProtocol } from '../../src/core/interfaces/index.js';
import { Factory, type Protocol } from '../../src/core/protocol.js';
import {
  Int32StringReceiver,
  LineReceiver,
  NetstringReceiver,
} from '../../src/protocols/basic/index.js';
import { runProcess, type ExitStatus } from '../support/child-process.js';
import { freshReactor } from '../node/socket-helpers.js';

const PEER = fileURLToPath(new URL('./basic_peer.py', import.meta.url));
const GREETING = 'hello from twisted \u0000\u00ff:,';
/** Bytes as a string of code points 0-255 (so any byte shows). */
const show = (b: Uint8Array): string => Array.from(b, (x) => String.fromCharCode(x)).join('');
const raw = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Something that can tell when its connection is lost. */
interface Watched extends Protocol {
  lost: Promise<Failure>;
}

function lostPromise(): { promise: Promise<Failure>; resolve: (f: Failure) => void } {
  let resolve!: (f: Failure) => void;
  const promise = new Promise<Failure>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A factory handing out one prepared protocol. */
class OneShot extends Factory {
  readonly #proto: IProtocol;
  constructor(proto: IProtocol) {
    super();
    this.noisy = false;
    this.#proto = proto;
  }
  override buildProtocol(): IProtocol {
    return this.#proto;
  }
}

/** Starts the peer, connects `proto` to it, and waits for both ends to finish. */
async function session(
  proto: Watched,
  peerArgs: readonly string[],
): Promise<{ reason: Failure; peer: ExitStatus }> {
  const peer = runProcess('/usr/bin/python3', [PEER, ...peerArgs], { timeoutMs: 30_000 });
  try {
    const [, port] = await peer.waitForOutput(/^(\d+)\n/);
    const reactor = freshReactor();
    reactor.connectTCP('127.0.0.1', Number(port), new OneShot(proto));
    const reason = await proto.lost;
    return { reason, peer: await peer.exited };
  } catch (e) {
    peer.kill('SIGKILL');
    throw e;
  }
}

/** Peer output after the port line. */
function peerLines(status: ExitStatus): string[] {
  return status.stdout.split('\n').slice(1, -1);
}

class LineClient extends LineReceiver {
  received: string[] = [];
  exceeded: number[] = [];
  readonly #lost = lostPromise();
  readonly lost = this.#lost.promise;
  toSend: string[] = [];

  override lineReceived(line: Uint8Array): void {
    this.received.push(show(line));
    if (this.received.length === 1) for (const l of this.toSend) this.sendLine(raw(l));
  }
  override lineLengthExceeded(data: Uint8Array): void {
    this.exceeded.push(data.length);
    super.lineLengthExceeded(data);
  }
  override connectionLost(reason: Failure): void {
    this.#lost.resolve(reason);
  }
}

class NetstringClient extends NetstringReceiver {
  received: string[] = [];
  readonly #lost = lostPromise();
  readonly lost = this.#lost.promise;
  toSend: string[] = [];
  override stringReceived(payload: Uint8Array): void {
    this.received.push(show(payload));
    if (this.received.length === 1) for (const s of this.toSend) this.sendString(raw(s));
  }
  override connectionLost(reason: Failure): void {
    this.#lost.resolve(reason);
  }
}

class Int32Client extends Int32StringReceiver {
  received: string[] = [];
  readonly #lost = lostPromise();
  readonly lost = this.#lost.promise;
  toSend: string[] = [];
  override stringReceived(payload: Uint8Array): void {
    this.received.push(show(payload));
    if (this.received.length === 1) for (const s of this.toSend) this.sendString(raw(s));
  }
  override connectionLost(reason: Failure): void {
    this.#lost.resolve(reason);
  }
}

const FRAMES = ['one', '', 'two \u0000\u00ff\r', '3:abc,', 'x'.repeat(5000)];
const echoed = FRAMES.map((f) => `echo:${f}`);

describe('interop with Twisted 22.4 (twisted.protocols.basic)', () => {
  describe('LineReceiver', () => {
    it('exchanges CRLF lines with Twisted in both directions', async () => {
      const client = new LineClient();
      client.toSend = [...FRAMES.filter((f) => !f.includes('\r')), 'QUIT'];
      const { reason, peer } = await session(client, ['lines', '0d0a', '16384']);
      assert.deepEqual(client.received, [GREETING, ...echoed.filter((f) => !f.includes('\r'))]);
      assert.instanceOf(reason.value, ConnectionDone);
      assert.deepEqual(peerLines(peer), ['lost ConnectionDone']);
      assert.equal(peer.code, 0, peer.stderr);
    }, 40_000);

    it('exchanges lines with a custom two-byte delimiter in both directions', async () => {
      const client = new LineClient();
      client.delimiter = raw('\u0000|');
      client.toSend = [...FRAMES, 'QUIT'];
      const { reason, peer } = await session(client, ['lines', '007c', '16384']);
      assert.deepEqual(client.received, [GREETING, ...echoed]);
      assert.instanceOf(reason.value, ConnectionDone);
      assert.equal(peer.code, 0, peer.stderr);
    }, 40_000);

    it('is dropped by Twisted when it sends a line over Twisted\u2019s MAX_LENGTH', async () => {
      const client = new LineClient();
      client.toSend = ['short', 'y'.repeat(17)];
      const { reason, peer } = await session(client, ['lines', '0d0a', '16']);
      assert.deepEqual(client.received, [GREETING, 'echo:short']);
      assert.instanceOf(reason.value, ConnectionDone);
      // Twisted hands lineLengthExceeded the line, its delimiter and what followed: 17 + 2 bytes.
      assert.deepEqual(peerLines(peer), ['exceeded 19', 'lost ConnectionDone']);
    }, 40_000);

    it('drops Twisted when Twisted sends a line over weft\u2019s MAX_LENGTH', async () => {
      const client = new LineClient();
      client.MAX_LENGTH = 100;
      const { reason, peer } = await session(client, ['lines', '0d0a', '16384', '200']);
      assert.deepEqual(client.received, []);
      assert.lengthOf(client.exceeded, 1);
      assert.isAtLeast(client.exceeded[0]!, 102);
      assert.instanceOf(reason.value, ConnectionDone);
      assert.deepEqual(peerLines(peer), ['lost ConnectionDone']);
    }, 40_000);
  });

  describe('NetstringReceiver', () => {
    it('exchanges netstrings with Twisted in both directions', async () => {
      const client = new NetstringClient();
      client.toSend = [...FRAMES, 'QUIT'];
      const { reason, peer } = await session(client, ['netstrings', '', '99999']);
      assert.deepEqual(client.received, [GREETING, ...echoed]);
      assert.instanceOf(reason.value, ConnectionDone);
      assert.deepEqual(peerLines(peer), ['lost ConnectionDone']);
    }, 40_000);

    it('is dropped by Twisted when it sends a netstring over Twisted\u2019s MAX_LENGTH', async () => {
      const client = new NetstringClient();
      client.toSend = ['z'.repeat(11)];
      const { peer } = await session(client, ['netstrings', '', '10']);
      assert.deepEqual(client.received, [GREETING]);
      assert.deepEqual(peerLines(peer), ['parse-error', 'lost ConnectionDone']);
    }, 40_000);
  });

  describe('Int32StringReceiver', () => {
    it('exchanges Int32 strings with Twisted in both directions', async () => {
      const client = new Int32Client();
      client.toSend = [...FRAMES, 'w'.repeat(90_000), 'QUIT'];
      const { reason, peer } = await session(client, ['int32', '', '99999']);
      assert.deepEqual(client.received, [GREETING, ...echoed, `echo:${'w'.repeat(90_000)}`]);
      assert.instanceOf(reason.value, ConnectionDone);
      assert.deepEqual(peerLines(peer), ['lost ConnectionDone']);
    }, 40_000);

    it('is dropped by Twisted when it announces a string over Twisted\u2019s MAX_LENGTH', async () => {
      const client = new Int32Client();
      client.toSend = ['z'.repeat(11)];
      const { peer } = await session(client, ['int32', '', '10']);
      assert.deepEqual(client.received, [GREETING]);
      assert.deepEqual(peerLines(peer), ['length-limit 11', 'lost ConnectionDone']);
    }, 40_000);
  });
});
