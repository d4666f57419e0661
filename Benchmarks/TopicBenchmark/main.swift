// Topic fan-out benchmark (docs/topics.md): an in-process server on 127.0.0.1 whose connections all
// subscribe to one topic; bare TCP clients count the bytes of the frames they receive. Prints, for
// each subscriber count, how many messages were delivered per second.
//
//     swift run -c release TopicBenchmark [subscriber counts...]   (default: 1 100 10000)

import Duplex
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
let RLIMIT_NOFILE_RESOURCE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
#elseif canImport(Darwin)
import Darwin
let RLIMIT_NOFILE_RESOURCE = RLIMIT_NOFILE
#endif

/// Counts the bytes after a client's 101 response head and reports when `expected` arrived.
final class FrameCounter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private var headSeen = false
    private var pendingHead = ByteBuffer()
    private var counted = 0
    private let expected: Int
    private let upgraded: EventLoopPromise<Void>
    private let done: @Sendable () -> Void

    init(expected: Int, upgraded: EventLoopPromise<Void>, done: @escaping @Sendable () -> Void) {
        self.expected = expected
        self.upgraded = upgraded
        self.done = done
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if !headSeen {
            pendingHead.writeBuffer(&bytes)
            guard let end = pendingHead.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            headSeen = true
            upgraded.succeed()
            let after = pendingHead.readableBytesView.distance(from: pendingHead.readableBytesView.startIndex, to: end.upperBound)
            count(pendingHead.readableBytes - after)
        } else {
            count(bytes.readableBytes)
        }
    }

    private func count(_ bytes: Int) {
        let before = counted
        counted += bytes
        if before < expected && counted >= expected { done() }
    }
}

/// The number of messages published to `subscribers`, so that each run delivers about 200 000.
func messageCount(for subscribers: Int) -> Int {
    max(20, 200_000 / subscribers)
}

/// Client side (a child process, so that server and clients each have their own file limit):
/// connects `subscribers` clients to `port`, prints `ready` once all are upgraded and `done` once
/// each received `bytes` bytes of frames.
func runClients(port: Int, subscribers: Int, bytes: Int) async throws {
    let remaining = NIOLockedValueBox(subscribers)
    let group = MultiThreadedEventLoopGroup.singleton
    let allDone = group.next().makePromise(of: Void.self)
    let request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    var clients: [any Channel] = []
    for batchStart in stride(from: 0, to: subscribers, by: 200) {
        try await withThrowingTaskGroup(of: (any Channel).self) { batch in
            for _ in batchStart..<min(subscribers, batchStart + 200) {
                batch.addTask {
                    let loop = group.next()
                    let upgraded = loop.makePromise(of: Void.self)
                    let channel = try await ClientBootstrap(group: loop)
                        .channelInitializer { channel in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandler(
                                    FrameCounter(expected: bytes, upgraded: upgraded) {
                                        if remaining.withLockedValue({ $0 -= 1; return $0 }) == 0 { allDone.succeed() }
                                    })
                            }
                        }
                        .connect(host: "127.0.0.1", port: port).get()
                    try await channel.writeAndFlush(ByteBuffer(string: request))
                    try await upgraded.futureResult.get()
                    return channel
                }
            }
            for try await channel in batch { clients.append(channel) }
        }
    }
    print("ready")
    fflush(nil)
    try await allDone.futureResult.get()
    print("done")
    fflush(nil)
    for client in clients { try? await client.close() }
}

/// Server side: publishes to `subscribers` clients run by a child process; returns deliveries per second.
func run(subscribers: Int, payloadSize: Int) async throws -> Double {
    let topics = WebSocketTopics()
    var configuration = WebSocketServerConfiguration(host: "127.0.0.1", port: 0)
    configuration.extensions = []
    configuration.backlog = 4096
    configuration.session.pingInterval = nil
    configuration.handshakeTimeout = .seconds(120)
    configuration.shutdownGracePeriod = .seconds(1)
    let server = WebSocketServer(configuration: configuration)
    let port = try await server.bind().port!
    let serving = Task {
        try await server.run { _ in
            .accept { ws in
                topics.subscribe(ws, to: "bench")
                for await _ in ws.messages {}
            }
        }
    }
    let messages = messageCount(for: subscribers)
    let payload = ByteBuffer(repeating: 0x2A, count: payloadSize)
    let frameSize = payloadSize + (payloadSize < 126 ? 2 : 4)
    let output = Pipe()
    let clients = Process()
    clients.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    clients.arguments = ["clients", "\(port)", "\(subscribers)", "\(messages * frameSize)"]
    clients.standardOutput = output
    try clients.run()
    let lines = output.fileHandleForReading
    func nextLine() async -> String {
        await Task.detached {
            var line = ""
            while true {
                let byte = lines.readData(ofLength: 1)
                if byte.isEmpty || byte[0] == 10 { return line }
                line.append(Character(UnicodeScalar(byte[0])))
            }
        }.value
    }
    guard await nextLine() == "ready" else { fatalError("the client process failed") }
    while topics.subscriberCount(of: "bench") < subscribers { try await Task.sleep(for: .milliseconds(10)) }
    let start = ContinuousClock.now
    for _ in 0..<messages { topics.publish(.binary(payload), to: "bench") }
    guard await nextLine() == "done" else { fatalError("the client process failed") }
    let elapsed = ContinuousClock.now - start
    clients.waitUntilExit()
    await server.shutdown()
    _ = try? await serving.value
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Double(subscribers * messages) / seconds
}

var limit = rlimit()
getrlimit(RLIMIT_NOFILE_RESOURCE, &limit)
limit.rlim_cur = limit.rlim_max
setrlimit(RLIMIT_NOFILE_RESOURCE, &limit)

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "clients", arguments.count == 4, let port = Int(arguments[1]), let count = Int(arguments[2]),
    let bytes = Int(arguments[3])
{
    try await runClients(port: port, subscribers: count, bytes: bytes)
} else {
    let counts = arguments.compactMap { Int($0) }
    print("| subscribers | messages published | payload | delivered per second |")
    print("|---:|---:|---:|---:|")
    for subscribers in counts.isEmpty ? [1, 100, 10_000] : counts {
        let perSecond = try await run(subscribers: subscribers, payloadSize: 64)
        print("| \(subscribers) | \(messageCount(for: subscribers)) | 64 B | \(Int(perSecond)) |")
    }
}
