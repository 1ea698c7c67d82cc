/// How a change from the hub is named in what a door signs and in messages.
extension HubChange {
    var signedKind: SignedChange.Kind {
        switch kind {
        case .subject: .subject
        case .erasure: .erasure
        case .withdrawal: .withdrawal
        }
    }

    /// How a message names the row.
    var kindName: String {
        switch kind {
        case .subject: "subject copy"
        case .erasure: "erasure"
        case .withdrawal: "withdrawal"
        }
    }
}
