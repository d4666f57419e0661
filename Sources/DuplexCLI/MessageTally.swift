import Foundation

/// Counts messages sent and received by `duplex connect`, from two tasks.
final class MessageTally: @unchecked Sendable {
    private let lock = NSLock()
    private var sentCount = 0
    private var receivedCount = 0

    /// Records a message sent.
    func sent() { lock.withLock { sentCount += 1 } }
    /// Records a message received.
    func received() { lock.withLock { receivedCount += 1 } }
    /// Whether at least as many messages arrived as were sent.
    var isAnswered: Bool { lock.withLock { receivedCount >= sentCount } }
}
