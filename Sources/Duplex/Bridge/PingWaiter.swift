import NIOConcurrencyHelpers
import NIOCore

/// One ``WebSocket/ping(_:)`` waiting for its pong: resumed once, with the round-trip time, with an
/// error (the connection closed first), or with `CancellationError` (its task was cancelled),
/// whichever comes first, from whichever thread.
final class PingWaiter: Sendable {
    private enum State {
        case waiting
        case installed(UnsafeContinuation<Duration, any Error>)
        case done
    }

    private let state = NIOLockedValueBox(State.waiting)

    /// Installs the waiting task's continuation; returns `false`, having resumed it with
    /// `CancellationError`, when the task was cancelled first.
    func install(_ continuation: UnsafeContinuation<Duration, any Error>) -> Bool {
        let cancelled = state.withLockedValue { state -> Bool in
            guard case .waiting = state else { return true }
            state = .installed(continuation)
            return false
        }
        if cancelled { continuation.resume(throwing: CancellationError()) }
        return !cancelled
    }

    /// Whether the waiter is still waiting (not answered, failed or cancelled).
    var isWaiting: Bool {
        state.withLockedValue { if case .done = $0 { false } else { true } }
    }

    /// Resumes the task with `result`, unless it was resumed already.
    func resume(with result: Result<Duration, any Error>) {
        let continuation = state.withLockedValue { state -> UnsafeContinuation<Duration, any Error>? in
            defer { state = .done }
            if case .installed(let continuation) = state { return continuation }
            return nil
        }
        continuation?.resume(with: result)
    }

    /// The task was cancelled: it goes on with `CancellationError`.
    func cancel() {
        resume(with: .failure(CancellationError()))
    }
}
