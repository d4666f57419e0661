import DuplexCore
import Testing

/// Test shorthand for valid header fields written as a literal (an invalid one fails the
/// assertion of ``HeaderFields/init(uncheckedFields:)``: tests of invalid fields use the throwing API).
func fields(_ pairs: KeyValuePairs<String, String>) -> HeaderFields {
    HeaderFields(uncheckedFields: pairs.map { (name: $0.key, value: $0.value) })
}

/// Expects that `error` was thrown and that neither its field nor its description holds
/// `rejected` or any control character, so that logging it injects nothing.
func expectNoBytes(of rejected: String, in error: HTTPFieldError?, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error else {
        Issue.record("no HTTPFieldError thrown", sourceLocation: sourceLocation)
        return
    }
    for text in [error.field, error.description] {
        #expect(!text.contains(rejected), sourceLocation: sourceLocation)
        #expect(text.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7F }, sourceLocation: sourceLocation)
    }
}
