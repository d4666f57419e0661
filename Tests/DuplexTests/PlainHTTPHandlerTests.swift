import Duplex
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@Suite("Plain HTTP requests answered by an async httpHandler", .timeLimit(.minutes(1)))
struct PlainHTTPHandlerTests {
    /// The head (up to the empty line) and the body bytes of a raw response.
    private func split(_ response: ByteBuffer) -> (head: String, body: [UInt8]) {
        let bytes = Array(response.readableBytesView)
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
            return (String(decoding: bytes, as: UTF8.self), [])
        }
        return (String(decoding: bytes[..<end], as: UTF8.self), Array(bytes[(end + separator.count)...]))
    }

    private func get(_ path: String) -> [UInt8] {
        Array("GET \(path) HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
    }

    /// With `closingOutput`, the client shuts down its output after the request: the connection
    /// is not read while the handler runs, so that end of input does not close it (without
    /// half-closure it would) before the answer.
    @Test(
        "the handler runs off the event loop and awaits; its response is written when it returns",
        arguments: [false, true])
    func asyncHandlerAnswersAfterAwaiting(closingOutput: Bool) async throws {
        let (started, startedSink) = AsyncStream.makeStream(of: String.self)
        let (release, releaseSink) = AsyncStream.makeStream(of: String.self)
        try await ServerHarness.with(configure: { configuration in
            configuration.httpHandler = { request in
                startedSink.yield(MultiThreadedEventLoopGroup.currentEventLoop == nil ? request.target : "on a loop")
                var released = release.makeAsyncIterator()
                let word = await released.next() ?? "never"
                return PlainHTTPResponse.text("answer \(word)")
            }
        }) { _, port in
            async let answer = RawTCP.exchange(port: port, sending: get("/slow"), closingOutput: closingOutput)
            var handlers = started.makeAsyncIterator()
            #expect(await handlers.next() == "/slow")
            releaseSink.yield("ready")
            let (head, body) = split(try await answer)
            #expect(statusCode(head) == 200)
            #expect(hasHeader(head, "Content-Type", "text/plain; charset=utf-8"))
            #expect(hasHeader(head, "Content-Length", "12"))
            #expect(hasHeader(head, "Connection", "close"))
            #expect(body == Array("answer ready".utf8))
        }
    }

    @Test("a body of bytes arrives exactly, with its content type, status and a correct Content-Length")
    func binaryBodyArrivesExactly() async throws {
        let bytes = (0...255).map(UInt8.init) + Array("\r\n\r\n".utf8) + [0]
        try await ServerHarness.with(configure: { configuration in
            configuration.httpHandler = { _ in
                await Task.yield()
                return try PlainHTTPResponse(
                    status: try HTTPStatus(code: 203, reason: "Non-Authoritative Information"),
                    contentType: "application/x-test",
                    headers: try HeaderFields([("Content-Length", "999"), ("X-Kind", "bytes")]),
                    body: ByteBuffer(bytes: bytes))
            }
        }) { _, port in
            let (head, body) = split(try await RawTCP.exchange(port: port, sending: get("/bin")))
            #expect(head.hasPrefix("HTTP/1.1 203 Non-Authoritative Information\r\n"))
            #expect(hasHeader(head, "Content-Type", "application/x-test"))
            #expect(hasHeader(head, "Content-Length", "261"))
            #expect(!hasHeader(head, "Content-Length", "999"))
            #expect(hasHeader(head, "X-Kind", "bytes"))
            #expect(body == bytes)
        }
    }

    @Test("an invalid content type throws HTTPFieldError naming the field")
    func invalidContentTypeThrows() {
        #expect(throws: HTTPFieldError(field: "header Content-Type", rule: .controlCharacter)) {
            try PlainHTTPResponse(contentType: "text/html\r\nX-Injected: 1", body: ByteBuffer())
        }
    }

    @Test("a handler that throws after awaiting gets 500 and a log line; the server keeps serving")
    func throwingHandlerGets500() async throws {
        struct Unavailable: Error {}
        let log = RecordingLog()
        try await ServerHarness.with(configure: { configuration in
            configuration.logger = log.logger(level: .error)
            configuration.httpHandler = { request in
                await Task.yield()
                if request.target == "/bad" { throw Unavailable() }
                return PlainHTTPResponse.text("fine")
            }
        }) { _, port in
            let (badHead, badBody) = split(try await RawTCP.exchange(port: port, sending: get("/bad")))
            #expect(badHead.hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"))
            #expect(badBody == Array("internal server error\n".utf8))
            let (goodHead, goodBody) = split(try await RawTCP.exchange(port: port, sending: get("/good")))
            #expect(statusCode(goodHead) == 200)
            #expect(goodBody == Array("fine".utf8))
            let handshake = try await RawTCP.exchange(port: port, sending: handshakeRequest())
            #expect(statusCode(handshake) == 101)
        }
        let errors = log.records.filter { $0.level == .error }.map(\.message)
        #expect(errors == ["answered 500: the application threw Unavailable while answering a plain HTTP request"])
    }

    @Test("a client that leaves while the handler runs: the late answer is dropped, the server keeps serving")
    func clientLeavingMeanwhile() async throws {
        let (started, startedSink) = AsyncStream.makeStream(of: String.self)
        let (release, releaseSink) = AsyncStream.makeStream(of: Void.self)
        let (finished, finishedSink) = AsyncStream.makeStream(of: String.self)
        try await ServerHarness.with(configure: { configuration in
            configuration.httpHandler = { request in
                if request.target == "/gone" {
                    startedSink.yield(request.target)
                    var released = release.makeAsyncIterator()
                    await released.next()
                    finishedSink.yield(request.target)
                }
                return PlainHTTPResponse.text("late or not")
            }
        }) { _, port in
            // The client closes once the handler runs, before the blocked handler answers.
            let client = try await RawWebSocketClient.connect(port: port)
            try await client.write(get("/gone"))
            var handlers = started.makeAsyncIterator()
            #expect(await handlers.next() == "/gone")
            await client.close()
            releaseSink.yield()
            var done = finished.makeAsyncIterator()
            #expect(await done.next() == "/gone")
            let (head, body) = split(try await RawTCP.exchange(port: port, sending: get("/next")))
            #expect(statusCode(head) == 200)
            #expect(body == Array("late or not".utf8))
        }
    }

    @Test("past the handshake timeout the connection closes and the handler's task is cancelled, without a 500")
    func handshakeTimeoutCancelsTheHandler() async throws {
        // Whether the handler started, and whether it then saw its task cancelled.
        let seen = NIOLockedValueBox((started: false, cancelled: false))
        let log = RecordingLog()
        try await ServerHarness.with(configure: { configuration in
            configuration.logger = log.logger(level: .error)
            // Long enough for the request to be read first on a loaded machine.
            configuration.handshakeTimeout = .seconds(2) * testSlowdown
            configuration.httpHandler = { _ in
                seen.withLockedValue { $0.started = true }
                // Never answers: only the cancellation ends the wait.
                do {
                    try await Task.sleep(for: .seconds(600))
                } catch {
                    seen.withLockedValue { $0.cancelled = Task.isCancelled }
                    throw error
                }
                return PlainHTTPResponse.text("too late")
            }
        }) { _, port in
            let answer = try await RawTCP.exchange(port: port, sending: get("/forever"), timeout: .seconds(30))
            #expect(answer.readableBytes == 0)
            #expect(seen.withLockedValue { $0.started }, "the request was read before the timeout")
            try await eventually(timeout: .seconds(10), "the handler's task was cancelled") {
                seen.withLockedValue { $0.cancelled }
            }
        }
        #expect(log.records.filter { $0.level == .error }.isEmpty)
    }
}
