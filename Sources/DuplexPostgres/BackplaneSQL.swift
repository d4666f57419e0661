#if Postgres
import Foundation
import PostgresNIO

/// The statements the broker runs on its table (docs/topics.md, "Schema").
struct BackplaneSQL: Sendable {
    /// The table's name, also the LISTEN/NOTIFY channel (validated to be a plain identifier).
    let table: String

    /// Creates the table and its index when missing (safe to run from several nodes at once: a
    /// session-level advisory lock serializes them).
    var createSchema: [PostgresQuery] {
        [
            "SELECT pg_advisory_lock(hashtext(\(table)))",
            """
            CREATE TABLE IF NOT EXISTS \(unescaped: table) (
                id bigserial PRIMARY KEY,
                node uuid NOT NULL,
                seq bigint NOT NULL,
                topic text NOT NULL,
                is_binary boolean NOT NULL,
                payload bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (node, seq)
            )
            """,
            "CREATE INDEX IF NOT EXISTS \(unescaped: table)_created_at ON \(unescaped: table) (created_at)",
            "SELECT pg_advisory_unlock(hashtext(\(table)))",
        ]
    }

    /// Taken first in every publishing transaction and held until it commits, so rows become
    /// visible in `id` order and a reader's high-water mark never skips a row committed later.
    var lockForPublishing: PostgresQuery {
        "SELECT pg_advisory_xact_lock(hashtext(\(table)))"
    }

    /// Inserts `batch` (a row already there from an earlier, uncertain commit is left alone) and
    /// notifies the channel with the highest new id.
    func insert(_ batch: [PendingPublication], node: UUID) -> PostgresQuery {
        var payloads: [ByteBuffer] = []
        var binaries: [Bool] = []
        payloads.reserveCapacity(batch.count)
        binaries.reserveCapacity(batch.count)
        for entry in batch {
            switch entry.message {
            case .text(let text):
                payloads.append(ByteBuffer(string: text))
                binaries.append(false)
            case .binary(let bytes):
                payloads.append(bytes)
                binaries.append(true)
            }
        }
        let sequences = batch.map(\.sequence)
        let topics = batch.map(\.topic)
        return """
            WITH inserted AS (
                INSERT INTO \(unescaped: table) (node, seq, topic, is_binary, payload)
                SELECT \(node), * FROM unnest(\(sequences)::int8[], \(topics)::text[], \(binaries)::bool[], \(payloads)::bytea[])
                ON CONFLICT (node, seq) DO NOTHING
                RETURNING id
            )
            SELECT pg_notify(\(table), coalesce(max(id), 0)::text) FROM inserted
            """
    }

    /// The highest id so far (where a node starts reading).
    var highestID: PostgresQuery {
        "SELECT coalesce(max(id), 0)::int8 FROM \(unescaped: table)"
    }

    /// Up to `limit` rows after `cursor`, in id order.
    func rows(after cursor: Int64, limit: Int) -> PostgresQuery {
        "SELECT id, node, seq, topic, is_binary, payload FROM \(unescaped: table) WHERE id > \(cursor) ORDER BY id LIMIT \(limit)"
    }

    /// Deletes rows older than `retention`.
    func deleteOlder(than retention: Duration) -> PostgresQuery {
        let seconds = Double(retention.components.seconds) + Double(retention.components.attoseconds) / 1e18
        return "DELETE FROM \(unescaped: table) WHERE created_at < now() - make_interval(secs => \(seconds))"
    }
}
#endif
