// Per-test cleanups: what a test opens (ports, servers, sockets, pumps) it pushes here, and it is
// closed after that test, last opened first, each awaited, whether the test passed or not.
import { afterEach } from 'vitest';

/**
 * Registers an `afterEach` in the calling test file and returns the list it empties: each
 * function pushed during a test runs after it, in reverse order, awaited one by one.
 */
export function cleanupsAfterEach(): (() => unknown)[] {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return cleanups;
}
