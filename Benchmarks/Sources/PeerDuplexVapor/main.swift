import Duplex
import DuplexVapor
import PeerSupport
import Vapor

// Duplex in Vapor: a Duplex WebSocket route on `/` of a Vapor 4 app (the DuplexVapor integration),
// every message echoed back, with permessage-deflate available and the same 16 MiB limit as the
// Vapor peer.

let port = PeerArguments.port()
let environment = Environment(
    name: "production",
    arguments: ["peer-duplex-vapor", "serve", "--hostname", "127.0.0.1", "--port", String(port)]
)
var upgrader = Duplex.WebSocketUpgrader()
upgrader.originPolicy = .disabled
upgrader.session.connection.maxFrameSize = 1 << 24
upgrader.session.connection.maxMessageSize = 1 << 24
upgrader.session.pingInterval = nil

let app = try await Application.make(environment)
app.logger.logLevel = .error
app.duplexWebSocket(upgrader: upgrader) { _, ws in
    for await message in ws.messages { try await ws.send(message) }
}
try await app.execute()
try await app.asyncShutdown()
