// A protocol talking line by line to a child process: the same protocol class would work over
// TCP, because ProtocolProcessAdapter gives it the child's stdin and stdout as its transport.
//
// The child is a small calculator (`node -e`, so the example needs nothing but Node): it reads
// one expression per line, such as "6 * 7", and answers "= 42". The protocol sends the next
// question when the previous answer arrives, closes the child's stdin after the last one, and
// is told connectionLost(ConnectionDone) once the child has exited with status 0. Then the
// example runs `sort` over stdin with getProcessOutputAndValue.
//
// Run it with `npx tsc -p tsconfig.examples.json && node .build/examples/process-line-protocol.js`.
// It prints:
//
//   > 6 * 7
//   < = 42
//   > 2 ** 10
//   < = 1024
//   > 1 / 0
//   < error: division by zero
//   calculator ended: ConnectionDone
//   sort: apple,banana,cherry (exit status 0)
import { pathToFileURL } from 'node:url';

import {
  Deferred,
  type Failure,
  getProcessOutputAndValue,
  Protocol,
  ProtocolProcessAdapter,
  reactor,
} from '../src/index.js';

/** The child: a line-oriented calculator over stdin/stdout. */
const CALCULATOR = `
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const [a, op, b] = line.split(' ');
  const x = Number(a), y = Number(b);
  if (op === '/' && y === 0) console.log('error: division by zero');
  else console.log('= ' + { '*': x * y, '/': x / y, '+': x + y, '-': x - y, '**': x ** y }[op]);
});
`;

/** Splits incoming bytes into lines (a tiny stand-in for weft/protocols/basic's LineReceiver). */
class LineProtocol extends Protocol {
  #buffer = '';
  readonly #decoder = new TextDecoder();

  override dataReceived(data: Uint8Array): void {
    this.#buffer += this.#decoder.decode(data, { stream: true });
    let end: number;
    while ((end = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 1);
      this.lineReceived(line);
    }
  }

  sendLine(line: string): void {
    this.transport.write(`${line}\n`);
  }

  lineReceived(_line: string): void {
    // Override.
  }
}

/** Asks each question in turn, then closes the child's stdin. */
class Questioner extends LineProtocol {
  readonly #questions: string[];
  readonly #out: (line: string) => void;
  /** Fires with the name of the reason the connection ended with. */
  readonly done = new Deferred<string>();

  constructor(questions: readonly string[], out: (line: string) => void) {
    super();
    this.#questions = [...questions];
    this.#out = out;
  }

  override connectionMade(): void {
    this.#askNext();
  }

  override lineReceived(line: string): void {
    this.#out(`< ${line}`);
    this.#askNext();
  }

  override connectionLost(reason: Failure): void {
    this.done.callback((reason.value as Error).name);
  }

  #askNext(): void {
    const question = this.#questions.shift();
    if (question === undefined) {
      this.transport.loseConnection(); // EOF on the child's stdin: it exits
      return;
    }
    this.#out(`> ${question}`);
    this.sendLine(question);
  }
}

export async function main(out: (line: string) => void = console.log): Promise<void> {
  const questioner = new Questioner(['6 * 7', '2 ** 10', '1 / 0'], out);
  reactor.spawnProcess(
    new ProtocolProcessAdapter(questioner, { executable: 'calculator' }),
    process.execPath,
    ['node', '-e', CALCULATOR],
  );
  out(`calculator ended: ${await questioner.done}`);

  // The helpers take the arguments without argv[0]; env: null passes this process's PATH.
  const [sorted, , code] = await getProcessOutputAndValue('sort', [], {
    env: null,
    stdinBytes: 'cherry\napple\nbanana\n',
  });
  const fruit = new TextDecoder().decode(sorted).trim().split('\n').join(',');
  out(`sort: ${fruit} (exit status ${String(code)})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
