/// An ordered list of HTTP header fields with case-insensitive lookup.
///
/// The core keeps its own small type so that the handshake does not depend on how HTTP was
/// carried (HTTP/1.1 Upgrade today, HTTP/2 extended CONNECT later).
///
/// Every field is valid by construction: a name is an RFC 9110 `token` and a value a
/// `field-value` (no CR, LF, NUL or other control character except tab, no space or tab at
/// either end). ``init(_:)``, ``add(name:value:)`` and ``replaceOrAdd(name:value:)`` throw
/// ``HTTPFieldError`` for anything else, so a list can always be written as it is.
public struct HeaderFields: Sendable, Hashable, Sequence {
    /// The fields in order, names as received.
    public private(set) var fields: [(name: String, value: String)]

    /// Creates an empty list.
    public init() { fields = [] }
    /// Creates a list from name/value pairs, in order; throws for the first invalid one.
    public init(_ fields: [(name: String, value: String)]) throws(HTTPFieldError) {
        self.fields = []
        self.fields.reserveCapacity(fields.count)
        for field in fields { try add(name: field.name, value: field.value) }
    }
    /// Creates a list from fields as an HTTP parser read them: the optional whitespace (spaces and
    /// tabs) around each value is not part of it (RFC 9110 §5.5) and is dropped, then each field is
    /// validated as by ``init(_:)``.
    @_spi(Core) public init(parsedFields fields: some Sequence<(name: String, value: String)>) throws(HTTPFieldError) {
        self.init()
        for field in fields {
            try add(name: field.name, value: String(Substring(field.value).trimmingWhitespace()))
        }
    }
    /// Creates a list from constant fields known to be valid (checked by an assertion in debug builds).
    package init(uncheckedFields fields: [(name: String, value: String)]) {
        assert(fields.allSatisfy { Self.check(name: $0.name, value: $0.value, position: 0) == nil })
        self.fields = fields
    }

    /// Appends a field; throws when `name` is not a token or `value` not a field value.
    public mutating func add(name: String, value: String) throws(HTTPFieldError) {
        if let error = Self.check(name: name, value: value, position: fields.count + 1) { throw error }
        fields.append((name: name, value: value))
    }
    /// Appends a constant field known to be valid (checked by an assertion in debug builds).
    package mutating func add(uncheckedName name: String, value: String) {
        assert(Self.check(name: name, value: value, position: 0) == nil)
        fields.append((name: name, value: value))
    }
    /// Removes every field named `name` (case-insensitive) and appends one with `value`; throws
    /// (leaving the list as it was) when the field is not valid.
    public mutating func replaceOrAdd(name: String, value: String) throws(HTTPFieldError) {
        if let error = Self.check(name: name, value: value, position: fields.count + 1) { throw error }
        remove(name: name)
        fields.append((name: name, value: value))
    }

    /// Replaces every field named `name` with one constant field known to be valid (checked by an
    /// assertion in debug builds).
    package mutating func replaceOrAdd(uncheckedName name: String, value: String) {
        remove(name: name)
        add(uncheckedName: name, value: value)
    }

    /// What is wrong with a field at `position` (1-based, naming it when its name is not valid).
    private static func check(name: String, value: String, position: Int) -> HTTPFieldError? {
        if let rule = HTTPGrammar.checkToken(name) { return HTTPFieldError(field: "header name \(position)", rule: rule) }
        if let rule = HTTPGrammar.checkFieldValue(value) { return HTTPFieldError(field: "header \(name)", rule: rule) }
        return nil
    }

    /// Removes every field named `name` (case-insensitive).
    public mutating func remove(name: String) {
        fields.removeAll { $0.name.equalsIgnoringASCIICase(name) }
    }

    /// Every value of the fields named `name` (case-insensitive), in order.
    public subscript(name: String) -> [String] {
        fields.compactMap { $0.name.equalsIgnoringASCIICase(name) ? $0.value : nil }
    }
    /// The value of the first field named `name` (case-insensitive).
    public func first(name: String) -> String? {
        fields.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }
    /// Whether any field is named `name` (case-insensitive).
    public func contains(name: String) -> Bool { fields.contains { $0.name.equalsIgnoringASCIICase(name) } }

    /// The comma-separated elements of every field named `name`, trimmed of surrounding
    /// whitespace, empty elements dropped (RFC 9110 §5.6.1).
    public func tokens(name: String) -> [Substring] {
        self[name].flatMap { value in
            value.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        }
    }
    /// Whether any comma-separated element of the fields named `name` equals `token`, ignoring case.
    public func containsToken(_ token: String, name: String) -> Bool {
        tokens(name: name).contains { $0.equalsIgnoringASCIICase(token) }
    }

    /// Iterates the fields in order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    public static func == (lhs: HeaderFields, rhs: HeaderFields) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
    public func hash(into hasher: inout Hasher) {
        for field in fields {
            hasher.combine(field.name)
            hasher.combine(field.value)
        }
    }
}

extension StringProtocol {
    /// Whether the two strings are equal when ASCII letters are compared without case, as HTTP
    /// compares field names and most tokens. Other characters must match exactly.
    func equalsIgnoringASCIICase(_ other: some StringProtocol) -> Bool {
        utf8.elementsEqual(other.utf8) { lhs, rhs in
            lhs == rhs || (lhs | 0x20 == rhs | 0x20 && (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(lhs | 0x20))
        }
    }
}

extension Substring {
    /// The substring without leading and trailing spaces and tabs (HTTP optional whitespace).
    package func trimmingWhitespace() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
