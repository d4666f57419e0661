import ArgumentParser

/// `duplex-autobahn-client`: the Autobahn TestSuite client agent. It asks a fuzzing server
/// (kosoku `-m fuzzingserver`) for its case count, runs every case by echoing what the server
/// sends, then asks the server to write its report.
@main
struct AutobahnClientCommand: AsyncParsableCommand {
    /// The command's name and abstract for `--help`.
    static let configuration = CommandConfiguration(
        commandName: "duplex-autobahn-client",
        abstract: "Run the Autobahn TestSuite client cases against a fuzzing server."
    )

    /// The fuzzing server's base URL.
    @Option(help: "The fuzzing server's base URL.")
    var url = "ws://127.0.0.1:9001"

    /// The agent name the report files are filed under.
    @Option(help: "The agent name the report is filed under.")
    var agent = "duplex"

    /// Runs every case, then the report update.
    func run() async throws {
        let runner = AutobahnRunner(baseURL: url, agent: agent)
        let count = try await runner.caseCount()
        print("running \(count) cases against \(url)")
        for index in stride(from: 1, through: count, by: 1) {
            await runner.runCase(index, of: count)
        }
        try await runner.updateReports()
        print("report updated for agent \(agent)")
    }
}
