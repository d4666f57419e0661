import NIOCore
import Testing

@_spi(Core) @testable import DuplexCore

/// ``ConnectionConfiguration/deliversFragments``: data messages reported frame by frame, never
/// assembled, with UTF-8 and the message limit checked as they arrive.
@Suite(.timeLimit(.minutes(1))) struct ConnectionFragmentDeliveryTests {
    private func harness(maxMessageSize: Int = 16 << 20) -> ConnectionHarness {
        var configuration = ConnectionConfiguration()
        configuration.deliversFragments = true
        configuration.maxMessageSize = maxMessageSize
        return ConnectionHarness(configuration: configuration)
    }

    @Test func eachFrameIsReportedAsItArrivesWithControlFramesBetween() {
        var connection = harness()
        #expect(
            connection.feed(.binary, ByteBuffer(string: "ab"), isFinal: false)
                == [.fragment(opcode: .binary, payload: ByteBuffer(string: "ab"), isFinal: false)])
        #expect(connection.feed(.ping, ByteBuffer(string: "p")) == [.ping(ByteBuffer(string: "p"))])
        #expect(
            connection.feed(.continuation, ByteBuffer(string: "cd"))
                == [.fragment(opcode: .continuation, payload: ByteBuffer(string: "cd"), isFinal: true)])
        // A single-frame message is one final fragment.
        #expect(connection.feed(text: "whole") == [.fragment(opcode: .text, payload: ByteBuffer(string: "whole"), isFinal: true)])
    }

    @Test func textIsValidatedAcrossFragmentsAndTheBadOneIsNotDelivered() {
        var connection = harness()
        let e = Array("é".utf8)
        #expect(connection.feed(.text, ByteBuffer(bytes: [e[0]]), isFinal: false).count == 1)
        #expect(connection.feed(.continuation, ByteBuffer(bytes: [e[1]]), isFinal: false).count == 1)
        #expect(connection.feed(.continuation, ByteBuffer(bytes: [0xFF]), isFinal: true) == [.protocolError(.invalidUTF8)])
        // A message ending inside a character fails too.
        var truncated = harness()
        _ = truncated.feed(.text, ByteBuffer(string: "a"), isFinal: false)
        #expect(truncated.feed(.continuation, ByteBuffer(bytes: [e[0]]), isFinal: true) == [.protocolError(.invalidUTF8)])
    }

    @Test func theMessageLimitCountsEveryFragment() {
        var connection = harness(maxMessageSize: 5)
        #expect(connection.feed(.binary, ByteBuffer(string: "abc"), isFinal: false).count == 1)
        #expect(
            connection.feed(.continuation, ByteBuffer(string: "def"), isFinal: true) == [.protocolError(.messageTooLarge(limit: 5))])
    }
}
