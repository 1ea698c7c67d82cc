import FacegateCore
import Vault

/// What monitoring reads of the records: when the audit log was last signed, and the
/// recognition-quality report. Nothing personal.
extension ConsentRegistry {
    /// When the newest signed checkpoint of the audit log was made (Unix seconds), or nil
    /// when none has been yet.
    public func lastAuditCheckpointTime() throws -> Double? {
        try vault.read { db in try AuditLog.latestCheckpointTime(in: db) }.flatMap(Timestamp.parse)
    }

    /// Recognition quality over the latest day with member decisions and the 30 before it.
    public func qualityReport() throws -> QualityReport { try visitLog.quality() }
}
