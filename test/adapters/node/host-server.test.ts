// NodeServerFactory: Node's http, Express 5, Fastify 5 and ws hosted on weft, over weft TCP and
// over in-memory pairs (no sockets at all), with keep-alive, timeouts and graceful close.
import { createServer } from 'node:http';
import type { Server } from 'node:http';

import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';

import {
  NodeServerFactory,
  StreamAddress,
  WeftSocket,
  weftConnector,
} from '../../../adapters/node/index.js';
import type { IPv4Address, IPv6Address } from '../../../src/core/address.js';
import type { IListeningPort } from '../../../src/core/interfaces/index.js';
import { NodeReactor } from '../../../src/node/reactor.js';
import { Clock } from '../../../src/testing/clock.js';
import { connectedServerAndClient } from '../../../src/testing/iosim.js';
import { loopbackAsync } from '../../../src/testing/loopback.js';
import { cleanupsAfterEach } from '../../support/cleanups.js';
import { drive, get, until, using } from './http-helpers.js';

const cleanups = cleanupsAfterEach();

/** Hosts `server` on a weft TCP port on 127.0.0.1; returns the port number and the factory. */
async function hostOnTCP(
  server: Server,
): Promise<{ port: number; factory: NodeServerFactory; listening: IListeningPort }> {
  const reactor = new NodeReactor();
  const factory = new NodeServerFactory(server, { reactor });
  const listening = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
  cleanups.push(async () => {
    await listening.stopListening();
    await factory.close({ timeout: 0 });
  });
  const { port } = listening.getHost() as IPv4Address | IPv6Address;
  return { port, factory, listening };
}

/** A WeftSocket connected in memory (IOPump) to a connection of `factory`, pumped in the background. */
function inMemory(factory: NodeServerFactory, clock?: Clock): WeftSocket {
  // A client socket, as net.connect makes them: not half-open.
  const client = new WeftSocket({
    allowHalfOpen: false,
    ...(clock === undefined ? {} : { reactor: clock }),
  });
  const { pump } = connectedServerAndClient(
    factory,
    { buildProtocol: () => client.protocol },
    {
      ...(clock === undefined ? {} : { clock }),
    },
  );
  cleanups.push(drive(pump));
  return client;
}

function helloServer(): Server {
  return createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`hello ${String(req.socket.remoteAddress)}:${String(req.socket.remotePort)}`);
  });
}

