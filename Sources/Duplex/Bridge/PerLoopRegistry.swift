import NIOConcurrencyHelpers
import NIOCore

/// One object per event loop, made on first use: the loop-wide ``DeadlineSweeper`` (held weakly:
/// it lives as long as something on the loop holds it) and ``EventLoopTaskExecutor`` (held for
/// good, with its loop: a task's executor preference must outlive every job of the task, and event
/// loops are few and long-lived).
final class PerLoopRegistry<Object: AnyObject & Sendable>: Sendable {
    private struct Entry: Sendable {
        weak var object: Object?
        let strong: Object?
    }

    private let entries = NIOLockedValueBox<[ObjectIdentifier: Entry]>([:])
    private let holdsStrongly: Bool
    private let make: @Sendable (any EventLoop) -> Object

    /// A registry whose objects `make` creates; `holdsStrongly` keeps them for good.
    init(holdsStrongly: Bool = false, make: @escaping @Sendable (any EventLoop) -> Object) {
        self.holdsStrongly = holdsStrongly
        self.make = make
    }

    /// The object of `loop`, made on first use; takes a lock, so call it when a connection is set
    /// up, not per message.
    func object(for loop: any EventLoop) -> Object {
        entries.withLockedValue { entries in
            let key = ObjectIdentifier(loop)
            // A live object holds its loop, so the identifier cannot belong to another loop.
            if let object = entries[key]?.object { return object }
            entries = entries.filter { $0.value.object != nil }
            let object = make(loop)
            entries[key] = Entry(object: object, strong: holdsStrongly ? object : nil)
            return object
        }
    }
}
