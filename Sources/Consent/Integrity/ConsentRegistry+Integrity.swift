import FacegateCore
import FoundationEssentials
import GRDB
import Vault

extension ConsentRegistry {
    /// How much `checkIntegrity` covers.
    public enum IntegrityScope: Sendable {
        /// Everything (`facegate audit check`): seconds for 100,000 subjects.
        case full
        /// What `facegate run` checks at start, in a moment whatever the size: the
        /// audit chain since its last signed checkpoint (the audit file was compared
        /// with the database when the vault opened) and, by the gallery load, every
        /// wrapped key and template.
        case start
    }

    /// Checks everything that can be checked without a person: the database file
    /// (`quick_check`), the audit chain in the database (hashes, links, checkpoint
    /// signatures) and in its file (the same entries), and every ciphertext (wrapped
    /// keys, profiles, templates, and sealed fields of incidents, the deny-list, door
    /// alerts and audit entries). Any problem is recorded as a breach event listing
    /// the affected pseudonyms.
    public func checkIntegrity(_ scope: IntegrityScope = .full) throws -> IntegrityReport {
        var report = IntegrityReport()
        switch scope {
        case .start:
            try checkAuditChain(into: &report, fromLastCheckpoint: true)
        case .full:
            if let problem = try vault.databaseProblem() {
                report.problems.append(.init(check: "database", detail: "SQLite's quick_check: \(problem)", subjects: []))
            }
            try checkAuditChain(into: &report, fromLastCheckpoint: false)
            try checkAuditFile(into: &report)
            let damaged = try vault.read { db in try ConsentStore.damagedRecords(in: db) }
            if !damaged.isEmpty {
                report.problems.append(
                    .init(
                        check: "consent_record",
                        detail:
                            "\(damaged.count) consent record(s) cannot be read (a value of the wrong type): \(damaged.prefix(5).map(\.id).joined(separator: ", "))",
                        subjects: damaged.compactMap(\.subject)))
            }
            let sealed = try sealedFields()
            report.sealedFields = sealed.values.reduce(0) { $0 + $1.count }
            let failures = try vault.verifyCiphertexts(includeTemplates: true, sealed: sealed)
            report.subjects = try vault.counts().subjects
            for (field, group) in Dictionary(grouping: failures, by: \.field).sorted(by: { $0.key < $1.key }) {
                report.problems.append(
                    .init(
                        check: "ciphertext",
                        detail:
                            "\(group.count) \(field == "audit" || field == "incident" || field == "denylist" || field == "door" ? "sealed \(field) field" : field)(s) failed authentication (altered, moved or damaged)",
                        subjects: group.map(\.subject.rawValue)))
            }
        }
        if !report.isSound {
            let checks = Array(Set(report.problems.map(\.check))).sorted().joined(separator: ",")
            try breaches.recordOnce(
                check: checks, problem: report.problems.map(\.detail).joined(separator: "; "), affectedSubjects: report.affectedSubjects)
        }
        return report
    }

