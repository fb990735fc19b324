/**
 * Python's text forms of numbers and bytes, so that weft writes what
 * Twisted writes (`b"%d"`, `str(float)`, `repr(bytes)`) and reads what
 * Twisted reads (`int()`, `float()`).
 *
 * @internal
 * @module
 */

/** Python's whitespace for `int()`/`float()` on bytes: ASCII space, \t \n \v \f \r. */
const SPACE = '[ \\t\\n\\v\\f\\r]*';
const DIGITS = '\\d(?:_?\\d)*';
const INT = new RegExp(`^${SPACE}([+-]?)(${DIGITS})${SPACE}$`);
const FLOAT = new RegExp(
  `^${SPACE}([+-]?(?:(?:${DIGITS})(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?)${SPACE}$`,
);
const SPECIAL = new RegExp(`^${SPACE}([+-]?)(inf|infinity|nan)${SPACE}$`, 'i');

/**
 * Parses an integer as Python's `int(bytes)` does (sign, ASCII digits,
 * single underscores between digits, surrounding whitespace).
 *
 * @throws {SyntaxError} if `text` is not such an integer.
 */
export function parsePythonInt(text: string): bigint {
  const m = INT.exec(text);
  if (m === null) throw new SyntaxError(`invalid literal for int(): ${JSON.stringify(text)}`);
  const magnitude = BigInt((m[2] as string).replaceAll('_', ''));
  return m[1] === '-' ? -magnitude : magnitude;
}

/**
 * Parses a float as Python's `float(bytes)` does, `inf`, `infinity` and
 * `nan` (any case, signed) included.
 *
 * @throws {SyntaxError} if `text` is not such a float.
 */
export function parsePythonFloat(text: string): number {
  const special = SPECIAL.exec(text);
  if (special !== null) {
    if ((special[2] as string).toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  const m = FLOAT.exec(text);
  if (m === null)
    throw new SyntaxError(`could not convert string to float: ${JSON.stringify(text)}`);
  return Number((m[1] as string).replaceAll('_', ''));
}

/**
 * `str(float)` in Python 3: the shortest digits that read back as the same
 * number, in positional form for exponents -4..15 (`0.0001`, `1e-05`,
 * `1000000000000000.0`, `1e+16`), and `inf`, `-inf`, `nan`.
 */
export function formatPythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument gives the shortest round-trip digits.
  const [mantissa, exp] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exponent = Number(exp);
  const sign = x < 0 ? '-' : '';
  const decpt = exponent + 1;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
  const e = Math.abs(exponent);
  return `${sign}${digits[0] as string}${fraction}e${exponent < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${String(e)}`;
}

/** Python's `repr(bytes)`: `b'Sum'`, `b"it's"`, `b'\x00\n'`. */
export function pythonBytesRepr(bytes: Uint8Array): string {
  const hasSingle = bytes.includes(0x27);
  const quote = hasSingle && !bytes.includes(0x22) ? '"' : "'";
  let out = `b${quote}`;
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === quote.charCodeAt(0)) out += `\\${quote}`;
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out}${quote}`;
}
