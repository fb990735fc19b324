/**
 * AMP calls per second with 100 calls in flight over loopback: a weft AMP client calling `Sum`
 * on a weft AMP server, against the same weft client calling the same command on Twisted's AMP
 * server (test/interop/amp_peer.py, run with /usr/bin/python3) on this machine, in one run.
 *
 * Each server runs in its own child process (bench/amp-server-weft.ts compiled to
 * .build/bench/amp-server-weft.js, and the Python peer); the client runs here. A sample keeps
 * 100 calls outstanding for {@link SAMPLE_S} seconds and returns completed calls per second.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { ClientFactory, Deferred, NodeReactor, type IAddress } from '../src/index.js';
import { AMP, command, Integer } from '../src/protocols/amp/index.js';
import { compare, type Result } from './harness.js';

const HERE = path.dirname(fileURLToPath(import.meta.url)); // .build/bench
const ROOT = path.resolve(HERE, '..', '..');
const IN_FLIGHT = 100;
const SAMPLE_S = 1;

const Sum = command({
  name: 'Sum',
  arguments: { a: new Integer(), b: new Integer() },
  response: { total: new Integer() },
});

/** Starts a server process; resolves with it and its port once it prints `listening on`. */
async function startServer(
  command: string,
  args: string[],
): Promise<{ child: ChildProcessWithoutNullStreams; port: number }> {
  const child = spawn(command, args, { stdio: 'pipe' });
  child.stderr.resume();
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const m = /^listening on (\d+)$/.exec(line);
    if (m !== null) return { child, port: Number(m[1]) };
  }
  throw new Error(`${command} ${args.join(' ')} ended before listening`);
}

class Connect extends ClientFactory<AMP> {
  readonly connected = new Deferred<AMP>();

  override buildProtocol(_addr: IAddress): AMP {
    const amp = new AMP();
    amp.connectionMade = () => {
      this.connected.callback(amp);
    };
    return amp;
  }
}

/** Completed calls per second over {@link SAMPLE_S} seconds, {@link IN_FLIGHT} outstanding. */
function callsPerSecond(amp: AMP): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const end = start + SAMPLE_S * 1000;
    let done = 0;
    let outstanding = 0;
    let finished = false;
    const launch = (): void => {
      outstanding += 1;
      amp.callRemote(Sum, { a: done, b: 1 }).addCallbacks(
        () => {
          outstanding -= 1;
          done += 1;
          if (performance.now() < end) launch();
          else if (outstanding === 0 && !finished) {
            finished = true;
            resolve((done * 1000) / (performance.now() - start));
          }
        },
        (failure) => {
          reject(failure.value);
        },
      );
    };
    for (let i = 0; i < IN_FLIGHT; i++) launch();
  });
}

export async function run(): Promise<Result[]> {
  const reactor = new NodeReactor();
  const weftServer = await startServer(process.execPath, [path.join(HERE, 'amp-server-weft.js')]);
  const twisted = await startServer('/usr/bin/python3', [
    path.join(ROOT, 'test', 'interop', 'amp_peer.py'),
    'server',
  ]);
  try {
    const connect = async (port: number): Promise<AMP> => {
      const factory = new Connect();
      factory.noisy = false;
      reactor.connectTCP('127.0.0.1', port, factory);
      return factory.connected.asPromise();
    };
    const toWeft = await connect(weftServer.port);
    const toTwisted = await connect(twisted.port);
    const result = await compare({
      name: `AMP Sum calls, ${String(IN_FLIGHT)} in flight`,
      unit: 'calls/s',
      kind: 'throughput',
      rawLabel: 'Twisted server',
      weft: () => callsPerSecond(toWeft),
      raw: () => callsPerSecond(toTwisted),
      rounds: 5,
      warmup: 1,
    });
    toWeft.transport.loseConnection();
    toTwisted.transport.loseConnection();
    return [result];
  } finally {
    weftServer.child.kill('SIGTERM');
    twisted.child.kill('SIGTERM');
  }
}
