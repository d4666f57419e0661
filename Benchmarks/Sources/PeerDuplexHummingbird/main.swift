import Duplex
import DuplexHummingbird
import Hummingbird
import PeerSupport

// Duplex in Hummingbird: a Duplex WebSocket route on `/` of a Hummingbird 2 app (the DuplexHummingbird
// integration), every message echoed back, with permessage-deflate available and the same 16 MiB
// limit as the Hummingbird peer.

let port = PeerArguments.port()
var upgrader = WebSocketUpgrader()
upgrader.originPolicy = .disabled
upgrader.session.connection.maxFrameSize = 1 << 24
upgrader.session.connection.maxMessageSize = 1 << 24
upgrader.session.pingInterval = nil

let router = Router()
router.webSocket("/", upgrader: upgrader) { _, _, ws in
    for await message in ws.messages { try await ws.send(message) }
}
let app = Application(
    router: router,
    server: .duplexWebSocket(router: router),
    configuration: .init(address: .hostname("127.0.0.1", port: port))
)
try await app.runService()
