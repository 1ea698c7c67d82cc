public import FacegateCore
import GRDB
import Vault

/// The web console's accounts and their API tokens, in the vault's database. Managed
/// from the device only (the `console.*` admin commands, root or the admin group);
/// the console itself only asks who a password or a token belongs to.
///
/// A password is stored as an Argon2id hash (`PasswordHash`), a token as its BLAKE2b-256
/// digest: a copy of the database (a backup) lets nobody sign in. Neither ever
/// reaches the audit log, a log line or an error message; adding, removing and
/// changing accounts and tokens is audited with names, roles and token ids only.
public final class ConsoleAccounts: @unchecked Sendable {
    let vault: VaultStore
    let audit: AuditLog
    let clock: any WallClock

    init(vault: VaultStore, audit: AuditLog, clock: any WallClock) {
        self.vault = vault
        self.audit = audit
        self.clock = clock
    }

    /// The longest account name: room for `firstname.lastname`, short enough for a table.
    public static let maximumNameLength = 64

    /// What a bearer token starts with, so that one pasted by mistake (into a chat, a
    /// ticket) is recognisable for what it is, and secret scanners can find it.
    public static let tokenPrefix = "fgt_"

    /// Random bytes in a token: 256 bits, beyond guessing, so an unkeyed digest is
    /// enough to keep it.
    static let tokenBytes = 32

    // MARK: Checks

    /// Refuses a name that is not 1 to 64 characters of `a-z 0-9 . _ -`: names appear
    /// in the audit log as `console:NAME` and on the command line, where anything
    /// else would need quoting or could pass for another name. Public so that the
    /// command line refuses a bad name before it asks for a password.
    public static func checkName(_ name: String) throws(ConsentError) {
        let allowed = name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard allowed, (1...maximumNameLength).contains(name.utf8.count) else {
            throw ConsentError(
                .invalidArgument,
                "a console account name is 1 to \(maximumNameLength) characters of lower-case letters a-z, digits and . _ - (e.g. ada.lovelace)"
            )
        }
    }

    /// Refuses a password shorter than 12 bytes or longer than 1024, without repeating it.
    static func checkPassword(_ password: [UInt8]) throws(ConsentError) {
        guard password.count >= PasswordHash.minimumBytes else {
            throw ConsentError(
                .invalidArgument,
                "the password is too short: a console password needs at least \(PasswordHash.minimumBytes) characters (a pass phrase of a few words is best)"
            )
        }
        guard password.count <= PasswordHash.maximumBytes else {
            throw ConsentError(
                .invalidArgument, "the password is too long: a console password has at most \(PasswordHash.maximumBytes) bytes")
        }
    }

    /// Whether `name` is in the grammar `checkName` enforces.
    public static func isValidName(_ name: String) -> Bool {
        (try? checkName(name)) != nil
    }

    static func role(_ text: String) throws -> ConsoleRole {
        guard let role = ConsoleRole(rawValue: text) else {
            throw ConsentError(.conflict, "a console account has the role '\(text)', unknown to this version of facegate")
        }
        return role
    }

    static func unknownAccount(_ name: String) -> ConsentError {
        ConsentError(.notFound, "no console account '\(name)'; list them with `facegate console user list`")
    }

    // MARK: Accounts

