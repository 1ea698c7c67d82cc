import FacegateCore
import FoundationEssentials
import GRDB
public import Vault

/// Members' panel credentials: made once per member, random within the format's
/// numbers and unique among the members, sealed with the member's data key, gone
/// with the member. Issuing one is audited (without the number: the panel holds it,
/// the audit log needs no copy).
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
    /// none: the door's first `member` decision for them, `card panel`, or enrolment.
    public func credential(of subject: SubjectID, issuing format: WiegandFormat, facility: Int, actor: String) throws -> PanelCredential {
        if let found = try existing(of: subject) { return found }
        return try vault.write { db in
            if let found = try Self.open(subject, in: db, vault: vault) { return found }
            guard try vault.exists(subject, in: db) else {
                throw ConsentError(.notFound, "no subject \(subject): only an enrolled member has a panel credential")
            }
            guard format.facilityRange.contains(facility) else {
                throw ConsentError(
                    .invalidArgument,
                    "the facility code \(facility) does not fit \(format.rawValue) (\(format.facilityRange.lowerBound)-\(format.facilityRange.upperBound)); set [osdp] facility"
                )
            }
            let issued = try PanelCredentialStore.count(in: db)
            guard issued < format.numberRange.count / 2 else {
                throw ConsentError(
                    .conflict,
                    "\(issued) members already hold \(format.rawValue) panel credentials, half of what the format can number; use a longer format ([osdp] format = \"wiegand37\")"
                )
            }
            // Random, so that the number says nothing of when or in what order a person
            // joined; drawn again when another member holds it (at most half are taken).
            while true {
                let credential = PanelCredential(format: format, facility: facility, number: Int.random(in: format.numberRange))
                let digest = Self.digest(of: credential, keys: vault.keys)
                guard try !PanelCredentialStore.isTaken(digest, in: db) else { continue }
                let plain = try JSONEncoder().encode(credential)
                let sealed = try vault.sealPersonal([UInt8](plain), for: subject, purpose: PanelCredentialStore.purpose, in: db)
                try PanelCredentialStore.insert(subject: subject, digest: digest, sealed: sealed, at: clock.now(), in: db)
                try audit.append(
                    actor: actor, action: "panel_credential.issue", subject: subject, details: ["format": .string(format.rawValue)], in: db)
                return credential
            }
        }
    }

    static func digest(of credential: PanelCredential, keys: KeyRing) -> [UInt8] {
        keys.cardDigest("panel-credential:\(credential.format.rawValue):\(credential.facility):\(credential.number)")
    }

    private static func open(_ subject: SubjectID, in db: Database, vault: VaultStore) throws -> PanelCredential? {
        guard let sealed = try PanelCredentialStore.sealed(of: subject, in: db),
            let plain = try vault.openPersonal(sealed, for: subject, purpose: PanelCredentialStore.purpose, in: db)
        else { return nil }
        return try JSONDecoder().decode(PanelCredential.self, from: Data(plain))
    }
}
