@_spi(Core) import DuplexCore
import NIOCore
import NIOHTTP1

/// Fuzzes the validators of values that reach the wire (``HTTPFieldError``): the first input byte
/// picks the field (header name, header value, reason phrase, request target, method, status
/// code, subprotocol, extension parameter value), the rest is the value (as UTF-8, invalid
/// sequences replaced).
///
/// Asserts: the value is accepted exactly when ``FieldOracle`` (the RFC 9110 rules written out
/// byte by byte, independently of DuplexCore's `HTTPGrammar`) says it is valid; a refusal names
/// one of the fixed fields and says nothing else, so it holds no byte of the value; and an accepted value, written into a request head or
/// a response head by DuplexCore (`write(to:)`), is read back by NIO's HTTP/1.1 parser
/// (``HeadReparser``) as exactly the same method, target, status, reason phrase and fields.
public enum FieldFuzzer {
    /// Every field an error may name here.
    private static let fieldNames: Set = [
        "header name 1", "header X-Fuzz", "reason phrase", "request target", "method", "status code", "subprotocol 1",
        "extension 1 parameter 1 value",
    ]

    /// Runs one input.
    public static func run(_ data: UnsafePointer<UInt8>, _ size: Int) {
        var input = FuzzInput(data, count: size)
        let selector = input.takeByte() % 8
        let value = String(decoding: input.remaining, as: UTF8.self)
        let bytes = Array(value.utf8)
        do {
            switch selector {
            case 0: try checkHeader(name: value, value: "v", valid: FieldOracle.isToken(bytes))
            case 1: try checkHeader(name: "X-Fuzz", value: value, valid: FieldOracle.isFieldValue(bytes))
            case 2: try checkResponse(status: 200, reason: value, valid: FieldOracle.isReasonPhrase(bytes))
            case 3: try checkRequest(method: "GET", target: value, valid: FieldOracle.isOriginFormTarget(bytes))
            case 4: try checkRequest(method: value, target: "/", valid: FieldOracle.isToken(bytes))
            case 5:
                let code = Int(bytes.prefix(2).reduce(0) { $0 << 8 | Int($1) })
                try checkResponse(status: code, reason: "R", valid: (100...999).contains(code))
            case 6: try checkSubprotocol(value, valid: FieldOracle.isToken(bytes))
            default: try checkExtensionValue(value, valid: FieldOracle.isReasonPhrase(bytes))
            }
        } catch {
            // The field is always one of the fixed names, so the error cannot carry the value's bytes.
            require(fieldNames.contains(error.field), "the error names the field \(error.field.debugDescription)")
            require(error.description == "\(error.field) \(error.rule)", "the error says more than field and rule")
        }
    }

    private static func checkHeader(name: String, value: String, valid: Bool) throws(HTTPFieldError) {
        var headers = HeaderFields()
        do {
            try headers.add(name: name, value: value)
        } catch {
            require(!valid, "refused a valid header \(name.debugDescription): \(value.debugDescription)")
            throw error
        }
        require(valid, "accepted an invalid header \(name.debugDescription): \(value.debugDescription)")
        try checkRequest(method: "GET", target: "/", headers: headers)
        try checkResponse(status: 200, reason: "OK", headers: headers)
    }

    private static func checkRequest(method: String, target: String, valid: Bool) throws(HTTPFieldError) {
        try expect(valid, "request line \(method.debugDescription) \(target.debugDescription)") { () throws(HTTPFieldError) in
            try checkRequest(method: method, target: target, headers: HeaderFields())
        }
    }

    private static func checkResponse(status: Int, reason: String, valid: Bool) throws(HTTPFieldError) {
        try expect(valid, "status line \(status) \(reason.debugDescription)") { () throws(HTTPFieldError) in
            try checkResponse(status: status, reason: reason, headers: HeaderFields())
        }
    }

    /// Runs `body`, requiring that it throws exactly when the oracle said the value is invalid.
    private static func expect(
        _ valid: Bool, _ what: @autoclosure () -> String, _ body: () throws(HTTPFieldError) -> Void
    ) throws(HTTPFieldError) {
        do {
            try body()
        } catch {
            require(!valid, "refused a valid \(what())")
            throw error
        }
        require(valid, "accepted an invalid \(what())")
    }

