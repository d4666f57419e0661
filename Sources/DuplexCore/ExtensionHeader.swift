/// Parses and builds `Sec-WebSocket-Extensions` header values (RFC 6455 §9.1):
///
/// ```
/// extension-list = 1#extension
/// extension      = extension-token *( ";" extension-param )
/// extension-param = token [ "=" ( token | quoted-string ) ]
/// ```
///
/// Optional whitespace is accepted around every separator and empty list elements (`a, , b`) are
/// skipped, as HTTP list syntax allows. A quoted value is unquoted and, as §9.1 requires, must
/// then be a token.
@_spi(Core) public enum ExtensionHeader {
    /// The elements of one header value, in order.
    public static func parse(_ value: String) throws(ExtensionHeaderError) -> [ExtensionHeaderElement] {
        var parser = Parser(value)
        return try parser.parseList()
    }

    /// The elements of several header fields, in order, as if their values were joined by commas.
    /// No fields give no elements; each field present must hold at least one element.
    public static func parse(fieldValues: [String]) throws(ExtensionHeaderError) -> [ExtensionHeaderElement] {
        var elements: [ExtensionHeaderElement] = []
        for value in fieldValues { elements += try parse(value) }
        return elements
    }

    /// The header value listing `elements`, e.g. `permessage-deflate; client_max_window_bits=10`.
    /// A value that is not a token is written as a quoted string. Throws when a name is not a
    /// token or a value holds a control character (field `extension N`, 1-based).
    public static func serialize(_ elements: [ExtensionHeaderElement]) throws(HTTPFieldError) -> String {
        var parts: [String] = []
        for (index, element) in elements.enumerated() {
            parts.append(try serialize(element, field: "extension \(index + 1)"))
        }
        return parts.joined(separator: ", ")
    }

    /// One element as it appears in the header; throws like the list form (field `extension 1`).
    public static func serialize(_ element: ExtensionHeaderElement) throws(HTTPFieldError) -> String {
        try serialize(element, field: "extension 1")
    }

    private static func serialize(_ element: ExtensionHeaderElement, field: String) throws(HTTPFieldError) -> String {
        try HTTPFieldError.check(HTTPGrammar.checkToken(element.name), field: field + " name")
        var text = element.name
        for (index, parameter) in element.parameters.enumerated() {
            let parameterField = "\(field) parameter \(index + 1)"
            try HTTPFieldError.check(HTTPGrammar.checkToken(parameter.name), field: parameterField + " name")
            text += "; " + parameter.name
            if let value = parameter.value {
                try HTTPFieldError.check(HTTPGrammar.checkText(value), field: parameterField + " value")
                text += "=" + (isToken(value.utf8) ? value : quoted(value))
            }
        }
        return text
    }

    /// Whether `bytes` form an HTTP token: one or more `tchar` (RFC 9110 §5.6.2).
    static func isToken(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy(HTTPGrammar.isTokenCharacter)
    }

    private static func quoted(_ value: String) -> String {
        var text = "\""
        for character in value {
            if character == "\"" || character == "\\" { text.append("\\") }
            text.append(character)
        }
        return text + "\""
    }

    /// A recursive-descent reader over the header value's bytes.
    private struct Parser {
        let text: String
        let bytes: [UInt8]
        var index = 0

        init(_ text: String) {
            self.text = text
            self.bytes = Array(text.utf8)
        }

        mutating func parseList() throws(ExtensionHeaderError) -> [ExtensionHeaderElement] {
            var elements: [ExtensionHeaderElement] = []
            while true {
                skipWhitespace()
                guard let byte = peek() else { break }
                if byte == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                elements.append(try parseElement())
                skipWhitespace()
                guard let separator = peek() else { break }
                guard separator == UInt8(ascii: ",") else {
                    throw error("expected ',' or ';' at offset \(index)")
                }
                index += 1
            }
            guard !elements.isEmpty else { throw error("no extension listed") }
            return elements
        }

        private mutating func parseElement() throws(ExtensionHeaderError) -> ExtensionHeaderElement {
            guard let name = token() else { throw error("expected an extension name at offset \(index)") }
            var parameters: [ExtensionHeaderElement.Parameter] = []
            skipWhitespace()
            while peek() == UInt8(ascii: ";") {
                index += 1
                skipWhitespace()
                guard let parameterName = token() else {
                    throw error("expected a parameter name at offset \(index)")
                }
                skipWhitespace()
                var value: String?
                if peek() == UInt8(ascii: "=") {
                    index += 1
                    skipWhitespace()
                    value = try parseValue(of: parameterName)
                    skipWhitespace()
                }
                parameters.append(.init(name: parameterName, value: value))
            }
            return ExtensionHeaderElement(name: name, parameters: parameters)
        }

        private mutating func parseValue(of parameter: String) throws(ExtensionHeaderError) -> String {
            if peek() != UInt8(ascii: "\"") {
                guard let value = token() else {
                    throw error("expected a value for parameter '\(parameter)' at offset \(index)")
                }
                return value
            }
            let start = index
            index += 1
            var value: [UInt8] = []
            while let byte = peek() {
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard isToken(value) else {
                        throw error("the quoted value of parameter '\(parameter)' is not a token")
                    }
                    return String(decoding: value, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escaped = peek() else { break }
                    value.append(escaped)
                    index += 1
                default:
                    value.append(byte)
                }
            }
            throw error("unterminated quoted string at offset \(start)")
        }

        private mutating func token() -> String? {
            let start = index
            while let byte = peek(), HTTPGrammar.isTokenCharacter(byte) { index += 1 }
            guard index > start else { return nil }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        private mutating func skipWhitespace() {
            while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 }
        }

        private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        private func error(_ reason: String) -> ExtensionHeaderError {
            ExtensionHeaderError(value: text, reason: reason)
        }
    }
}

/// A `Sec-WebSocket-Extensions` value that does not follow the RFC 6455 §9.1 grammar.
@_spi(Core) public struct ExtensionHeaderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The header value as received.
    public var value: String
    /// What is wrong with it, with the byte offset where parsing stopped when that helps.
    public var reason: String

    /// Creates an error.
    public init(value: String, reason: String) {
        self.value = value
        self.reason = reason
    }

    /// The value and what is wrong with it, for a person.
    public var description: String { "malformed Sec-WebSocket-Extensions '\(value)': \(reason)" }
}
