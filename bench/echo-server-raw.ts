/**
 * The raw side of bench/echo.ts: a TCP echo server on plain `node:net`, as a Node program with
 * no framework would write it, run as its own process (see bench/echo-server-control.ts).
 *
 * Backpressure as `stream.pipe` does it: when `write` reports a full buffer, stop reading
 * until `drain`.
 */
import net from 'node:net';

import { requestedPort, serveControl } from './echo-server-control.js';

const server = net.createServer((socket) => {
  const resume = (): void => {
    socket.resume();
  };
  socket.on('data', (data) => {
    if (!socket.write(data)) {
      socket.pause();
      socket.once('drain', resume);
    }
  });
  socket.on('error', () => {
    socket.destroy();
  });
});

server.listen({ port: requestedPort(process.argv), host: '127.0.0.1', backlog: 511 }, () => {
  const address = server.address() as net.AddressInfo;
  serveControl(address.port, () => {
    server.close();
  });
});
