import GRDB

/// The consent module's tables, in the vault's database so that one transaction can
/// cover an enrolment and its consent record, or an erasure and its audit entry.
enum ConsentMigrations {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("consent.v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE consent_record (
                        id TEXT PRIMARY KEY NOT NULL,
                        subject_id TEXT NOT NULL,
                        notice_version TEXT NOT NULL,
                        notice_sha256 TEXT NOT NULL,
                        purposes TEXT NOT NULL,
                        method TEXT NOT NULL,
                        operator TEXT NOT NULL,
                        given_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        withdrawn_at REAL,
                        erased_at REAL,
                        superseded_by TEXT
                    );
                    CREATE INDEX consent_subject ON consent_record(subject_id);
                    CREATE TABLE audit_entry (
                        seq INTEGER PRIMARY KEY NOT NULL,
                        time TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        subject_id TEXT,
                        details TEXT NOT NULL,
                        personal BLOB,
                        prev_hash BLOB NOT NULL,
                        hash BLOB NOT NULL
                    );
                    CREATE TABLE audit_checkpoint (
                        seq INTEGER PRIMARY KEY NOT NULL,
                        hash BLOB NOT NULL,
                        time TEXT NOT NULL,
                        signature BLOB NOT NULL
                    );
                    CREATE TABLE access_event (
                        id INTEGER PRIMARY KEY,
                        subject_id TEXT NOT NULL,
                        time REAL NOT NULL,
                        decision TEXT NOT NULL
                    );
                    CREATE INDEX access_event_time ON access_event(time);
                    CREATE INDEX access_event_subject ON access_event(subject_id);
                    CREATE TABLE daily_counter (
                        day TEXT NOT NULL,
                        name TEXT NOT NULL,
                        value INTEGER NOT NULL,
                        PRIMARY KEY (day, name)
                    );
                    """)
        }
        migrator.registerMigration("consent.v2.denylist") { db in
            try db.execute(
                sql: """
                    CREATE TABLE incident (
                        id TEXT PRIMARY KEY NOT NULL,
                        subject_id TEXT NOT NULL,
                        category TEXT NOT NULL,
                        note BLOB,
                        recorded_by TEXT NOT NULL,
                        recorded_at REAL NOT NULL
                    );
                    CREATE INDEX incident_subject ON incident(subject_id);
                    CREATE TABLE denylist_entry (
                        id TEXT PRIMARY KEY NOT NULL,
                        subject_id TEXT NOT NULL,
                        state TEXT NOT NULL,
                        reason BLOB,
                        evidence TEXT NOT NULL,
                        proposed_by TEXT NOT NULL,
                        proposed_at REAL NOT NULL,
                        round INTEGER NOT NULL,
                        round_proposed_by TEXT NOT NULL,
                        activated_round INTEGER NOT NULL DEFAULT 0,
                        activated_at REAL,
                        review_at REAL,
                        closed_at REAL
                    );
                    CREATE INDEX denylist_subject ON denylist_entry(subject_id);
                    CREATE TABLE denylist_approval (
                        entry_id TEXT NOT NULL,
                        round INTEGER NOT NULL,
                        approver TEXT NOT NULL,
                        decision TEXT NOT NULL,
                        reason BLOB,
                        at REAL NOT NULL,
                        PRIMARY KEY (entry_id, round, approver)
                    );
                    CREATE TABLE door_alert (
                        id TEXT PRIMARY KEY NOT NULL,
                        subject_id TEXT NOT NULL,
                        entry_id TEXT NOT NULL,
                        raised_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        status TEXT NOT NULL,
                        decision TEXT,
                        reason BLOB,
                        decided_by TEXT,
                        decided_at REAL
                    );
                    """)
        }
        migrator.registerMigration("consent.v3.audit-action") { db in
            // The erasures on record (ConsentCompanion.erasuresOnRecord) are looked up at every open.
            try db.execute(sql: "CREATE INDEX audit_action ON audit_entry(action)")
        }
        CardStore.register(&migrator)
        migrator.registerMigration("consent.v5.partial-withdrawal") { db in
            // A partial withdrawal's record said only "given at the withdrawal's time",
            // like a fresh consent; it now says which purposes were withdrawn, and when.
            try db.execute(
                sql: """
                    ALTER TABLE consent_record ADD COLUMN withdrawn_purposes TEXT;
                    ALTER TABLE consent_record ADD COLUMN withdrawn_purposes_at REAL;
                    """)
        }
        DenyListActivationStore.register(&migrator)
        ConsoleAccountStore.register(&migrator)
        QualityStore.register(&migrator)
        PanelCredentialStore.register(&migrator)
    }
}
