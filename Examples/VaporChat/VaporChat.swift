#if Vapor
import ArgumentParser
import Foundation
import Logging
import NIOSSL
import Vapor

/// A Vapor 4 app with a chat over Duplex WebSockets (docs/vapor.md, "Example: VaporChat"):
/// `swift run --traits Vapor VaporChat`, then open http://127.0.0.1:8080/.
@main
struct VaporChat: AsyncParsableCommand {
    @ArgumentParser.Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @ArgumentParser.Option(help: "The port to listen on; 0 picks a free one (printed on stdout).")
    var port = 8080

    @ArgumentParser.Flag(help: "Also serve /echo: a WebSocket that echoes every message (for tests and Autobahn).")
    var echo = false

    @ArgumentParser.Option(help: "PEM certificate chain: serve https:// and wss:// (with --tls-key).")
    var tlsCert: String?

    @ArgumentParser.Option(help: "PEM private key for --tls-cert.")
    var tlsKey: String?

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    func run() async throws {
        // Vapor's log on stderr: stdout's first line is the address, for scripts.
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .notice
            return handler
        }
        // No arguments for Vapor's own commands: its default, `serve`, uses the configuration below.
        let app = try await Application.make(Environment(name: "production", arguments: ["VaporChat"]))
        app.http.server.configuration.hostname = host
        app.http.server.configuration.port = port
        if let tlsCert, let tlsKey {
            app.http.server.configuration.tlsConfiguration = .makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(tlsCert).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: tlsKey, format: .pem)))
        }
        ChatRoutes(echo: echo).add(to: app)
        do {
            try await app.startup()
            let address = "\(host):\(app.http.server.shared.localAddress?.port ?? port)"
            let secure = tlsCert != nil
            let line = "listening on \(secure ? "wss" : "ws")://\(address)/ (the page: \(secure ? "https" : "http")://\(address)/)\n"
            FileHandle.standardOutput.write(Data(line.utf8))  // unbuffered: scripts wait for it
            // Until SIGTERM or SIGINT (Vapor's serve command), then close the WebSockets with 1001.
            try await app.running?.onStop.get()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
#else
import Foundation

/// Without the `Vapor` trait there is no app to run.
@main
enum VaporChat {
    static func main() {
        FileHandle.standardError.write(Data("VaporChat needs the Vapor trait: swift run --traits Vapor VaporChat\n".utf8))
        exit(1)
    }
}
#endif
