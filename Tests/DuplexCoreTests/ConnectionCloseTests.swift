import NIOCore
import Testing

@_spi(Core) @testable import DuplexCore

@Suite(.timeLimit(.minutes(1))) struct ConnectionCloseTests {
    @Test func peerInitiatedCloseIsEchoedAndTheServerClosesTCP() throws {
        var harness = ConnectionHarness(role: .server)
        let status = CloseStatus(code: .goingAway, reason: "bye")
        #expect(harness.feed(.close, closePayload(1001, Array("bye".utf8))) == [.close(status)])
        #expect(try harness.sentClose() == status, "the answer echoes the code and the reason")
        #expect(harness.connection.state == .closed)
        #expect(harness.connection.closeStatus == status)
        #expect(harness.connection.shouldCloseTransport)
        #expect(throws: UsageError.alreadyClosed) { try harness.connection.send(text: "late") }
    }

    @Test func clientWaitsForTheServerToCloseTCP() throws {
        var harness = ConnectionHarness(role: .client)
        #expect(harness.feed(.close, closePayload(1000)) == [.close(CloseStatus(code: .normalClosure))])
        #expect(try harness.sentClose() == CloseStatus(code: .normalClosure))
        #expect(harness.connection.state == .closed)
        #expect(!harness.connection.shouldCloseTransport)
        harness.connection.receiveEOF()
        #expect(harness.connection.closeStatus == CloseStatus(code: .normalClosure))
    }

    @Test func emptyCloseIsReportedAs1005AndAnsweredWith1000() throws {
        var harness = ConnectionHarness()
        #expect(harness.feed(.close, ByteBuffer()) == [.close(CloseStatus(code: .noStatusReceived))])
        #expect(try harness.sentClose() == CloseStatus(code: .normalClosure))
        #expect(harness.connection.closeStatus?.code == .noStatusReceived)
    }

    @Test func invalidClosePayloads() throws {
        let cases: [(ByteBuffer, ProtocolError, CloseCode)] = [
            (ByteBuffer(bytes: [0x03]), .invalidClosePayload, .protocolError),
            (closePayload(1005), .invalidCloseCode(1005), .protocolError),
            (closePayload(1006), .invalidCloseCode(1006), .protocolError),
            (closePayload(999), .invalidCloseCode(999), .protocolError),
            (closePayload(1016), .invalidCloseCode(1016), .protocolError),
            (closePayload(2000), .invalidCloseCode(2000), .protocolError),
            (closePayload(5000), .invalidCloseCode(5000), .protocolError),
            (closePayload(1000, [0xCE, 0xBA, 0xC0, 0xAF]), .invalidUTF8, .invalidPayloadData),
        ]
        for (payload, error, code) in cases {
            var harness = ConnectionHarness()
            #expect(harness.feed(.close, payload) == [.protocolError(error)])
            #expect(try harness.sentClose()?.code == code)
            #expect(harness.connection.closeStatus?.code == code)
        }
        for code: UInt16 in [1000, 1003, 1007, 1014, 3000, 4999] {
            var harness = ConnectionHarness()
            #expect(harness.feed(.close, closePayload(code)) == [.close(CloseStatus(code: CloseCode(code)))])
        }
    }

    @Test func locallyInitiatedClose() throws {
        var harness = ConnectionHarness(role: .server)
        try harness.connection.close(code: .goingAway, reason: "shutdown")
        #expect(harness.connection.state == .closing)
        #expect(try harness.sentClose() == CloseStatus(code: .goingAway, reason: "shutdown"))
        #expect(throws: UsageError.alreadyClosed) { try harness.connection.send(text: "late") }
        #expect(throws: UsageError.alreadyClosed) { try harness.connection.ping() }
        #expect(throws: UsageError.alreadyClosed) { try harness.connection.close() }
        // Messages still arrive while closing; pings are no longer answered.
        #expect(harness.feed(text: "still here") == [.text(ByteBuffer(string: "still here"))])
        #expect(harness.feed(.ping, ByteBuffer()) == [.ping(ByteBuffer())])
        #expect(harness.feed(.close, closePayload(1000)) == [.close(CloseStatus(code: .normalClosure))])
        #expect(try harness.sent().isEmpty)
        #expect(harness.connection.state == .closed)
        #expect(harness.connection.shouldCloseTransport)
    }

    @Test func simultaneousCloseSendsOneCloseFrame() throws {
        var harness = ConnectionHarness(role: .client)
        try harness.connection.close()
        let peerClose = harness.frame(.close, closePayload(1000))
        #expect(try harness.sentClose() == CloseStatus(code: .normalClosure))
        #expect(harness.feed(peerClose) == [.close(CloseStatus(code: .normalClosure))])
        #expect(try harness.sent().isEmpty)
        #expect(harness.connection.state == .closed)
    }

    @Test func dataAfterThePeersCloseIsIgnored() throws {
        var harness = ConnectionHarness()
        var wire = harness.frame(.close, closePayload(1000))
        wire.writeImmutableBuffer(harness.frame(.text, ByteBuffer(string: "after")))
        #expect(harness.feed(wire) == [.close(CloseStatus(code: .normalClosure))])
        #expect(harness.feed(text: "more") == [])
    }

    @Test func eofWithoutCloseIs1006() {
        var harness = ConnectionHarness()
        harness.connection.receiveEOF()
        #expect(harness.connection.state == .closed)
        #expect(harness.connection.closeStatus == CloseStatus(code: .abnormalClosure))
        #expect(harness.connection.shouldCloseTransport)

        var closing = ConnectionHarness(role: .client)
        try? closing.connection.close()
        closing.connection.receiveEOF()
        #expect(closing.connection.closeStatus?.code == .abnormalClosure)
    }

    @Test func closeArgumentsAreChecked() {
        var harness = ConnectionHarness()
        for code: UInt16 in [1005, 1006, 1015, 999, 2000] {
            #expect(throws: UsageError.invalidCloseCode(CloseCode(code))) { try harness.connection.close(code: CloseCode(code)) }
        }
        #expect(throws: UsageError.controlPayloadTooLong) {
            try harness.connection.close(reason: String(repeating: "x", count: 124))
        }
        #expect(harness.connection.state == .open)
    }
}
