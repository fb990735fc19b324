/**
 * undici on weft connections: an undici `Agent` whose `connect` is `weftUndiciConnect()`
 * against the same Agent with undici's own connector (`net.connect`), both asking one
 * hello-world `node:http` server in this process on 127.0.0.1.
 *
 * Workload (each side, per sample): 4000 GET requests, 32 in flight at a time, over at most 8
 * keep-alive connections per Agent (opened in the warm-up, then reused), each response body
 * read to the end. Rate in requests per second. Client and server share the process and the
 * loop, so the server's cost is in both sides.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Agent, request } from 'undici';

import { weftUndiciConnect } from '../adapters/node/index.js';
import { compare, type Result } from './harness.js';

const REQUESTS = 4000;
const IN_FLIGHT = 32;

/** Makes REQUESTS requests through `agent`, IN_FLIGHT at a time; resolves with requests/s. */
async function drive(agent: Agent, url: string): Promise<number> {
  const started = process.hrtime.bigint();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < REQUESTS) {
      next += 1;
      const res = await request(url, { dispatcher: agent });
      if ((await res.body.text()) !== 'hello') throw new Error('unexpected body');
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return REQUESTS / seconds;
}

export async function run(): Promise<Result[]> {
  const server = createServer((_req, res) => {
    res.end('hello');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;
  const weft = new Agent({ connections: 8, connect: weftUndiciConnect() });
  const raw = new Agent({ connections: 8 });
  try {
    return [
      await compare({
        name: 'undici Agent: 4000 keep-alive GETs, 32 in flight',
        unit: 'req/s',
        kind: 'throughput',
        rawLabel: 'undici net.connect',
        rounds: 7,
        weft: () => drive(weft, url),
        raw: () => drive(raw, url),
      }),
    ];
  } finally {
    await weft.close();
    await raw.close();
    server.closeAllConnections();
    server.close();
  }
}
