// A UDP echo server and a client in one process (Twisted's udpbroadcast/echo listings, joined):
// the server sends every datagram back to its sender; the client is a connected UDP port that
// sends three datagrams, prints each echo, then shows what a refused peer looks like.
//
// Run it with `npx tsc -p tsconfig.examples.json && node .build/examples/udp-echo.js`. It binds
// 127.0.0.1 on free ports, takes a few milliseconds and prints:
//
//   client sent 3 datagrams
//   echo: ping 1
//   echo: ping 2
//   echo: ping 3
//   server saw 3 datagrams from the client
//   refused: nothing listens on the peer's port now
//   stopped
import { pathToFileURL } from 'node:url';

import { DatagramProtocol, reactor, type DatagramAddress } from '../src/index.js';

const text = new TextDecoder();

/** Sends every datagram back where it came from. */
class Echo extends DatagramProtocol {
  override noisy = false;
  received = 0;

  override datagramReceived(data: Uint8Array, addr: DatagramAddress): void {
    this.received += 1;
    this.transport?.write(data, addr);
  }
}

/** Prints echoes; resolves `done` after `expected` of them, `refused` on a refusal. */
class Client extends DatagramProtocol {
  override noisy = false;
  readonly #out: (line: string) => void;
  #expected: number;
  readonly done: Promise<void>;
  readonly refused: Promise<void>;
  #resolveDone!: () => void;
  #resolveRefused!: () => void;

  constructor(out: (line: string) => void, expected: number) {
    super();
    this.#out = out;
    this.#expected = expected;
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    this.refused = new Promise((resolve) => {
      this.#resolveRefused = resolve;
    });
  }

  override datagramReceived(data: Uint8Array): void {
    this.#out(`echo: ${text.decode(data)}`);
    this.#expected -= 1;
    if (this.#expected === 0) this.#resolveDone();
  }

  override connectionRefused(): void {
    this.#resolveRefused();
  }
}

export async function main(out: (line: string) => void = console.log): Promise<void> {
  const echo = new Echo();
  const server = await reactor.listenUDP(0, echo, { interface: '127.0.0.1' });
  const client = new Client(out, 3);
  const port = await reactor.listenUDP(0, client, { interface: '127.0.0.1' });

  // Connected UDP: only the server's datagrams are delivered, and write() needs no address.
  port.connect('127.0.0.1', server.getHost().port);
  for (let i = 1; i <= 3; i++) port.write(`ping ${String(i)}`);
  out('client sent 3 datagrams');
  await client.done;
  out(`server saw ${String(echo.received)} datagrams from the client`);

  // With the server gone, the kernel answers the next datagram with "port unreachable",
  // which a connected port reports as connectionRefused().
  await server.stopListening();
  port.write('anyone there?');
  port.write('anyone there now?');
  await client.refused;
  out("refused: nothing listens on the peer's port now");

  await port.stopListening();
  out('stopped');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
