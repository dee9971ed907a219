// A plain HTTP/1.1 client for the contract tests (node:http, so that a test
// sends exactly the headers and body it means: no header is refused, none
// added but Host and Content-Length), multipart bodies, and the fault
// "model services" a gateway is pointed at to make it answer 502, 503 and 504.

import http from 'node:http';
import net from 'node:net';

// `method` on `url` with `headers` and `body` (a Buffer or string); resolves
// with { status, headers (lower-case names), body: Buffer }.
export function request(method, url, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      answered = true;
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    // The gateway may answer (413) and close before the body is all sent:
    // an error after the answer is no failure.
    req.on('error', (err) => { if (!answered) reject(err); });
    req.setTimeout(90000, () => req.destroy(new Error(`${method} ${url}: no answer within 90 s`)));
    req.end(body);
  });
}

// A multipart/form-data body of `parts` ([{ name, filename?, type?, data }]):
// { body, contentType }.
export function multipart(parts) {
  const boundary = `contract-${Math.random().toString(16).slice(2)}`;
  const chunks = [];
  for (const { name, filename, type, data } of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${name}"`;
    if (filename !== undefined) head += `; filename="${filename}"`;
    head += '\r\n';
    if (type) head += `Content-Type: ${type}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

const listening = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));

// A port nothing listens on (bound, then closed).
export async function closedPort() {
  const server = await listening(net.createServer());
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// A "model service" that takes connections and never answers: the gateway's
// deadline runs out (504).
export async function startSilentModel() {
  const sockets = new Set();
  const server = await listening(net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  }));
  server.connectionCount = () => sockets.size;
  // Resets the connections it holds (their requests fail at once).
  server.dropConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
  server.stop = () => {
    server.dropConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return server;
}

// A "model service" that answers every request 500 with a KServe error body
// (502 from the gateway).
export async function startFailingModel() {
  const server = await listening(http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'injected failure' }));
    });
  }));
  server.stop = () => {
    server.closeAllConnections?.();
    return new Promise((resolve) => server.close(resolve));
  };
  return server;
}
