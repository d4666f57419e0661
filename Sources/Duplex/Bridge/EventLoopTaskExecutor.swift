import NIOConcurrencyHelpers
import NIOCore

/// A `TaskExecutor` that runs jobs on one event loop: the executor a connection's task prefers
/// (see ``WebSocketServerConfiguration/runsTasksOnEventLoop``), so that the application's
/// nonisolated code, ``WebSocket/messages`` and ``WebSocket/send(_:)`` run on the thread that owns
/// the channel, and a message travels from the socket to the task and back with no thread hop.
///
/// Jobs wait in a queue and run in batches, one loop task per batch: a batch takes the jobs queued
/// when it starts, so jobs that keep enqueueing others cannot starve the loop's I/O. A job runs as
/// if on the generic executor with this task executor preferred, so nonisolated calls inside it
/// stay inline instead of hopping.
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    /// The loop the jobs run on.
    let eventLoop: any EventLoop
    private let lock = NIOLock()
    /// Under `lock`.
    private var jobs = CircularBuffer<UnownedJob>(initialCapacity: 16)
    /// Under `lock`: whether a loop task to run the jobs is scheduled.
    private var scheduled = false

    private init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    private static let registry = PerLoopRegistry(holdsStrongly: true) { EventLoopTaskExecutor(eventLoop: $0) }

    /// The executor of `loop`, made on first use (takes a lock: call it once per connection).
    static func on(_ loop: any EventLoop) -> EventLoopTaskExecutor {
        registry.object(for: loop)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let mustSchedule = lock.withLock {
            jobs.append(job)
            defer { scheduled = true }
            return !scheduled
        }
        if mustSchedule { eventLoop.execute { self.runJobs() } }
    }

    /// Runs the jobs queued now; later ones wait for the next loop task.
    private func runJobs() {
        var remaining = lock.withLock {
            scheduled = false
            return jobs.count
        }
        let executor = asUnownedTaskExecutor()
        while remaining > 0, let job = lock.withLock({ jobs.popFirst() }) {
            remaining -= 1
            job.runSynchronously(on: executor)
        }
    }
}

extension IncomingRequest {
    /// The task executor of the connection's event loop.
    var taskExecutor: EventLoopTaskExecutor { .on(eventLoop) }
}

extension WebSocket {
    /// The task executor of the connection's event loop.
    var taskExecutor: EventLoopTaskExecutor { .on(channel.eventLoop) }
}
