import DuplexCore

/// What a topic does with a subscriber that does not keep up: one whose write buffer a published
/// message would take past ``SessionConfiguration/maxQueuedOutboundBytes``.
public enum TopicOverflowPolicy: Sendable, Hashable {
    /// Close the subscriber's connection with `code` (its TCP connection is closed at once).
    case closeSubscriber(code: CloseCode)
    /// Skip the message for that subscriber and count it (``InProcessTopicBroker/droppedMessages``);
    /// later messages are delivered once the subscriber catches up.
    case dropMessages

    /// Closes slow subscribers with 1008 (policy violation), like any connection whose peer stops
    /// reading.
    public static let `default` = TopicOverflowPolicy.closeSubscriber(code: .policyViolation)
}
