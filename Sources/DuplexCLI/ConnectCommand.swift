import ArgumentParser
import Duplex
import NIOCore
import NIOSSL

/// `duplex connect URL`: sends each stdin line as a message and prints every message received;
/// stdin EOF closes with 1000. Exits 0 when the connection ends with 1000 or 1001; 2 when a value
/// cannot be sent (URL, `--header`, `--origin`, `--subprotocol`: refused before connecting, one
/// line naming the field) or the handshake failed.
struct ConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Connect to a WebSocket server; stdin lines are sent, received messages printed.",
        discussion: """
            Exit status: 0 when the connection ends with 1000 or 1001; 1 on another close code; 2 when \
            a value cannot be sent (the URL, a --header, --origin or --subprotocol holds a character \
            HTTP forbids there, e.g. CR or LF: refused before connecting, with one line naming the \
            field) or when the handshake failed.
            """
    )

    @Argument(help: "The ws:// or wss:// URL.")
    var url: String

    @Option(name: .customLong("header"), help: "An extra request header, as NAME:VALUE (repeatable).")
    var headers: [String] = []

    @Option(name: .customLong("subprotocol"), help: "A subprotocol to offer (repeatable).")
    var subprotocols: [String] = []

    @Flag(help: "Send binary messages instead of text.")
    var binary = false

    @Flag(help: "Do not verify the server's TLS certificate.")
    var insecure = false

    @Option(help: "The Origin header to send.")
    var origin: String?

    func run() async throws {
        var configuration = WebSocketClientConfiguration()
        configuration.subprotocols = subprotocols
        configuration.origin = origin
        if insecure { configuration.tls.certificateVerification = .none }

        let status: CloseStatus?
        do {
            for (index, header) in headers.enumerated() {
                guard let colon = header.firstIndex(of: ":") else {
                    throw ValidationError("--header takes NAME:VALUE; header \(index + 1) has no ':'")
                }
                let value = header[header.index(after: colon)...].drop { $0 == " " }
                try configuration.headers.add(name: String(header[..<colon]), value: String(value))
            }
            status = try await WebSocket.connect(to: url, configuration: configuration) { ws in
                await exchange(over: ws)
                return ws
            }.closeStatus
        } catch let error as HTTPFieldError {
            // Refused before connecting; the description names the field, never its bytes.
            Console.error("invalid \(error)")
            throw ExitCode(2)
        } catch let error as HandshakeError {
            Console.error(error.description)
            throw ExitCode(2)
        } catch let error as WebSocketError {
            Console.error(error.description)
            throw ExitCode(2)
        }
        let code = status?.code ?? .abnormalClosure
        if code != .normalClosure && code != .goingAway {
            Console.error("closed: \(code) \(status?.reason ?? "")")
            throw ExitCode.failure
        }
    }

    /// Sends stdin lines and prints received messages until the connection closes. At the end of
    /// input it waits up to ``replyGrace`` for as many messages as it sent (so that an echo server's
    /// replies are printed), then closes with 1000.
    private func exchange(over ws: WebSocket) async {
        let lines = StandardInputLines.start()
        let binary = binary
        let tally = MessageTally()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await line in lines {
                    let message: WebSocketMessage = binary ? .binary(ByteBuffer(string: line)) : .text(line)
                    guard (try? await ws.send(message)) != nil else { return }
                    tally.sent()
                }
                let deadline = ContinuousClock.now + Self.replyGrace
                while !tally.isAnswered, ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(10))
                }
                try? await ws.close(code: .normalClosure)
            }
            for await message in ws.messages {
                switch message {
                case .text(let text): Console.out(text)
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
