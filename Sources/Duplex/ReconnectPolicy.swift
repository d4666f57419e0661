import DuplexCore
import NIOCore
import NIOPosix
import NIOSSL

/// When and how fast ``WebSocket/connect(to:configuration:reconnect:eventLoopGroup:_:)`` connects
/// again after a connection is lost or an attempt fails.
///
/// Waits grow exponentially: before retry *n* (counting from 0 since the last connection that
/// lived at least ``stableAfter``) the delay is `min(maxDelay, initialDelay × 2ⁿ)`, of which a
/// random share up to ``jitter`` is taken off, so that many clients dropped at once do not come
/// back at once. A refusal's `Retry-After` (seconds or an HTTP date) lengthens that wait, up to
/// ``maxDelay``.
///
/// What is retried: failures to connect (DNS, TCP, a TLS connection cut short, the handshake
/// timing out or the connection closing during it), handshake refusals with a status in
/// ``retryableStatuses`` (a proxy's refusal of the tunnel too, and a SOCKS5 proxy's failure to
/// reach the server: replies 1, 3, 4, 5, 6), and connections that ended with a code in
/// ``retryableCloseCodes``.
/// Anything else ends the reconnecting: another 4xx, a wrong `Sec-WebSocket-Accept` or any other
/// invalid answer, a certificate that does not verify, and a connection the application closed.
public struct ReconnectPolicy: Sendable, Hashable {
    /// The first wait. Default 1 s.
    public var initialDelay: Duration = .seconds(1)
    /// The longest wait. Default 60 s.
    public var maxDelay: Duration = .seconds(60)
    /// The largest share of each wait taken off at random, from 0 (none) to 1. Default 0.5: each
    /// wait is between half and all of its delay.
    public var jitter = 0.5
    /// How long a connection must have lived for the next wait to start again from
    /// ``initialDelay``. Default 30 s.
    public var stableAfter: Duration = .seconds(30)
    /// How many retries in a row may fail before the last failure is thrown; `nil` for no limit
    /// (the default).
    public var maxRetries: Int?
    /// The close codes after which the client connects again. Default 1001 (going away: what a
    /// server that restarts, Duplex's among them, sends), 1006 (the connection was lost), 1011
    /// (server error), 1012 (service restart) and 1013 (try again later).
    public var retryableCloseCodes: Set<CloseCode> = [.goingAway, .abnormalClosure, .internalError, .serviceRestart, .tryAgainLater]
    /// The handshake statuses after which the client connects again. Default 429, 502, 503, 504.
    public var retryableStatuses: Set<Int> = [429, 502, 503, 504]

    /// The defaults.
    public init() {}

    /// Throws ``ConfigurationError`` for a negative delay, a ``maxDelay`` below ``initialDelay``,
    /// a ``jitter`` outside 0...1 or a negative ``maxRetries``.
    func validate() throws(ConfigurationError) {
        guard initialDelay >= .zero, stableAfter >= .zero else {
            throw ConfigurationError(setting: "initialDelay and stableAfter", rule: "must not be negative")
        }
        guard maxDelay >= initialDelay else {
            throw ConfigurationError(setting: "maxDelay", rule: "must be at least initialDelay")
        }
        guard (0...1).contains(jitter) else {
            throw ConfigurationError(setting: "jitter", rule: "must be from 0 to 1")
        }
        guard (maxRetries ?? 0) >= 0 else {
            throw ConfigurationError(setting: "maxRetries", rule: "must not be negative")
        }
    }

    /// The wait before retry `retry` (0-based), at least `retryAfter` when the server asked for
    /// one; both capped at ``maxDelay``.
    func delay(beforeRetry retry: Int, retryAfter: Duration?) -> Duration {
        var delay = initialDelay
        for _ in 0..<min(retry, 64) where delay < maxDelay { delay *= 2 }
        delay = min(delay, maxDelay)
        let jittered = delay * (1 - jitter * Double.random(in: 0...1))
        return min(max(jittered, retryAfter ?? .zero), maxDelay)
    }

    /// Whether a failed attempt is worth another; with the wait the server asked for, if any.
    func retry(after error: any Error, now: () -> Int64) -> (retry: Bool, retryAfter: Duration?) {
        switch error {
        case HandshakeError.unexpectedStatus(let response):
            guard retryableStatuses.contains(response.status) else { return (false, nil) }
            let retryAfter = response.headers.first(name: "Retry-After").flatMap { RetryAfter.parse($0, now: now()) }
            return (true, retryAfter)
        case WebSocketProxyError.refused(let status):
            return (retryableStatuses.contains(status), nil)
        case WebSocketProxyError.socksRefused(let reply):
            return ([1, 3, 4, 5, 6].contains(reply), nil)
        case WebSocketError.handshakeTimeout, WebSocketError.connectionClosedDuringHandshake,
            NIOSSLError.uncleanShutdown, is NIOConnectionError, is IOError, is ChannelError:
            return (true, nil)
        default:
            return (false, nil)
        }
    }
}
