/**
 * AMP argument types: how a value becomes a box value and back (Twisted's
 * `Integer`, `String`, `Unicode`, `Float`, `Boolean`, `ListOf`, `AmpList`),
 * and the interface for custom types.
 *
 * @module
 */
import { concatBytes } from '../../core/bytes.js';
import { AmpBox, parseBoxes } from './box.js';
import { MalformedAmpBox, MAX_VALUE_LENGTH, TooLong } from './errors.js';
import { formatPythonFloat, parsePythonFloat, parsePythonInt } from './python-text.js';

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const asciiDecoder = new TextDecoder('latin1');

/**
 * An argument type: how a value of type `T` is written into a box under a
 * name and read back. Implement it for types that span several keys;
 * for one value per key, extend {@link Argument} instead.
 *
 * `optional` arguments may be left out: `undefined` is not sent, and a
 * missing key reads as `undefined`. For a required argument the key must be
 * present in the box (a missing one is a {@link MalformedAmpBox}).
 *
 * @typeParam T - the value type.
 * @typeParam O - whether the argument may be left out.
 */
export interface IArgumentType<T, O extends boolean = boolean> {
  /** Whether the argument may be omitted. */
  readonly optional: O;
  /**
   * True for a local argument ({@link LocalArgument}): never sent, never
   * read from a received box, its value stays on this side.
   */
  readonly local?: boolean;
  /** Writes `value` into `box` under `name` (and any keys derived from it). */
  toBox(name: string, value: T, box: AmpBox): void;
  /** Reads the value stored under `name`; called only when `box` has `name`. */
  fromBox(name: string, box: AmpBox): T;
}

/** Options every argument type takes. */
export interface ArgumentOptions<O extends boolean> {
  /** Whether the argument may be left out (default false). */
  readonly optional?: O;
}

/**
 * Base of the single-value argument types: subclasses turn one value into
 * one byte string and back.
 *
 * @example
 * ```ts
 * // A custom type: a point sent as "x,y".
 * class Point<O extends boolean = false> extends Argument<{ x: number; y: number }, O> {
 *   toWire(p: { x: number; y: number }): Uint8Array {
 *     return new TextEncoder().encode(`${p.x.toString()},${p.y.toString()}`);
 *   }
 *   fromWire(bytes: Uint8Array): { x: number; y: number } {
 *     const [x, y] = new TextDecoder().decode(bytes).split(',').map(Number);
 *     return { x: x ?? NaN, y: y ?? NaN };
 *   }
 * }
 * ```
 */
export abstract class Argument<T, const O extends boolean = false> implements IArgumentType<T, O> {
  /** Whether the argument may be omitted. */
  readonly optional: O;

  constructor(options?: ArgumentOptions<O>) {
    this.optional = options?.optional ?? (false as O);
  }

  /** The wire bytes for `value`; throws if `value` cannot be sent. */
  abstract toWire(value: T): Uint8Array;
  /** The value `bytes` stand for; throws if they are malformed. */
  abstract fromWire(bytes: Uint8Array): T;

  /** Stores {@link Argument.toWire} of `value` under `name`. */
  toBox(name: string, value: T, box: AmpBox): void {
    box.set(name, this.toWire(value));
  }

  /** {@link Argument.fromWire} of the value under `name`. */
  fromBox(name: string, box: AmpBox): T {
    return this.fromWire(box.get(name) as Uint8Array);
  }
}

/** A map from argument names (the wire keys) to their types. */
export type ArgumentMap = Readonly<Record<string, IArgumentType<unknown>>>;

/** The value type of an argument type. */
export type ValueOf<A> = A extends IArgumentType<infer T> ? T : never;

/**
 * The values object for an {@link ArgumentMap}: required keys for required
 * arguments, optional keys (`?: T | undefined`) for optional ones.
 */
export type ArgumentValues<S extends ArgumentMap> = {
  [
    K in keyof ({
      -readonly [P in keyof S as S[P] extends { readonly optional: true } ? never : P]: ValueOf<
        S[P]
      >;
    } & {
      -readonly [P in keyof S as S[P] extends { readonly optional: true } ? P : never]?:
        ValueOf<S[P]> | undefined;
    })
  ]: ({
    -readonly [P in keyof S as S[P] extends { readonly optional: true } ? never : P]: ValueOf<S[P]>;
  } & {
    -readonly [P in keyof S as S[P] extends { readonly optional: true } ? P : never]?:
      ValueOf<S[P]> | undefined;
  })[K];
};

