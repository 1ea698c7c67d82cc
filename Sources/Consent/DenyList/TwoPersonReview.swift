import FacegateCore

/// Whether the accounts that took part in one deny-list decision can be told apart as
/// people, from what the device knows of its console accounts: for the DPO's review.
///
/// A box has one root. Console accounts are made only by root or the admin group
/// (`facegate console user add`, never from the console), each bound to a named person
/// and recorded with the OS user who made it (`ConsoleAccountOrigin`). The device
/// cannot prove that two accounts are two people; it can show when they may not be:
/// two accounts made by the same OS user, made close together, or for the same person,
/// and an account made by an OS user who also took part. These findings are listed
/// with the entry (`denylist list`, the console's deny-list page) for the DPO to ask
/// about; the rules that refuse (the proposer and whoever recorded the evidence never
/// approve) are `DenyListEntry.approving`'s.
public enum TwoPersonReview {
    /// Accounts made less than this far apart are flagged: a person making a second
    /// identity usually does it in one sitting.
    public static let closeTogetherSeconds = 24.0 * 3600

    /// What the DPO should ask about, for `actors` (audit actors: `console:NAME`, OS
    /// user names, `rule:…`) who acted as distinct people in one decision.
    public static func findings(actors: [String], origins: [String: ConsoleAccountOrigin]) -> [String] {
        var seen = Set<String>()
        let distinct = actors.filter { !$0.hasPrefix("rule:") && seen.insert($0).inserted }
        let consoleAccounts = distinct.filter { $0.hasPrefix("console:") }
        let osUsers = Set(distinct.filter { !$0.hasPrefix("console:") })
        func origin(_ actor: String) -> ConsoleAccountOrigin? { origins[String(actor.dropFirst("console:".count))] }
        var findings: [String] = []
        for account in consoleAccounts {
            guard let made = origin(account) else {
                findings.append("\(account) no longer exists: who it was for cannot be checked")
                continue
            }
            if made.person.isEmpty { findings.append("\(account) is bound to no named person (made before accounts were)") }
            if osUsers.contains(made.createdBy) { findings.append("\(account) was made by \(made.createdBy), who also took part") }
        }
        for (index, first) in consoleAccounts.enumerated() {
            for second in consoleAccounts.dropFirst(index + 1) {
                guard let a = origin(first), let b = origin(second) else { continue }
                if !a.createdBy.isEmpty && a.createdBy == b.createdBy {
                    findings.append("\(first) and \(second) were both made by the OS user \(a.createdBy)")
                }
                let apart = abs(a.createdAt - b.createdAt)
                if apart < closeTogetherSeconds {
                    findings.append("\(first) and \(second) were made \(Self.duration(apart)) apart")
                }
                if !a.person.isEmpty && a.person.lowercased() == b.person.lowercased() {
                    findings.append("\(first) and \(second) are both for \(DisplayText.neutralised(a.person))")
                }
            }
        }
        return findings
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 120 { return "\(Int(seconds)) seconds" }
        if seconds < 7200 { return "\(Int(seconds / 60)) minutes" }
        return "\(Int(seconds / 3600)) hours"
    }
}
