public import FacegateCore
import GRDB
import Synchronization
public import Vault

/// Alerts at the door: a match on an entry in force only ever raises an alert,
/// which a person confirms (deny or admit) with a reason; without an answer before
/// its timeout it expires and nothing happens. Every step is audited.
public final class DoorAlerts: @unchecked Sendable {
    let vault: VaultStore
    let audit: AuditLog
    let denyList: DenyListGovernance
    let policies: CurrentPolicy
    let clock: any WallClock
    /// Told of every confirmation and expiry once it is committed (the daemon's door
    /// pages), whichever front door or timer caused it.
    private let observers = Mutex<[@Sendable (DoorAlertChange) -> Void]>([])

    init(vault: VaultStore, audit: AuditLog, denyList: DenyListGovernance, policies: CurrentPolicy, clock: any WallClock) {
        self.vault = vault
        self.audit = audit
        self.denyList = denyList
        self.policies = policies
        self.clock = clock
    }

    /// Calls `observer` after each confirmation and each expiry is committed, on the
    /// thread that made it: it must return at once.
    public func observe(_ observer: @escaping @Sendable (DoorAlertChange) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    private func notify(_ changes: [DoorAlertChange]) {
        guard !changes.isEmpty else { return }
        let observers = self.observers.withLock { $0 }
        for change in changes { for observer in observers { observer(change) } }
    }

    /// Records an alert for a match on an entry in force; a person must confirm it.
    public func raise(for subject: SubjectID, actor: OSUser = .system) throws -> DoorAlert? {
        guard let entry = denyList.entryInForce(of: subject) else { return nil }
        let now = clock.now()
        let alert = DoorAlert(
            id: RandomToken.hex(8), subject: subject, entry: entry, raisedAt: now,
            expiresAt: now + policies.policy.denyList.alertTimeoutSeconds, status: .open)
        try vault.write { db in
            try DenyListStore.insert(alert, in: db)
            try self.audit.append(
                actor: actor.name, action: "door.alert", subject: subject,
                details: ["alert": .string(alert.id), "entry": .string(entry), "expires_at": .string(Timestamp.iso8601(alert.expiresAt))],
                in: db)
        }
        return alert
    }

    /// A person's decision on an alert: `deny` or `admit`, with a reason. After the
    /// timeout the alert has expired and no action may be taken on it.
    public func confirm(_ id: String, decision: String, reason: String, actor: OSUser) throws -> DoorAlert {
        guard decision == "deny" || decision == "admit" else {
            throw ConsentError(.invalidArgument, "a door decision is 'deny' or 'admit' (got '\(decision)')")
        }
        guard !reason.trimmingPrefix(while: \.isWhitespace).isEmpty else {
            throw ConsentError(.invalidArgument, "a door decision needs a reason")
        }
        try DenyListGovernance.checkText(reason, what: "the reason")
        _ = try expireOverdue()
        let now = clock.now()
        let confirmed = try vault.write { db in
            let (status, subject) = try DenyListStore.alertStatus(id, in: db)
            guard status == DoorAlert.Status.open.rawValue else {
                throw ConsentError(
                    .conflict,
                    "alert \(id) is \(status): \(status == DoorAlert.Status.expired.rawValue ? "nobody confirmed it in time, so no action was taken; a new match raises a new alert" : "it was already decided")"
                )
            }
            try DenyListStore.confirmAlert(
                id, subject: subject, decision: decision, reason: reason, by: actor.name, at: now, vault: self.vault, in: db)
            try self.audit.append(
                actor: actor.name, action: "door.confirm", subject: subject,
                details: ["alert": .string(id), "decision": .string(decision)],
                personal: try self.vault.sealAuditText(["reason": .string(reason)], subject: subject, in: db), in: db)
            return try DenyListStore.alert(id, vault: self.vault, in: db)
        }
        notify([DoorAlertChange(alert: id, status: .confirmed, decision: decision, time: now)])
        return confirmed
    }

    /// Expires open alerts past their timeout: no confirmation means no action.
    @discardableResult
    public func expireOverdue() throws -> [String] {
        let now = clock.now()
        let expired = try vault.write { db in
            let due = try DenyListStore.alertsDueToExpire(at: now, in: db)
            for (id, subject) in due {
                try DenyListStore.markExpired(id, in: db)
                try self.audit.append(
                    actor: OSUser.system.name, action: "door.timeout", subject: subject, details: ["alert": .string(id), "action": "none"],
                    in: db)
            }
            return due.map(\.id)
        }
        notify(expired.map { DoorAlertChange(alert: $0, status: .expired, time: now) })
        return expired
    }

    /// Alerts (all, or a subject's), oldest first.
    public func alerts(of subject: SubjectID? = nil) throws -> [DoorAlert] {
        try vault.read { db in try DenyListStore.alerts(of: subject, vault: self.vault, in: db) }
    }
}
