@_spi(Core) import DuplexCore
import NIOCore
import Testing

/// Inputs the fuzzers in Fuzz/ found to break the core, reduced to the smallest case. Each crash
/// runs in a child process (an exit test), so that a regression fails the test instead of
/// stopping the whole test run.
@Suite("Fuzz regressions", .timeLimit(.minutes(1)))
struct FuzzRegressionTests {
    /// FuzzFramesDeflate and FuzzExtensions: with context takeover, compressing an empty message
    /// right after another message gives zlib nothing to flush, and removing the 4-byte sync-flush
    /// tail from the empty output crashed (`moveWriterIndex(to: -4)`). An echo server crashed on
    /// a peer's compressed "Hello" followed by an empty message. RFC 7692 §7.2.3.6 encodes an
    /// empty message as the single byte 0x00.
    @Test("An empty message compressed after another one round-trips")
    func emptyMessageAfterAnotherWithContextTakeover() async {
        await #expect(processExitsWith: .success) {
            let offer = ExtensionHeaderElement(name: PerMessageDeflate.extensionName)
            guard let agreement = PerMessageDeflate().serverAccept([offer]) else { fatalError("offer declined") }
            var server = WebSocketConnection(role: .server, extensions: [agreement.makeExtension(role: .server)])
            var client = WebSocketConnection(role: .client, extensions: [agreement.makeExtension(role: .client)])
            try? server.send(.binary, payload: ByteBuffer(string: "Hello"))
            try? server.send(.binary, payload: ByteBuffer())
            try? server.send(.binary, payload: ByteBuffer())
            client.receive(server.takeOutbound() ?? ByteBuffer())
            var received: [String] = []
            while let event = client.nextEvent() {
                guard case .binary(let payload) = event else { fatalError("unexpected \(event)") }
                received.append(String(buffer: payload))
            }
            precondition(received == ["Hello", "", ""], "received \(received)")
        }
    }
}
