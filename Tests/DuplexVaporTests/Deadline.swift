#if Vapor
/// `timeout` passed before the awaited condition held.
struct TimedOut: Error {}

/// `body`'s result, or ``TimedOut`` when `timeout` passes first (`body` is then cancelled).
func within<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask(operation: body)
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TimedOut()
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw TimedOut() }
        return result
    }
}
#endif
