/** Commands shared by the AMP tests, mirroring the ones the Twisted fixtures were made with. */
import { AMP, command, Float, Integer, Unicode } from '../../../src/protocols/amp/index.js';

/** Python's ZeroDivisionError, declared as `ZERO_DIVISION`. */
export class DivisionByZero extends Error {
  override name = 'DivisionByZero';
}

/** Declared fatal as `BOOM`. */
export class Boom extends Error {
  override name = 'Boom';
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
  errors: { ZERO_DIVISION: DivisionByZero },
});

export const BoomCommand = command({ name: 'Boom', fatalErrors: { BOOM: Boom } });

export const Oops = command({ name: 'Oops' });

export const Note = command({
  name: 'Note',
  arguments: { text: new Unicode() },
  requiresAnswer: false,
});

export const Nope = command({ name: 'Nope' });

/** Twisted's fixture server: Sum, Divide, Boom (fatal), Oops (undeclared error), Note. */
export class Calculator extends AMP {
  readonly notes: string[] = [];

  constructor() {
    super();
    this.respond(Sum, ({ a, b }) => ({ total: a + b }));
    this.respond(Divide, ({ numerator, denominator }) => {
      if (denominator === 0) throw new DivisionByZero('division by zero');
      return { result: numerator / denominator };
    });
    this.respond(BoomCommand, () => {
      throw new Boom('kaboom');
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
