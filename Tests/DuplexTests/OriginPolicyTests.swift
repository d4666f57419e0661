import Duplex
import Testing

@Suite("OriginPolicy", .timeLimit(.minutes(3)))
struct OriginPolicyTests {
    let policy = OriginPolicy.sameOrigin(allowing: ["https://app.example.com"])

    @Test func noOriginPasses() {
        #expect(policy.accepts(origin: nil, host: "api.example.com"))
    }

    @Test func sameHostAndPortPasses() {
        #expect(policy.accepts(origin: "http://localhost:8080", host: "localhost:8080"))
        #expect(policy.accepts(origin: "HTTPS://API.example.com", host: "api.example.com"))
    }

    @Test func defaultPortIsEquivalentToNone() {
        #expect(policy.accepts(origin: "https://api.example.com", host: "api.example.com:443"))
        #expect(policy.accepts(origin: "http://api.example.com:80", host: "api.example.com"))
    }

    @Test func otherHostOrPortIsRefused() {
        #expect(!policy.accepts(origin: "https://evil.example", host: "api.example.com"))
        #expect(!policy.accepts(origin: "http://localhost:9999", host: "localhost:8080"))
        #expect(!policy.accepts(origin: "null", host: "localhost:8080"))
    }

    @Test func allowListedOriginPasses() {
        #expect(policy.accepts(origin: "https://app.example.com", host: "api.example.com"))
    }

    @Test func disabledAcceptsAnything() {
        #expect(OriginPolicy.disabled.accepts(origin: "https://evil.example", host: "api.example.com"))
    }
}