/**
 * Writes `values` into `box` through `schema` (Twisted's
 * `_objectsToStrings`). An optional argument whose value is `undefined` is
 * left out. Keys of `values` not in `schema` are ignored here.
 *
 * @throws whatever an argument type throws for a value it cannot send, and
 *   {@link MalformedAmpBox} for a missing required value.
 */
export function valuesToBox(
  schema: ArgumentMap,
  values: Readonly<Record<string, unknown>>,
  box: AmpBox = new AmpBox(),
): AmpBox {
  for (const [name, type] of Object.entries(schema)) {
    const value = values[name];
    if (value === undefined) {
      if (type.optional) continue;
      throw new MalformedAmpBox(`no value for required argument ${name}`);
    }
    type.toBox(name, value, box);
  }
  return box;
}

/**
 * Reads the values `schema` names from `box` (Twisted's
 * `_stringsToObjects`); keys not in `schema` are ignored, a missing optional
 * argument is left out, and so is a local one (whatever the box holds).
 *
 * @throws {MalformedAmpBox} when a required argument is missing, and
 *   whatever an argument type throws for malformed bytes.
 */
export function boxToValues(schema: ArgumentMap, box: AmpBox): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(schema)) {
    if (type.local === true) continue;
    if (!box.has(name)) {
      if (type.optional) continue;
      throw new MalformedAmpBox(`missing argument ${name}`);
    }
    values[name] = type.fromBox(name, box);
  }
  return values;
}

/**
 * An integer as a JavaScript `number`, written in decimal ASCII (`b"%d"`).
 *
 * Twisted's integers have no size limit; this type accepts only safe
 * integers (|n| ≤ 2^53 − 1), in both directions: a larger value received is
 * a `RangeError`. Use {@link BigInteger} (the same wire format) where values
 * may be larger.
 */
export class Integer<const O extends boolean = false> extends Argument<number, O> {
  /** @throws {RangeError} if `value` is not a safe integer. */
  toWire(value: number): Uint8Array {
    if (!Number.isSafeInteger(value))
      throw new RangeError(`not a safe integer: ${value.toString()}`);
    return encoder.encode(value.toString());
  }

  /** @throws {SyntaxError} if not an integer; `RangeError` if not a safe one. */
  fromWire(bytes: Uint8Array): number {
    const n = parsePythonInt(asciiDecoder.decode(bytes));
    if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new RangeError(`integer too large for a number, use BigInteger: ${n.toString()}`);
    }
    return Number(n);
  }
}

/** An integer of any size as a `bigint`; the same wire format as {@link Integer}. */
export class BigInteger<const O extends boolean = false> extends Argument<bigint, O> {
  /** Decimal ASCII. */
  toWire(value: bigint): Uint8Array {
    return encoder.encode(value.toString());
  }

  /** @throws {SyntaxError} if the bytes are not an integer as Python's `int()` reads them. */
  fromWire(bytes: Uint8Array): bigint {
    return parsePythonInt(asciiDecoder.decode(bytes));
  }
}

/** Bytes, sent as they are (Twisted's `String`). */
export class String<const O extends boolean = false> extends Argument<Uint8Array, O> {
  /** The bytes themselves. */
  toWire(value: Uint8Array): Uint8Array {
    return value;
  }

  /** The bytes themselves. */
  fromWire(bytes: Uint8Array): Uint8Array {
    return bytes;
  }
}

/** Text, sent as UTF-8; receiving invalid UTF-8 is a `TypeError`. */
export class Unicode<const O extends boolean = false> extends Argument<string, O> {
  /** UTF-8. */
  toWire(value: string): Uint8Array {
    return encoder.encode(value);
  }

  /** @throws {TypeError} on invalid UTF-8. */
  fromWire(bytes: Uint8Array): string {
    return strictDecoder.decode(bytes);
  }
}

/**
 * A float, written as Python's `str(float)` (`1.0`, `0.1`, `1e+100`, `inf`,
 * `-inf`, `nan`), so Twisted reads back the same number.
 */
export class Float<const O extends boolean = false> extends Argument<number, O> {
  /** @throws {TypeError} if `value` is not a number. */
  toWire(value: number): Uint8Array {
    if (typeof value !== 'number') throw new TypeError(`Bad float value ${typeof value}`);
    return encoder.encode(formatPythonFloat(value));
  }

  /** @throws {SyntaxError} if Python's `float()` would reject the bytes. */
  fromWire(bytes: Uint8Array): number {
    return parsePythonFloat(asciiDecoder.decode(bytes));
  }
}

const TRUE = encoder.encode('True');
const FALSE = encoder.encode('False');

