// Node `ws` peer: an echo server on `/` with permessage-deflate available.
// Run with NODE_PATH=/usr/share/nodejs (Debian's node-ws).
'use strict';
const { WebSocketServer } = require('ws');

const flag = process.argv.indexOf('--port');
const port = flag >= 0 ? Number(process.argv[flag + 1]) : 9001;

const server = new WebSocketServer({ host: '127.0.0.1', port, maxPayload: 1 << 24, perMessageDeflate: true });
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});
server.on('listening', () => console.log(`listening on ws://127.0.0.1:${port}/`));
