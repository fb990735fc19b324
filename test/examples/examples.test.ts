// Runs every program in examples/, so none of them can rot.
//
// Most examples run in this process: such an example exports `main(out)`, which runs the whole
// program, passes each line it would print to `out`, and resolves once everything it started has
// stopped. A new file in examples/ is picked up here without any change; add its key lines below
// to check what it prints.
//
// Examples that own the process (they run the default reactor, listen on a port, wait for
// signals, set the exit status) run as child processes instead, compiled by
// tsconfig.examples.json as a reader would compile them. A marker line in the opening comment
// says which:
//
//   // example: server                      spawned with PORT=0 and INTERFACE=127.0.0.1; must
//                                           print `listening on <port>` (or, if its opening
//                                           comment has a "prints:" block, exactly that block,
//                                           with <port> replaced, starting with that line), serve
//                                           (see serverProbes below), print `stopped` and exit
//                                           with status 0 on SIGTERM, and exit with status 0 on
//                                           SIGINT
//   // example: client of <server>.ts       run against that server example, with the port as
//                                           its first argument; must print what its opening
//                                           comment says and exit with status 0, and exit with
//                                           status 1 when nothing listens
//   // example: standalone                  run on its own; must print what its opening comment
//                                           says and exit with status 0 (for programs that need
//                                           compiled JavaScript, e.g. modules worker threads load)
import { once } from 'node:events';
import { get as httpGet } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { assert, describe, it } from 'vitest';

import { runNode, type ChildRun } from '../support/child-process.js';
import { compiledFixtures, fixturesOutput } from '../support/compiled-fixtures.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const examplesDir = join(root, 'examples');
const examples = readdirSync(examplesDir)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
  .sort();

/** Lines an in-process example must print, in this order; other lines may come in between. */
const keyLines: Readonly<Record<string, readonly string[]>> = {
  'tls-echo-client.ts': [
    'server: listening on ssl:0 (port chosen by the system)',
    'client: connected to "localhost" over TLS, handshake already done',
    'client: got back "hello through tls:"',
    'client: closed cleanly (ConnectionDone)',
    'wrong CA: CertificateVerificationError (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
  ],
  'emitter-echo.ts': [
    'server: connect',
    'client: connected',
    'server: close (clean)',
    'client: got "HELLO, EVENTS"',
    'client: the stream ended; listeners left behind on the socket: 0',
  ],
  'rxjs-lines.ts': [
    'server: listening on 127.0.0.1',
    'server: a connection from 127.0.0.1',
    'client: sent 4 lines (17 bytes), then half-closed',
    'server: batch of 3 lines',
    'client: got "3 lines: HELLO | RXJS | WEFT"',
    'client: the server closed the connection',
    'server: no longer listening',
  ],
  'game-loop.ts': [
    'tick 5 (0.5 s): spawn wave 1',
    'tick 10 (1.0 s): heartbeat 1',
    'tick 25 (2.5 s): a library’s setTimeout(…, 2500) fired on game time',
    'tick 25 (2.5 s): spawn wave 3',
    'tick 30 (3.0 s): heartbeat 3',
    'game over after 30 ticks; reactor stopped: true',
  ],
  'async-iteration.ts': [
    'server: listening on 127.0.0.1',
    'client: sent 3 lines (21 bytes) from an async generator',
    'client: reply "LINE 1\\nLINE 2\\nLINE 3\\n"',
    'client: the server closed the connection when its loop ended',
    'timeout: slow operation failed with TimeoutError after 0.05 s',
  ],
  'deferred-demo.ts': [
    'sync: calling d.callback(20)',
    'sync: the chain ran inside callback(): 42',
    'sync: d.callback(20) returned',
    'errback: RangeError: port 99999 is out of range, using 8080',
    'errback: listening on 8080',
    'pause: sent request #1, chain paused until the reply',
    'pause: outer Deferred is <Deferred waiting on Deferred>',
    'pause: got reply to request #1',
    'inlineCallbacks: alice and bob',
    'await: Promise.all over Deferreds gave 1,2',
    'await: await consumed the result; the chain now holds undefined',
    'cancel: signal aborted with "user pressed stop"',
    'cancel: CancelledError (code ABORT_ERR, cause "user pressed stop")',
    "cancel: aborting asPromise's signal ran the canceller",
    'cancel: the promise rejected with CancelledError (cause AbortError)',
    'list: ok a',
    'list: failed b is missing',
    'list: ok c',
    'gather: 1,two',
    'gather: FirstError at index 1: no such user',
  ],
};

