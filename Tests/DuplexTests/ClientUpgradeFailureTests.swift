@testable import Duplex
@_spi(Core) import DuplexCore
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@Suite("Client: a hand-over that fails completes the connect", .timeLimit(.minutes(1)))
struct ClientUpgradeFailureTests {
    /// `addHandler` throws only when the pipeline cannot take the handler (here: the HTTP handler
    /// it goes after is no longer in it). The connect must then fail with that error, not wait
    /// forever: before the fix, the handler marked itself upgraded first and the failure was
    /// ignored.
    @Test func aWebSocketHandlerThatCannotBeAddedFailsTheConnect() throws {
        let channel = EmbeddedChannel()
        let key = "dGhlIHNhbXBsZSBub25jZQ=="
        let handshake = try ClientHandshake(host: "example.org", target: "/", key: key)
        let upgraded = channel.eventLoop.makePromise(of: WebSocket.self)
        let result = ConnectOutcome()
        upgraded.futureResult.whenComplete { result.set($0.map { _ in () }) }
        let handler = ClientHTTPHandler(
            handshake: handshake, url: "ws://example.org/", configuration: WebSocketClientConfiguration(),
            eofHold: UpgradeEOFHold(), encoder: HTTPRequestEncoder(),
            decoder: ByteToMessageHandler(HTTPResponseDecoder()), upgraded: upgraded)
        try channel.pipeline.syncOperations.addHandler(handler)
        let context = try channel.pipeline.syncOperations.context(handler: handler)
        try channel.pipeline.syncOperations.removeHandler(context: context).wait()

        var headers = HTTPHeaders()
        headers.add(name: "Upgrade", value: "websocket")
        headers.add(name: "Connection", value: "Upgrade")
        headers.add(name: "Sec-WebSocket-Accept", value: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        let head = HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: headers)
        handler.channelRead(context: context, data: NIOAny(HTTPClientResponsePart.head(head)))
        handler.channelRead(context: context, data: NIOAny(HTTPClientResponsePart.end(nil)))

        let outcome = try #require(result.value, "the connect never completed")
        #expect(throws: ChannelPipelineError.notFound) { try outcome.get() }
        _ = try? channel.finish()
    }
}

/// A result set once, read after the embedded loop ran the callbacks.
private final class ConnectOutcome: @unchecked Sendable {
    // EmbeddedChannel runs everything on the test's thread.
    var value: Result<Void, any Error>?
    func set(_ result: Result<Void, any Error>) { value = result }
}
