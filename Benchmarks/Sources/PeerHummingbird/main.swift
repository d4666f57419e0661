import Hummingbird
import HummingbirdWSCompression
import HummingbirdWebSocket
import PeerSupport

// The Hummingbird peer: hummingbird-websocket's upgrade on `/`, every message echoed back, with
// permessage-deflate available.

let port = PeerArguments.port()
let maxSize = 1 << 24

let router = Router(context: BasicWebSocketRequestContext.self)
router.ws("/") { inbound, outbound, _ in
    for try await message in inbound.messages(maxSize: maxSize) {
        switch message {
        case .text(let text): try await outbound.write(.text(text))
        case .binary(let bytes): try await outbound.write(.binary(bytes))
        }
    }
}

let app = Application(
    router: router,
    server: .http1WebSocketUpgrade(
        webSocketRouter: router,
        configuration: .init(ws: .init(maxFrameSize: maxSize, extensions: [.perMessageDeflate()], autoPing: .disabled))
    ),
    configuration: .init(address: .hostname("127.0.0.1", port: port))
)
try await app.runService()
