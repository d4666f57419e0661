@testable import Duplex
import DuplexCore
import NIOCore
import Testing

@Suite("ReconnectPolicy and Retry-After", .timeLimit(.minutes(1)))
struct ReconnectPolicyTests {
    @Test func delaysDoubleUpToTheMaximumWithoutJitter() {
        var policy = ReconnectPolicy()
        policy.initialDelay = .milliseconds(100)
        policy.maxDelay = .milliseconds(700)
        policy.jitter = 0
        #expect((0..<5).map { policy.delay(beforeRetry: $0, retryAfter: nil) } == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(700), .milliseconds(700),
        ])
        #expect(policy.delay(beforeRetry: 1_000_000, retryAfter: nil) == .milliseconds(700))
    }

    @Test func jitterTakesOffAtMostItsShare() {
        var policy = ReconnectPolicy()
        policy.initialDelay = .seconds(1)
        let delays = (0..<200).map { _ in policy.delay(beforeRetry: 0, retryAfter: nil) }
        #expect(delays.allSatisfy { $0 >= .milliseconds(500) && $0 <= .seconds(1) })
        #expect(Set(delays).count > 1)
    }

    @Test func retryAfterLengthensTheWaitUpToTheMaximum() {
        var policy = ReconnectPolicy()
        policy.initialDelay = .milliseconds(10)
        policy.maxDelay = .seconds(5)
        policy.jitter = 0
        #expect(policy.delay(beforeRetry: 0, retryAfter: .seconds(2)) == .seconds(2))
        #expect(policy.delay(beforeRetry: 0, retryAfter: .seconds(3600)) == .seconds(5))
    }

    @Test func whatIsRetried() throws {
        let policy = ReconnectPolicy()
        func refusal(_ status: Int, _ headers: [(String, String)] = []) throws -> any Error {
            HandshakeError.unexpectedStatus(try HandshakeResponse(status: status, reason: "R", headers: HeaderFields(headers)))
        }
        let now: () -> Int64 = { 784_111_777 }  // Sun, 06 Nov 1994 08:49:37 GMT
        for status in [429, 502, 503, 504] { #expect(policy.retry(after: try refusal(status), now: now).retry) }
        for status in [400, 401, 403, 404, 500, 301] { #expect(!policy.retry(after: try refusal(status), now: now).retry) }
        #expect(policy.retry(after: try refusal(503, [("Retry-After", "7")]), now: now).retryAfter == .seconds(7))
        #expect(policy.retry(after: try refusal(429, [("Retry-After", "Sun, 06 Nov 1994 08:50:07 GMT")]), now: now).retryAfter == .seconds(30))
        #expect(!policy.retry(after: HandshakeError.acceptMismatch(expected: "a", received: "b"), now: now).retry)
        #expect(!policy.retry(after: HandshakeError.missingUpgradeHeader, now: now).retry)
        #expect(policy.retry(after: WebSocketError.handshakeTimeout, now: now).retry)
        #expect(policy.retry(after: WebSocketError.connectionClosedDuringHandshake, now: now).retry)
        #expect(policy.retry(after: IOError(errnoCode: 111, reason: "connect"), now: now).retry)
        #expect(!policy.retry(after: WebSocketError.tooManyRedirects("ws://x/"), now: now).retry)
        #expect(!policy.retry(after: CancellationError(), now: now).retry)
    }

    @Test func retryAfterIsSecondsOrAnIMFDate() {
        let now: Int64 = 784_111_777  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(RetryAfter.parse("120", now: now) == .seconds(120))
        #expect(RetryAfter.parse(" 0 ", now: now) == .zero)
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == .zero)
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 09:49:37 GMT", now: now) == .seconds(3600))
        #expect(RetryAfter.parse("Thu, 01 Jan 1970 00:00:00 GMT", now: now) == .zero)
        #expect(RetryAfter.parse("Tue, 01 Mar 2028 00:00:00 GMT", now: 0) == .seconds(1_835_481_600))
        for invalid in ["", "-5", "1.5", "soon", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 32 Nov 1994 08:49:37 GMT"] {
            #expect(RetryAfter.parse(invalid, now: now) == nil, "\(invalid)")
        }
    }

    @Test func invalidPoliciesAreRefusedBeforeConnecting() async {
        var policy = ReconnectPolicy()
        policy.jitter = 2
        await #expect(throws: ConfigurationError(setting: "jitter", rule: "must be from 0 to 1")) {
            try await WebSocket.connect(to: "ws://127.0.0.1:1/", reconnect: policy) { _ in }
        }
        policy = ReconnectPolicy()
        policy.maxDelay = .milliseconds(1)
        await #expect(throws: ConfigurationError(setting: "maxDelay", rule: "must be at least initialDelay")) {
            try await WebSocket.connect(to: "ws://127.0.0.1:1/", reconnect: policy) { _ in }
        }
    }
}
