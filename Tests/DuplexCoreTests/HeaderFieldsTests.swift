import DuplexCore
import Testing

@Suite("HeaderFields", .timeLimit(.minutes(1)))
struct HeaderFieldsTests {
    @Test("lookup ignores the case of names and keeps values in order")
    func caseInsensitiveLookup() {
        let headers: HeaderFields = ["Sec-WebSocket-Protocol": "a", "X-Other": "x", "sec-websocket-protocol": "b"]
        #expect(headers["SEC-WEBSOCKET-PROTOCOL"] == ["a", "b"])
        #expect(headers.first(name: "sec-WebSocket-protocol") == "a")
        #expect(headers.contains(name: "x-other"))
        #expect(!headers.contains(name: "X-Othe"))
        #expect(headers.first(name: "Missing") == nil)
    }

    @Test("only ASCII letters are folded: '[' is not '{'")
    func asciiFoldingOnlyLetters() {
        let headers: HeaderFields = ["X[": "1"]
        #expect(!headers.contains(name: "X{"))
        #expect(headers.contains(name: "x["))
        #expect(!(["Upgrade": "@"] as HeaderFields).containsToken("`", name: "Upgrade"))
    }

    @Test("tokens are split on commas across fields, trimmed, empty ones dropped")
    func tokens() {
        let headers: HeaderFields = ["Connection": " keep-alive ,\tUpgrade,,", "connection": "close"]
        #expect(headers.tokens(name: "Connection") == ["keep-alive", "Upgrade", "close"])
        #expect(headers.containsToken("upgrade", name: "CONNECTION"))
        #expect(headers.containsToken("CLOSE", name: "connection"))
        #expect(!headers.containsToken("upgrade-x", name: "Connection"))
        #expect(!headers.containsToken("keep", name: "Connection"))
    }

    @Test("replaceOrAdd removes every field of that name and appends one")
    func replaceOrAdd() {
        var headers: HeaderFields = ["A": "1", "B": "2", "a": "3"]
        headers.replaceOrAdd(name: "A", value: "4")
        #expect(headers == ["B": "2", "A": "4"])
        headers.remove(name: "b")
        #expect(headers == ["A": "4"])
        headers.add(name: "C", value: "5")
        #expect(headers.map(\.name) == ["A", "C"])
    }

    @Test("equality compares names, values and order")
    func equality() {
        #expect((["A": "1", "B": "2"] as HeaderFields) != (["B": "2", "A": "1"] as HeaderFields))
        #expect((["A": "1"] as HeaderFields) != (["a": "1"] as HeaderFields))
        #expect((["A": "1"] as HeaderFields).hashValue == (["A": "1"] as HeaderFields).hashValue)
    }
}
