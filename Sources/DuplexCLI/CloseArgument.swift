import ArgumentParser
import Duplex

/// `--close CODE[:REASON]`: a close code that may be sent (1000–1003, 1007–1014, 3000–4999) and a
/// reason of at most 123 bytes of UTF-8.
struct CloseArgument: ExpressibleByArgument {
    var code: CloseCode
    var reason: String

    init(code: CloseCode, reason: String) {
        self.code = code
        self.reason = reason
    }

    init?(argument: String) {
        let parts = argument.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let number = UInt16(parts[0]), CloseCode(number).isValidOnWire else { return nil }
        let reason = parts.count > 1 ? String(parts[1]) : ""
        guard reason.utf8.count <= 123 else { return nil }
        self.init(code: CloseCode(number), reason: reason)
    }
}
