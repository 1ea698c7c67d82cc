public import FacegateCore
public import Vault

extension ConsentRegistry {
    /// What one retention sweep did.
    public struct RetentionReport: Sendable, Equatable {
        public var erasedSubjects: [SubjectID]
        public var deletedAccessEvents: Int
        public var deletedCounterDays: Int
        public var lapsedDenyListEntries: Int = 0
        /// New key epoch, re-wrapped subjects, destroyed epochs (expired backups).
        public var keys: VaultStore.KeyMaintenance

        public var json: JSONValue {
            [
                "erased_subjects": .array(erasedSubjects.map { .string($0.rawValue) }), "deleted_access_events": .int(deletedAccessEvents),
                "deleted_counter_days": .int(deletedCounterDays), "lapsed_denylist_entries": .int(lapsedDenyListEntries),
                "keys": keys.json,
            ]
        }
    }
}
