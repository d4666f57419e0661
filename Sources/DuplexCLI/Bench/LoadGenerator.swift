import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#endif

/// Opens generator connections spread round-robin over the loops of its own event loop group, and
/// reads, resets and stops the loops' statistics.
final class LoadGenerator: Sendable {
    /// How many connections are being opened at once at most.
    static let connectConcurrency = 128

    private let group: MultiThreadedEventLoopGroup
    private let loops: [any EventLoop]
    private let statistics: [NIOLoopBound<LoopStatistics>]
    private let target: BenchTarget
    private let deflate: Bool
    /// For a `wss://` target.
    private let tls: NIOSSLContext?

    /// Starts `threads` event loops.
    init(threads: Int, target: BenchTarget, deflate: Bool, tls: NIOSSLContext?) async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        loops = group.makeIterator().map { $0 }
        var statistics: [NIOLoopBound<LoopStatistics>] = []
        for loop in loops {
            statistics.append(try await loop.submit { NIOLoopBound(LoopStatistics(), eventLoop: loop) }.get())
        }
        self.statistics = statistics
        self.target = target
        self.deflate = deflate
        self.tls = tls
    }

    /// Connects number `index` (its loop is `index` modulo the loop count) and completes with its
    /// channel once the handshake did, with whether permessage-deflate was negotiated. With
    /// `source`, the connection leaves from that local address (its port still chosen at connect).
    func open(
        _ index: Int, workload: Workload, source: SocketAddress? = nil
    ) -> EventLoopFuture<(channel: any Channel, deflated: Bool)> {
        let loop = loops[index % loops.count]
        let bound = statistics[index % loops.count]
        let opened = loop.makePromise(of: Bool.self)
        var bootstrap = ClientBootstrap(group: loop).channelOption(.socketOption(.tcp_nodelay), value: 1)
        if let source {
            // IP_BIND_ADDRESS_NO_PORT (24 in linux/in.h): the kernel picks the port at connect, for
            // the 4-tuple, instead of reserving one at bind.
            bootstrap = bootstrap.channelOption(.ipOption(.init(rawValue: 24)), value: 1).bind(to: source)
        }
        let target = self.target
        let deflate = self.deflate
        let tls = self.tls
        let serverHostname = target.url.tlsServerName
        return bootstrap
            .channelInitializer { channel in
                // A connect cycle ends with a reset instead of TIME_WAIT: thousands of cycles a
                // second would use up the ephemeral ports.
                let lingered: EventLoopFuture<Void>
                if case .connectCycle = workload, let socket = channel as? any SocketOptionProvider {
                    lingered = socket.setSoLinger(linger(l_onoff: 1, l_linger: 0))
                } else {
                    lingered = channel.eventLoop.makeSucceededVoidFuture()
                }
                return lingered.flatMapThrowing {
                    let handler = try BenchConnectionHandler(
                        target: target, workload: workload, deflate: deflate,
                        statistics: bound.value, opened: opened
                    )
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: target.host, port: target.port)
            .flatMap { channel in opened.futureResult.map { (channel: channel, deflated: $0) } }
    }

    /// Opens `count` connections (from `source`, if set), at most ``connectConcurrency`` at a time;
    /// fails with the first connection that could not be opened.
    func openAll(
        _ count: Int, workload: Workload, source: SocketAddress? = nil
    ) async throws -> (channels: [any Channel], deflated: Bool) {
        var channels: [any Channel] = []
        var deflated = true
        var next = 0
        while next < count {
            let batch = (next..<min(count, next + Self.connectConcurrency)).map { open($0, workload: workload, source: source) }
            next += batch.count
            for future in batch {
                let opened = try await future.get()
                channels.append(opened.channel)
                deflated = deflated && opened.deflated
            }
        }
        return (channels, deflated && count > 0)
    }

    /// Runs handshake-and-close cycles on `slots` connections at a time until ``stop()``; completes
    /// when every slot finished its last cycle.
    func runCycles(slots: Int) -> EventLoopFuture<Void> {
        let futures = (0..<slots).map { slot in
            let promise = loops[slot % loops.count].makePromise(of: Void.self)
            cycle(slot, done: promise)
            return promise.futureResult
        }
        return EventLoopFuture.andAllComplete(futures, on: loops[0])
    }

    private func cycle(_ slot: Int, done: EventLoopPromise<Void>) {
        let loop = loops[slot % loops.count]
        let bound = statistics[slot % loops.count]
        loop.execute {
            guard bound.value.running else { return done.succeed() }
            self.open(slot, workload: .connectCycle).whenComplete { result in
                switch result {
                case .success(let opened):
                    opened.channel.closeFuture.whenComplete { _ in self.cycle(slot, done: done) }
                case .failure:
                    // The handler counted the error; pause briefly so a refusing server is not spun on.
                    loop.scheduleTask(in: .milliseconds(10)) { self.cycle(slot, done: done) }
                }
            }
        }
    }

    /// The figures of every loop, merged.
    func snapshot() async throws -> StatisticsSnapshot {
        var merged = StatisticsSnapshot()
        for (loop, bound) in zip(loops, statistics) {
            merged.merge(try await loop.submit { bound.value.snapshot }.get())
        }
        return merged
    }

    /// Completed operations and errors so far, cheaply, for the progress line.
    func progress() async throws -> (operations: UInt64, errors: UInt64) {
        var total: (operations: UInt64, errors: UInt64) = (0, 0)
        for (loop, bound) in zip(loops, statistics) {
            let counts = try await loop.submit { (bound.value.operations, bound.value.errors) }.get()
            total = (total.operations + counts.0, total.errors + counts.1)
        }
        return total
    }

    /// Starts a new measurement window on every loop.
    func reset() async throws {
        for (loop, bound) in zip(loops, statistics) {
            try await loop.submit { bound.value.reset() }.get()
        }
    }

    /// Stops the load: no new messages or cycles start.
    func stop() async throws {
        for (loop, bound) in zip(loops, statistics) {
            try await loop.submit { bound.value.running = false }.get()
        }
    }

    /// Closes `channels` and waits until they are.
    func close(_ channels: [any Channel]) async {
        for channel in channels { channel.close(promise: nil) }
        for channel in channels { try? await channel.closeFuture.get() }
    }

    /// Stops the event loops.
    func shutdown() async throws {
        try await group.shutdownGracefully()
    }
}
