import { describe, expect, it } from 'vitest';

import {
  ConnectionDone,
  Failure,
  PipeAddress,
  ProcessAddress,
  ProcessDone,
  ProcessProtocol,
  ProcessTerminated,
  Protocol,
  ProtocolProcessAdapter,
} from '../../src/core/index.js';
import type { IProcessTransport } from '../../src/core/index.js';
import { StringTransport } from '../../src/testing/string-transport.js';

/** A StringTransport standing in for a process transport (only ITransport is used). */
function fakeProcess(): IProcessTransport & StringTransport {
  return new StringTransport() as unknown as IProcessTransport & StringTransport;
}

class Recording extends ProcessProtocol {
  readonly calls: string[] = [];
  override connectionMade(): void {
    this.calls.push('connectionMade');
  }
  override outReceived(data: Uint8Array): void {
    this.calls.push(`out ${new TextDecoder().decode(data)}`);
  }
  override errReceived(data: Uint8Array): void {
    this.calls.push(`err ${new TextDecoder().decode(data)}`);
  }
  override inConnectionLost(): void {
    this.calls.push('in lost');
  }
  override outConnectionLost(): void {
    this.calls.push('out lost');
  }
  override errConnectionLost(): void {
    this.calls.push('err lost');
  }
}

describe('ProcessProtocol', () => {
  it('sets transport and connected, then calls connectionMade', () => {
    const proto = new Recording();
    const transport = fakeProcess();
    expect(proto.connected).toBe(false);
    proto.makeConnection(transport);
    expect(proto.connected).toBe(true);
    expect(proto.transport).toBe(transport);
    expect(proto.calls).toEqual(['connectionMade']);
  });

  it('dispatches descriptor 1 to outReceived and 2 to errReceived, dropping others', () => {
    const proto = new Recording();
    proto.childDataReceived(1, new TextEncoder().encode('a'));
    proto.childDataReceived(2, new TextEncoder().encode('b'));
    proto.childDataReceived(3, new TextEncoder().encode('c'));
    expect(proto.calls).toEqual(['out a', 'err b']);
  });

  it('dispatches the loss of descriptors 0, 1 and 2 to the in/out/errConnectionLost methods', () => {
    const proto = new Recording();
    for (const fd of [0, 1, 2, 3]) proto.childConnectionLost(fd);
    expect(proto.calls).toEqual(['in lost', 'out lost', 'err lost']);
  });

  it('has default callbacks that do nothing', () => {
    const proto = new ProcessProtocol();
    proto.makeConnection(fakeProcess());
    proto.childDataReceived(1, new Uint8Array(1));
    proto.childDataReceived(2, new Uint8Array(1));
    for (const fd of [0, 1, 2]) proto.childConnectionLost(fd);
    proto.processExited(new Failure(new ProcessDone()));
    proto.processEnded(new Failure(new ProcessDone()));
    expect(proto.connected).toBe(true);
  });
});

describe('ProtocolProcessAdapter', () => {
  class Collect extends Protocol {
    data = '';
    reason: Failure | null = null;
    override dataReceived(data: Uint8Array): void {
      this.data += new TextDecoder().decode(data);
    }
    override connectionLost(reason: Failure): void {
      this.reason = reason;
    }
  }

  it('gives the protocol the process transport, stdout as data, and ConnectionDone on exit 0', () => {
    const proto = new Collect();
    const adapter = new ProtocolProcessAdapter(proto, { stderr: 'drop' });
    const transport = fakeProcess();
    adapter.makeConnection(transport);
    expect(proto.transport).toBe(transport);
    expect(adapter.transport).toBe(transport);
    adapter.childDataReceived(1, new TextEncoder().encode('out'));
    adapter.childDataReceived(2, new TextEncoder().encode('err'));
    adapter.childDataReceived(3, new TextEncoder().encode('three'));
    expect(proto.data).toBe('out');
    adapter.processEnded(new Failure(new ProcessDone()));
    expect(proto.reason?.value).toBeInstanceOf(ConnectionDone);
    expect(proto.reason?.value).not.toBeInstanceOf(ProcessDone);
  });

  it('passes any other end reason on unchanged', () => {
    const proto = new Collect();
    const adapter = new ProtocolProcessAdapter(proto);
    adapter.makeConnection(fakeProcess());
    const reason = new Failure(new ProcessTerminated(1, null));
    adapter.processEnded(reason);
    expect(proto.reason).toBe(reason);
  });
});

describe('ProcessAddress and PipeAddress', () => {
  it('are equal to their own kind only, and print their name', () => {
    expect(new ProcessAddress().equals(new ProcessAddress())).toBe(true);
    expect(new ProcessAddress().equals(new PipeAddress())).toBe(false);
    expect(new PipeAddress().equals(new PipeAddress())).toBe(true);
    expect(new PipeAddress().equals(new ProcessAddress())).toBe(false);
    expect(String(new ProcessAddress())).toBe('ProcessAddress()');
    expect(String(new PipeAddress())).toBe('PipeAddress()');
  });
});
