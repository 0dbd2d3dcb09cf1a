// The Socket.IO baseline of the load generator: the job of Mesh's edge (token check, channels, broadcast with a
// per-channel seq, resume after a short disconnection) done the idiomatic Socket.IO 4 way, so the same Java generator
// (dev.mesh.bench.client.SocketIoPage) can drive it side by side with Mesh and the raw Vert.x server.
// Usage: node --expose-gc mesh-bench/socketio/server.mjs <port> <hs256-secret>   (port 0 picks a free one)
// Prints "listening <port>" once ready. GET /heap runs a full GC (with --expose-gc) and returns the heap in use.
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Server } from 'socket.io';

const port = Number(process.argv[2] ?? 0);
const secret = process.argv[3];
if (!secret) {
  console.error('usage: node server.mjs <port> <hs256-secret>');
  process.exit(2);
}

// The same HS256 tokens Mesh accepts (BenchTokens), checked with node:crypto alone: no JWT library to compare.
function verify(token) {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3) throw new Error('malformed token');
  const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
  if (header.alg !== 'HS256') throw new Error('unsupported alg');
  const expected = createHmac('sha256', secret).update(parts[0] + '.' + parts[1]).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('bad signature');
  const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) throw new Error('token expired');
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new Error('no subject');
  return claims;
}

const http = createServer((req, res) => {
  // The generator's per-connection memory figure: heap after a full collection, like jcmd GC.run for the JVMs.
  if (req.method === 'GET' && req.url === '/heap') {
    if (typeof global.gc === 'function') global.gc();
    const { heapUsed, rss } = process.memoryUsage();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ heapUsed, rss, gc: typeof global.gc === 'function' }));
    return;
  }
  res.writeHead(404).end();
});

const io = new Server(http, {
  // Missed broadcasts are kept for two minutes and replayed to a socket that reconnects with its pid and offset.
  connectionStateRecovery: { maxDisconnectionDuration: 120000, skipMiddlewares: true },
  // WebSocket only, like Mesh: no long-polling handshake or upgrade.
  transports: ['websocket'],
  serveClient: false,
  // Mesh and the raw server do not compress either.
  perMessageDeflate: false,
});

io.use((socket, next) => {
  try {
    socket.data.userId = verify(socket.handshake.auth?.token).sub;
    next();
  } catch (e) {
    next(new Error('unauthorized: ' + e.message));
  }
});

// Last seq per channel (room); a broadcast's seq lets the generator check order and loss as it does with Mesh.
const seqs = new Map();

io.on('connection', (socket) => {
  socket.on('subscribe', (channel, ack) => {
    if (typeof channel !== 'string' || typeof ack !== 'function') return;
    socket.join(channel);
    ack({ channel, seq: seqs.get(channel) ?? 0 });
  });
  socket.on('publish', (frame, ack) => {
    if (typeof frame?.channel !== 'string' || typeof ack !== 'function') return;
    const seq = (seqs.get(frame.channel) ?? 0) + 1;
    seqs.set(frame.channel, seq);
    // A room broadcast without an ack is what connection-state recovery stores (and tags with an offset).
    io.to(frame.channel).emit('event', { channel: frame.channel, seq, data: frame.data });
    ack({ channel: frame.channel, seq });
  });
});

http.listen(port, '127.0.0.1', () => {
  console.log('listening ' + http.address().port);
});
