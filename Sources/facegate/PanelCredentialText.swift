import FacegateCore

/// How the CLI prints a member's panel credential.
enum PanelCredentialText {
    /// `wiegand26 facility 42 number 1234 (bits …)`.
    static func describe(_ credential: JSONValue) -> String {
        "\(credential["format"]?.stringValue ?? "?") facility \(credential["facility"]?.intValue ?? 0) number \(credential["number"]?.intValue ?? 0) (bits \(credential["bits"]?.stringValue ?? "?"))"
    }

    /// What an erasure leaves the venue to do: facegate stops sending the card, but the
    /// panel keeps its own list, and after the erasure nothing here can read the number.
    static func removal(_ credential: JSONValue) -> String {
        "remove this member's card from the access panel: \(describe(credential)); facegate no longer sends it and can no longer read it"
    }
}
