import Duplex
import Testing

@Suite(.timeLimit(.minutes(3))) struct ReExportTests {
    @Test func duplexReExportsTheCore() {
        // Users of the transport get the core's types with a single `import Duplex`.
        #expect(HandshakeKey.acceptValue(for: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }
}
