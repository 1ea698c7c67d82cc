import FacegateCore
import GRDB
import Logging
import Vault

extension AuditLog {
    /// How the database's log and the audit file compared at open.
    enum Reconciliation: Equatable {
        /// Same head.
        case inStep
        /// The file was missing entries the database had committed (a crash between
        /// commit and append, or a first open): they were appended.
        case fileCaughtUp(entries: Int)
        /// The database was missing entries the file had (a restored backup, or a
        /// deleted tail): they were put back, after `afterSeq`.
        case databaseCaughtUp(entries: Int, afterSeq: Int)
        /// The two disagree from `seq` on: the file was archived at `archived` and a
        /// new one started from the database.
        case forked(seq: Int, archived: String)
        /// Entries deleted from the middle of the database's log were put back from
        /// the file.
        case gapsFilled(entries: Int)
    }

    /// Brings the database's log and the file into step (see `Reconciliation`).
    /// Called at every open, before anything else writes.
    func reconcile(vault: VaultStore, now: Double) throws -> Reconciliation {
        let outcome = try reconcileHeads(vault: vault, now: now)
        switch outcome {
        case .inStep, .fileCaughtUp:
            let filled = try fillGaps(vault: vault)
            return filled > 0 ? .gapsFilled(entries: filled) : outcome
        default:
            return outcome
        }
    }

    /// Entries missing from the middle of the database's log (the heads agree, the
    /// count does not) come back from the file, checked against their neighbours.
    private func fillGaps(vault: VaultStore) throws -> Int {
        let (count, highest) = try vault.read { db -> (Int, Int) in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM audit_entry")
            return (row?[0] ?? 0, row?[1] ?? 0)
        }
        guard count < highest else { return 0 }
        let present = try vault.read { db in Set(try Int.fetchAll(db, sql: "SELECT seq FROM audit_entry")) }
        let missing = Set(1...highest).subtracting(present)
        let fromFile = Dictionary(
            try file.contents().entries.filter { missing.contains($0.seq) }.map { ($0.seq, $0) }, uniquingKeysWith: { a, _ in a })
        return try vault.write { db -> Int in
            var restored = 0
            for seq in missing.sorted() {
                guard let entry = fromFile[seq], entry.computedHash == entry.hash else { continue }
                let before = seq == 1 ? AuditEntry.genesisHash : try Self.entry(seq: seq - 1, in: db)?.hash
                let after = try Self.entry(seq: seq + 1, in: db)?.previousHash
                guard before == entry.previousHash, after == nil || after == entry.hash else { continue }
                try Self.insert(entry, in: db)
                restored += 1
            }
            return restored
        }
    }

    private func reconcileHeads(vault: VaultStore, now: Double) throws -> Reconciliation {
        let fileHead = file.last
        let databaseHead = try vault.read { db in try Self.head(in: db) }
        let databaseSeq = databaseHead?.seq ?? 0
        if databaseSeq >= fileHead.seq {
            let matching = try vault.read { db -> Bool in
                guard fileHead.seq > 0 else { return true }
                return try Self.entry(seq: fileHead.seq, in: db)?.hash == fileHead.hash
            }
            guard matching else { return try fork(at: fileHead.seq, vault: vault, now: now) }
            let newCheckpoints = try vault.read { db in try !Self.checkpoints(after: fileHead.checkpointSeq, in: db).isEmpty }
            guard databaseSeq > fileHead.seq || newCheckpoints else { return .inStep }
            try vault.read { db in try file.catchUp(with: db) }
            return databaseSeq > fileHead.seq ? .fileCaughtUp(entries: databaseSeq - fileHead.seq) : .inStep
        }
        // The database is behind the file: put the missing entries back, checking
        // that they chain on from the database's head.
        var previous = databaseHead?.hash ?? AuditEntry.genesisHash
        if let databaseHead, try file.entry(seq: databaseHead.seq)?.hash != databaseHead.hash {
            return try fork(at: databaseHead.seq, vault: vault, now: now)
        }
        let contents = try file.contents(after: databaseSeq)
        var missing: [AuditEntry] = []
        for entry in contents.entries where entry.seq > databaseSeq {
            guard entry.seq == databaseSeq + missing.count + 1, entry.previousHash == previous, entry.computedHash == entry.hash else {
                return try fork(at: entry.seq, vault: vault, now: now)
            }
            missing.append(entry)
            previous = entry.hash
        }
        let publicKey = self.publicKey
        let checkpoints = contents.checkpoints.filter { checkpoint in
            checkpoint.seq > databaseSeq && checkpoint.seq <= databaseSeq + missing.count
                && missing[checkpoint.seq - databaseSeq - 1].hash == checkpoint.hash
                && SignatureVerifier.isValid(
                    signature: checkpoint.signature,
                    message: AuditCheckpoint.message(seq: checkpoint.seq, hash: checkpoint.hash, time: checkpoint.time),
                    publicKey: publicKey)
        }
        try vault.write { db in
            for entry in missing { try Self.insert(entry, in: db) }
            for checkpoint in checkpoints { try Self.insert(checkpoint, in: db) }
        }
        return .databaseCaughtUp(entries: missing.count, afterSeq: databaseSeq)
    }

    private func fork(at seq: Int, vault: VaultStore, now: Double) throws -> Reconciliation {
        let archived = try file.archive(reason: "forked", at: now)
        try vault.read { db in try file.catchUp(with: db) }
        return .forked(seq: seq, archived: archived)
    }

    /// Records a failed integrity check: an audit entry (`breach.detected`) listing
    /// the affected pseudonyms for the DPO's notification (GDPR Art. 33), and an
    /// error log line (with counts only: pseudonyms stay out of logs).
    func recordBreach(check: String, problem: String, affectedSubjects: [String], in db: Database) throws {
        try append(
            actor: OSUser.system.name, action: "breach.detected",
            details: [
                "check": .string(check), "problem": .string(problem),
                "affected_subjects": .array(affectedSubjects.sorted().map(JSONValue.string)),
            ], in: db)
        logger.error(
            "integrity check failed: a breach event was recorded in the audit log",
            metadata: ["breach.check": "\(check)", "breach.affected_subjects": "\(affectedSubjects.count)"])
    }
}
