@_spi(Core) import DuplexCore
import Testing

@Suite("HeaderFields", .timeLimit(.minutes(1)))
struct HeaderFieldsTests {
    @Test("lookup ignores the case of names and keeps values in order")
    func caseInsensitiveLookup() throws {
        let headers = fields(["Sec-WebSocket-Protocol": "a", "X-Other": "x", "sec-websocket-protocol": "b"])
        #expect(headers["SEC-WEBSOCKET-PROTOCOL"] == ["a", "b"])
        #expect(headers.first(name: "sec-WebSocket-protocol") == "a")
        #expect(headers.contains(name: "x-other"))
        #expect(!headers.contains(name: "X-Othe"))
        #expect(headers.first(name: "Missing") == nil)
    }

    @Test("only ASCII letters are folded: '^' is not '~'")
    func asciiFoldingOnlyLetters() throws {
        let headers = fields(["X^": "1"])
        #expect(!headers.contains(name: "X~"))
        #expect(headers.contains(name: "x^"))
        #expect(!(fields(["Upgrade": "@"])).containsToken("`", name: "Upgrade"))
    }

    @Test("tokens are split on commas across fields, trimmed, empty ones dropped")
    func tokens() throws {
        let headers = fields(["Connection": "keep-alive ,\tUpgrade,,", "connection": "close"])
        #expect(headers.tokens(name: "Connection") == ["keep-alive", "Upgrade", "close"])
        #expect(headers.containsToken("upgrade", name: "CONNECTION"))
        #expect(headers.containsToken("CLOSE", name: "connection"))
        #expect(!headers.containsToken("upgrade-x", name: "Connection"))
        #expect(!headers.containsToken("keep", name: "Connection"))
    }

    @Test("replaceOrAdd removes every field of that name and appends one")
    func replaceOrAdd() throws {
        var headers = fields(["A": "1", "B": "2", "a": "3"])
        try headers.replaceOrAdd(name: "A", value: "4")
        #expect(headers == (fields(["B": "2", "A": "4"])))
        headers.remove(name: "b")
        #expect(headers == (fields(["A": "4"])))
        try headers.add(name: "C", value: "5")
        #expect(headers.map(\.name) == ["A", "C"])
    }

    @Test("equality compares names, values and order")
    func equality() throws {
        #expect((fields(["A": "1", "B": "2"])) != (fields(["B": "2", "A": "1"])))
        #expect((fields(["A": "1"])) != (fields(["a": "1"])))
        #expect((fields(["A": "1"])).hashValue == (fields(["A": "1"])).hashValue)
    }

    @Test("a value with CR LF is refused, naming the header and not echoing the value")
    func valueInjectionRefused() throws {
        var headers = HeaderFields()
        let error = #expect(throws: HTTPFieldError.self) {
            try headers.add(name: "X-A", value: "1\r\nX-Evil: 2")
        }
        #expect(error == HTTPFieldError(field: "header X-A", rule: .controlCharacter))
        expectNoBytes(of: "\r\nX-Evil: 2", in: error)
        #expect(headers.fields.isEmpty)
    }

    @Test("an invalid name is named by its 1-based position, not by its bytes")
    func invalidNameNamedByPosition() throws {
        let error = #expect(throws: HTTPFieldError.self) {
            try HeaderFields([("A", "1"), ("B", "2"), ("X-Evil\r\nInjected", "3")])
        }
        #expect(error == HTTPFieldError(field: "header name 3", rule: .notAToken))
        expectNoBytes(of: "Injected", in: error)
        #expect(throws: HTTPFieldError(field: "header name 1", rule: .notAToken)) { try HeaderFields([("", "1")]) }
    }

    @Test("replaceOrAdd with an invalid value throws and leaves the list as it was")
    func replaceOrAddInvalidKeepsList() throws {
        var headers = fields(["A": "1"])
        #expect(throws: HTTPFieldError(field: "header A", rule: .controlCharacter)) {
            try headers.replaceOrAdd(name: "A", value: "2\n")
        }
        #expect(headers == (fields(["A": "1"])))
    }

    @Test("parsed fields lose the optional whitespace around values and are then validated")
    func parsedFields() throws {
        let headers = try HeaderFields(parsedFields: [(name: "A", value: " \t1 2\t "), (name: "B", value: "  ")])
        #expect(headers == fields(["A": "1 2", "B": ""]))
        #expect(throws: HTTPFieldError(field: "header A", rule: .controlCharacter)) {
            try HeaderFields(parsedFields: [(name: "A", value: " a\u{01}b ")])
        }
    }
}
