public import GRDB

/// The module whose tables live in the vault's database beside the vault's own
/// (consent records, visits, the deny-list, the audit log), and what it must do
/// when the vault opens and when a subject is forgotten.
///
/// `VaultStore.open` cannot be called without one: every way a subject leaves —
/// erasure, withdrawal, retention, a journal replayed after a crash or a restore —
/// runs `erase` inside the transaction that destroys the subject's key, so no caller
/// can forget the consent side. (Vault's own tests pass a companion with no tables.)
public protocol VaultCompanion: AnyObject, Sendable {
    /// The companion's tables, migrated after the vault's.
    func registerMigrations(_ migrator: inout DatabaseMigrator)

    /// Called once the database is migrated and the key checked, before the erasure
    /// journal is replayed (the audit log catches up with its file here).
    func vaultDidOpen(_ vault: VaultStore) throws

    /// The erasures the companion has on record (its audit log), which the journal
    /// must hold too: should the journal lose one (a damaged or replaced key
    /// directory), it is written back, and the subject stays erased.
    func erasuresOnRecord(in db: Database) throws -> [ErasureJournal.Entry]

    /// Of `candidates`, the subjects about whom the companion still holds something
    /// an erasure removes or marks: the journal replay finishes their erasure even
    /// when the vault's own rows are already gone.
    func subjectsHeld(among candidates: Set<SubjectID>, in db: Database) throws -> Set<SubjectID>

    /// Inside the transaction that deletes the subject's key and templates: delete or
    /// mark everything else and append the audit entry. `replayed` is true when the
    /// entry comes from the journal (a crash, a restore, another process).
    func erase(_ entry: ErasureJournal.Entry, replayed: Bool, in db: Database) throws

    /// Inside a transaction: withdraw some purposes (no key is destroyed). Must do
    /// nothing when they are already withdrawn (a replay).
    func withdraw(_ entry: ErasureJournal.Entry, replayed: Bool, in db: Database) throws

    /// After commit: forget the subject (or the purposes) in memory.
    func didForget(_ entry: ErasureJournal.Entry)

    /// The erasure journal failed its checksums at `line` (the open stops after this):
    /// record it where the DPO sees breaches.
    func journalDamaged(line: Int, reason: String, path: String) throws
}
