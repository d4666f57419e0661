import Foundation
import Logging
import Metrics

/// A swift-metrics factory that keeps every value in memory, keyed `label` or `label{name=value,…}`.
final class RecordingMetrics: MetricsFactory, @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Double] = [:]

    /// The current value of a counter or meter (0 when never touched).
    func value(_ label: String, _ dimensions: [(String, String)] = []) -> Double {
        lock.withLock { values[Self.key(label, dimensions)] ?? 0 }
    }

    fileprivate func update(_ key: String, _ change: (inout Double) -> Void) {
        lock.withLock { change(&values[key, default: 0]) }
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        dimensions.isEmpty ? label : label + "{" + dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        Handler(metrics: self, key: Self.key(label, dimensions))
    }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        Handler(metrics: self, key: Self.key(label, dimensions))
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        Handler(metrics: self, key: Self.key(label, dimensions))
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        Handler(metrics: self, key: Self.key(label, dimensions))
    }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}

    private final class Handler: CounterHandler, MeterHandler, RecorderHandler, TimerHandler, Sendable {
        let metrics: RecordingMetrics
        let key: String
        init(metrics: RecordingMetrics, key: String) {
            self.metrics = metrics
            self.key = key
        }
        func increment(by amount: Int64) { metrics.update(key) { $0 += Double(amount) } }
        func reset() { metrics.update(key) { $0 = 0 } }
        func set(_ value: Int64) { metrics.update(key) { $0 = Double(value) } }
        func set(_ value: Double) { metrics.update(key) { $0 = value } }
        func increment(by amount: Double) { metrics.update(key) { $0 += amount } }
        func decrement(by amount: Double) { metrics.update(key) { $0 -= amount } }
        func record(_ value: Int64) { set(value) }
        func record(_ value: Double) { set(value) }
        func recordNanoseconds(_ duration: Int64) { set(duration) }
    }
}

/// A swift-log handler that keeps every record in memory.
final class RecordingLog: @unchecked Sendable {
    /// One log record.
    struct Record {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let lock = NSLock()
    private var stored: [Record] = []

    /// The records so far.
    var records: [Record] { lock.withLock { stored } }

    /// A logger at `level` writing here.
    func logger(level: Logger.Level) -> Logger {
        var logger = Logger(label: "test") { _ in Handler(log: self) }
        logger.logLevel = level
        return logger
    }

    fileprivate func append(_ record: Record) { lock.withLock { stored.append(record) } }

    private struct Handler: LogHandler {
        let log: RecordingLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            log.append(Record(level: event.level, message: "\(event.message)", metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }
}
