import ArgumentParser
import Duplex
import ServiceLifecycle

#if Postgres
import DuplexPostgres
#endif

/// `duplex serve --broker URL`: the demo chat's topics through a PostgreSQL backplane
/// (docs/topics.md, "Across servers"), in a build with the `Postgres` trait.
enum ChatBroker {
    /// Checks `url` before anything is opened: a bad URL, or a build without the trait, is one line
    /// on standard error and exit code 64.
    static func validate(_ url: String) throws {
        #if Postgres
        do {
            _ = try PostgresTopicBroker.Configuration(url: url)
        } catch {
            Console.error("duplex: --broker: \(error)")
            throw ExitCode.validationFailure
        }
        #else
        Console.error("duplex: --broker needs a build with the Postgres trait (swift build --traits Postgres)")
        throw ExitCode.validationFailure
        #endif
    }

    /// The chat's topics for `url` (`nil`: in-process) and the services to run beside the server.
    static func topics(_ url: String?) throws -> (WebSocketTopics, [any Service]) {
        guard let url else { return (WebSocketTopics(), []) }
        #if Postgres
        let broker = try PostgresTopicBroker(configuration: .init(url: url))
        return (WebSocketTopics(broker: broker), [broker, ListeningAnnouncement(broker: broker)])
        #else
        try validate(url)
        return (WebSocketTopics(), [])
        #endif
    }
}

#if Postgres
/// Prints `broker: listening through PostgreSQL` once the broker receives other nodes'
/// publications (scripts wait for the line), then waits for the shutdown.
private struct ListeningAnnouncement: Service {
    let broker: PostgresTopicBroker

    func run() async throws {
        while !broker.isListening {
            try await Task.sleep(for: .milliseconds(20))
        }
        Console.out("broker: listening through PostgreSQL")
        try await gracefulShutdown()
    }
}
#endif
