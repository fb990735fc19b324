/**
 * Type tests for AMP commands: argument and response types are inferred
 * from the declarations. The `expectTypeOf` assertions and `@ts-expect-error`
 * lines are checked by `tsc -p tsconfig.json --noEmit`; vitest runs the file
 * too.
 */
import { describe, expectTypeOf, it } from 'vitest';

import { Deferred, succeed } from '../../src/core/index.js';
import { AMP } from '../../src/protocols/amp/index.js';
import type {
  AmpDateTime,
  AmpDecimal,
  ArgumentsOf,
  CallResult,
  ResponseOf,
} from '../../src/protocols/amp/index.js';
import { Echo, Note, Sum } from '../support/amp-commands.js';

describe('AMP command types', () => {
  it('types callRemote by the command: Deferred of the response', () => {
    const amp = new AMP();
    const call = (): Deferred<{ total: number }> => amp.callRemote(Sum, { a: 1, b: 2 });
    expectTypeOf(call).returns.toEqualTypeOf<Deferred<{ total: number }>>();
    expectTypeOf<ResponseOf<typeof Sum>>().toEqualTypeOf<{ total: number }>();
  });

  it('rejects a wrong, missing or extra argument at compile time', () => {
    const amp = new AMP();
    const calls = [
      // @ts-expect-error a is a number
      () => amp.callRemote(Sum, { a: '1', b: 2 }),
      // @ts-expect-error b is missing
      () => amp.callRemote(Sum, { a: 1 }),
      // @ts-expect-error c is not an argument
      () => amp.callRemote(Sum, { a: 1, b: 2, c: 3 }),
    ];
    expectTypeOf(calls).toBeArray();
  });

  it('maps every argument type to its value type, optional ones optional', () => {
    expectTypeOf<ArgumentsOf<typeof Echo>>().toEqualTypeOf<{
      i: bigint;
      s: Uint8Array;
      u: string;
      fl: number;
      b: boolean;
      l: bigint[];
      al: { n: number; note?: string | undefined }[];
      dt: AmpDateTime;
      dec: AmpDecimal;
      opt?: string | undefined;
      p: string;
    }>();
    expectTypeOf<ArgumentsOf<typeof Sum>>().toEqualTypeOf<{ a: number; b: number }>();
  });

  it('returns nothing for a command that requires no answer', () => {
    expectTypeOf<CallResult<typeof Note>>().toEqualTypeOf<undefined>();
  });

  it('types responders: arguments in, response (or a Deferred or promise of it) out', () => {
    const amp = new AMP();
    amp.respond(Sum, ({ a, b }) => {
      expectTypeOf(a).toEqualTypeOf<number>();
      return { total: a + b };
    });
    amp.respond(Sum, ({ a }) => succeed({ total: a }));
    amp.respond(Sum, async ({ a }) => Promise.resolve({ total: a }));
    // @ts-expect-error total must be a number
    amp.respond(Sum, () => ({ total: 'three' }));
    // @ts-expect-error the response needs total
    amp.respond(Sum, () => ({}));
  });
});
