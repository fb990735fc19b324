import { afterEach, describe, expect, it, vi } from 'vitest';

import { Logger, LogPublisher } from '../../src/core/index.js';
import { stderrLogObserver } from '../../src/node/log.js';

describe('stderrLogObserver', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes each event as a line of readable text to process.stderr', () => {
    const written: unknown[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      written.push(chunk);
      return true;
    });
    const publisher = new LogPublisher(stderrLogObserver({ formatTime: () => 'T' }));
    new Logger('app.main', undefined, publisher).warn('disk {pct}% full', { pct: 91 });
    expect(written).toEqual(['T [app.main#warn] disk 91% full\n']);
  });
});