/** What to check while a server example listens on `port` (127.0.0.1); it may throw. */
const serverProbes: Readonly<Record<string, (port: number) => Promise<void>>> = {
  'chat-server.ts': probeChatServer,
  'echo-server.ts': probeEchoServer,
  'shared-port.ts': probeSharedPort,
  'throttled-echo.ts': probeThrottledEcho,
};

// ----- reading the examples -----------------------------------------------------------------------

/** The example's opening `//` comment, without the comment markers. */
function header(name: string): string[] {
  const lines: string[] = [];
  for (const line of readFileSync(join(examplesDir, name), 'utf8').split('\n')) {
    if (!line.startsWith('//')) break;
    lines.push(line.replace(/^\/\/ ?/, ''));
  }
  return lines;
}

/**
 * What the example's opening comment says it prints: the lines after the one ending in "prints:".
 * Empty when the comment has no such block (say, when the output holds a random port).
 */
function documentedOutput(name: string): string[] {
  const lines = header(name);
  const start = lines.findIndex((line) => line.trimEnd().endsWith('prints:'));
  if (start < 0) return [];
  return lines
    .slice(start + 1)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

type Kind =
  | { readonly kind: 'in-process' }
  | { readonly kind: 'server' }
  | { readonly kind: 'standalone' }
  | { readonly kind: 'client'; readonly server: string };

/** How the example is run, from its `example:` marker line (see the top of this file). */
function kindOf(name: string): Kind {
  for (const line of header(name)) {
    const marker = /^example:\s*(.*?)\s*$/.exec(line);
    if (marker === null) continue;
    const what = marker[1] ?? '';
    if (what === 'server') return { kind: 'server' };
    if (what === 'standalone') return { kind: 'standalone' };
    const client = /^client of (\S+\.ts)$/.exec(what);
    if (client !== null) return { kind: 'client', server: client[1] ?? '' };
    throw new Error(`${name}: unknown marker "example: ${what}"`);
  }
  return { kind: 'in-process' };
}

const kinds = new Map(examples.map((name) => [name, kindOf(name)]));
const inProcess = examples.filter((name) => kinds.get(name)?.kind === 'in-process');
const servers = examples.filter((name) => kinds.get(name)?.kind === 'server');
const standalones = examples.filter((name) => kinds.get(name)?.kind === 'standalone');
const clients = examples.flatMap((name) => {
  const kind = kinds.get(name);
  return kind?.kind === 'client' ? [{ name, server: kind.server }] : [];
});

// ----- in-process examples ------------------------------------------------------------------------

type Main = (out: (line: string) => void) => Promise<void>;

const runs = new Map<string, Promise<string[]>>();

/** Imports the example and runs its `main`, once per file; resolves with the lines it printed. */
function run(name: string): Promise<string[]> {
  let lines = runs.get(name);
  if (lines === undefined) {
    lines = runMain(name);
    runs.set(name, lines);
  }
  return lines;
}

async function runMain(name: string): Promise<string[]> {
  const module = (await import(pathToFileURL(join(examplesDir, name)).href)) as { main?: unknown };
  assert.typeOf(module.main, 'function', `${name} must export main(out)`);
  const lines: string[] = [];
  await (module.main as Main)((line) => {
    lines.push(line);
  });
  return lines;
}

// ----- examples in child processes ----------------------------------------------------------------

const compiledFile = fixturesOutput('examples');

function compiled(name: string): string {
  return compiledFile(`examples/${name.replace(/\.ts$/, '.js')}`);
}

/** Starts a server example on a free port of 127.0.0.1; resolves once it listens. */
async function startServer(name: string): Promise<{ child: ChildRun; port: number }> {
  const child = runNode(compiled(name), [], { env: { PORT: '0', INTERFACE: '127.0.0.1' } });
  try {
    const match = await child.waitForOutput(/^listening on (\d+)\n/);
    return { child, port: Number(match[1]) };
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
}

/** How long a server probe may take: well under the test timeout, so the server is still stopped. */
const PROBE_TIMEOUT_MS = 10_000;

/** `promise`, or a rejection after `ms` milliseconds. */
async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what}: the probe did not finish within ${String(ms)} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Reads a socket by exact byte counts. */
class SocketReader {
  #chunks: Buffer[] = [];
  #length = 0;
  #ended = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
      this.#notify();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on('error', (error) => {
      this.#error = error;
      this.#notify();
    });
  }

  /** The next `n` bytes; rejects if the socket ends or fails first. */
  async read(n: number): Promise<Buffer> {
    while (this.#length < n) await this.#next(`${String(n)} bytes`);
    const all = Buffer.concat(this.#chunks);
    this.#chunks = [all.subarray(n)];
    this.#length -= n;
    return all.subarray(0, n);
  }

  /** Resolves once the peer has closed its side, with how many unread bytes came before. */
  async end(): Promise<number> {
    while (!this.#ended) await this.#next('the end of the stream');
    return this.#length;
  }

  #next(what: string): Promise<void> {
    if (this.#error !== null) return Promise.reject(this.#error);
    if (this.#ended) return Promise.reject(new Error(`stream ended while waiting for ${what}`));
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

/** `length` bytes that do not repeat every 256 bytes, so a dropped or moved chunk shows. */
function pattern(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + Math.floor(i / 251)) & 0xff;
  return bytes;
}

/** Checks that the echo server sends back exactly what each of two connections sends. */
async function probeEchoServer(port: number): Promise<void> {
  const first = connect({ host: '127.0.0.1', port });
  const second = connect({ host: '127.0.0.1', port });
  await Promise.all([once(first, 'connect'), once(second, 'connect')]);
  const firstReader = new SocketReader(first);
  const secondReader = new SocketReader(second);
  const messages: readonly [string, Buffer][] = [
    ['a line', Buffer.from('hello, world\n')],
    ['one zero byte', Buffer.of(0)],
    ['every byte value', Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
    ['UTF-8 text', Buffer.from('καλημέρα κόσμε 🌍')],
    ['1 MiB', pattern(1024 * 1024)],
  ];
  for (const [what, message] of messages) {
    first.write(message);
    const echoed = await firstReader.read(message.length);
    assert.isTrue(echoed.equals(message), `${what}: the echo differs from what was sent`);
  }
  // The second connection, open all along, is served on its own.
  second.write('second connection');
  assert.equal((await secondReader.read(17)).toString(), 'second connection');
  // Closing our side: the server (not half-closeable) closes cleanly, sending nothing more.
  first.end();
  second.end();
  assert.equal(await firstReader.end(), 0, 'bytes after the last echo');
  assert.equal(await secondReader.end(), 0, 'bytes after the last echo');
}

/**
 * Checks the policies of throttled-echo.ts: four connections from 127.0.0.1 are echoed, a fifth
 * is closed at once without a byte, and once one of the four goes a new one is served again.
 */
async function probeThrottledEcho(port: number): Promise<void> {
  const open = async (): Promise<{ socket: Socket; reader: SocketReader }> => {
    const socket = connect({ host: '127.0.0.1', port });
    const reader = new SocketReader(socket);
    await once(socket, 'connect');
    return { socket, reader };
  };
  const four = [await open(), await open(), await open(), await open()];
  for (const [i, { socket, reader }] of four.entries()) {
    socket.write(`connection ${String(i)}`);
    assert.equal((await reader.read(12)).toString(), `connection ${String(i)}`);
  }
  const fifth = await open();
  assert.equal(await fifth.reader.end(), 0, 'the fifth connection from one host is refused');
  fifth.socket.destroy();
  const [first] = four;
  first?.socket.end();
  assert.equal(await first?.reader.end(), 0);
  // Our end sees the server's FIN a moment before the server's connectionLost uncounts the
  // connection, so a new one may still be refused: retry a bounded number of times.
  let again: { socket: Socket; reader: SocketReader } | undefined;
  for (let attempt = 0; again === undefined && attempt < 20; attempt++) {
    const candidate = await open();
    candidate.socket.write('again');
    try {
      assert.equal((await candidate.reader.read(5)).toString(), 'again');
      again = candidate;
    } catch {
      candidate.socket.destroy();
    }
  }
  assert.isDefined(again, 'a connection is accepted again once one of the four has gone');
  again.socket.end();
  for (const { socket } of four.slice(1)) socket.end();
}

/** Checks the chat server: names are asked for and checked, and each line reaches the others. */
async function probeChatServer(port: number): Promise<void> {
  const alice = connect({ host: '127.0.0.1', port });
  const bob = connect({ host: '127.0.0.1', port });
  await Promise.all([once(alice, 'connect'), once(bob, 'connect')]);
  const aliceReader = new SocketReader(alice);
  const bobReader = new SocketReader(bob);
  const expect = async (reader: SocketReader, text: string): Promise<void> => {
    const wire = Buffer.from(text);
    assert.equal((await reader.read(wire.length)).toString(), text);
  };
  await expect(aliceReader, "What's your name?\r\n");
  await expect(bobReader, "What's your name?\r\n");
  alice.write('alice\r\n');
  await expect(aliceReader, 'Welcome, alice!\r\n');
  // A line may arrive in pieces: the name is taken, whatever the chunking.
  bob.write('ali');
  bob.write('ce\r');
  bob.write('\nbob\r\n');
  await expect(bobReader, 'Name taken, please choose another.\r\nWelcome, bob!\r\n');
  alice.write('hi bob\r\nhow are you?\r\n');
  await expect(bobReader, '<alice> hi bob\r\n<alice> how are you?\r\n');
  bob.write('fine\r\n');
  await expect(aliceReader, '<bob> fine\r\n');
  // A line over MAX_LENGTH (1024) drops that client only.
  bob.write(Buffer.alloc(2000, 0x78));
  assert.equal(await bobReader.end(), 0, 'bytes before the server closed');
  alice.write('anyone?\r\n');
  alice.end();
  assert.equal(await aliceReader.end(), 0, 'bytes after the last line');
  bob.destroy();
}

/** One HTTP GET on 127.0.0.1, on a connection of its own; resolves with the status and JSON body. */
function getJSON(port: number, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString()) as unknown,
        });
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}

/**
 * Checks shared-port.ts: on one port, an HTTP request reaches Express, the AMP client example
 * gets its answers, a line client gets upper-cased lines, and a silent one is greeted by the line
 * protocol after the sniffing timeout; Express then reports what each protocol served.
 */
async function probeSharedPort(port: number): Promise<void> {
  const hello = await getJSON(port, '/hello/probe');
  assert.deepEqual(hello, { status: 200, body: { hello: 'probe', from: '127.0.0.1' } });

  const amp = await runNode(compiled('amp-client.ts'), [String(port)], {
    env: { HOST: '127.0.0.1' },
  }).exited;
  assert.equal(amp.stdout, '13 + 81 = 94\n1 / 0 failed: ZeroDivision: division by zero\ndone\n');
  assert.equal(amp.code, 0, amp.stderr);

  const greeting = 'weft lines: every line comes back upper-cased; "quit" hangs up\n';
  const talker = connect({ host: '127.0.0.1', port });
  const talkerReader = new SocketReader(talker);
  await once(talker, 'connect');
  // Split so the first chunk is still a possible request line: the choice waits for more.
  talker.write('GE');
  talker.write('ntle words\r\nquit\r\n');
  const reply = greeting + 'GENTLE WORDS\n';
  assert.equal((await talkerReader.read(reply.length)).toString(), reply);
  assert.equal(await talkerReader.end(), 0, 'bytes after quit');
  talker.destroy();

  const silent = connect({ host: '127.0.0.1', port });
  const silentReader = new SocketReader(silent);
  await once(silent, 'connect');
  assert.equal((await silentReader.read(greeting.length)).toString(), greeting);
  silent.end('quit\n');
  assert.equal(await silentReader.end(), 0, 'bytes after quit');

  const stats = await getJSON(port, '/');
  assert.deepEqual(stats.body, { served: { http: 2, amp: 1, lines: 2 } });
}

// ----- the tests ------------------------------------------------------------------------------------

describe('examples', () => {
  it('finds the examples to run', () => {
    assert.includeMembers(examples, ['deferred-demo.ts', 'echo-server.ts', 'echo-client.ts']);
    assert.deepEqual(kinds.get('echo-server.ts'), { kind: 'server' });
    assert.deepEqual(kinds.get('echo-client.ts'), { kind: 'client', server: 'echo-server.ts' });
  });

  for (const name of examples) {
    it(`${name} opens with a comment saying how to run it`, () => {
      assert.match(header(name).join('\n'), /npm run |node /);
    });
  }

  for (const name of inProcess) {
    describe(name, () => {
      it('runs to completion and prints its key lines in order', async () => {
        const lines = await run(name);
        let from = 0;
        for (const expected of keyLines[name] ?? []) {
          const at = lines.indexOf(expected, from);
          assert.isAtLeast(
            at,
            0,
            `missing, or out of order: ${expected}\nprinted:\n${lines.join('\n')}`,
          );
          from = at + 1;
        }
      });

      it('prints exactly what its opening comment says it prints', async () => {
        const documented = documentedOutput(name);
        if (documented.length === 0) return;
        assert.deepEqual(await run(name), documented);
      });
    });
  }

  const childRuns = servers.length + clients.length + standalones.length;
  describe.runIf(childRuns > 0)('in child processes', () => {
    compiledFixtures('examples', [], { project: 'tsconfig.examples.json', strict: true });

    for (const name of servers) {
      describe(name, () => {
        it('listens, serves, and exits with status 0 on SIGTERM', async () => {
          const { child, port } = await startServer(name);
          try {
            const probe = serverProbes[name];
            if (probe !== undefined) await withTimeout(probe(port), PROBE_TIMEOUT_MS, name);
          } finally {
            child.kill('SIGTERM');
          }
          const status = await child.exited;
          const running = documentedOutput(name).map((line) =>
            line.replaceAll('<port>', String(port)),
          );
          if (running.length === 0) running.push(`listening on ${String(port)}`);
          assert.equal(status.stdout, [...running, 'stopped', ''].join('\n'));
          assert.equal(status.stderr, '');
          assert.deepEqual([status.code, status.signal], [0, null]);
        });

        it('exits with status 0 on SIGINT', async () => {
          const { child } = await startServer(name);
          child.kill('SIGINT');
          const status = await child.exited;
          assert.equal(status.stderr, '');
          assert.deepEqual([status.code, status.signal], [0, null]);
        });
      });
    }

    for (const name of standalones) {
      describe(name, () => {
        it('prints what its opening comment says, and exits with status 0', async () => {
          const documented = documentedOutput(name);
          assert.isNotEmpty(documented, `${name} must say what it prints`);
          const status = await runNode(compiled(name)).exited;
          assert.deepEqual(status.stdout.split('\n').slice(0, -1), documented, status.stderr);
          assert.equal(status.stderr, '');
          assert.equal(status.code, 0);
        });
      });
    }

    for (const { name, server } of clients) {
      describe(name, () => {
        it(`prints what its opening comment says against ${server}, and exits with status 0`, async () => {
          const documented = documentedOutput(name);
          assert.isNotEmpty(documented, `${name} must say what it prints`);
          const { child, port } = await startServer(server);
          let status;
          try {
            status = await runNode(compiled(name), [String(port)], {
              env: { HOST: '127.0.0.1' },
            }).exited;
          } finally {
            child.kill('SIGTERM');
          }
          assert.deepEqual(status.stdout.split('\n').slice(0, -1), documented, status.stderr);
          assert.equal(status.stderr, '');
          assert.equal(status.code, 0);
          assert.equal((await child.exited).code, 0);
        });

        it('exits with status 1, logging ConnectionRefusedError, when nothing listens', async () => {
          const port = await closedPort();
          const status = await runNode(compiled(name), [String(port)], {
            env: { HOST: '127.0.0.1' },
          }).exited;
          assert.equal(status.code, 1);
          assert.include(status.stderr, 'ConnectionRefusedError');
        });
      });
    }
  });
});