    private func checkAuditChain(into report: inout IntegrityReport, fromLastCheckpoint: Bool) throws {
        let publicKey = audit.publicKey
        func signed(_ checkpoint: AuditCheckpoint) -> Bool {
            SignatureVerifier.isValid(
                signature: checkpoint.signature,
                message: AuditCheckpoint.message(seq: checkpoint.seq, hash: checkpoint.hash, time: checkpoint.time),
                publicKey: publicKey)
        }
        var problem: IntegrityReport.Problem?
        var hashes: [Int: [UInt8]] = [:]
        var count = 0
        let checkpoints = try vault.read { db -> [AuditCheckpoint] in
            let checkpoints = try AuditLog.checkpoints(in: db)
            // From the newest checkpoint whose signature holds (`audit check` goes
            // from the start), else from the beginning.
            var previous = AuditEntry.genesisHash
            var expected = 1
            if fromLastCheckpoint, let anchor = checkpoints.last(where: signed) {
                guard let first = try AuditLog.entry(seq: anchor.seq, in: db), first.hash == anchor.hash else {
                    problem = .init(
                        check: "audit_chain", detail: "audit entry \(anchor.seq) in the database does not match its signed checkpoint",
                        subjects: [])
                    return []
                }
                previous = first.hash
                expected = anchor.seq + 1
                hashes[anchor.seq] = anchor.hash
            }
            try AuditLog.forEachLink(after: expected - 1, in: db) { seq, link, hash, computed, subject in
                count += 1
                if seq != expected {
                    problem = .init(
                        check: "audit_chain", detail: "entry \(expected) is missing from the database's audit log", subjects: [])
                    return false
                }
                if link != previous || computed != hash {
                    problem = .init(
                        check: "audit_chain", detail: "audit entry \(seq) in the database was altered or does not chain",
                        subjects: subject.map { [$0] } ?? [])
                    return false
                }
                previous = hash
                hashes[seq] = hash
                expected += 1
                return true
            }
            return fromLastCheckpoint ? Array(checkpoints.suffix(1)) : checkpoints
        }
        report.auditEntries = count
        if let problem {
            report.problems.append(problem)
            return
        }
        for checkpoint in checkpoints where !signed(checkpoint) || hashes[checkpoint.seq].map({ $0 != checkpoint.hash }) ?? false {
            report.problems.append(
                .init(check: "audit_chain", detail: "the signed checkpoint at entry \(checkpoint.seq) does not verify", subjects: []))
            break
        }
    }

    private func checkAuditFile(into report: inout IntegrityReport) throws {
        var database: [(seq: Int, hash: String)] = []
        try vault.read { db in
            try AuditLog.forEachLink(after: 0, in: db) { seq, _, hash, _, _ in
                database.append((seq, Hex.encode(hash)))
                return true
            }
        }
        let file = try audit.file.entryHashes()
        if !file.badLines.isEmpty {
            report.problems.append(
                .init(
                    check: "audit_file",
                    detail: "\(audit.file.path): unreadable lines \(file.badLines.prefix(5).map(String.init).joined(separator: ", "))",
                    subjects: []))
        }
        let inFile = Dictionary(file.hashes.map { ($0.seq, $0.hash) }, uniquingKeysWith: { first, _ in first })
        if let differing = database.first(where: { inFile[$0.seq] != $0.hash }) {
            report.problems.append(
                .init(
                    check: "audit_file",
                    detail: inFile[differing.seq] == nil
                        ? "\(audit.file.path) lacks audit entry \(differing.seq) (it holds \(file.hashes.count) of \(database.count))"
                        : "\(audit.file.path) and the database disagree at audit entry \(differing.seq)",
                    subjects: []))
        } else if file.hashes.count > database.count {
            report.problems.append(
                .init(
                    check: "audit_file", detail: "\(audit.file.path) holds entries the database lacks (after \(database.count))",
                    subjects: []))
        }
    }

    /// Every field sealed with a subject's key outside the vault's own tables, by
    /// subject (those of erased subjects are unreadable by design, and left out).
    private func sealedFields() throws -> [SubjectID: [(purpose: String, bytes: [UInt8])]] {
        // (table, column, purpose of the associated data)
        let fields = [
            ("incident", "note", "incident"), ("denylist_entry", "reason", "denylist"), ("door_alert", "reason", "door"),
            ("audit_entry", "personal", "audit"),
        ]
        return try vault.read { db in
            var sealed: [SubjectID: [(purpose: String, bytes: [UInt8])]] = [:]
            func add(_ rows: RowCursor, purpose: String) throws {
                while let row = try rows.next() {
                    guard let subject = (row[0] as String?).flatMap(SubjectID.init), let bytes = row[1] as Data? else { continue }
                    sealed[subject, default: []].append((purpose, [UInt8](bytes)))
                }
            }
            for (table, column, purpose) in fields {
                try add(
                    try Row.fetchCursor(db, sql: "SELECT subject_id, \(column) FROM \(table) WHERE \(column) IS NOT NULL"), purpose: purpose
                )
            }
            try add(
                try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT e.subject_id, a.reason FROM denylist_approval a JOIN denylist_entry e ON e.id = a.entry_id WHERE a.reason IS NOT NULL
                        """), purpose: "denylist")
            return sealed
        }
    }
}
