import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension WebSocket {
    /// Connects to `url` like ``connect(to:configuration:eventLoopGroup:isolation:_:)`` and runs `body` with
    /// the connection, then connects again and runs `body` again whenever the connection was lost,
    /// or an attempt failed, for a reason `reconnect` retries; waits between attempts as `reconnect`
    /// says. Each attempt and each wait is logged (at `info`, on the configuration's logger).
    /// `body` runs in the caller's isolation, as with the single-connection `connect` (from
    /// `@MainActor` code, on the main actor).
    ///
    /// ```swift
    /// try await WebSocket.connect(to: "wss://example.org/feed", reconnect: ReconnectPolicy()) { ws in
    ///     for await message in ws.messages { handle(message) }
    /// }
    /// ```
    ///
    /// Returns when a connection ends for a reason that is not retried: `body` returned while the
    /// connection was open (it is closed with 1000), or the server closed it with a code outside
    /// ``ReconnectPolicy/retryableCloseCodes`` (1000, say); ``closeStatus`` of the last connection
    /// tells which. Throws what `body` throws (the connection is closed with 1011, and not
    /// retried), the error of an attempt that is not retried (e.g. a 401 as
    /// `HandshakeError.unexpectedStatus`), the last attempt's error once
    /// ``ReconnectPolicy/maxRetries`` failed attempts in a row were retried, `CancellationError`
    /// when the task is cancelled while waiting (cancelled while connected, the connection closes
    /// with 1001 and nothing is retried), and before any attempt what the single-connection
    /// `connect` throws for an invalid URL or configuration, or ``ConfigurationError`` for an
    /// invalid policy.
    public static func connect(
        to url: String,
        configuration: WebSocketClientConfiguration = WebSocketClientConfiguration(),
        reconnect policy: ReconnectPolicy,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (WebSocket) async throws -> Void
    ) async throws {
        let parsed = try WebSocketURL(validating: url)
        try configuration.session.validate()
        try policy.validate()
        let logger = configuration.logger
        var retry = 0
        var failedAttempts = 0
        var attempt = 0
        while true {
            attempt += 1
            logger.info("connecting to \(parsed) (attempt \(attempt))")
            let webSocket: WebSocket
            do {
                webSocket = try await open(following: parsed, configuration: configuration, eventLoopGroup: eventLoopGroup)
            } catch {
                let verdict = policy.retry(after: error, now: { Int64(time(nil)) })
                failedAttempts += 1
                guard verdict.retry, !Task.isCancelled, failedAttempts <= policy.maxRetries ?? .max else { throw error }
                try await wait(policy.delay(beforeRetry: retry, retryAfter: verdict.retryAfter), after: "\(error)", logger: logger)
                retry += 1
                continue
            }
            failedAttempts = 0
            let opened = ContinuousClock.now
            let executor = configuration.session.runsTaskOnEventLoop ? webSocket.taskExecutor : nil
            try await withTaskExecutorPreference(executor, isolation: isolation) {
                try await webSocket.run(body)
            }
            guard !Task.isCancelled, let status = webSocket.closeStatus, policy.retryableCloseCodes.contains(status.code) else {
                return
            }
            if ContinuousClock.now - opened >= policy.stableAfter { retry = 0 }
            let reason = status.reason.isEmpty ? "" : " (\(status.reason))"
            try await wait(policy.delay(beforeRetry: retry, retryAfter: nil), after: "connection closed with \(status.code)\(reason)", logger: logger)
            retry += 1
        }
    }

    /// Waits `delay` before the next attempt, saying why.
    private static func wait(_ delay: Duration, after reason: String, logger: Logger) async throws {
        let (seconds, attoseconds) = delay.components
        logger.info("reconnecting in \(seconds * 1000 + attoseconds / 1_000_000_000_000_000) ms after: \(reason)")
        try await Task.sleep(for: delay)
    }
}
