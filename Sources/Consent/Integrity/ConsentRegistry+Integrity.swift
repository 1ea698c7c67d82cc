public import FacegateCore
import GRDB
import Vault
import FoundationEssentials

extension ConsentRegistry {
    /// Checks everything that can be checked without a person: the database file
    /// (`quick_check`), the audit chain in the database (hashes, links, checkpoint
    /// signatures) and in its file (the same entries), and every ciphertext (wrapped
    /// keys, profiles, templates when asked, and sealed fields of incidents, the
    /// deny-list, door alerts and audit entries). Any problem is recorded as a breach
    /// event listing the affected pseudonyms. `facegate audit check` runs it on
    /// demand, `facegate run` at start (templates are checked by the gallery load).
    public func checkIntegrity(includeTemplates: Bool = true) throws -> IntegrityReport {
        var report = IntegrityReport()
        if let problem = try vault.databaseProblem() {
            report.problems.append(.init(check: "database", detail: "SQLite's quick_check: \(problem)", subjects: []))
        }
        try checkAuditChain(into: &report)
        let failures = try vault.verifyCiphertexts(includeTemplates: includeTemplates)
        report.subjects = try vault.subjects().count
        for (field, group) in Dictionary(grouping: failures, by: \.field).sorted(by: { $0.key < $1.key }) {
            report.problems.append(.init(
                check: "ciphertext", detail: "\(group.count) \(field)(s) failed authentication (altered, moved or damaged)",
                subjects: group.map(\.subject.rawValue)))
        }
        try checkSealedFields(into: &report)
        if !report.isSound {
            let checks = Array(Set(report.problems.map(\.check))).sorted().joined(separator: ",")
            try recordBreachOnce(
                check: checks, problem: report.problems.map(\.detail).joined(separator: "; "), affectedSubjects: report.affectedSubjects)
        }
        return report
    }

    private func checkAuditChain(into report: inout IntegrityReport) throws {
        let (entries, checkpoints) = try vault.read { db in (try AuditLog.entries(in: db), try AuditLog.checkpoints(in: db)) }
        report.auditEntries = entries.count
        var previous = AuditEntry.genesisHash
        var hashes: [Int: [UInt8]] = [:]
        for (index, entry) in entries.enumerated() {
            if entry.seq != index + 1 {
                report.problems.append(.init(check: "audit_chain", detail: "entry \(index + 1) is missing from the database's audit log", subjects: []))
                break
            }
            if entry.previousHash != previous || entry.computedHash != entry.hash {
                report.problems.append(.init(
                    check: "audit_chain", detail: "audit entry \(entry.seq) in the database was altered or does not chain", subjects: entry.subject.map { [$0] } ?? []))
                break
            }
            previous = entry.hash
            hashes[entry.seq] = entry.hash
        }
        for checkpoint in checkpoints {
            let signed = SignatureVerifier.isValid(
                signature: checkpoint.signature, message: AuditCheckpoint.message(seq: checkpoint.seq, hash: checkpoint.hash, time: checkpoint.time),
                publicKey: audit.publicKey)
            if !signed || hashes[checkpoint.seq].map({ $0 != checkpoint.hash }) ?? false {
                report.problems.append(.init(check: "audit_chain", detail: "the signed checkpoint at entry \(checkpoint.seq) does not verify", subjects: []))
                break
            }
        }
        let file = try audit.file.contents()
        if !file.badLines.isEmpty {
            report.problems.append(.init(check: "audit_file", detail: "\(audit.file.path): unreadable lines \(file.badLines.prefix(5).map(String.init).joined(separator: ", "))", subjects: []))
        }
        let inFile = Dictionary(file.entries.map { ($0.seq, $0.hash) }, uniquingKeysWith: { first, _ in first })
        if let differing = entries.first(where: { inFile[$0.seq] != $0.hash }) {
            report.problems.append(.init(
                check: "audit_file",
                detail: inFile[differing.seq] == nil
                    ? "\(audit.file.path) lacks audit entry \(differing.seq) (it holds \(file.entries.count) of \(entries.count))"
                    : "\(audit.file.path) and the database disagree at audit entry \(differing.seq)",
                subjects: []))
        } else if file.entries.count > entries.count {
            report.problems.append(.init(check: "audit_file", detail: "\(audit.file.path) holds entries the database lacks (after \(entries.count))", subjects: []))
        }
    }

    private func checkSealedFields(into report: inout IntegrityReport) throws {
        // (table, column, id column, purpose of the associated data)
        let fields = [
            ("incident", "note", "subject_id", "incident"), ("denylist_entry", "reason", "subject_id", "denylist"),
            ("door_alert", "reason", "subject_id", "door"), ("audit_entry", "personal", "subject_id", "audit"),
        ]
        var failed = Set<String>()
        try vault.read { db in
            for (table, column, subjectColumn, purpose) in fields {
                let rows = try Row.fetchAll(db, sql: "SELECT \(subjectColumn) AS subject, \(column) AS sealed FROM \(table) WHERE \(column) IS NOT NULL")
                for row in rows {
                    guard let subject = (row["subject"] as String?).flatMap(SubjectID.init), let sealed = row["sealed"] as Data? else { continue }
                    report.sealedFields += 1
                    do {
                        // Nil for an erased subject: unreadable by design, not a breach.
                        _ = try vault.openPersonal([UInt8](sealed), for: subject, purpose: purpose, in: db)
                    } catch {
                        failed.insert(subject.rawValue)
                    }
                }
            }
            let approvals = try Row.fetchAll(db, sql: """
                SELECT e.subject_id AS subject, a.reason AS sealed FROM denylist_approval a JOIN denylist_entry e ON e.id = a.entry_id
                WHERE a.reason IS NOT NULL
                """)
            for row in approvals {
                guard let subject = (row["subject"] as String?).flatMap(SubjectID.init), let sealed = row["sealed"] as Data? else { continue }
                report.sealedFields += 1
                if (try? vault.openPersonal([UInt8](sealed), for: subject, purpose: "denylist", in: db)) == nil, try vault.exists(subject) {
                    failed.insert(subject.rawValue)
                }
            }
        }
        if !failed.isEmpty {
            report.problems.append(.init(
                check: "ciphertext", detail: "\(failed.count) subject(s) have sealed fields (notes, reasons, audit details) that failed authentication",
                subjects: failed.sorted()))
        }
    }
}
