/**
 * AMP's `Decimal` argument and {@link AmpDecimal}, a decimal number kept as
 * its canonical text (Python's `decimal.Decimal`, without arithmetic).
 *
 * @module
 */
import { Argument } from './arguments.js';

const encoder = new TextEncoder();
const asciiDecoder = new TextDecoder('latin1');

const SYNTAX =
  /^[ \t\n\v\f\r]*([+-])?(?:(?=\d|\.\d)(\d(?:_?\d)*)?(?:\.(\d(?:_?\d)*)?)?(?:e([+-]?\d(?:_?\d)*))?|(inf(?:inity)?)|(s)?nan(\d(?:_?\d)*)?)[ \t\n\v\f\r]*$/i;

/**
 * A decimal number as text, canonicalized as Python's `str(Decimal(text))`
 * writes it, so what Twisted sends reads back unchanged: `1.50` keeps its
 * precision, `1e2` is `1E+2`, `.5` is `0.5`, `inf` is `Infinity`, and `NaN`,
 * `-NaN`, `sNaN` and NaN payloads are kept. No arithmetic: convert with
 * {@link AmpDecimal.toNumber} or hand {@link AmpDecimal.text} to a decimal
 * library.
 *
 * @example
 * ```ts
 * new AmpDecimal('1.50').text; // '1.50'
 * new AmpDecimal('1e2').text; // '1E+2'
 * ```
 */
export class AmpDecimal {
  /** The canonical text (Python's `str()` of the same `Decimal`). */
  readonly text: string;

  /** @throws {SyntaxError} if Python's `Decimal()` would reject `text`. */
  constructor(text: string) {
    this.text = canonical(text);
  }

  /** The nearest `number` (`NaN` for NaNs). */
  toNumber(): number {
    if (this.text.endsWith('Infinity')) return this.text.startsWith('-') ? -Infinity : Infinity;
    return this.text.includes('NaN') ? NaN : Number(this.text);
  }

  /** {@link AmpDecimal.text}. */
  toString(): string {
    return this.text;
  }
}

/** Python's to-scientific-string of the decimal `text` spells. */
function canonical(text: string): string {
  const m = SYNTAX.exec(text);
  if (m === null) throw new SyntaxError(`Invalid literal for Decimal: ${JSON.stringify(text)}`);
  const sign = m[1] === '-' ? '-' : '';
  if (m[5] !== undefined) return `${sign}Infinity`;
  if (text.toLowerCase().includes('nan')) {
    const payload = (m[7] ?? '').replaceAll('_', '').replace(/^0+/, '');
    return `${sign}${m[6] === undefined ? '' : 's'}NaN${payload}`;
  }
  const intPart = (m[2] ?? '').replaceAll('_', '');
  const fracPart = (m[3] ?? '').replaceAll('_', '');
  let exponent = Number((m[4] ?? '0').replaceAll('_', '')) - fracPart.length;
  const coefficient = `${intPart}${fracPart}`.replace(/^0+(?=\d)/, '');
  if (!Number.isSafeInteger(exponent)) throw new SyntaxError(`exponent out of range: ${text}`);
  exponent = exponent === 0 ? 0 : exponent; // no -0
  const adjusted = exponent + coefficient.length - 1;
  if (exponent <= 0 && adjusted >= -6) {
    if (exponent === 0) return `${sign}${coefficient}`;
    const point = coefficient.length + exponent;
    if (point > 0) return `${sign}${coefficient.slice(0, point)}.${coefficient.slice(point)}`;
    return `${sign}0.${'0'.repeat(-point)}${coefficient}`;
  }
  const rest = coefficient.length > 1 ? `.${coefficient.slice(1)}` : '';
  return `${sign}${coefficient[0] as string}${rest}E${adjusted >= 0 ? '+' : ''}${String(adjusted)}`;
}

/** An {@link AmpDecimal}, written as its canonical text. */
export class Decimal<const O extends boolean = false> extends Argument<AmpDecimal, O> {
  /** The canonical text, ASCII. */
  toWire(value: AmpDecimal): Uint8Array {
    return encoder.encode(value.text);
  }

  /** @throws {SyntaxError} if Python's `Decimal()` would reject the bytes. */
  fromWire(bytes: Uint8Array): AmpDecimal {
    return new AmpDecimal(asciiDecoder.decode(bytes));
  }
}
