/// One `name=value` pair of a request target's query, decoded.
///
/// A query is read as `application/x-www-form-urlencoded`, like the WHATWG URL Standard's
/// parser (what a browser's `URLSearchParams` makes), with one difference: a pair without `=`
/// has a `nil` value, so `?debug` and `?debug=` can be told apart.
///
/// - The query is split at every `&`; empty pairs (`a=1&&b=2`, a leading or trailing `&`) are
///   skipped.
/// - Each pair is split at its first `=`: `=x` is an item with the empty name and value `x`;
///   `a=b=c` has name `a` and value `b=c`.
/// - In name and value, `+` is a space and `%` followed by two hexadecimal digits is that byte.
///   A `%` not followed by two hexadecimal digits (`%`, `%zz`, `%4`) is kept as it is.
/// - The decoded bytes are read as UTF-8; a sequence that is not valid UTF-8 (e.g. `%C3` alone,
///   the first half of `é`) becomes U+FFFD, the replacement character.
///
/// Decoding never fails, whatever the query holds.
public struct QueryItem: Sendable, Hashable {
    /// The decoded name; may be empty (`=x`).
    public var name: String
    /// The decoded value: `nil` for a pair without `=` (`flag`), empty for `flag=`.
    public var value: String?

    /// Creates an item.
    public init(name: String, value: String?) {
        self.name = name
        self.value = value
    }

    /// The items of `query` (the part of a target after `?`, without it), in order.
    public static func items(in query: some StringProtocol) -> [QueryItem] {
        query.utf8.split(separator: UInt8(ascii: "&")).map { pair in
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else {
                return QueryItem(name: decode(pair[...]), value: nil)
            }
            return QueryItem(name: decode(pair[..<equals]), value: decode(pair[pair.index(after: equals)...]))
        }
    }

    /// `component` with `+` as a space and valid percent-escapes as their bytes, read as UTF-8.
    private static func decode<Bytes: Collection<UInt8>>(_ component: Bytes) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(component.count)
        var index = component.startIndex
        while index != component.endIndex {
            let byte = component[index]
            component.formIndex(after: &index)
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index != component.endIndex, let high = HTTPGrammar.hexDigitValue(component[index]) else {
                    bytes.append(byte)
                    continue
                }
                let second = component.index(after: index)
                guard second != component.endIndex, let low = HTTPGrammar.hexDigitValue(component[second]) else {
                    bytes.append(byte)
                    continue
                }
                bytes.append(high << 4 | low)
                index = component.index(after: second)
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
