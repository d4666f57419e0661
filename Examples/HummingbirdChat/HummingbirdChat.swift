#if Hummingbird
import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL

/// A Hummingbird 2 app with a chat over Duplex WebSockets (docs/hummingbird.md, "The example"):
/// `swift run --traits Hummingbird HummingbirdChat`, then open http://127.0.0.1:8080/.
@main
struct HummingbirdChat: AsyncParsableCommand {
    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one (printed on stdout).")
    var port = 8080

    @Flag(help: "Also serve /echo: a WebSocket that echoes every message (for tests and Autobahn).")
    var echo = false

    @Option(help: "PEM certificate chain: serve https:// and wss:// (with --tls-key).")
    var tlsCert: String?

    @Option(help: "PEM private key for --tls-cert.")
    var tlsKey: String?

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    func run() async throws {
        var logger = Logger(label: "hummingbird-chat")
        logger.logLevel = .info
        let router = ChatApp(echo: echo).router()
        var server = HTTPServerBuilder.duplexWebSocket(router: router)
        if let tlsCert, let tlsKey {
            let tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(tlsCert).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: tlsKey, format: .pem)))
            server = try .tls(server, tlsConfiguration: tls)
        }
        let secure = tlsCert != nil
        let app = Application(
            router: router,
            server: server,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                // The first line, as `duplex serve` prints it (scripts/interop reads the port from it).
                let address = "\(host):\(channel.localAddress?.port ?? port)"
                let line = "listening on \(secure ? "wss" : "ws")://\(address)/ (the page: \(secure ? "https" : "http")://\(address)/)\n"
                FileHandle.standardOutput.write(Data(line.utf8))  // unbuffered: scripts wait for it
            },
            logger: logger
        )
        try await app.runService()
    }
}
#else
/// Without the `Hummingbird` trait there is no app to run.
@main
enum HummingbirdChat {
    static func main() {
        print("HummingbirdChat needs the Hummingbird trait: swift run --traits Hummingbird HummingbirdChat")
    }
}
#endif