    /// Adds an account with `role` and `password` (hashed here; the caller wipes its
    /// bytes), bound to the named `person` it is for and recorded with the OS user who
    /// made it: one person's two accounts must not count as two people.
    public func add(_ name: String, role: ConsoleRole, person rawPerson: String, password: [UInt8], actor: OSUser) throws {
        try Self.checkName(name)
        let person = String(rawPerson.trimmingWhiteSpace)
        guard !person.isEmpty else {
            throw ConsentError(
                .invalidArgument, "a console account is for one named person: give their full name (--person \"Ada Lovelace\")")
        }
        if let problem = DisplayText.problem(person, what: "the person's name", maximumCharacters: Policy.ConsentRules.maximumNameLength) {
            throw ConsentError(.invalidArgument, problem)
        }
        try Self.checkPassword(password)
        // Hashing takes a tenth of a second and 64 MiB: done before the write
        // transaction, which it would otherwise hold up.
        let hash = try PasswordHash.hash(password)
        try vault.write { db in
            guard try ConsoleAccountStore.account(named: name, in: db) == nil else {
                throw ConsentError(.conflict, "a console account '\(name)' exists already; remove it first, or change its password")
            }
            try ConsoleAccountStore.insert(
                name, role: role.rawValue, person: person, createdBy: actor.name, passwordHash: hash, stamp: RandomToken.hex(16),
                at: clock.now(), in: db)
            try audit.append(
                actor: actor.name, action: "console.user.add",
                details: ["account": .string(name), "role": .string(role.rawValue), "person": .string(person)], in: db)
        }
    }

    /// Removes an account and revokes its tokens at once: its sessions' next request
    /// finds no account (nor, when the name is added again, the stamp they hold).
    public func remove(_ name: String, actor: OSUser) throws {
        try Self.checkName(name)
        try vault.write { db in
            guard try ConsoleAccountStore.delete(name, in: db) else { throw Self.unknownAccount(name) }
            let revoked = try ConsoleAccountStore.revokeTokens(of: name, at: clock.now(), in: db)
            try audit.append(
                actor: actor.name, action: "console.user.remove", details: ["account": .string(name), "tokens_revoked": .int(revoked)],
                in: db)
        }
    }

    /// Every account, by name.
    public func list() throws -> [ConsoleAccountListing] {
        try vault.read { db in
            try ConsoleAccountStore.listings(in: db).map { row in
                ConsoleAccountListing(name: row.name, role: try Self.role(row.role), origin: row.origin, liveTokenIDs: row.tokens)
            }
        }
    }

    /// Replaces an account's password and ends everything opened with the old one: its
    /// sessions (a new stamp) and its tokens (revoked). A password is changed because it
    /// may be known to someone else, who may hold a session or have issued a token.
    public func setPassword(_ name: String, password: [UInt8], actor: OSUser) throws {
        try Self.checkName(name)
        try Self.checkPassword(password)
        let hash = try PasswordHash.hash(password)
        try vault.write { db in
            let now = clock.now()
            guard try ConsoleAccountStore.setPasswordHash(hash, stamp: RandomToken.hex(16), of: name, at: now, in: db) else {
                throw Self.unknownAccount(name)
            }
            let revoked = try ConsoleAccountStore.revokeTokens(of: name, at: now, in: db)
            try audit.append(
                actor: actor.name, action: "console.user.passwd", details: ["account": .string(name), "tokens_revoked": .int(revoked)],
                in: db)
        }
    }

    /// Gives an account another role and ends its sessions and tokens at once: a session
    /// or token never keeps the role it was opened with.
    public func setRole(_ name: String, role: ConsoleRole, actor: OSUser) throws {
        try Self.checkName(name)
        try vault.write { db in
            guard let previous = try ConsoleAccountStore.setRole(role.rawValue, stamp: RandomToken.hex(16), of: name, in: db) else {
                throw Self.unknownAccount(name)
            }
            let revoked = try ConsoleAccountStore.revokeTokens(of: name, at: clock.now(), in: db)
            try audit.append(
                actor: actor.name, action: "console.user.role",
                details: [
                    "account": .string(name), "role": .string(role.rawValue), "previous_role": .string(previous),
                    "tokens_revoked": .int(revoked),
                ], in: db)
        }
    }

    /// The account `name` as it stands now (role and stamp), or nil when there is none
    /// or its role is unknown to this version. The console asks this at every request
    /// made with a session.
    public func standing(of name: String) throws -> ConsoleAccountStanding? {
        guard Self.isValidName(name) else { return nil }
        guard let stored = try vault.read({ db in try ConsoleAccountStore.account(named: name, in: db) }),
            let role = ConsoleRole(rawValue: stored.role)
        else { return nil }
        return ConsoleAccountStanding(account: ConsoleAccount(name: name, role: role), stamp: stored.stamp)
    }

