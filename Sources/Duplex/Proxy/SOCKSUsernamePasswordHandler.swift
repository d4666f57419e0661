import NIOCore

/// Adds the SOCKS5 username/password method (RFC 1929) to NIO's `SOCKSClientHandler`, which
/// offers only "no authentication" (swift-nio-extras 1.35). It sits between the socket and that
/// handler:
///
/// - it widens the handler's greeting (`05 01 00`, "no authentication") to offer the
///   username/password method too (`05 02 00 02`);
/// - when the proxy picks username/password, it sends the credentials itself, and once the proxy
///   accepts them hands the handler the selection it understands (`05 00`), so the handler goes on
///   with its request; a proxy that picks "no authentication" talks to the handler directly;
/// - a rejection becomes ``WebSocketProxyError/socksAuthenticationFailed(status:)``.
///
/// From then on, bytes pass through untouched until the tunnel handler removes it.
final class SOCKSUsernamePasswordHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case awaitingGreeting
        case awaitingSelection
        case awaitingStatus
        case passing
        case failed
    }

    /// `SOCKSClientHandler`'s greeting: version 5, one method, "no authentication".
    private static let plainGreeting: [UInt8] = [5, 1, 0]
    private static let usernamePassword: UInt8 = 2

    private let username: String
    private let password: String
    private var state = State.awaitingGreeting
    private var received: ByteBuffer?

    /// `username` and `password` are at most 255 UTF-8 bytes each (``WebSocketProxy`` checks it).
    init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data)
        guard case .awaitingGreeting = state, bytes.readableBytesView.elementsEqual(Self.plainGreeting) else {
            context.write(data, promise: promise)
            return
        }
        state = .awaitingSelection
        let greeting = context.channel.allocator.buffer(bytes: [5, 2, 0, Self.usernamePassword])
        context.write(wrapOutboundOut(greeting), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        switch state {
        case .awaitingGreeting, .passing:
            context.fireChannelRead(data)
            return
        case .awaitingSelection, .awaitingStatus:
            received.setOrWriteBuffer(&bytes)
        case .failed:
            return
        }
        guard var pending = received, pending.readableBytes >= 2 else { return }
        if case .awaitingSelection = state {
            guard pending.getInteger(at: pending.readerIndex + 1, as: UInt8.self) == Self.usernamePassword else {
                // Another method: the SOCKS handler deals with it.
                pass(pending, context: context)
                return
            }
            pending.moveReaderIndex(forwardBy: 2)
            received = pending
            state = .awaitingStatus
            sendCredentials(context: context)
            guard pending.readableBytes >= 2 else { return }
        }
        // The status reply (RFC 1929 §2): version 1, then 0 for success.
        let version = pending.readInteger(as: UInt8.self)
        let status = pending.readInteger(as: UInt8.self) ?? 0
        guard version == 1 else {
            return fail(.malformedResponse("a SOCKS5 authentication reply of version \(version ?? 0)"), context: context)
        }
        guard status == 0 else {
            return fail(.socksAuthenticationFailed(status: status), context: context)
        }
        var selection = context.channel.allocator.buffer(bytes: [5, 0])
        selection.writeBuffer(&pending)
        pass(selection, context: context)
    }

    /// From now on everything passes; `bytes` first.
    private func pass(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        state = .passing
        received = nil
        context.fireChannelRead(wrapInboundOut(bytes))
    }

    private func fail(_ error: WebSocketProxyError, context: ChannelHandlerContext) {
        state = .failed
        received = nil
        context.fireErrorCaught(error)
    }

    /// The username/password request (RFC 1929 §2): version 1, then each as a length and bytes.
    private func sendCredentials(context: ChannelHandlerContext) {
        var request = context.channel.allocator.buffer(capacity: 3 + username.utf8.count + password.utf8.count)
        request.writeInteger(UInt8(1))
        for value in [username, password] {
            request.writeInteger(UInt8(value.utf8.count))
            request.writeString(value)
        }
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }
}