/** A boolean, written `True` or `False`; anything else received is a `TypeError`. */
export class Boolean<const O extends boolean = false> extends Argument<boolean, O> {
  /** `True` or `False`. */
  toWire(value: boolean): Uint8Array {
    return value ? TRUE : FALSE;
  }

  /** @throws {TypeError} unless the bytes are exactly `True` or `False`. */
  fromWire(bytes: Uint8Array): boolean {
    const text = asciiDecoder.decode(bytes);
    if (text === 'True') return true;
    if (text === 'False') return false;
    throw new TypeError(`Bad boolean value: ${JSON.stringify(text)}`);
  }
}

/**
 * A list of values of one single-value type: each element's bytes with a
 * 2-byte big-endian length before them. As in Twisted, bytes after the last
 * complete element are ignored, and the whole list must fit in one value
 * (65,535 bytes).
 *
 * @example
 * ```ts
 * const Scores = command({ name: 'Scores', arguments: { scores: new ListOf(new Integer()) } });
 * ```
 */
export class ListOf<T, const O extends boolean = false> extends Argument<T[], O> {
  /** The type of each element. */
  readonly elementType: Argument<T, boolean>;

  constructor(elementType: Argument<T, boolean>, options?: ArgumentOptions<O>) {
    super(options);
    this.elementType = elementType;
  }

  /** @throws {TooLong} if an element's bytes exceed 65,535. */
  toWire(values: readonly T[]): Uint8Array {
    const parts = values.map((v) => this.elementType.toWire(v));
    const out = new Uint8Array(parts.reduce((n, p) => n + 2 + p.length, 0));
    let at = 0;
    for (const p of parts) {
      if (p.length > MAX_VALUE_LENGTH) throw new TooLong(false, true, p.length);
      out[at] = p.length >>> 8;
      out[at + 1] = p.length & 0xff;
      out.set(p, at + 2);
      at += 2 + p.length;
    }
    return out;
  }

  /** Each complete element, decoded. */
  fromWire(bytes: Uint8Array): T[] {
    const values: T[] = [];
    let at = 0;
    while (at + 2 <= bytes.length) {
      const n = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
      if (at + 2 + n > bytes.length) break;
      values.push(this.elementType.fromWire(bytes.subarray(at + 2, at + 2 + n)));
      at += 2 + n;
    }
    return values;
  }
}

/**
 * A list of records, each sent as a whole serialized box (Twisted's
 * `AmpList`); the records' fields are declared like a command's arguments.
 *
 * @example
 * ```ts
 * const people = new AmpList({ name: new Unicode(), age: new Integer() });
 * ```
 */
export class AmpList<const S extends ArgumentMap, const O extends boolean = false> extends Argument<
  ArgumentValues<S>[],
  O
> {
  /** The fields of each record. */
  readonly schema: S;

  constructor(schema: S, options?: ArgumentOptions<O>) {
    super(options);
    this.schema = schema;
  }

  /** The records' boxes, serialized one after the other. */
  toWire(values: readonly ArgumentValues<S>[]): Uint8Array {
    return concatBytes(values.map((v) => valuesToBox(this.schema, v).serialize()));
  }

  /** The records of each complete box. */
  fromWire(bytes: Uint8Array): ArgumentValues<S>[] {
    return parseBoxes(bytes).map((box) => boxToValues(this.schema, box) as ArgumentValues<S>);
  }
}

/**
 * An argument that never goes on the wire (Twisted's `_LocalArgument`): it
 * lets a command take, or a responder return, a value for this side only,
 * such as StartTLS's certificate or a protocol switch's factory. Sending
 * writes nothing; a received box never supplies it.
 *
 * @typeParam T - the value type.
 * @typeParam O - whether it may be left out.
 */
export class LocalArgument<T, const O extends boolean = false> implements IArgumentType<T, O> {
  /** Whether the argument may be omitted. */
  readonly optional: O;
  /** Always true: see {@link IArgumentType.local}. */
  readonly local = true;

  constructor(options?: ArgumentOptions<O>) {
    this.optional = options?.optional ?? (false as O);
  }

  /** Writes nothing: the value stays on this side. */
  toBox(_name: string, _value: T, _box: AmpBox): void {
    // Nothing to write: a local argument never goes on the wire.
  }

  /**
   * Never called for a local argument ({@link boxToValues} skips them).
   *
   * @throws {TypeError} always.
   */
  fromBox(name: string, _box: AmpBox): T {
    throw new TypeError(`${name} is a local argument: it is never read from a box`);
  }
}
