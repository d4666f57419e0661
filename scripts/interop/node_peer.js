// Node `ws` peer for the interop stage (run with NODE_PATH=/usr/share/nodejs).
//   node node_peer.js client URL   runs the client cases against a Duplex echo server and prints
//                                  one PASS/FAIL line per case (exit 1 on any FAIL)
//   node node_peer.js server       runs an echo server (permessage-deflate, threshold 0) on
//                                  127.0.0.1, prints `listening on ws://127.0.0.1:PORT`, and
//                                  exits on SIGTERM
'use strict';
const crypto = require('crypto');
const WebSocket = require('ws');

const MiB = 1 << 20;
const CASE_TIMEOUT_MS = 60000;

// `size` pseudo-random bytes, the same for a given seed.
function pseudoRandom(size, seed) {
  const blocks = Array.from({ length: Math.ceil(size / 32) },
    (_, i) => crypto.createHash('sha256').update(`${seed}:${i}`).digest());
  return Buffer.concat(blocks).subarray(0, size);
}

function open(url, compressed) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      perMessageDeflate: compressed ? { threshold: 0 } : false,
      maxPayload: 0,
      rejectUnauthorized: false,
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws) {
  return new Promise((resolve, reject) => {
    ws.once('message', (data, isBinary) => resolve({ data, isBinary }));
    ws.once('close', (code) => reject(new Error(`closed with ${code} before the echo`)));
  });
}

function closed(ws) {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

// Sends each message ({data, binary, fragments}) and checks its echo byte for byte and type.
async function echoSession(url, messages, compressed) {
  const ws = await open(url, compressed);
  const extensions = ws.extensions;
  if (compressed !== extensions.includes('permessage-deflate')) {
    throw new Error(`negotiated extensions '${extensions}'`);
  }
  for (const { data, binary, fragments = 1 } of messages) {
    const echoed = nextMessage(ws);
    const step = Math.ceil(data.length / fragments) || 1;
    for (let offset = 0, index = 0; index < fragments; offset += step, index++) {
      ws.send(data.subarray(offset, Math.min(offset + step, data.length)),
        { binary, fin: index === fragments - 1 });
    }
    const { data: got, isBinary } = await echoed;
    if (isBinary !== binary || !Buffer.from(got).equals(data)) {
      throw new Error(`sent ${binary ? 'binary' : 'text'} of ${data.length}, ` +
        `got ${isBinary ? 'binary' : 'text'} of ${got.length}`);
    }
  }
  const code = closed(ws);
  ws.close(1000);
  const status = await code;
  if (status !== 1000) throw new Error(`close code ${status}, expected 1000`);
}

async function runClient(url) {
  const text = Buffer.from('h\u00e9llo \u2713 \u{1F389}');
  const words = Buffer.from('duplex frame mask deflate close ping pong echo '.repeat(1 << 15));
  const cases = [
    ['text', [{ data: text, binary: false }], false],
    ['binary', [{ data: pseudoRandom(4096, 1), binary: true }], false],
    ['0-byte text and binary', [{ data: Buffer.alloc(0), binary: false }, { data: Buffer.alloc(0), binary: true }], false],
    ['16 MiB binary', [{ data: pseudoRandom(16 * MiB, 2), binary: true }], false],
    ['fragmented binary', [{ data: pseudoRandom(100000, 3), binary: true, fragments: 4 }], false],
    ['compressed text', [{ data: words, binary: false }, { data: text, binary: false }], true],
    ['compressed binary', [{ data: pseudoRandom(65536, 4), binary: true }], true],
    ['compressed fragmented', [{ data: words, binary: false, fragments: 3 }], true],
  ];
  let failed = 0;
  for (const [name, messages, compressed] of cases) {
    const label = `node client -> duplex server${url.startsWith('wss') ? ' (wss)' : ''}: ${name}`;
    let timer;
    try {
      await Promise.race([
        echoSession(url, messages, compressed),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), CASE_TIMEOUT_MS); }),
      ]);
      console.log(`PASS ${label}`);
    } catch (error) {
      failed++;
      console.log(`FAIL ${label}: ${error.message}`);
    } finally {
      clearTimeout(timer);
    }
  }
  process.exit(failed ? 1 : 0);
}

function runServer() {
  const server = new WebSocket.Server({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 }, maxPayload: 0 });
  server.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  server.on('listening', () => console.log(`listening on ws://127.0.0.1:${server.address().port}`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

const [mode, url] = process.argv.slice(2);
if (mode === 'client' && url) runClient(url);
else if (mode === 'server') runServer();
else { console.error('usage: node node_peer.js client URL | server'); process.exit(2); }
