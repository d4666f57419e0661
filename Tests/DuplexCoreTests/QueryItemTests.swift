@_spi(Core) import DuplexCore
import NIOCore
import Testing

@Suite("Query items: application/x-www-form-urlencoded decoding", .timeLimit(.minutes(1)))
struct QueryItemTests {
    private func items(_ query: String) -> [QueryItem] {
        QueryItem.items(in: query)
    }

    @Test("pairs, percent-escapes, + as space and a name without =")
    func decodesPairs() {
        #expect(
            items("a=1&b=x%20y&flag") == [
                QueryItem(name: "a", value: "1"), QueryItem(name: "b", value: "x y"), QueryItem(name: "flag", value: nil),
            ])
        #expect(items("a+b=c+d") == [QueryItem(name: "a b", value: "c d")])
        #expect(items("q=%C3%A9t%c3%a9") == [QueryItem(name: "q", value: "été")])
        #expect(items("%3D=%26%2B") == [QueryItem(name: "=", value: "&+")])
        #expect(items("a=b=c") == [QueryItem(name: "a", value: "b=c")])
        #expect(items("a=") == [QueryItem(name: "a", value: "")])
        #expect(items("a=1&a=2") == [QueryItem(name: "a", value: "1"), QueryItem(name: "a", value: "2")])
    }

    @Test("empty pairs are skipped; =x has the empty name")
    func emptyPairs() {
        #expect(items("") == [])
        #expect(items("&&") == [])
        #expect(items("&a=1&&b=2&") == [QueryItem(name: "a", value: "1"), QueryItem(name: "b", value: "2")])
        #expect(items("=x") == [QueryItem(name: "", value: "x")])
        #expect(items("=") == [QueryItem(name: "", value: "")])
    }

    @Test("a % without two hexadecimal digits is kept as it is")
    func invalidEscapesAreKept() {
        #expect(items("%") == [QueryItem(name: "%", value: nil)])
        #expect(items("a=%zz") == [QueryItem(name: "a", value: "%zz")])
        #expect(items("a=%4") == [QueryItem(name: "a", value: "%4")])
        #expect(items("a=%4g%41") == [QueryItem(name: "a", value: "%4gA")])
        #expect(items("a=100%") == [QueryItem(name: "a", value: "100%")])
        #expect(items("a=%%41") == [QueryItem(name: "a", value: "%A")])
    }

    @Test("bytes that are not UTF-8 become U+FFFD")
    func invalidUTF8IsReplaced() {
        #expect(items("a=%C3") == [QueryItem(name: "a", value: "\u{FFFD}")])
        #expect(items("a=%C3x") == [QueryItem(name: "a", value: "\u{FFFD}x")])
        #expect(items("a=%E2%82") == [QueryItem(name: "a", value: "\u{FFFD}")])
        #expect(items("%FF=1") == [QueryItem(name: "\u{FFFD}", value: "1")])
        #expect(items("a=%00") == [QueryItem(name: "a", value: "\u{0}")])
    }

    @Test("UpgradeRequest decodes its query: queryItems and queryValue(named:)")
    func upgradeRequestQuery() throws {
        let upgrade = try ServerHandshakeTests.upgrade(
            ServerHandshakeTests.request(target: "/chat?room=a%20b&debug&room=2&empty="))
        #expect(upgrade.query == "room=a%20b&debug&room=2&empty=")
        #expect(
            upgrade.queryItems == [
                QueryItem(name: "room", value: "a b"), QueryItem(name: "debug", value: nil),
                QueryItem(name: "room", value: "2"), QueryItem(name: "empty", value: ""),
            ])
        #expect(upgrade.queryValue(named: "room") == "a b")
        #expect(upgrade.queryValue(named: "debug") == "")
        #expect(upgrade.queryValue(named: "empty") == "")
        #expect(upgrade.queryValue(named: "Room") == nil)
        #expect(upgrade.queryValue(named: "none") == nil)

        let bare = try ServerHandshakeTests.upgrade(ServerHandshakeTests.request(target: "/chat"))
        #expect(bare.queryItems == [])
        #expect(bare.queryValue(named: "room") == nil)
    }

    @Test("validate passes the transport's peer address on; nil by default")
    func remoteAddressPassesThrough() throws {
        let request = try ServerHandshakeTests.request()
        let peer = try SocketAddress(ipAddress: "192.0.2.7", port: 50_123)
        #expect(try ServerHandshake.validate(request, remoteAddress: peer).get().remoteAddress == peer)
        #expect(try ServerHandshake.validate(request).get().remoteAddress == nil)
    }
}
