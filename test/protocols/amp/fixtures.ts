/**
 * Wire fixtures for AMP, generated once with Twisted 22.4 (`AmpBox.serialize`,
 * `AMP.callRemote`, and an `AMP` server answering over a StringTransport),
 * pasted as hex beside what they decode to; and the small helpers the AMP
 * tests share.
 */
import type { Deferred } from '../../../src/core/defer.js';
import { concatBytes } from '../../../src/core/bytes.js';
import type { Failure } from '../../../src/core/failure.js';
import { AmpBox } from '../../../src/protocols/amp/index.js';

/** The bytes a hex string spells (spaces allowed). */
export function hex(text: string): Uint8Array {
  const clean = text.replaceAll(' ', '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `bytes` as lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** `text` as UTF-8. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** The wire bytes of a box with `values`. */
export function box(values: Record<string, string>): Uint8Array {
  return AmpBox.of(values).serialize();
}

/** `parts` as one array. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

/**
 * Records how `d` settles, from now: a call's Deferred must be handled before its answer arrives,
 * or (as in Twisted) the failure is unhandled and drops the connection.
 */
export function settled<T>(d: Deferred<T>): { value?: T; failure?: Failure } {
  const out: { value?: T; failure?: Failure } = {};
  void d.addCallbacks(
    (value) => {
      out.value = value;
    },
    (failure) => {
      out.failure = failure;
    },
  );
  return out;
}

/** Sum(a=13, b=81) asked with tag 1: `_ask: 1, _command: Sum, a: 13, b: 81`. */
export const SUM_CALL =
  '00045f61736b0001310008 5f636f6d6d616e64 0003 53756d 0001 61 0002 3133 0001 62 0002 3831 0000';

/** Note(text='hi') without `_ask` (requiresAnswer=False), the connection's second call. */
export const NOTE_CALL = '00085f636f6d6d616e6400044e6f7465000474657874000268690000';

/** Divide(numerator=1, denominator=0), tag 3 (after Sum and Note: a tag is used even without `_ask`). */
export const DIVIDE_CALL =
  '00045f61736b00013300085f636f6d6d616e640006446976696465000b64656e6f6d696e61746f7200013000096e756d657261746f720001310000';

/** Answer to Sum(a=1, b=2) asked as `ff`: `_answer: ff, total: 3`. */
export const SUM_ANSWER = '00075f616e73776572000266660005746f74616c0001330000';

/** Answer to Sum(a=1, b=2, c=3) asked as 7 (the extra argument is ignored): `_answer: 7, total: 3`. */
export const SUM_EXTRA_ANSWER = '00075f616e737765720001370005746f74616c0001330000';

/** Divide by zero, tag 2: `_error: 2, _error_code: ZERO_DIVISION, _error_description: division by zero`. */
export const DIVIDE_ERROR =
  '00065f6572726f72000132000b5f6572726f725f636f6465000d5a45524f5f4449564953494f4e00125f6572726f725f6465736372697074696f6e00106469766973696f6e206279207a65726f0000';

/** Unknown command Nope, tag 3: `_error_code: UNHANDLED, _error_description: Unhandled Command: b'Nope'`; connection kept. */
export const NOPE_ERROR =
  '00065f6572726f72000133000b5f6572726f725f636f64650009554e48414e444c454400125f6572726f725f6465736372697074696f6e001a556e68616e646c656420436f6d6d616e643a2062274e6f7065270000';

/** Fatal error, tag 4: `_error_code: BOOM, _error_description: kaboom`; then the connection closes. */
export const BOOM_ERROR =
  '00065f6572726f72000134000b5f6572726f725f636f64650004424f4f4d00125f6572726f725f6465736372697074696f6e00066b61626f6f6d0000';

/** Undeclared error for tag `tag` (one hex digit): `_error_code: UNKNOWN, _error_description: Unknown Error`; then closed. */
export function unknownError(tag: string): string {
  return `00065f6572726f720001${toHex(utf8(tag))}000b5f6572726f725f636f64650007554e4b4e4f574e00125f6572726f725f6465736372697074696f6e000d556e6b6e6f776e204572726f720000`;
}
