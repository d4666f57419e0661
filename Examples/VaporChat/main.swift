#if Vapor
import Duplex
import DuplexVapor
import Vapor

// A chat server: a page at `/`, JSON routes under `/api`, and the chat WebSocket at
// `/ws/rooms/:room`, all behind token authentication (`POST /api/login` hands out tokens).
// Run it with `swift run --traits Vapor VaporChat` and open http://127.0.0.1:8080.
var environment = try Environment.detect()
try LoggingSystem.bootstrap(from: &environment)
let app = try await Application.make(environment)
app.http.server.configuration.hostname = "127.0.0.1"
app.http.server.configuration.port = 8080
ChatServer(sessions: Sessions(), topics: WebSocketTopics()).addRoutes(to: app)
do {
    try await app.execute()
} catch {
    app.logger.report(error: error)
    try? await app.asyncShutdown()
    throw error
}
try await app.asyncShutdown()
#else
import Foundation

FileHandle.standardError.write(Data("VaporChat needs the Vapor trait: swift run --traits Vapor VaporChat\n".utf8))
exit(1)
#endif
