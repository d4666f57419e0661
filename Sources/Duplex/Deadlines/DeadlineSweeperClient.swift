import NIOCore

/// An object with a deadline in its loop's ``DeadlineSweeper``: a connection's handler.
///
/// While armed, the sweeper holds the client strongly; a client disarms itself when its channel
/// goes away.
protocol DeadlineSweeperClient: AnyObject {
    /// Where the sweeper keeps this client; only the sweeper changes it.
    var deadlineSlot: DeadlineSweeper.Slot { get set }

    /// The armed deadline passed (it is disarmed now); called on the sweeper's loop at `now`.
    func deadlineReached(now: NIODeadline)
}
