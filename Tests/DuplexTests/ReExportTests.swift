import Duplex
import Testing

@Suite(.timeLimit(.minutes(3))) struct ReExportTests {
    @Test func duplexReExportsTheCoresPublicTypes() throws {
        // Users of the transport get the core's value types with a single `import Duplex`; the
        // sans-I/O internals need `@_spi(Core) import DuplexCore` (docs/architecture.md).
        let fields = try HeaderFields([("X-Room", "1")])
        #expect(fields.first(name: "x-room") == "1")
        #expect(CloseStatus(code: .goingAway).code.rawValue == 1001)
    }
}
