/// Stops the fuzz run with `message` when `condition` is false: libFuzzer records the input as a
/// crash, which is how a broken invariant (not only a crash in the code under test) is reported.
@inline(__always)
func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #file, line: UInt = #line) {
    if !condition {
        fatalError("invariant broken: \(message())", file: file, line: line)
    }
}

/// Whether `bytes` are well-formed UTF-8, checked by the standard library rather than by the
/// validator under test.
func isValidUTF8(_ bytes: some Collection<UInt8>) -> Bool {
    String(validating: bytes, as: UTF8.self) != nil
}
