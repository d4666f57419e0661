import DuplexCore
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Limits, timeouts and buffering of an open WebSocket connection, shared by clients and servers.
///
/// See docs/transport.md for the table of defaults and what each bound means for memory use.
public struct SessionConfiguration: Sendable {
    /// The protocol limits (frame and message sizes, automatic pongs, fragmentation).
    public var connection: ConnectionConfiguration = ConnectionConfiguration()
    /// How long to wait for the peer's close frame (and, for a client, for the server to close TCP)
    /// after this side sent its close frame, before closing the TCP connection. Default 10 s.
    public var closeTimeout: TimeAmount = .seconds(10)
    /// How often to send a keepalive ping while the connection is open; `nil` disables keepalive.
    /// Default 20 s.
    public var pingInterval: TimeAmount? = .seconds(20)
    /// How long a keepalive ping may wait for its pong before the connection is failed with 1011.
    /// Default 20 s.
    public var pongTimeout: TimeAmount = .seconds(20)
    /// When set, a connection on which nothing arrives from the peer for this long is closed with
    /// 1001. Default `nil` (keepalive pings already detect dead peers).
    public var idleTimeout: TimeAmount? = nil
    /// Received messages the async ``WebSocket/messages`` sequence buffers before the transport
    /// stops reading from the socket. Default 16.
    public var inboundHighWatermark: Int = 16
    /// Buffered messages at or below which reading resumes. Default 4.
    public var inboundLowWatermark: Int = 4
    /// Payload bytes of the received messages the async ``WebSocket/messages`` sequence buffers
    /// past which the transport stops reading from the socket, until the consumer has taken them
    /// down to this bound again; the count watermarks apply as well. One message larger than this
    /// is still delivered (``ConnectionConfiguration/maxMessageSize`` bounds it). With the defaults a
    /// connection holds at most about 1 MiB queued + one 16 MiB message + the frame being inflated:
    /// about twice `maxMessageSize` (docs/transport.md, "Backpressure bounds"). Default 1 MiB.
    public var maxBufferedInboundBytes: Int = 1 << 20
    /// Bytes that may wait in the channel's write buffer for a peer that is not reading: a write
    /// made while the channel is unwritable that would take the buffer past this fails the
    /// connection with 1008. Default 64 MiB.
    public var maxQueuedOutboundBytes: Int = 64 << 20
    /// Whether the connection's task (a server's `decide` and the body it accepts with, or the body
    /// given to ``WebSocket/connect(to:configuration:eventLoopGroup:isolation:_:)``) prefers the channel's
    /// event loop as its task executor, so that its nonisolated code, ``WebSocket/messages`` and
    /// ``WebSocket/send(_:)`` run on the thread that owns the socket: a message reaches the task
    /// and its reply leaves without a thread hop. Code isolated to an actor still runs on that
    /// actor. Turn it off when the task does long CPU work or blocks, which would hold up every
    /// connection on the same loop; the task then runs on the global concurrent executor. Default
    /// `true`, unless the environment variable `DUPLEX_TASKS_ON_EVENT_LOOP` is `0` when the
    /// process starts (a switch for operators, and for runs under ThreadSanitizer, whose slowdown
    /// makes tasks on a 2-core machine's loops starve their I/O).
    public var runsTaskOnEventLoop = SessionConfiguration.tasksOnEventLoopByDefault
    /// Where a server connection logs and counts (set by the server for each connection).
    var telemetry: ConnectionTelemetry?

    /// The defaults.
    public init() {}
}

extension SessionConfiguration {
    /// The default of ``runsTaskOnEventLoop``: `DUPLEX_TASKS_ON_EVENT_LOOP=0` turns it off.
    private static let tasksOnEventLoopByDefault: Bool = {
        guard let value = getenv("DUPLEX_TASKS_ON_EVENT_LOOP") else { return true }
        return String(cString: value) != "0"
    }()

    /// Checks the values that have a valid range, so that a bad one is an error where the
    /// configuration is used (``WebSocketServer/bind()``, ``WebSocket/connect(to:configuration:eventLoopGroup:isolation:_:)``,
    /// `Channel.serveWebSocket`) rather than a failure deep in the transport.
    func validate() throws(ConfigurationError) {
        guard inboundHighWatermark >= 1 else {
            throw ConfigurationError(setting: "inboundHighWatermark", rule: "must be at least 1")
        }
        guard (0...inboundHighWatermark).contains(inboundLowWatermark) else {
            throw ConfigurationError(setting: "inboundLowWatermark", rule: "must be from 0 to inboundHighWatermark")
        }
        guard maxBufferedInboundBytes >= 0 else {
            throw ConfigurationError(setting: "maxBufferedInboundBytes", rule: "must not be negative")
        }
        guard maxQueuedOutboundBytes >= 0 else {
            throw ConfigurationError(setting: "maxQueuedOutboundBytes", rule: "must not be negative")
        }
        guard connection.maxFrameSize >= 0, connection.maxMessageSize >= 0 else {
            throw ConfigurationError(setting: "maxFrameSize and maxMessageSize", rule: "must not be negative")
        }
    }
}
