/**
 * A hello-world `node:http` server listening natively vs the same kind of server hosted on a
 * weft TCP port (`NodeServerFactory` from `weft/adapters/node`), both driven by wrk
 * (`wrk -t1 -c50 -d<N>s --latency`) in one run, in interleaved rounds. Prints requests per
 * second and latency percentiles of each side and the ratio hosted / native (goal ≥ 0.85×,
 * aim 0.95×).
 *
 *   npm run bench -- http-hosted [--rounds=N]      (WRK_SECONDS=3 sets each run's length)
 *
 * wrk is /usr/bin/wrk; when it is missing this installs it with apt-get (needs root).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { NodeServerFactory } from '../adapters/node/index.js';
import type { IPv4Address, IPv6Address } from '../src/core/address.js';
import { NodeReactor } from '../src/node/reactor.js';
import { compare, type Result } from './harness.js';

const WRK = '/usr/bin/wrk';

function ensureWrk(): void {
  if (existsSync(WRK)) return;
  console.log('  wrk is missing: installing it with apt-get');
  spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'inherit' });
  if (!existsSync(WRK)) throw new Error('wrk is not installed and apt-get could not install it');
}

function hello(): Server {
  return createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '12' });
    res.end('hello world\n');
  });
}

/** One wrk run against `port`: requests per second, and the latency percentiles it printed. */
function wrk(port: number, seconds: number): Promise<{ rps: number; latency: string }> {
  return new Promise((resolve, reject) => {
    // Asynchronous, so this process (where both servers live) keeps serving while wrk runs.
    import('node:child_process')
      .then(({ execFile }) => {
        execFile(
          WRK,
          [
            '-t1',
            '-c50',
            `-d${String(seconds)}s`,
            '--latency',
            `http://127.0.0.1:${String(port)}/`,
          ],
          (err, stdout) => {
            if (err !== null) {
              reject(err);
              return;
            }
            const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1];
            const pct = ['50%', '90%', '99%'].map((p) => {
              const m = new RegExp(`\\s${p}\\s+([\\d.]+\\w+)`).exec(stdout);
              return `p${p.slice(0, -1)} ${m?.[1] ?? '?'}`;
            });
            if (rps === undefined) reject(new Error(`unexpected wrk output:\n${stdout}`));
            else resolve({ rps: Number(rps), latency: pct.join(', ') });
          },
        );
      })
      .catch(reject);
  });
}

export async function run(): Promise<Result[]> {
  ensureWrk();
  const seconds = Number(process.env.WRK_SECONDS ?? '3');
  const native = hello();
  await new Promise<void>((resolve) => native.listen(0, '127.0.0.1', resolve));
  const nativePort = (native.address() as AddressInfo).port;

  const reactor = new NodeReactor();
  const factory = new NodeServerFactory(hello(), { reactor });
  const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
  const { port: hostedPort } = port.getHost() as IPv4Address | IPv6Address;

  try {
    const result = await compare({
      name: 'http hello world, wrk -t1 -c50',
      unit: 'req/s',
      kind: 'throughput',
      rawLabel: 'native node:http',
      rounds: 3,
      warmup: 1,
      goal: { op: '>=', value: 0.85, note: 'aim 0.95×' },
      weft: async () => {
        const r = await wrk(hostedPort, seconds);
        console.log(`    hosted on weft: ${r.rps.toFixed(0)} req/s, ${r.latency}`);
        return r.rps;
      },
      raw: async () => {
        const r = await wrk(nativePort, seconds);
        console.log(`    native:         ${r.rps.toFixed(0)} req/s, ${r.latency}`);
        return r.rps;
      },
    });
    return [result];
  } finally {
    native.close();
    native.closeAllConnections();
    await port.stopListening();
    await factory.close({ timeout: 1 });
  }
}
