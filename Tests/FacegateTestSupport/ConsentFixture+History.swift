import Consent
import FacegateCore
import Foundation
import Vault

extension ConsentFixture {
    /// Makes a past for a daemon to find (run it before the daemon starts): enrols
    /// `members` in-process with random templates `enrolledDaysAgo` days before `now`,
    /// then, on each day of `visitDaysAgo`, counts 2 member and `daysAgo + 1` unknown
    /// decisions and records a visit of every member at `hour`:00 UTC (stored only for
    /// those who consented to attendance analytics: the registry decides). Returns the
    /// members' subject ids, in order.
    public func recordHistory(
        members: [(name: String, purposes: [String])], enrolledDaysAgo: Int = 20, visitDaysAgo: [Int] = [], hour: Int = 18,
        now: Double? = nil
    ) throws -> [String] {
        let now = now ?? Date().timeIntervalSince1970
        let midnight = (now / 86_400).rounded(.down) * 86_400
        clock.set(midnight - Double(enrolledDaysAgo) * 86_400)
        let registry = try open(loadGallery: false)
        defer { registry.close() }
        let subjects = try members.map { member in
            try registry.enrol(
                ConsentFixture.request(member.name, purposes: member.purposes), embeddings: [VaultFixture.randomDescriptor()], by: staff
            ).0.id
        }
        for daysAgo in visitDaysAgo {
            let time = midnight - Double(daysAgo) * 86_400 + Double(hour) * 3_600
            clock.set(time)
            try registry.count("member", by: 2, at: time)
            try registry.count("unknown", by: daysAgo + 1, at: time)
            for subject in subjects { try registry.recordVisit(of: subject, decision: "member", at: time) }
        }
        return subjects.map(\.rawValue)
    }
}
