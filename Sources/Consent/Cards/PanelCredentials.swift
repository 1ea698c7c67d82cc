import FacegateCore
import FoundationEssentials
import GRDB
public import Vault

/// Members' panel credentials: made once per member, random within the format's
/// numbers and unique among the members, sealed with the member's data key, gone
/// with the member. Issuing one is audited (without the number: the panel holds it,
/// the audit log needs no copy).
///
/// In a fleet the door that enrolled a member is the credential's authority: the
/// credential travels in that door's copy (`FleetCopy`), and a credential another
/// door issued for the member by itself gives way to it (`adopt`).
public final class PanelCredentials: @unchecked Sendable {
    let vault: VaultStore
    let audit: AuditLog
    let clock: any WallClock

    init(vault: VaultStore, audit: AuditLog, clock: any WallClock) {
        self.vault = vault
        self.audit = audit
        self.clock = clock
    }

    /// The member's credential, if one was issued (nil also once they are erased).
    public func existing(of subject: SubjectID) throws -> PanelCredential? {
        try vault.read { db in try Self.open(subject, in: db, vault: vault) }
    }

    /// The member's credential, issued now as `format` under `facility` if they have
    /// none: the door's first `member` decision for them, or `card panel`.
    public func credential(of subject: SubjectID, issuing format: WiegandFormat, facility: Int, actor: String) throws -> PanelCredential {
        if let found = try existing(of: subject) { return found }
        var issued = false
        defer { if issued { vault.notifyChange() } }
        return try vault.write { db in
            if let found = try Self.open(subject, in: db, vault: vault) { return found }
            guard try vault.exists(subject, in: db) else {
                throw ConsentError(.notFound, "no subject \(subject): only an enrolled member has a panel credential")
            }
            let credential = try Self.issue(for: subject, format: format, facility: facility, at: clock.now(), in: db, vault: vault)
            try audit.append(
                actor: actor, action: "panel_credential.issue", subject: subject, details: ["format": .string(format.rawValue)], in: db)
            issued = true
            return credential
        }
    }

    /// Issues a credential inside the caller's transaction (an enrolment's), unaudited:
    /// the caller's own entry says so.
    static func issue(
        for subject: SubjectID, format: WiegandFormat, facility: Int, at time: Double, in db: Database, vault: VaultStore
    ) throws -> PanelCredential {
        guard format.facilityRange.contains(facility) else {
            throw ConsentError(
                .invalidArgument,
                "the facility code \(facility) does not fit \(format.rawValue) (\(format.facilityRange.lowerBound)-\(format.facilityRange.upperBound)); set [osdp] facility"
            )
        }
        let issued = try PanelCredentialStore.issuedCount(in: db)
        guard issued < format.numberRange.count / 2 else {
            throw ConsentError(
                .conflict,
                "\(issued) panel credentials were issued here, half of what \(format.rawValue) can number (erased members' numbers are never given again); use a longer format ([osdp] format = \"wiegand37\") or another facility"
            )
        }
        // Random, so that the number says nothing of when or in what order a person
        // joined; drawn again when another member holds it (at most half are taken).
        while true {
            let credential = PanelCredential(format: format, facility: facility, number: Int.random(in: format.numberRange))
            if try store(credential, for: subject, at: time, in: db, vault: vault) { return credential }
        }
    }

    /// Stores `credential` for `subject` unless another member holds it; returns whether it was stored.
    static func store(_ credential: PanelCredential, for subject: SubjectID, at time: Double, in db: Database, vault: VaultStore) throws
        -> Bool
    {
        let digest = digest(of: credential, keys: vault.keys)
        guard try !PanelCredentialStore.wasIssued(digest, in: db) else { return false }
        let plain = try JSONEncoder().encode(credential)
        let sealed = try vault.sealPersonal([UInt8](plain), for: subject, purpose: PanelCredentialStore.purpose, in: db)
        try PanelCredentialStore.insert(subject: subject, digest: digest, sealed: sealed, at: time, in: db)
        return true
    }

    /// Takes the credential another door's copy carries for a member held here, replacing
    /// one this door issued by itself (the enrolling door's is the fleet's). Audited
    /// `panel_credential.adopt` with the origin door. Returns whether anything changed;
    /// false also when another member here holds the same credential (logged by the caller).
    ///
    /// Only the door that enrolled the member gives it (`FleetOrigin`), and only of
    /// this door's own format and facility when it has a panel: a door of the fleet
    /// cannot hand a member another badge's number.
    public func adopt(
        _ credential: PanelCredential, for subject: SubjectID, fromDoor door: String, panel: Policy.OSDP?
    ) throws -> Bool {
        if let panel, panel.format != credential.format || panel.facility != credential.facility {
            throw ConsentError(
                .conflict,
                "door \(door) gave member \(subject) a \(credential.format.rawValue) credential of facility \(credential.facility); this door's panel takes \(panel.format.rawValue) of facility \(panel.facility): give every door the same [osdp] format and facility"
            )
        }
        return try vault.write { db in
            guard try vault.exists(subject, in: db) else { return false }
            guard try FleetOrigin.of(subject, in: db) == .door(door) else {
                throw ConsentError(
                    .conflict, "door \(door) did not enrol member \(subject): only the enrolling door gives its panel credential")
            }
            let held = try Self.open(subject, in: db, vault: vault)
            guard held != credential else { return false }
            try PanelCredentialStore.delete(of: subject, in: db)
            guard try Self.store(credential, for: subject, at: clock.now(), in: db, vault: vault) else {
                throw ConsentError(.conflict, "another member here holds the panel credential door \(door) gave member \(subject)")
            }
            try audit.append(
                actor: "fleet", action: "panel_credential.adopt", subject: subject,
                details: ["origin_door": .string(door), "replaced": .bool(held != nil)], in: db)
            return true
        }
    }

    static func digest(of credential: PanelCredential, keys: KeyRing) -> [UInt8] {
        keys.cardDigest("panel-credential:\(credential.format.rawValue):\(credential.facility):\(credential.number)")
    }

    static func open(_ subject: SubjectID, in db: Database, vault: VaultStore) throws -> PanelCredential? {
        guard let sealed = try PanelCredentialStore.sealed(of: subject, in: db),
            let plain = try vault.openPersonal(sealed, for: subject, purpose: PanelCredentialStore.purpose, in: db)
        else { return nil }
        return try JSONDecoder().decode(PanelCredential.self, from: Data(plain))
    }
}
