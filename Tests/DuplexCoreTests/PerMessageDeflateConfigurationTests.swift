import DuplexCore
import Testing

/// The default configuration with `change` applied.
private func configuration(_ change: (inout PerMessageDeflate.Configuration) -> Void) -> PerMessageDeflate.Configuration {
    var configuration = PerMessageDeflate.Configuration()
    change(&configuration)
    return configuration
}

/// A configuration with a value out of range is refused with an error naming it, never a trap.
@Suite(.timeLimit(.minutes(1)))
struct PerMessageDeflateConfigurationTests {
    @Test(arguments: [
        (configuration { $0.serverPolicy.serverMaxWindowBits = 7 }, PerMessageDeflateConfigurationError.windowBitsOutOfRange(setting: "serverPolicy.serverMaxWindowBits", value: 7)),
        (configuration { $0.serverPolicy.clientMaxWindowBits = 16 }, .windowBitsOutOfRange(setting: "serverPolicy.clientMaxWindowBits", value: 16)),
        (configuration { $0.offers = [.init(), .init(serverMaxWindowBits: 0)] }, .windowBitsOutOfRange(setting: "offers[1].serverMaxWindowBits", value: 0)),
        (configuration { $0.offers = [.init(clientMaxWindowBits: .bits(-1))] }, .windowBitsOutOfRange(setting: "offers[0].clientMaxWindowBits", value: -1)),
        (configuration { $0.compressionLevel = 10 }, .compressionLevelOutOfRange(10)),
        (configuration { $0.compressionLevel = -1 }, .compressionLevelOutOfRange(-1)),
        (configuration { $0.memoryLevel = 0 }, .memoryLevelOutOfRange(0)),
        (configuration { $0.memoryLevel = 10 }, .memoryLevelOutOfRange(10)),
        (configuration { $0.threshold = -1 }, .negativeThreshold(-1)),
    ])
    func outOfRangeValueIsRefused(_ invalid: PerMessageDeflate.Configuration, error: PerMessageDeflateConfigurationError) {
        #expect(throws: error) { try PerMessageDeflate(configuration: invalid) }
    }

    @Test func boundaryValuesAreAccepted() throws {
        let lowest = configuration {
            $0.serverPolicy.serverMaxWindowBits = 8
            $0.serverPolicy.clientMaxWindowBits = 8
            $0.compressionLevel = 0
            $0.memoryLevel = 1
            $0.threshold = 0
        }
        #expect(try PerMessageDeflate(configuration: lowest).configuration == lowest)
        let highest = configuration {
            $0.serverPolicy.serverMaxWindowBits = 15
            $0.compressionLevel = 9
            $0.memoryLevel = 9
            $0.offers = [.init(serverMaxWindowBits: 15, clientMaxWindowBits: .bits(15))]
        }
        #expect(try PerMessageDeflate(configuration: highest).configuration == highest)
        #expect(PerMessageDeflate().configuration == PerMessageDeflate.Configuration())
    }

    @Test func errorNamesTheSetting() {
        let error = PerMessageDeflateConfigurationError.windowBitsOutOfRange(setting: "offers[0].clientMaxWindowBits", value: 16)
        #expect(error.description == "permessage-deflate offers[0].clientMaxWindowBits is 16, not in 8...15")
    }
}
