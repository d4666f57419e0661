/// What can stop the agent before it ran the cases.
enum AutobahnError: Error, CustomStringConvertible {
    /// `/getCaseCount` did not send a number.
    case noCaseCount

    /// A sentence for the terminal.
    var description: String {
        switch self {
        case .noCaseCount: "the fuzzing server did not send a case count"
        }
    }
}
