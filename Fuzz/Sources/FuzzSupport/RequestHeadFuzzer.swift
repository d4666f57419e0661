@_spi(Core) import DuplexCore
import NIOCore
import NIOHTTP1

/// Fuzzes ``RequestHeadParser``, which reads the server's request heads from the network.
///
/// Input layout: one byte choosing how the bytes are split (``ChunkSizes``), one for the limit
/// (0 is 16 KiB, else 16 times its value), then the received bytes. Asserts: the outcome (head,
/// rest, or error) does not depend on the split; a head ends within the limit and the rest is
/// exactly the bytes after its empty line; the head written back reads again to the same head, and
/// (for HTTP/1.0 and 1.1 and methods NIO knows) NIO's HTTP decoder reads the same method, target, version and fields
/// from it; every refusal has a description.
public enum RequestHeadFuzzer {
    /// Runs one input.
    public static func run(_ data: UnsafePointer<UInt8>, _ size: Int) {
        var input = FuzzInput(data, count: size)
        let chunks = ChunkSizes(seed: input.takeByte())
        let limitByte = Int(input.takeByte())
        let limit = limitByte == 0 ? 16 << 10 : limitByte * 16
        let bytes = input.remaining

        let whole = outcome(of: bytes, limit: limit, chunks: ChunkSizes(seed: 7))
        let split = outcome(of: bytes, limit: limit, chunks: chunks)
        require(whole == split, "the outcome depends on how the bytes were split:\n whole: \(whole)\n split: \(split)")
        guard case .head(let head, let rest) = whole else { return }

        let consumed = bytes.count - rest.count
        require(consumed <= limit, "a head of \(consumed) bytes with a limit of \(limit)")
        require(bytes.prefix(consumed).suffix(4).elementsEqual([13, 10, 13, 10]), "the head does not end with an empty line")
        require(rest.elementsEqual(bytes.suffix(rest.count)), "the rest is not the bytes after the head")

        var written = ByteBuffer()
        head.request.write(to: &written)
        let again = outcome(of: Array(written.readableBytesView)[...], limit: .max, chunks: ChunkSizes(seed: 7))
        require(again == .head(head, rest: []), "the head written back reads as \(again), not \(head)")
        // NIO's parser (llhttp) knows HTTP/1.0 and 1.1 and a list of methods; the core reads any
        // version d.d (the handshake answers 505) and any token as a method.
        let versionKnown = head.request.version == .http1_0 || head.request.version == .http1_1
        if versionKnown, HTTPMethod(rawValue: head.request.method) != .RAW(value: head.request.method) {
            checkNIO(reads: written, as: head.request)
        }
    }

    private enum Outcome: Equatable {
        case head(RequestHeadParser.Head, rest: [UInt8])
        case incomplete
        case refused(RequestHeadError)
    }

    private static func outcome(of bytes: ArraySlice<UInt8>, limit: Int, chunks: ChunkSizes) -> Outcome {
        var parser = RequestHeadParser(limit: limit)
        var chunks = chunks
        var rest = bytes
        var found: (head: RequestHeadParser.Head, rest: ByteBuffer)?
        do {
            while found == nil, !rest.isEmpty {
                let size = min(chunks.next()!, rest.count)
                found = try parser.receive(ByteBuffer(bytes: rest.prefix(size)))
                rest = rest.dropFirst(size)
            }
        } catch {
            require(!error.description.isEmpty, "an error without a description")
            return .refused(error)
        }
        guard let found else { return .incomplete }
        return .head(found.head, rest: Array(found.rest.readableBytesView) + rest)
    }

    /// NIO's decoder must read what the core wrote to the same request.
    private static func checkNIO(reads written: ByteBuffer, as request: HandshakeRequest) {
        guard let head = HeadReparser.request(written) else {
            require(false, "NIO's decoder refused the head the core wrote: \(request)")
            return
        }
        require(head.method.rawValue == request.method, "NIO read method \(head.method.rawValue) for \(request.method)")
        require(head.uri == request.target, "NIO read target \(head.uri) for \(request.target)")
        require(
            head.version.major == request.version.major && head.version.minor == request.version.minor,
            "NIO read version \(head.version) for \(request.version)")
        let fields = head.headers.map { "\($0.name): \($0.value)" }
        require(fields == request.headers.map { "\($0.name): \($0.value)" }, "NIO read fields \(fields)")
    }
}
