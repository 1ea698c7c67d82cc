import FacegateCore
import GRDB

/// SQL of the deny-list's activations (`denylist_activation`), inside the caller's
/// transaction. At most one is open (proposed or active) at a time.
enum DenyListActivationStore {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("consent.v6.denylist-activation") { db in
            try db.execute(
                sql: """
                    CREATE TABLE denylist_activation (
                        id TEXT PRIMARY KEY NOT NULL,
                        dpia_reference TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        proposed_by TEXT NOT NULL,
                        proposed_at REAL NOT NULL,
                        approvals TEXT NOT NULL,
                        activated_at REAL,
                        closed_at REAL
                    );
                    """)
        }
    }

    /// The activation not yet closed, if any.
    static func open(in db: Database) throws -> DenyListActivation? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM denylist_activation WHERE closed_at IS NULL ORDER BY proposed_at DESC LIMIT 1")
        else { return nil }
        return DenyListActivation(
            id: row["id"], dpiaReference: row["dpia_reference"], reason: row["reason"], proposedBy: row["proposed_by"],
            proposedAt: row["proposed_at"], approvals: StringArrayColumn.decode(row["approvals"]), activatedAt: row["activated_at"],
            closedAt: row["closed_at"])
    }

    static func save(_ activation: DenyListActivation, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO denylist_activation
                    (id, dpia_reference, reason, proposed_by, proposed_at, approvals, activated_at, closed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                activation.id, activation.dpiaReference, activation.reason, activation.proposedBy, activation.proposedAt,
                StringArrayColumn.encode(activation.approvals), activation.activatedAt, activation.closedAt,
            ])
    }
}
