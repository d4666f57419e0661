@_spi(Core) import DuplexCore
import Testing

@Suite("Sec-WebSocket-Extensions (RFC 6455 §9.1)", .timeLimit(.minutes(1)))
struct ExtensionHeaderTests {
    typealias Element = ExtensionHeaderElement
    typealias Parameter = ExtensionHeaderElement.Parameter

    static let validCases: [(String, [Element])] = [
        ("permessage-deflate", [Element(name: "permessage-deflate")]),
        (
            "permessage-deflate; client_max_window_bits",
            [Element(name: "permessage-deflate", parameters: [Parameter(name: "client_max_window_bits")])]
        ),
        (
            "permessage-deflate; client_max_window_bits=10; server_no_context_takeover",
            [
                Element(
                    name: "permessage-deflate",
                    parameters: [
                        Parameter(name: "client_max_window_bits", value: "10"),
                        Parameter(name: "server_no_context_takeover"),
                    ]
                )
            ]
        ),
        (
            "permessage-deflate;client_max_window_bits=\"10\"",
            [Element(name: "permessage-deflate", parameters: [Parameter(name: "client_max_window_bits", value: "10")])]
        ),
        ("x; p=\"a\\bc\"", [Element(name: "x", parameters: [Parameter(name: "p", value: "abc")])]),
        (
            "  a ;  b = 1 ,\tc  ",
            [Element(name: "a", parameters: [Parameter(name: "b", value: "1")]), Element(name: "c")]
        ),
        ("a, , b,", [Element(name: "a"), Element(name: "b")]),
        (
            "permessage-deflate; server_max_window_bits=10, permessage-deflate",
            [
                Element(name: "permessage-deflate", parameters: [Parameter(name: "server_max_window_bits", value: "10")]),
                Element(name: "permessage-deflate"),
            ]
        ),
    ]

    @Test("well-formed values parse into elements", arguments: validCases)
    func parsesValid(value: String, expected: [Element]) throws {
        #expect(try ExtensionHeader.parse(value) == expected)
    }

    @Test(
        "malformed values are rejected",
        arguments: [
            "", "   ", ",", " , ,", "a;", "a; =1", "a; b=", "a; b=\"1", "a; b=\"1 2\"", "a; b=\"\"", "a b",
            "a; b=1 2", "@", "a;; b", "a; b==1", "a; b=\"1\\", "é",
        ]
    )
    func rejectsMalformed(value: String) {
        #expect(throws: ExtensionHeaderError.self) { try ExtensionHeader.parse(value) }
    }

    @Test("the error names the value and where parsing stopped")
    func errorDescription() {
        let error = #expect(throws: ExtensionHeaderError.self) { try ExtensionHeader.parse("a; b=1 2") }
        #expect(error?.value == "a; b=1 2")
        #expect(error?.description == "malformed Sec-WebSocket-Extensions 'a; b=1 2': expected ',' or ';' at offset 7")
    }

    @Test("several fields are read as one list; no field gives no elements")
    func severalFields() throws {
        #expect(
            try ExtensionHeader.parse(fieldValues: ["a", "b; c"])
                == [Element(name: "a"), Element(name: "b", parameters: [Parameter(name: "c")])]
        )
        #expect(try ExtensionHeader.parse(fieldValues: []) == [])
        #expect(throws: ExtensionHeaderError.self) { try ExtensionHeader.parse(fieldValues: ["a", ""]) }
    }

    @Test("elements serialize as the header value and parse back")
    func serializes() throws {
        let elements = [
            Element(name: "permessage-deflate", parameters: [Parameter(name: "client_max_window_bits", value: "10")]),
            Element(name: "x-test", parameters: [Parameter(name: "flag")]),
        ]
        let value = try ExtensionHeader.serialize(elements)
        #expect(value == "permessage-deflate; client_max_window_bits=10, x-test; flag")
        #expect(try ExtensionHeader.parse(value) == elements)
        #expect(try ExtensionHeader.serialize([]) == "")
    }

    @Test("a value that is not a token is written as a quoted string")
    func quotesNonTokens() throws {
        let element = Element(name: "x", parameters: [Parameter(name: "p", value: "a \"b\"\\")])
        #expect(try ExtensionHeader.serialize(element) == "x; p=\"a \\\"b\\\"\\\\\"")
    }

    @Test("names that are not tokens and values with control characters are refused, by position")
    func refusesWhatCannotBeWritten() {
        let good = Element(name: "x-good")
        #expect(throws: HTTPFieldError(field: "extension 2 name", rule: .notAToken)) {
            try ExtensionHeader.serialize([good, Element(name: "a, b")])
        }
        #expect(throws: HTTPFieldError(field: "extension 1 parameter 2 name", rule: .notAToken)) {
            try ExtensionHeader.serialize([Element(name: "x", parameters: [Parameter(name: "a"), Parameter(name: "b=c")])])
        }
        let injected = #expect(throws: HTTPFieldError.self) {
            try ExtensionHeader.serialize(Element(name: "x", parameters: [Parameter(name: "p", value: "1\r\nX-Evil: 1")]))
        }
        #expect(injected == HTTPFieldError(field: "extension 1 parameter 1 value", rule: .controlCharacter))
        expectNoBytes(of: "X-Evil", in: injected)
    }
}