    /// The account `name` signs in as with `password` (with the stamp its session will
    /// hold), or nil (an unknown name, a wrong password, a role this version does not
    /// know). An unknown name is checked against a dummy hash all the same, so that the
    /// time taken does not tell which names exist. Not audited: the console audits its
    /// sign-ins.
    public func authenticate(_ name: String, password: [UInt8]) throws -> ConsoleAccountStanding? {
        // A name outside the grammar names nobody, and is never looked up: SQLite
        // would read "ana\0x" as "ana".
        guard Self.isValidName(name) else { return nil }
        let stored = try vault.read { db in try ConsoleAccountStore.account(named: name, in: db) }
        guard let stored else {
            _ = PasswordHash.verify(password, against: PasswordHash.dummy)
            return nil
        }
        guard PasswordHash.verify(password, against: stored.passwordHash), let role = ConsoleRole(rawValue: stored.role) else {
            return nil
        }
        return ConsoleAccountStanding(account: ConsoleAccount(name: name, role: role), stamp: stored.stamp)
    }

    // MARK: Tokens

    /// Issues a bearer token for the API: `fgt_` and 64 hex digits, returned here once
    /// and kept only as its digest. It carries the account's role unless `role` names
    /// another (an admin may hand a staff-only token to a door tablet).
    public func addToken(account: String, role: ConsoleRole?, actor: OSUser) throws -> (id: String, token: String) {
        try Self.checkName(account)
        let id = RandomToken.hex(8)
        let token = Self.tokenPrefix + RandomToken.hex(Self.tokenBytes)
        try vault.write { db in
            guard let stored = try ConsoleAccountStore.account(named: account, in: db) else { throw Self.unknownAccount(account) }
            let granted = try role ?? Self.role(stored.role)
            try ConsoleAccountStore.insertToken(
                id: id, account: account, role: granted.rawValue, digest: Self.digest(of: token), at: clock.now(), in: db)
            try audit.append(
                actor: actor.name, action: "console.token.add",
                details: ["account": .string(account), "role": .string(granted.rawValue), "token_id": .string(id)], in: db)
        }
        return (id, token)
    }

    /// Revokes the token with `id` (as `addToken` and `list` give it). Revoking a
    /// revoked token changes nothing.
    public func revokeToken(_ id: String, actor: OSUser) throws {
        try vault.write { db in
            guard let token = try ConsoleAccountStore.token(id: id, in: db) else {
                // A token given in place of its id is not repeated in the message.
                let shown = id.hasPrefix(Self.tokenPrefix) ? "given (that is a token, not a token id)" : "'\(id)'"
                throw ConsentError(.notFound, "no console token \(shown); `facegate console user list` shows the ids of live tokens")
            }
            guard !token.revoked else { return }
            try ConsoleAccountStore.revokeToken(id: id, at: clock.now(), in: db)
            try audit.append(
                actor: actor.name, action: "console.token.revoke", details: ["account": .string(token.account), "token_id": .string(id)],
                in: db)
        }
    }

    /// The account a bearer token stands for, with the token's role; nil for anything
    /// but a live token of an existing account.
    public func account(bearer token: String) throws -> ConsoleAccount? {
        guard token.hasPrefix(Self.tokenPrefix), token.utf8.count == Self.tokenPrefix.utf8.count + 2 * Self.tokenBytes else { return nil }
        let digest = Self.digest(of: token)
        guard let found = try vault.read({ db in try ConsoleAccountStore.bearer(digest: digest, in: db) }),
            let role = ConsoleRole(rawValue: found.role)
        else { return nil }
        return ConsoleAccount(name: found.account, role: role)
    }

    /// BLAKE2b-256 of the token's text: what is stored and looked up.
    static func digest(of token: String) -> [UInt8] {
        Blake2b.hash(Array(token.utf8))
    }
}
