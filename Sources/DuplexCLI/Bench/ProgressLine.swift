#if canImport(Glibc)
import Glibc
#endif

/// The live progress line on standard error: rewritten in place once a second.
struct ProgressLine {
    /// What is being measured, e.g. `echo`.
    var label: String

    /// Rewrites the line with the current rate.
    func update(phase: String, rate: Double, errors: UInt64) {
        write("\r\u{1B}[2K\(label) \(phase): \(Int(rate.rounded()))/s, errors \(errors)")
    }

    /// Clears the line.
    func finish() {
        write("\r\u{1B}[2K")
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
