import { assert, describe, it } from 'vitest';

import {
  AmpBox,
  boxToValues,
  command,
  Descriptor,
  Path,
  UnsupportedArgument,
  valuesToBox,
} from '../../../src/protocols/amp/index.js';
import { hex, toHex } from './fixtures.js';

describe('Path', () => {
  it("sends the path's text as UTF-8, as Twisted's FilePath.asTextMode().path", () => {
    // Twisted 22.4: amp.Path().toString(FilePath("/tmp/ü")) == b"/tmp/\xc3\xbc"
    assert.equal(toHex(new Path().toWire('/tmp/ü')), '2f746d702fc3bc');
    assert.equal(new Path().fromWire(hex('2f746d702fc3bc')), '/tmp/ü');
  });

  it('round-trips through a box, optional when declared so', () => {
    const schema = { p: new Path(), q: new Path({ optional: true }) };
    const box = valuesToBox(schema, { p: '/a b/c.txt' });
    assert.deepEqual([...box.keys()], ['p']);
    assert.deepEqual(boxToValues(schema, AmpBox.of({ p: '/a b/c.txt' })), { p: '/a b/c.txt' });
  });

  it('rejects bytes that are not UTF-8', () => {
    assert.throws(() => new Path().fromWire(hex('2fff')), TypeError);
  });
});

describe('Descriptor', () => {
  it('cannot be declared: Node sockets cannot pass file descriptors', () => {
    assert.throws(
      () => command({ name: 'SendFile', arguments: { fd: new Descriptor() } }),
      UnsupportedArgument,
      /SCM_RIGHTS/,
    );
  });

  it('refuses to send or read a value, should one be reached without the constructor', () => {
    const unbuilt = Object.create(Descriptor.prototype) as Descriptor;
    assert.throws(() => unbuilt.toWire(3), UnsupportedArgument);
    assert.throws(() => unbuilt.fromWire(hex('30')), UnsupportedArgument);
  });
});
