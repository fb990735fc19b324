// The AMP commands every AMP test declares, in one place: the unit tests (test/protocols/amp),
// the type tests (test/types/amp.test.ts) and the Twisted interop tests (test/interop, whose
// Python peer amp_peer.py declares the same commands), with the weft responders for them.
import { Protocol } from '../../src/core/protocol.js';
import {
  AMP,
  AmpBox,
  AmpDecimal,
  AmpList,
  BigInteger,
  Boolean as AmpBoolean,
  command,
  DateTime,
  Decimal,
  Float,
  Integer,
  ListOf,
  Path,
  protocolSwitchCommand,
  String as AmpString,
  Unicode,
  type ArgumentsOf,
} from '../../src/protocols/amp/index.js';

/** Python's ZeroDivisionError, declared by Divide as `ZERO_DIVISION`. */
export class ZeroDivision extends Error {
  override name = 'ZeroDivision';
}
/** Python's RuntimeError, declared fatal by Boom as `BOOM`. */
export class Runtime extends Error {
  override name = 'Runtime';
}

export const Sum = command({
  name: 'Sum',
  arguments: { a: new Integer(), b: new Integer() },
  response: { total: new Integer() },
});
export const Divide = command({
  name: 'Divide',
  arguments: { numerator: new Integer(), denominator: new Integer() },
  response: { result: new Float() },
  errors: { ZERO_DIVISION: ZeroDivision },
});
export const Boom = command({ name: 'Boom', fatalErrors: { BOOM: Runtime } });
/** Nobody responds to it: answered `UNHANDLED`. */
export const Nope = command({ name: 'Nope' });
/** Its weft responder throws an undeclared error: answered `UNKNOWN`, connection closed. */
export const Oops = command({ name: 'Oops' });
export const Note = command({
  name: 'Note',
  arguments: { text: new Unicode() },
  requiresAnswer: false,
});
export const GetNotes = command({
  name: 'GetNotes',
  response: { notes: new ListOf(new Unicode()) },
});
export const Double = command({
  name: 'Double',
  arguments: { x: new Integer() },
  response: { y: new Integer() },
});
export const Back = command({
  name: 'Back',
  arguments: { x: new Integer() },
  response: { y: new Integer() },
});

const FIELDS = {
  i: new BigInteger(),
  s: new AmpString(),
  u: new Unicode(),
  fl: new Float(),
  b: new AmpBoolean(),
  l: new ListOf(new BigInteger()),
  al: new AmpList({ n: new Integer(), note: new Unicode({ optional: true }) }),
  dt: new DateTime(),
  dec: new Decimal(),
  opt: new Unicode({ optional: true }),
  p: new Path(),
};
export const Echo = command({ name: 'Echo', arguments: FIELDS, response: FIELDS });

/** Every byte value, 255 times: 65,280 bytes. */
const everyByte = new Uint8Array(256 * 255).map((_, i) => i % 256);

/** The same edge cases as amp_peer.py's EDGE_CASES. */
export const EDGE_CASES: ArgumentsOf<typeof Echo>[] = [
  {
    i: 2n ** 100n,
    s: new Uint8Array(0),
    u: '',
    fl: NaN,
    b: true,
    l: [],
    al: [],
    dt: {
      year: 1,
      month: 1,
      day: 1,
      hour: 0,
      minute: 0,
      second: 0,
      microsecond: 0,
      offsetMinutes: 330,
    },
    dec: new AmpDecimal('1.50'),
    p: '/',
  },
  {
    i: -(10n ** 40n),
    s: everyByte,
    u: 'καλημέρα κόσμε 🌍',
    fl: -Infinity,
    b: false,
    l: [0n, -1n, 2n ** 70n],
    al: [{ n: 7, note: 'hi' }, { n: 9 }],
    dt: {
      year: 9999,
      month: 12,
      day: 31,
      hour: 23,
      minute: 59,
      second: 59,
      microsecond: 999_999,
      offsetMinutes: -1439,
    },
    dec: new AmpDecimal('-sNaN'),
    opt: 'ü',
    p: '/tmp/καλημέρα/ü 🌍',
  },
  {
    i: 0n,
    s: new Uint8Array(65_535),
    u: 'x',
    fl: 1e-5,
    b: true,
    l: [300n],
    al: [{ n: 1, note: 'ä' }],
    dt: {
      year: 2026,
      month: 11,
      day: 22,
      hour: 3,
      minute: 15,
      second: 0,
      microsecond: 1,
      offsetMinutes: 0,
    },
    dec: new AmpDecimal('1E+2'),
    opt: '',
    p: '/a b/c.txt',
  },
];

/** Switches the connection to an echo protocol (amp_peer.py's SwitchToEcho). */
export const SwitchToEcho = protocolSwitchCommand({
  name: 'SwitchToEcho',
  arguments: { greeting: new Unicode() },
});

/** Writes back what it receives: what a SwitchToEcho responder switches to. */
export class EchoProtocol extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport.write(data);
  }
}

/** Answers the CN of the certificate the caller presented over TLS ('' if none). */
export const WhoAmI = command({ name: 'WhoAmI', response: { cn: new Unicode() } });

/**
 * Twisted's fixture server (test/protocols/amp/fixtures.ts were made against it): Sum, Divide,
 * Boom (fatal), Oops (an undeclared error), Note.
 */
export class Calculator extends AMP {
  readonly notes: string[] = [];

  constructor() {
    super();
    this.respond(Sum, ({ a, b }) => ({ total: a + b }));
    this.respond(Divide, ({ numerator, denominator }) => {
      if (denominator === 0) throw new ZeroDivision('division by zero');
      return { result: numerator / denominator };
    });
    this.respond(Boom, () => {
      throw new Runtime('kaboom');
    });
    this.respond(Oops, () => {
      throw new RangeError('x');
    });
    this.respond(Note, ({ text }) => {
      this.notes.push(text);
      return {};
    });
  }
}

/** The weft side of the interop tests: the responders amp_peer.py's Peer has. */
export class Peer extends Calculator {
  constructor() {
    super();
    this.respond(GetNotes, () => ({ notes: this.notes }));
    this.respond(Double, ({ x }) => ({ y: 2 * x }));
    this.respond(Back, ({ x }) =>
      this.callRemote(Double, { x }).addCallback(({ y }) => ({ y: y + 1 })),
    );
    this.respond(Echo, (args) => args);
    this.respond(SwitchToEcho, () => ({ protocol: new EchoProtocol() }));
  }

  /** Low-level string dispatch (amp_peer.py's amp_HELLO): the raw box in and out. */
  amp_HELLO(box: AmpBox): AmpBox {
    return AmpBox.of({ hello: box.get('hello') ?? '' });
  }
}
