public import FacegateCore
public import Vault

/// A person's consent, as the DPO must be able to prove it (GDPR Art. 7(1)): which
/// notice they read (version and SHA-256), what they agreed to, how, who recorded
/// it, when, until when, and when it was withdrawn. No personal data: the subject is
/// a pseudonym.
public struct ConsentRecord: Sendable, Equatable {
    public var id: String
    public var subject: SubjectID
    public var noticeVersion: String
    public var noticeSHA256: String
    public var purposes: [String]
    public var method: String
    /// The OS account that recorded the consent.
    public var operatorName: String
    public var givenAt: Double
    public var expiresAt: Double
    public var withdrawnAt: Double?
    public var erasedAt: Double?
    /// A record that replaced this one (a purpose withdrawn, a renewal).
    public var supersededBy: String?
    /// Set on the record a partial withdrawal leaves: the purposes withdrawn, and when.
    /// Such a record is not a new consent: its `givenAt` stays the time the remaining
    /// purposes were consented to, and the export calls it a `partial_withdrawal`.
    public var partialWithdrawal: PartialWithdrawal?

    /// Purposes withdrawn from a consent that otherwise stays in force.
    public struct PartialWithdrawal: Sendable, Equatable {
        public var purposes: [String]
        public var at: Double
    }

    /// Why the record exists, as the consent log says it: `consent` (given at
    /// enrolment) or `partial_withdrawal` (some purposes withdrawn from the record it
    /// replaced).
    public var reason: String { partialWithdrawal == nil ? "consent" : "partial_withdrawal" }

    /// When the record was made: a consent when it was given, a partial withdrawal
    /// when the purposes were withdrawn. Records are listed in this order.
    public var recordedAt: Double { partialWithdrawal?.at ?? givenAt }

    /// In force at `time`: not withdrawn, not superseded, not expired.
    public func isActive(at time: Double) -> Bool {
        withdrawnAt == nil && erasedAt == nil && supersededBy == nil && expiresAt > time
    }

    public var json: JSONValue {
        [
            "record": .string(id),
            "subject": .string(subject.rawValue),
            "notice_version": .string(noticeVersion),
            "notice_sha256": .string(noticeSHA256),
            "purposes": .array(purposes.map(JSONValue.string)),
            "method": .string(method),
            "operator": .string(operatorName),
            "given_at": .string(Timestamp.iso8601(givenAt)),
            "expires_at": .string(Timestamp.iso8601(expiresAt)),
            "withdrawn_at": .string(withdrawnAt.map(Timestamp.iso8601)),
            "erased_at": .string(erasedAt.map(Timestamp.iso8601)),
            "superseded_by": .string(supersededBy),
            "reason": .string(reason),
            "withdrawn_purposes": .array((partialWithdrawal?.purposes ?? []).map(JSONValue.string)),
            "withdrawn_purposes_at": .string(partialWithdrawal.map { Timestamp.iso8601($0.at) }),
        ]
    }

    /// The CSV header matching `csvRow`.
    public static let csvHeader = [
        "record", "subject", "notice_version", "notice_sha256", "purposes", "method", "operator", "given_at", "expires_at", "withdrawn_at",
        "erased_at", "superseded_by", "reason", "withdrawn_purposes", "withdrawn_purposes_at",
    ]

    public var csvRow: [String] {
        [
            id, subject.rawValue, noticeVersion, noticeSHA256, purposes.joined(separator: " "), method, operatorName,
            Timestamp.iso8601(givenAt), Timestamp.iso8601(expiresAt), withdrawnAt.map(Timestamp.iso8601) ?? "",
            erasedAt.map(Timestamp.iso8601) ?? "", supersededBy ?? "", reason, (partialWithdrawal?.purposes ?? []).joined(separator: " "),
            partialWithdrawal.map { Timestamp.iso8601($0.at) } ?? "",
        ]
    }
}

/// What an enrolment asks for, besides the face images.
public struct EnrolmentRequest: Sendable, Equatable {
    public var displayName: String
    public var fields: [String: String]
    public var noticeVersion: String
    public var purposes: [String]
    public var method: String
    /// A membership card to link (stored as a keyed digest), for claims at the door.
    public var card: String?
    /// Members an admin confirmed this person is not, after the duplicate check took
    /// the face for theirs: the enrolment goes ahead, audited. Not part of the consent
    /// record.
    public var differentFrom: [SubjectID]

    public init(
        displayName: String, fields: [String: String] = [:], noticeVersion: String, purposes: [String], method: String, card: String? = nil,
        differentFrom: [SubjectID] = []
    ) {
        self.displayName = displayName
        self.fields = fields
        self.noticeVersion = noticeVersion
        self.purposes = purposes
        self.method = method
        self.card = card
        self.differentFrom = differentFrom
    }
}
