import ArgumentParser
import Duplex
@_spi(Core) import DuplexCore
import Foundation
import NIOCore
import NIOSSL

/// `duplex connect URL`: sends standard input (each line as a text message, or its bytes exactly
/// with `--binary`) and prints every message received; the end of input closes with 1000 (or
/// `--close`). Exit status: 0 when the connection ends with 1000 or 1001, 1 when it ends otherwise,
/// 2 when it could not be made (see ``ConnectFailure``).
struct ConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Connect to a WebSocket server; stdin is sent, received messages printed.",
        discussion: """
            Text mode (the default) sends each stdin line as a text message and prints each message \
            received on a line of its own. --binary sends stdin's bytes exactly, in binary messages \
            of up to 64 KiB as they are read, and writes received binary messages' bytes exactly \
            (no newline added): `duplex connect --binary URL < in > out` through an echo server \
            makes out equal in. At the end of input the client waits up to 2 s for as many replies \
            as it sent messages, then closes.

            Exit status: 0 when the connection ends with 1000, 1001 or the --close code; 1 when it ends with another \
            code (1006 when it was lost); 2 when it could not be made: an invalid URL or value (a \
            --header, --origin or --subprotocol holding a character HTTP forbids there, e.g. CR or \
            LF, is refused before connecting; so is an invalid --proxy URL), DNS, TCP, TLS, a proxy \
            that refused the tunnel, or a handshake the server refused or answered wrongly. Each failure is one line on stderr. Usage errors exit 64.
            """
    )

    @Argument(help: "The ws://, wss:// or ws+unix:/SOCKET:/PATH URL.")
    var url: String

    @Option(name: .customLong("header"), help: "An extra request header, as NAME:VALUE (repeatable).")
    var headers: [String] = []

    @Option(name: .customLong("subprotocol"), help: "A subprotocol to offer (repeatable).")
    var subprotocols: [String] = []

    @Flag(help: "Send stdin's bytes exactly as binary messages, and write received bytes exactly.")
    var binary = false

    @Flag(help: "Do not verify the server's TLS certificate.")
    var insecure = false

    @Option(name: .customLong("ca"), help: ArgumentHelp("Trust the certificates in this PEM file (instead of the system's).", valueName: "PEM"))
    var caFile: String?

    @Option(help: "The Origin header to send.")
    var origin: String?

    @Option(help: ArgumentHelp("Connect through this proxy: http://[USER:PASSWORD@]HOST[:PORT] (CONNECT), socks5://… or socks5h://… (port 1080 by default).", valueName: "URL"))
    var proxy: String?

    @Flag(help: "Connect again, with backoff, when the connection is lost or the server is unavailable.")
    var reconnect = false

    @Option(help: ArgumentHelp("Send a keepalive ping every S seconds; 0 for none (default 20).", valueName: "S"))
    var pingInterval: Double?

    @Option(help: ArgumentHelp("Close with this code and reason at the end of input (default 1000); ending with it exits 0.", valueName: "CODE[:REASON]"))
    var close: CloseArgument?

    @Flag(help: "Print the server's 101 response headers and the negotiated extensions on stderr.")
    var showHeaders = false

    func validate() throws {
        if let pingInterval, !(pingInterval >= 0 && pingInterval <= 86_400) {
            throw ValidationError("--ping-interval takes seconds from 0 to 86400")
        }
    }

    func run() async throws {
        let status: CloseStatus?
        do {
            let configuration = try makeConfiguration()
            let input = StandardInputMessages(binary: binary)
            if reconnect {
                var last: WebSocket?
                try await WebSocket.connect(to: url, configuration: configuration, reconnect: ReconnectPolicy()) { ws in
                    last = ws
                    await session(over: ws, input: input)
                }
                status = last?.closeStatus
            } else {
                status = try await WebSocket.connect(to: url, configuration: configuration) { ws in
                    await session(over: ws, input: input)
                    return ws
                }.closeStatus
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            Console.error(ConnectFailure.describe(error))
            throw ExitCode(2)
        }
        let code = status?.code ?? .abnormalClosure
        if code != .normalClosure && code != .goingAway && code != close?.code {
            Console.error("closed: \(code) \(status?.reason ?? "")")
            throw ExitCode.failure
        }
    }

    private func makeConfiguration() throws -> WebSocketClientConfiguration {
        var configuration = WebSocketClientConfiguration()
        configuration.subprotocols = subprotocols
        configuration.origin = origin
        configuration.logger.logLevel = reconnect ? .info : .warning
        if insecure { configuration.tls.certificateVerification = .none }
        if let proxy { configuration.proxy = try WebSocketProxy(url: proxy) }
        if let caFile {
            do {
                configuration.tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw ConnectFailure.unreadableCertificates(caFile, error)
            }
        }
        if let pingInterval {
            configuration.session.pingInterval = pingInterval == 0 ? nil : .nanoseconds(Int64(pingInterval * 1e9))
        }
        for (index, header) in headers.enumerated() {
            guard let colon = header.firstIndex(of: ":") else {
                throw ValidationError("--header takes NAME:VALUE; header \(index + 1) has no ':'")
            }
            let value = header[header.index(after: colon)...].drop { $0 == " " }
            try configuration.headers.add(name: String(header[..<colon]), value: String(value))
        }
        return configuration
    }

    /// Shows the handshake if asked, then exchanges messages until the connection closes.
    private func session(over ws: WebSocket, input: StandardInputMessages) async {
        if showHeaders {
            Console.error("HTTP/1.1 101 Switching Protocols")
            for field in ws.responseHeaders ?? HeaderFields() { Console.error("\(field.name): \(field.value)") }
            let extensions = ws.extensions.isEmpty ? "none" : (try? ExtensionHeader.serialize(ws.extensions.map(\.responseElement))) ?? "?"
            Console.error("negotiated extensions: \(extensions)")
            Console.error("")
        }
        await exchange(over: ws, input: input)
    }

    /// Sends stdin and prints received messages until the connection closes. At the end of input it
    /// waits up to ``replyGrace`` for as many messages as it sent (so that an echo server's replies
    /// are printed), then closes.
    private func exchange(over ws: WebSocket, input: StandardInputMessages) async {
        let tally = MessageTally()
        let close = close ?? CloseArgument(code: .normalClosure, reason: "")
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while let message = await input.next() {
                    guard (try? await ws.send(message)) != nil else {
                        input.unread(message)  // for the next connection, with --reconnect
                        return
                    }
                    tally.sent()
                }
                guard !Task.isCancelled else { return }
                let deadline = ContinuousClock.now + Self.replyGrace
                while !tally.isAnswered, ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(10))
                }
                try? await ws.close(code: close.code, reason: close.reason)
            }
            for await message in ws.messages {
                switch message {
                case .text(let text): Console.out(text)
                case .binary(let bytes) where binary: Console.write(bytes)
                case .binary(let bytes): Console.out(String(buffer: bytes))
                }
                tally.received()
            }
            group.cancelAll()
        }
    }

    /// How long the end of input waits for replies before closing.
    static let replyGrace = Duration.seconds(2)
}
