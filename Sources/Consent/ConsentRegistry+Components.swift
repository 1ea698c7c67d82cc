public import FacegateCore
public import Vault

/// The registry's methods for the concerns its components own, kept so that callers
/// need not know the components: each forwards to one of them, which documents it.
extension ConsentRegistry {
    // MARK: Deny-list (`DenyListGovernance`)

    /// Throws unless the deny-list is enabled and justified by a DPIA.
    public func requireDenyList() throws {
        try denyList.requireEnabled()
    }

    public func addIncident(_ subject: SubjectID, category: String, note: String?, actor: OSUser) throws -> (Incident, DenyListEntry?) {
        try denyList.addIncident(subject, category: category, note: note, actor: actor)
    }

    public func proposeDenyListEntry(_ subject: SubjectID, reason: String, evidence: [String], actor: OSUser) throws -> DenyListEntry {
        try denyList.propose(subject, reason: reason, evidence: evidence, actor: actor)
    }

    public func approveDenyListEntry(_ id: String, reason: String, actor: OSUser) throws -> DenyListEntry {
        try denyList.approve(id, reason: reason, actor: actor)
    }

    public func rejectDenyListEntry(_ id: String, reason: String, actor: OSUser) throws -> DenyListEntry {
        try denyList.reject(id, reason: reason, actor: actor)
    }

    public func liftDenyListEntry(_ id: String, reason: String, actor: OSUser) throws -> DenyListEntry {
        try denyList.lift(id, reason: reason, actor: actor)
    }

    public func renewDenyListEntry(_ id: String, reason: String, actor: OSUser) throws -> DenyListEntry {
        try denyList.renew(id, reason: reason, actor: actor)
    }

    public func denyListEntries(of subject: SubjectID? = nil) throws -> [DenyListEntry] {
        try denyList.entries(of: subject)
    }

    public func incidents(of subject: SubjectID) throws -> [Incident] {
        try denyList.incidents(of: subject)
    }

    /// Whether the door should raise an alert for this subject now (in memory).
    public func isDenyListed(_ subject: SubjectID) -> Bool {
        denyList.isDenyListed(subject)
    }

    public func lapseDenyListEntries(actor: OSUser = .system) throws -> Int {
        try denyList.lapseOverdue(actor: actor)
    }

    // MARK: Door alerts (`DoorAlerts`)

    public func raiseAlert(for subject: SubjectID, actor: OSUser = .system) throws -> DoorAlert? {
        try doorAlerts.raise(for: subject, actor: actor)
    }

    public func confirmAlert(_ id: String, decision: String, reason: String, actor: OSUser) throws -> DoorAlert {
        try doorAlerts.confirm(id, decision: decision, reason: reason, actor: actor)
    }

    @discardableResult
    public func expireAlerts() throws -> [String] {
        try doorAlerts.expireOverdue()
    }

    public func alerts(of subject: SubjectID? = nil) throws -> [DoorAlert] {
        try doorAlerts.alerts(of: subject)
    }

    // MARK: Visits (`VisitLog`)

    @discardableResult
    public func recordVisit(of subject: SubjectID, decision: String, at time: Double) throws -> Bool {
        try visitLog.recordVisit(of: subject, decision: decision, at: time)
    }

    public func count(_ name: String, by amount: Int = 1, at time: Double) throws {
        try visitLog.count(name, by: amount, at: time)
    }

    public func visits(of subject: SubjectID) throws -> [Double] {
        try visitLog.visits(of: subject)
    }

    public func statistics(days: Int = 30) throws -> JSONValue {
        try visitLog.statistics(days: days)
    }

    // MARK: Exports (`ConsentExports`)

    public func recordUndeliveredExport(_ kind: String, outcome: String, reason: String, actor: OSUser) throws {
        try exports.recordUndelivered(kind, outcome: outcome, reason: reason, actor: actor)
    }

    public func exportConsentLog(format: ExportDocument.Format, actor: OSUser) throws -> ExportDocument {
        try exports.consentLog(format: format, actor: actor)
    }

    public func exportAudit(format: ExportDocument.Format, actor: OSUser) throws -> ExportDocument {
        try exports.auditLog(format: format, actor: actor)
    }

    public func exportRecordOfProcessing(
        format: ExportDocument.Format, draft: Bool = false, recipients: [String] = [], actor: OSUser
    ) throws -> ExportDocument {
        try exports.recordOfProcessing(format: format, draft: draft, recipients: recipients, actor: actor)
    }

    public func exportSubjectAccess(_ subject: SubjectID, actor: OSUser, format: ExportDocument.Format = .json) throws -> ExportDocument {
        try exports.subjectAccess(subject, actor: actor, format: format)
    }

    public func denyListStatus(of subject: SubjectID) throws -> JSONValue {
        try exports.denyListStatus(of: subject)
    }

    // MARK: Retention (`RetentionSweep`)

    public func sweep(actor: OSUser = .system) throws -> RetentionReport {
        try retentionSweep.run(actor: actor)
    }
}
