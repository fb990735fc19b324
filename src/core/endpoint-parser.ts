/**
 * The endpoint description grammar (Twisted's `_tokenize`/`_parse` in
 * `endpoints.py`) and the value checks endpoint parsers share. Pure: no
 * reactor, no platform.
 *
 * ```
 * description := segment (':' segment)*
 * segment     := value                  positional argument
 *              | key '=' value          keyword argument (the first '=' splits;
 *                                       later ones belong to the value)
 * '\' x        := the character x, whatever it is ('\:' a colon, '\=' an
 *                 equals sign, '\\' a backslash)
 * ```
 *
 * The first positional argument is the endpoint type (`tcp`, `unix`, ...).
 * A repeated keyword keeps its last value.
 *
 * @module
 */
import { EndpointArgumentError, EndpointStringError } from './endpoint-errors.js';

/** A description split into its positional and keyword arguments. */
export interface ParsedEndpointDescription {
  /** The positional arguments, the endpoint type first. */
  readonly args: string[];
  /** The keyword arguments (a prototype-less object: any key is safe). */
  readonly kwargs: Record<string, string>;
}

/**
 * Splits `description` into positional and keyword arguments.
 *
 * @throws {EndpointStringError} if it ends in an unpaired backslash.
 *
 * @example
 * ```ts
 * import { parseEndpointDescription } from 'weft/core';
 * const { args, kwargs } = parseEndpointDescription('unix:path=/tmp/a\\:b:timeout=5');
 * // args: ['unix'], kwargs: { path: '/tmp/a:b', timeout: '5' }
 * console.log(args, kwargs);
 * ```
 */
export function parseEndpointDescription(description: string): ParsedEndpointDescription {
  const args: string[] = [];
  const kwargs = Object.create(null) as Record<string, string>;
  let current = '';
  let key: string | null = null; // set once this segment's first '=' is seen
  const endSegment = (): void => {
    if (key === null) args.push(current);
    else kwargs[key] = current;
    current = '';
    key = null;
  };
  for (let i = 0; i < description.length; i++) {
    const c = description.charAt(i);
    if (c === ':') {
      endSegment();
    } else if (c === '=' && key === null) {
      key = current;
      current = '';
    } else if (c === '\\') {
      i++;
      if (i >= description.length) {
        throw new EndpointStringError(description, 'Unpaired backslash at the end');
      }
      current += description.charAt(i);
    } else {
      current += c;
    }
  }
  endSegment();
  return { args, kwargs };
}

/**
 * `value` quoted for a keyword argument's value: backslashes and colons
 * escaped (Twisted's `quoteStringArgument`). For a positional argument,
 * also escape `=`: `quoteStringArgument(value).replaceAll('=', '\\=')`.
 *
 * @example
 * ```ts
 * import { quoteStringArgument } from 'weft/core';
 * const description = `unix:path=${quoteStringArgument('C:\\sockets\\a')}`;
 * console.log(description); // unix:path=C\:\\sockets\\a
 * ```
 */
export function quoteStringArgument(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll(':', '\\:');
}

const DIGITS = /^\d+$/;
const DECIMAL = /^(?:\d+\.?\d*|\.\d+)$/;

/**
 * `value` as a non-negative integer written in decimal digits (Twisted's
 * `int(value)`, without signs or spaces).
 *
 * @throws {EndpointArgumentError} if it is not one, or is above `max`.
 */
export function parseIntegerArgument(
  description: string,
  name: string,
  value: string,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  const n = DIGITS.test(value) ? Number(value) : NaN;
  if (!(n <= max)) {
    throw new EndpointArgumentError(
      description,
      name,
      `${name} must be an integer from 0 to ${String(max)}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** `value` as a port number, 0 to 65535. @throws {EndpointArgumentError} otherwise. */
export function parsePortArgument(description: string, name: string, value: string): number {
  return parseIntegerArgument(description, name, value, 65535);
}

/**
 * `value` as seconds: a non-negative decimal (`'30'`, `'2.5'`). Twisted
 * accepts integers only; weft also takes fractions.
 *
 * @throws {EndpointArgumentError} otherwise.
 */
export function parseSecondsArgument(description: string, name: string, value: string): number {
  if (!DECIMAL.test(value)) {
    throw new EndpointArgumentError(
      description,
      name,
      `${name} must be a number of seconds, got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

/** `value` as an octal file mode (`'666'`, `'0600'`). @throws {EndpointArgumentError} otherwise. */
export function parseOctalArgument(description: string, name: string, value: string): number {
  if (!/^[0-7]{1,6}$/.test(value)) {
    throw new EndpointArgumentError(
      description,
      name,
      `${name} must be an octal number, got ${JSON.stringify(value)}`,
    );
  }
  return parseInt(value, 8);
}

/**
 * `value` as a flag: `'0'` is false, any other integer true (Twisted's
 * `bool(int(value))`).
 *
 * @throws {EndpointArgumentError} if it is not an integer.
 */
export function parseFlagArgument(description: string, name: string, value: string): boolean {
  return parseIntegerArgument(description, name, value) !== 0;
}

/**
 * The arguments of one endpoint type, by name: positional arguments bound
 * to `positional` names in order, then keyword arguments. What a parser
 * registered for an endpoint type uses to check its input.
 *
 * @param args - the positional arguments after the endpoint type.
 * @param positional - the names positional arguments bind to, in order.
 * @param keywords - every accepted name (positional names included).
 * @throws {EndpointArgumentError} for too many positional arguments, an
 *   unknown keyword, or one given both ways.
 */
export function bindEndpointArguments(
  description: string,
  args: readonly string[],
  kwargs: Readonly<Record<string, string>>,
  positional: readonly string[],
  keywords: readonly string[],
): Map<string, string> {
  if (args.length > positional.length) {
    throw new EndpointArgumentError(
      description,
      `#${String(positional.length + 1)}`,
      `Too many positional arguments (at most ${String(positional.length)})`,
    );
  }
  const bound = new Map<string, string>();
  args.forEach((value, i) => {
    bound.set(positional[i] ?? '', value);
  });
  for (const [key, value] of Object.entries(kwargs)) {
    if (!keywords.includes(key)) {
      throw new EndpointArgumentError(
        description,
        key,
        `Unknown argument ${JSON.stringify(key)} (accepted: ${keywords.join(', ')})`,
      );
    }
    if (bound.has(key)) {
      throw new EndpointArgumentError(
        description,
        key,
        `Argument ${JSON.stringify(key)} given both by position and by name`,
      );
    }
    bound.set(key, value);
  }
  return bound;
}

/** The bound argument `name`. @throws {EndpointArgumentError} if it is missing. */
export function requireEndpointArgument(
  description: string,
  bound: ReadonlyMap<string, string>,
  name: string,
): string {
  const value = bound.get(name);
  if (value === undefined) {
    throw new EndpointArgumentError(description, name, `Missing argument ${JSON.stringify(name)}`);
  }
  return value;
}