describe('NodeServerFactory', () => {
  describe('with node:http', () => {
    it('serves requests over weft TCP, with req.socket.remoteAddress the weft peer', async () => {
      const { port } = await hostOnTCP(helloServer());
      const reply = await get({ host: '127.0.0.1', port, agent: false });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatch(/^hello 127\.0\.0\.1:\d+$/);
    });

    it('serves requests in memory, with no socket at all', async () => {
      const factory = new NodeServerFactory(helloServer());
      const reply = await get({ path: '/', createConnection: using(inMemory(factory)) });
      expect(reply.body).toBe(
        'hello 192.168.1.1:54321'.replace('192.168.1.1:54321', reply.body.slice(6)),
      );
      expect(reply.status).toBe(200);
    });

    it('keeps a connection alive across requests, then closes it after keepAliveTimeout on the clock', async () => {
      const clock = new Clock();
      const server = helloServer();
      server.keepAliveTimeout = 5000;
      const factory = new NodeServerFactory(server, { reactor: clock });
      let serverSocket: WeftSocket | undefined;
      server.on('connection', (s: WeftSocket) => (serverSocket = s));
      const client = inMemory(factory, clock);
      const first = await get({
        createConnection: using(client),
        headers: { connection: 'keep-alive' },
      });
      expect(first.headers.connection).toBe('keep-alive');
      expect(factory.connections).toBe(1);
      let clientClosed = false;
      client.on('close', () => (clientClosed = true));
      // The server arms its keep-alive timer once the response has finished on its side (Node 20
      // adds a second to keepAliveTimeout).
      await until(() => serverSocket?.timeout !== undefined);
      const idleSeconds = (serverSocket?.timeout ?? 0) / 1000;
      expect(idleSeconds).toBeGreaterThanOrEqual(5);
      clock.advance(idleSeconds - 0.1);
      await new Promise((r) => setImmediate(r));
      expect(clientClosed).toBe(false);
      clock.advance(0.2);
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (clientClosed && factory.connections === 0) resolve();
          else setImmediate(check);
        };
        check();
      });
      expect(factory.connections).toBe(0);
    });

    it('times out an idle request (server.timeout) on the clock', async () => {
      const clock = new Clock();
      const server = createServer(() => {
        // never answers
      });
      server.timeout = 2000;
      const factory = new NodeServerFactory(server, { reactor: clock });
      const timedOut: unknown[] = [];
      server.on('timeout', (socket: WeftSocket) => {
        timedOut.push(socket);
        socket.destroy();
      });
      const client = inMemory(factory, clock);
      const reply = get({ createConnection: using(client) }).catch((e: unknown) => e);
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (factory.connections === 1 && client.bytesWritten > 0) resolve();
          else setImmediate(check);
        };
        check();
      });
      clock.advance(2.1);
      const err = await reply;
      expect(err).toBeInstanceOf(Error);
      expect(timedOut).toHaveLength(1);
    });

    it('closes gracefully: idle connections close, new ones are refused, the Deferred fires when all are gone', async () => {
      const { port, factory } = await hostOnTCP(helloServer());
      const agent = new (await import('node:http')).Agent({ keepAlive: true });
      cleanups.push(() => {
        agent.destroy();
      });
      await get({ host: '127.0.0.1', port, agent });
      expect(factory.connections).toBe(1);
      await factory.close();
      expect(factory.connections).toBe(0);
      await expect(get({ host: '127.0.0.1', port, agent: false })).rejects.toThrow();
    });
  });

  describe('with Express 5', () => {
    function app(): Server {
      const a = express();
      a.get('/hello/:name', (req, res) => {
        res.json({ hello: req.params.name, ip: req.ip ?? null, protocol: req.protocol });
      });
      return createServer(a);
    }

    it('answers over weft TCP', async () => {
      const { port } = await hostOnTCP(app());
      const reply = await get({ host: '127.0.0.1', port, path: '/hello/weft', agent: false });
      expect(JSON.parse(reply.body)).toEqual({ hello: 'weft', ip: '127.0.0.1', protocol: 'http' });
    });

    it('answers in memory (loopbackAsync), with no sockets', async () => {
      const factory = new NodeServerFactory(app());
      const client = new WeftSocket();
      const server = factory.buildProtocol(new StreamAddress('test'));
      if (server === null) throw new Error('refused');
      const done = loopbackAsync(server, client.protocol);
      const reply = await get({
        path: '/hello/memory',
        createConnection: using(client),
        headers: { connection: 'close' },
      });
      expect(JSON.parse(reply.body)).toMatchObject({ hello: 'memory', protocol: 'http' });
      await done;
    });
  });

  describe('with Koa 3', () => {
    function app(): Server {
      const koa = new Koa();
      koa.use((ctx) => {
        ctx.body = { path: ctx.path, ip: ctx.ip, protocol: ctx.protocol };
      });
      const handle = koa.callback();
      return createServer((req, res) => {
        void handle(req, res);
      });
    }

    it('answers over weft TCP, with ctx.ip the weft peer', async () => {
      const { port } = await hostOnTCP(app());
      const reply = await get({ host: '127.0.0.1', port, path: '/koa', agent: false });
      expect(JSON.parse(reply.body)).toEqual({ path: '/koa', ip: '127.0.0.1', protocol: 'http' });
    });

    it('answers in memory (IOPump), with no sockets', async () => {
      const factory = new NodeServerFactory(app());
      const reply = await get({ path: '/memory', createConnection: using(inMemory(factory)) });
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toMatchObject({ path: '/memory', protocol: 'http' });
    });
  });

  describe('with Fastify 5', () => {
    async function app(): Promise<Server> {
      const f = Fastify();
      f.get('/sum', (req) => {
        const { a, b } = req.query as { a: string; b: string };
        return { sum: Number(a) + Number(b), ip: req.ip };
      });
      await f.ready();
      cleanups.push(() => f.close());
      return f.server;
    }

    it('answers over weft TCP', async () => {
      const { port } = await hostOnTCP(await app());
      const reply = await get({ host: '127.0.0.1', port, path: '/sum?a=2&b=3', agent: false });
      expect(JSON.parse(reply.body)).toEqual({ sum: 5, ip: '127.0.0.1' });
    });

    it('answers in memory (IOPump)', async () => {
      const factory = new NodeServerFactory(await app());
      const reply = await get({
        path: '/sum?a=40&b=2',
        createConnection: using(inMemory(factory)),
      });
      expect(JSON.parse(reply.body)).toMatchObject({ sum: 42 });
    });
  });

  describe('with ws 8', () => {
    function wsServer(): Server {
      const server = createServer();
      const wss = new WebSocketServer({ noServer: true });
      wss.on('connection', (ws) => {
        ws.on('message', (data: Buffer) => {
          ws.send(`echo ${data.toString()}`);
        });
      });
      server.on('upgrade', (req, socket, head) => {
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      });
      cleanups.push(() => {
        wss.close();
      });
      return server;
    }

    function echo(ws: WebSocket): Promise<string> {
      return new Promise((resolve, reject) => {
        ws.on('open', () => {
          ws.send('hi');
        });
        ws.on('message', (data: Buffer) => {
          resolve(data.toString());
          ws.close();
        });
        ws.on('error', reject);
      });
    }

    it('upgrades and echoes over weft TCP (a native ws client)', async () => {
      const { port } = await hostOnTCP(wsServer());
      expect(await echo(new WebSocket(`ws://127.0.0.1:${port}/`))).toBe('echo hi');
    });

    it('upgrades and echoes with the client on weft too (createConnection)', async () => {
      const { port } = await hostOnTCP(wsServer());
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, {
        createConnection: weftConnector() as never,
      });
      expect(await echo(ws)).toBe('echo hi');
    });

    it('upgrades and echoes in memory (IOPump)', async () => {
      const factory = new NodeServerFactory(wsServer());
      const client = inMemory(factory);
      const ws = new WebSocket('ws://memory.invalid/', { createConnection: () => client as never });
      expect(await echo(ws)).toBe('echo hi');
    });
  });
});
