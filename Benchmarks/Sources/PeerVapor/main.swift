import PeerSupport
import Vapor

// The Vapor peer: websocket-kit on `/`, each text or binary message echoed back from its callback.

let port = PeerArguments.port()
let environment = Environment(
    name: "production",
    arguments: ["peer-vapor", "serve", "--hostname", "127.0.0.1", "--port", String(port)]
)
let app = try await Application.make(environment)
app.logger.logLevel = .error
app.webSocket(maxFrameSize: .init(integerLiteral: 1 << 24)) { _, ws in
    ws.onText { ws, text in ws.send(text) }
    ws.onBinary { ws, bytes in ws.send(raw: bytes.readableBytesView, opcode: .binary) }
}
try await app.execute()
try await app.asyncShutdown()