    /// Writes the request and reads it back with NIO. Methods NIO's parser does not know are only
    /// validated: NIO refuses any other token.
    private static func checkRequest(method: String, target: String, headers: HeaderFields) throws(HTTPFieldError) {
        let request = try HandshakeRequest(method: method, target: target, headers: headers)
        guard case .RAW = HTTPMethod(rawValue: method) else {
            var buffer = ByteBuffer()
            request.write(to: &buffer)
            guard let head = HeadReparser.request(buffer) else {
                return require(false, "NIO cannot parse the written request \(String(buffer: buffer).debugDescription)")
            }
            require(head.method.rawValue == method && head.uri == target, "request line read back as \(head.method) \(head.uri)")
            require(sameFields(head.headers, headers), "request fields read back as \(head.headers)")
            return
        }
    }

    private static func checkResponse(status: Int, reason: String, headers: HeaderFields) throws(HTTPFieldError) {
        let response = try HandshakeResponse(status: status, reason: reason, headers: headers)
        var buffer = ByteBuffer()
        response.write(to: &buffer)
        guard let head = HeadReparser.response(buffer) else {
            return require(false, "NIO cannot parse the written response \(String(buffer: buffer).debugDescription)")
        }
        require(Int(head.status.code) == status, "status read back as \(head.status.code)")
        let statusLine = HeadReparser.statusLine(buffer)
        require(statusLine?.code == status && statusLine?.reason == reason, "status line read back as \(String(describing: statusLine))")
        require(sameFields(head.headers, headers), "response fields read back as \(head.headers)")
    }

    private static func checkSubprotocol(_ subprotocol: String, valid: Bool) throws(HTTPFieldError) {
        let handshake: ClientHandshake
        do {
            handshake = try ClientHandshake(host: "h", target: "/", subprotocols: [subprotocol])
        } catch {
            require(!valid && error.field == "subprotocol 1", "refused subprotocol \(subprotocol.debugDescription) as \(error)")
            throw error
        }
        require(valid, "accepted an invalid subprotocol \(subprotocol.debugDescription)")
        try checkRequest(method: "GET", target: "/", headers: handshake.request.headers)
    }

    private static func checkExtensionValue(_ value: String, valid: Bool) throws(HTTPFieldError) {
        let element = ExtensionHeaderElement(name: "x-fuzz", parameters: [.init(name: "p", value: value)])
        let serialized: String
        do {
            serialized = try ExtensionHeader.serialize([element])
        } catch {
            require(!valid, "refused an extension parameter value \(value.debugDescription)")
            throw error
        }
        require(valid, "accepted an extension parameter value \(value.debugDescription)")
        require((try? ExtensionHeader.parse(serialized)).map { $0 == [element] } ?? !FieldOracle.isToken(Array(value.utf8)),
                "a token value does not parse back from \(serialized.debugDescription)")
        var headers = HeaderFields()
        try headers.add(name: "Sec-WebSocket-Extensions", value: serialized)
        try checkRequest(method: "GET", target: "/", headers: headers)
    }

    /// Whether NIO read the same names and values, in order.
    private static func sameFields(_ parsed: HTTPHeaders, _ written: HeaderFields) -> Bool {
        Array(parsed.map { "\($0.name): \($0.value)" }) == written.map { "\($0.name): \($0.value)" }
    }
}

/// The RFC 9110 / RFC 9112 rules, written out byte by byte for the fuzzer, separately from the
/// implementation under test.
enum FieldOracle {
    private static let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)

    static func isToken(_ bytes: [UInt8]) -> Bool { !bytes.isEmpty && bytes.allSatisfy(tchar.contains) }

    /// HTAB, SP, VCHAR (0x21–0x7E) and obs-text (0x80–0xFF).
    static func isReasonPhrase(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { $0 == 0x09 || $0 == 0x20 || (0x21...0x7E).contains($0) || $0 >= 0x80 }
    }

    static func isFieldValue(_ bytes: [UInt8]) -> Bool {
        let isWhitespace: (UInt8) -> Bool = { $0 == 0x09 || $0 == 0x20 }
        return isReasonPhrase(bytes) && !(bytes.first.map(isWhitespace) ?? false) && !(bytes.last.map(isWhitespace) ?? false)
    }

    static func isOriginFormTarget(_ bytes: [UInt8]) -> Bool {
        bytes.first == 0x2F && bytes.allSatisfy { (0x21...0x7E).contains($0) && $0 != 0x23 }
    }
}
