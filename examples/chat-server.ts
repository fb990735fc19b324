// example: server
// A multi-user line chat (Twisted's classic chatserver.py, ported onto LineReceiver): each client
// is asked for a name, then every line it sends goes to everyone else as "<name> line".
//
// Run it with `npx tsc -p tsconfig.examples.json && node .build/examples/chat-server.js`, then
// join from two terminals with `nc -C 127.0.0.1 8123` (or `telnet 127.0.0.1 8123`): the server
// says "What's your name?", answers "Welcome, alice!" (or "Name taken, please choose another."),
// and relays chat lines. PORT chooses the port (default 8123; 0 picks a free one) and INTERFACE
// the address to bind. Once listening it prints `listening on <port>`; Ctrl-C (SIGINT) or
// SIGTERM closes the port and every connection, prints `stopped` and exits with status 0.
import { Factory, IPv4Address, IPv6Address, reactor } from '../src/index.js';
import type { IAddress } from '../src/index.js';
import { LineReceiver } from '../src/protocols/basic/index.js';

const decoder = new TextDecoder();

/** One client: first its name, then chat lines. */
class Chat extends LineReceiver {
  // Lines are text; a chat line longer than 1 KiB drops the connection (lineLengthExceeded).
  override MAX_LENGTH = 1024;
  readonly #users: Map<string, Chat>;
  #name: string | null = null;
  #state: 'GETNAME' | 'CHAT' = 'GETNAME';

  constructor(users: Map<string, Chat>) {
    super();
    this.#users = users;
  }

  override connectionMade(): void {
    this.sendLine("What's your name?");
  }

  override connectionLost(): void {
    if (this.#name !== null && this.#users.get(this.#name) === this) this.#users.delete(this.#name);
  }

  override lineReceived(line: Uint8Array): void {
    const text = decoder.decode(line);
    if (this.#state === 'GETNAME') this.#handleGetName(text);
    else this.#handleChat(text);
  }

  #handleGetName(name: string): void {
    if (name === '' || this.#users.has(name)) {
      this.sendLine('Name taken, please choose another.');
      return;
    }
    this.sendLine(`Welcome, ${name}!`);
    this.#name = name;
    this.#users.set(name, this);
    this.#state = 'CHAT';
  }

  #handleChat(message: string): void {
    const line = `<${this.#name ?? '?'}> ${message}`;
    for (const user of this.#users.values()) if (user !== this) user.sendLine(line);
  }
}

/** Holds the users shared by every connection, and hands each new Chat the map. */
class ChatFactory extends Factory<Chat> {
  readonly users = new Map<string, Chat>();
  override noisy = false;

  override buildProtocol(_addr: IAddress): Chat {
    const chat = new Chat(this.users);
    chat.factory = this;
    return chat;
  }
}

const port = await reactor.listenTCP(Number(process.env.PORT ?? 8123), new ChatFactory(), {
  interface: process.env.INTERFACE ?? '',
});
const host = port.getHost();
const portNumber = host instanceof IPv4Address || host instanceof IPv6Address ? host.port : NaN;
reactor.callWhenRunning(() => {
  console.log(`listening on ${portNumber}`);
});
void reactor.run().addCallback(() => {
  console.log('stopped');
});
