import NIOCore
import Testing

@_spi(Core) @testable import DuplexCore

@Suite("Deferred protocol failure", .timeLimit(.minutes(1)))
struct ConnectionDeferredFailureTests {
    /// A text message followed by a frame with a reserved bit no extension allows.
    private func messageThenViolation(_ harness: ConnectionHarness) -> ByteBuffer {
        var bytes = harness.frame(.text, ByteBuffer(string: "hello"))
        bytes.writeImmutableBuffer(harness.frame(.text, ByteBuffer(string: "bad"), reservedBits: [.rsv2]))
        bytes.writeImmutableBuffer(harness.frame(.ping, ByteBuffer()))
        return bytes
    }

    @Test func repliesGoOutBeforeTheDeferredClose() throws {
        var harness = ConnectionHarness()
        harness.connection.receive(messageThenViolation(harness))
        #expect(harness.connection.nextEvent(deferringFailure: true) == .text(ByteBuffer(string: "hello")))
        #expect(harness.connection.nextEvent(deferringFailure: true) == .protocolError(.reservedBitsSet))
        #expect(harness.connection.nextEvent(deferringFailure: true) == nil)
        #expect(harness.connection.pendingFailure == .reservedBitsSet)
        #expect(harness.connection.state == .open)
        #expect(!harness.connection.shouldCloseTransport)
        #expect(try harness.sent().isEmpty)

        try harness.connection.send(text: "hello")
        harness.connection.failPending()
        let frames = try harness.sent()
        #expect(frames.map(\.header.opcode) == [.text, .close])
        #expect(harness.connection.state == .closed)
        #expect(harness.connection.closeStatus?.code == .protocolError)
        #expect(harness.connection.shouldCloseTransport)
        #expect(harness.connection.pendingFailure == nil)
    }

    @Test func bytesAfterADeferredFailureAreIgnored() throws {
        var harness = ConnectionHarness()
        harness.connection.receive(messageThenViolation(harness))
        while harness.connection.nextEvent(deferringFailure: true) != nil {}
        harness.connection.receive(harness.frame(.text, ByteBuffer(string: "later")))
        #expect(harness.connection.nextEvent(deferringFailure: true) == nil)
    }

    @Test func localCloseBeforeTheDeferredFailureSendsOneCloseFrame() throws {
        var harness = ConnectionHarness()
        harness.connection.receive(messageThenViolation(harness))
        while harness.connection.nextEvent(deferringFailure: true) != nil {}
        try harness.connection.close(code: .normalClosure)
        harness.connection.failPending()
        #expect(try harness.sentClose()?.code == .normalClosure)
        #expect(harness.connection.closeStatus?.code == .protocolError)
        #expect(harness.connection.shouldCloseTransport)
    }

    @Test func withoutDeferringTheCloseIsQueuedAtOnce() throws {
        var harness = ConnectionHarness()
        let events = harness.feed(messageThenViolation(harness))
        #expect(events == [.text(ByteBuffer(string: "hello")), .protocolError(.reservedBitsSet)])
        #expect(try harness.sentClose()?.code == .protocolError)
        #expect(harness.connection.pendingFailure == nil)
    }
}
