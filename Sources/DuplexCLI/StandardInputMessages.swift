import Duplex
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Standard input as messages to send, read on a thread of its own (reading blocks, which must not
/// happen on the concurrency pool): each line (without its newline) as a text message, or with
/// `binary` the bytes exactly as they arrive, each read's chunk (up to 64 KiB) as a binary message.
///
/// At most ``readAhead`` messages wait to be taken; reading stops until one is. One reader at a time
/// takes messages with ``next()``. Unlike an `AsyncStream`, a reader whose task
/// is cancelled leaves the input intact: `duplex connect --reconnect` reads on over the next
/// connection where the last one stopped.
final class StandardInputMessages: Sendable {
    private struct State {
        var buffered: [WebSocketMessage] = []
        var ended = false
        var waiter: CheckedContinuation<WebSocketMessage?, Never>?
    }

    /// How many messages may be read before they are taken.
    static let readAhead = 16

    private let state = NIOLockedValueBox(State())
    /// One slot per message that may be read and not yet taken. (Made with no slots and given them
    /// in `init`: libdispatch traps when a semaphore is freed holding fewer than it was made with.)
    private let slots = DispatchSemaphore(value: 0)

    /// Starts reading.
    init(binary: Bool) {
        for _ in 0..<Self.readAhead { slots.signal() }
        let thread = Thread { [self] in
            let input = FileHandle.standardInput
            while true {
                slots.wait()
                if binary {
                    let chunk = input.availableData
                    guard !chunk.isEmpty else { break }
                    deliver(.binary(ByteBuffer(bytes: chunk)))
                } else {
                    guard let line = readLine(strippingNewline: true) else { break }
                    deliver(.text(line))
                }
            }
            deliver(nil)
        }
        thread.start()
    }

    /// The next message, or `nil` at the end of input, or at once when the task is cancelled (the
    /// input stays where it was).
    func next() async -> WebSocketMessage? {
        let message = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready: WebSocketMessage?? = state.withLockedValue { state in
                    if !state.buffered.isEmpty { return state.buffered.removeFirst() }
                    if state.ended || Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            state.withLockedValue { state -> CheckedContinuation<WebSocketMessage?, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }?.resume(returning: nil)
        }
        if message != nil { slots.signal() }
        return message
    }

    /// Puts back a message ``next()`` returned (one that could not be sent), to be returned again
    /// first.
    func unread(_ message: WebSocketMessage) {
        state.withLockedValue { $0.buffered.insert(message, at: 0) }
    }

    /// Hands `message` (`nil`: the end of input) to the waiting reader, or keeps it for the next.
    private func deliver(_ message: WebSocketMessage?) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<WebSocketMessage?, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            if let message { state.buffered.append(message) } else { state.ended = true }
            return nil
        }
        waiter?.resume(returning: message)
    }
}
