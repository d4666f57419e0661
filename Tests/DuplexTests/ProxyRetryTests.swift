@testable import Duplex
import Testing

@Suite("Reconnecting after a proxy's refusal", .timeLimit(.minutes(1)))
struct ProxyRetryTests {
    private let policy = ReconnectPolicy()

    private func retries(_ error: WebSocketProxyError) -> Bool {
        policy.retry(after: error, now: { 0 }).retry
    }

    @Test func aProxyThatCannotReachTheServerNowIsRetried() {
        for status in [502, 503, 504, 429] { #expect(retries(.refused(status: status)), "status \(status)") }
        for reply: UInt8 in [1, 3, 4, 5, 6] { #expect(retries(.socksRefused(reply: reply)), "reply \(reply)") }
    }

    @Test func aProxyThatWillNotTunnelIsNotRetried() {
        for status in [407, 403, 400, 405] { #expect(!retries(.refused(status: status)), "status \(status)") }
        for reply: UInt8 in [2, 7, 8] { #expect(!retries(.socksRefused(reply: reply)), "reply \(reply)") }
        #expect(!retries(.socksAuthenticationFailed(status: 1)))
        #expect(!retries(.socksNoAcceptableMethod))
        #expect(!retries(.malformedResponse("x")))
        #expect(!retries(.invalid("x")))
    }
}
