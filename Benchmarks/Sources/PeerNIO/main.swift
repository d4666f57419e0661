import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import PeerSupport

// The SwiftNIO peer: NIOWebSocketServerUpgrader on `/`, messages reassembled by
// NIOWebSocketFrameAggregator and echoed back as one frame each.

let port = PeerArguments.port()
let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)

let upgrader = NIOWebSocketServerUpgrader(
    maxFrameSize: 1 << 24,
    shouldUpgrade: { channel, head in
        channel.eventLoop.makeSucceededFuture(head.uri == "/" ? HTTPHeaders() : nil)
    },
    upgradePipelineHandler: { channel, _ in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandlers([
                NIOWebSocketFrameAggregator(
                    minNonFinalFragmentSize: 0,
                    maxAccumulatedFrameCount: 1 << 16,
                    maxAccumulatedFrameSize: 1 << 24
                ),
                EchoHandler(),
            ])
        }
    }
)

let bootstrap = ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 4096)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.pipeline.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
        )
    }

let channel = try bootstrap.bind(host: "127.0.0.1", port: port).wait()
print("listening on ws://127.0.0.1:\(port)/")
try channel.closeFuture.wait()
