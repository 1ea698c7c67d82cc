import FoundationEssentials
import GRDB

/// SQL of the console's accounts (`console_account`: a name, a role, an Argon2id hash
/// of the password) and their bearer tokens (`console_token`: a BLAKE2b digest of the
/// token, never the token); inside the caller's transaction.
///
/// A removed account's row is deleted; its tokens stay, revoked, so that a name added
/// again later does not bring an old token back to life.
enum ConsoleAccountStore {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("consent.v7.console-accounts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE console_account (
                        name TEXT PRIMARY KEY NOT NULL,
                        role TEXT NOT NULL,
                        password_hash TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        password_set_at REAL NOT NULL
                    );
                    CREATE TABLE console_token (
                        id TEXT PRIMARY KEY NOT NULL,
                        account TEXT NOT NULL,
                        role TEXT NOT NULL,
                        digest BLOB NOT NULL UNIQUE,
                        created_at REAL NOT NULL,
                        revoked_at REAL
                    );
                    CREATE INDEX console_token_account ON console_token(account);
                    """)
        }
        // A random value replaced whenever what a session was opened on changes (the
        // account added again, its password or its role): a session holds the value it
        // was opened with and ends at its next request when they differ.
        migrator.registerMigration("consent.v9.console-account-stamp") { db in
            try db.execute(sql: "ALTER TABLE console_account ADD COLUMN stamp TEXT NOT NULL DEFAULT ''")
        }
        // The named person an account is for, and the OS user who created it: what lets
        // the DPO see whether two approvals came from two people (`TwoPersonReview`).
        // Accounts made before are given their creator from the audit log.
        migrator.registerMigration("consent.v10.console-account-person") { db in
            try db.execute(
                sql: """
                    ALTER TABLE console_account ADD COLUMN person TEXT NOT NULL DEFAULT '';
                    ALTER TABLE console_account ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
                    UPDATE console_account SET created_by = COALESCE((
                        SELECT actor FROM audit_entry
                        WHERE action = 'console.user.add' AND json_extract(details, '$.account') = console_account.name
                        ORDER BY seq DESC LIMIT 1), '');
                    """)
        }
    }

    /// An account as stored: its role as text (a role this version does not know is
    /// the caller's to refuse), its password hash and its stamp.
    struct Account {
        var role: String
        var passwordHash: String
        var stamp: String
    }

    static func account(named name: String, in db: Database) throws -> Account? {
        try Row.fetchOne(db, sql: "SELECT role, password_hash, stamp FROM console_account WHERE name = ?", arguments: [name]).map { row in
            Account(role: row["role"], passwordHash: row["password_hash"], stamp: row["stamp"])
        }
    }

    /// Every account's role, by name.
    static func roles(in db: Database) throws -> [String: String] {
        Dictionary(
            try Row.fetchAll(db, sql: "SELECT name, role FROM console_account").map { ($0["name"] as String, $0["role"] as String) },
            uniquingKeysWith: { first, _ in first })
    }

    static func insert(
        _ name: String, role: String, person: String, createdBy: String, passwordHash: String, stamp: String, at time: Double,
        in db: Database
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO console_account (name, role, person, created_by, password_hash, created_at, password_set_at, stamp)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [name, role, person, createdBy, passwordHash, time, time, stamp])
    }

    /// Who each account is for and who made it, by name (`console:NAME` actors).
    static func origins(in db: Database) throws -> [String: ConsoleAccountOrigin] {
        Dictionary(
            try Row.fetchAll(db, sql: "SELECT name, person, created_by, created_at FROM console_account").map { row in
                (
                    row["name"] as String,
                    ConsoleAccountOrigin(person: row["person"], createdBy: row["created_by"], createdAt: row["created_at"])
                )
            }, uniquingKeysWith: { first, _ in first })
    }

    /// Deletes an account; returns whether there was one.
    static func delete(_ name: String, in db: Database) throws -> Bool {
        try db.execute(sql: "DELETE FROM console_account WHERE name = ?", arguments: [name])
        return db.changesCount > 0
    }

    /// Replaces an account's password hash; returns whether the account exists.
    static func setPasswordHash(_ hash: String, stamp: String, of name: String, at time: Double, in db: Database) throws -> Bool {
        try db.execute(
            sql: "UPDATE console_account SET password_hash = ?, password_set_at = ?, stamp = ? WHERE name = ?",
            arguments: [hash, time, stamp, name])
        return db.changesCount > 0
    }

    /// Changes an account's role; returns its previous role, or nil when there is no such account.
    static func setRole(_ role: String, stamp: String, of name: String, in db: Database) throws -> String? {
        guard let previous = try String.fetchOne(db, sql: "SELECT role FROM console_account WHERE name = ?", arguments: [name]) else {
            return nil
        }
        try db.execute(sql: "UPDATE console_account SET role = ?, stamp = ? WHERE name = ?", arguments: [role, stamp, name])
        return previous
    }

    /// Every account by name, with the ids of its live tokens; the role as text.
    static func listings(in db: Database) throws -> [(name: String, role: String, origin: ConsoleAccountOrigin, tokens: [String])] {
        let tokens = Dictionary(
            grouping: try Row.fetchAll(db, sql: "SELECT account, id FROM console_token WHERE revoked_at IS NULL ORDER BY created_at, id"),
            by: { $0["account"] as String }
        ).mapValues { rows in rows.map { $0["id"] as String } }
        return try Row.fetchAll(db, sql: "SELECT name, role, person, created_by, created_at FROM console_account ORDER BY name").map {
            row in
            let name: String = row["name"]
            return (
                name, row["role"], ConsoleAccountOrigin(person: row["person"], createdBy: row["created_by"], createdAt: row["created_at"]),
                tokens[name] ?? []
            )
        }
    }

    static func insertToken(id: String, account: String, role: String, digest: [UInt8], at time: Double, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO console_token (id, account, role, digest, created_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [id, account, role, Data(digest), time])
    }

    /// Revokes every live token of `account`; returns how many there were.
    static func revokeTokens(of account: String, at time: Double, in db: Database) throws -> Int {
        try db.execute(
            sql: "UPDATE console_token SET revoked_at = ? WHERE account = ? AND revoked_at IS NULL", arguments: [time, account])
        return db.changesCount
    }

    /// A token by id: its account and whether it is revoked already.
    static func token(id: String, in db: Database) throws -> (account: String, revoked: Bool)? {
        try Row.fetchOne(db, sql: "SELECT account, revoked_at FROM console_token WHERE id = ?", arguments: [id]).map { row in
            (row["account"], row["revoked_at"] as Double? != nil)
        }
    }

    static func revokeToken(id: String, at time: Double, in db: Database) throws {
        try db.execute(sql: "UPDATE console_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [time, id])
    }

    /// The account and role of the live token with `digest`, if its account still exists.
    static func bearer(digest: [UInt8], in db: Database) throws -> (account: String, role: String)? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT t.account, t.role FROM console_token t JOIN console_account a ON a.name = t.account
                WHERE t.digest = ? AND t.revoked_at IS NULL
                """,
            arguments: [Data(digest)]
        ).map { row in (row["account"], row["role"]) }
    }
}
