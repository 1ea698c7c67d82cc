import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import GRDB
import Testing
import Vault

/// The web console's accounts: passwords kept as Argon2id hashes, tokens as digests,
/// neither ever in the audit log; names and passwords checked before anything is stored.
@Suite("Console accounts", .perTestLimit)
struct ConsoleAccountsTests {
    static let password = Array("correct horse battery staple".utf8)
    static let root = OSUser(uid: 0, gid: 0, name: "root")

    @Test("an account signs in with its password and role, and not with a wrong password")
    func authenticate() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open(loadGallery: false)
        defer { registry.close() }
        try registry.accounts.add("ada.lovelace", role: .admin, person: "Ada Lovelace", password: Self.password, actor: Self.root)
        #expect(
            try registry.accounts.authenticate("ada.lovelace", password: Self.password)?.account
                == ConsoleAccount(name: "ada.lovelace", role: .admin))
        #expect(try registry.accounts.authenticate("ada.lovelace", password: Array("correct horse battery stapler".utf8)) == nil)
        #expect(try registry.accounts.authenticate("ada.lovelace", password: []) == nil)
        let listing = try registry.accounts.list()
        #expect(listing.map(\.name) == ["ada.lovelace"] && listing.map(\.role) == [.admin] && listing.map(\.liveTokens) == [0])
        #expect(listing.first?.createdAt == fixture.clock.now())
    }

    @Test("an unknown name signs in as nobody, taking about as long as a wrong password")
    func unknownName() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open(loadGallery: false)
        defer { registry.close() }
        try registry.accounts.add("ada", role: .staff, person: "Ada Lovelace", password: Self.password, actor: Self.root)
        let clock = ContinuousClock()
        var unknown: Duration = .zero
        var wrong: Duration = .zero
        for _ in 0..<3 {
            var start = clock.now
            #expect(try registry.accounts.authenticate("bea", password: Self.password) == nil)
            unknown += clock.now - start
            start = clock.now
            #expect(try registry.accounts.authenticate("ada", password: Array("not the password".utf8)) == nil)
            wrong += clock.now - start
        }
        // The dummy hash costs what a real one does: a missing name is not answered at once.
        #expect(unknown * 3 > wrong, "unknown \(unknown), wrong password \(wrong)")
        #expect(PasswordHash.verify(Self.password, against: PasswordHash.dummy) == false)
        #expect(PasswordHash.needsRehash(PasswordHash.dummy) == false, "the dummy hash has today's interactive costs")
    }

    @Test("a short or over-long password is refused without being repeated, and a bad name says what is allowed")
    func refusals() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open(loadGallery: false)
        defer { registry.close() }
        let short = #expect(throws: ConsentError.self) {
            try registry.accounts.add("ada", role: .staff, person: "Ada Lovelace", password: Array("hunter2-abc".utf8), actor: Self.root)
        }
        #expect(short?.code == .invalidArgument)
        #expect(short?.message.contains("12") == true && short?.message.contains("hunter2") == false)
        let long = #expect(throws: ConsentError.self) {
            try registry.accounts.add(
                "ada", role: .staff, person: "Ada Lovelace", password: [UInt8](repeating: 0x61, count: 1025), actor: Self.root)
        }
        #expect(long?.code == .invalidArgument)
        #expect(long?.message.contains("aaaa") == false)
        try registry.accounts.add(
            "ada", role: .staff, person: "Ada Lovelace", password: [UInt8](repeating: 0x61, count: 1024), actor: Self.root)
        // Twelve characters of another script are enough (they are more than twelve bytes).
        try registry.accounts.add("bea", role: .staff, person: "Ada Lovelace", password: Array("éééééé".utf8), actor: Self.root)
        for name in ["", "Ada", "ada lovelace", "ada/../root", "ädä", String(repeating: "a", count: 65), "ada\n"] {
            let refused = #expect(throws: ConsentError.self) {
                try registry.accounts.add(name, role: .staff, person: "Ada Lovelace", password: Self.password, actor: Self.root)
            }
            #expect(refused?.code == .invalidArgument)
            #expect(refused?.message.contains("a-z") == true, "\(refused?.message ?? "")")
        }
        try registry.accounts.add(
            String(repeating: "a", count: 64), role: .dpo, person: "Ada Lovelace", password: Self.password, actor: Self.root)
        try registry.accounts.add("door-2_tablet.1", role: .staff, person: "Ada Lovelace", password: Self.password, actor: Self.root)
        #expect(try registry.accounts.list().count == 4, "nothing refused was stored")
    }

    @Test("a name is one account's: adding it again is a conflict")
    func duplicate() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open(loadGallery: false)
        defer { registry.close() }
        try registry.accounts.add("ada", role: .staff, person: "Ada Lovelace", password: Self.password, actor: Self.root)
        let refused = #expect(throws: ConsentError.self) {
            try registry.accounts.add(
                "ada", role: .admin, person: "Ada Lovelace", password: Array("another long password".utf8), actor: Self.root)
        }
        #expect(refused?.code == .conflict)
        #expect(
            try registry.accounts.authenticate("ada", password: Self.password)?.account.role == .staff, "the first account is unchanged")
    }

    @Test("a token stands for its account with the role it was given, until it is revoked")
    func tokens() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open(loadGallery: false)
        defer { registry.close() }
        try registry.accounts.add("ada", role: .admin, person: "Ada Lovelace", password: Self.password, actor: Self.root)
        let own = try registry.accounts.addToken(account: "ada", role: nil, actor: Self.root)
        let door = try registry.accounts.addToken(account: "ada", role: .staff, actor: Self.root)
        #expect(own.token.hasPrefix("fgt_") && own.token.count == 68)
        #expect(own.token.dropFirst(4).allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(own.id != door.id && own.token != door.token && !own.token.contains(own.id))
        #expect(try registry.accounts.account(bearer: own.token) == ConsoleAccount(name: "ada", role: .admin))
        #expect(try registry.accounts.account(bearer: door.token) == ConsoleAccount(name: "ada", role: .staff))
        #expect(try registry.accounts.list().first?.liveTokenIDs.sorted() == [own.id, door.id].sorted())
        // A token changed in one digit, or not a token at all, stands for nobody.
        let altered = String(own.token.dropLast()) + (own.token.hasSuffix("0") ? "1" : "0")
        for other in [altered, "", "fgt_", own.id, own.token + "0", own.token.uppercased()] {
            #expect(try registry.accounts.account(bearer: other) == nil)
        }
        try registry.accounts.revokeToken(door.id, actor: Self.root)
        #expect(try registry.accounts.account(bearer: door.token) == nil)
        #expect(try registry.accounts.account(bearer: own.token) != nil, "revoking one token leaves the others")
        try registry.accounts.revokeToken(door.id, actor: Self.root)  // again: nothing changes
        #expect(try registry.accounts.list().first?.liveTokenIDs == [own.id])
        let unknown = #expect(throws: ConsentError.self) { try registry.accounts.revokeToken("0011223344556677", actor: Self.root) }
        #expect(unknown?.code == .notFound)
        let pasted = #expect(throws: ConsentError.self) { try registry.accounts.revokeToken(own.token, actor: Self.root) }
        #expect(pasted?.message.contains(own.token) == false, "a token given in place of its id is not repeated")
        #expect(throws: ConsentError.self) { try registry.accounts.addToken(account: "bea", role: nil, actor: Self.root) }
    }

    @Test("removing an account revokes its tokens; the name added again gets none of them back")
    func removeRevokesTokens() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open(loadGallery: false)
        defer { registry.close() }
        try registry.accounts.add("ada", role: .dpo, person: "Ada Lovelace", password: Self.password, actor: Self.root)
        let issued = try registry.accounts.addToken(account: "ada", role: nil, actor: Self.root)
        try registry.accounts.remove("ada", actor: Self.root)
        #expect(try registry.accounts.account(bearer: issued.token) == nil)
        #expect(try registry.accounts.authenticate("ada", password: Self.password) == nil)
        #expect(try registry.accounts.list().isEmpty)
        let unknown = #expect(throws: ConsentError.self) { try registry.accounts.remove("ada", actor: Self.root) }
        #expect(unknown?.code == .notFound)
        try registry.accounts.add("ada", role: .dpo, person: "Ada Lovelace", password: Self.password, actor: Self.root)
        #expect(try registry.accounts.account(bearer: issued.token) == nil)
        #expect(try registry.accounts.list().first?.liveTokens == 0)
    }

    @Test("a new password replaces the old one; an unknown account has none to change")
    func setPassword() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open(loadGallery: false)
        defer { registry.close() }
        try registry.accounts.add("ada", role: .staff, person: "Ada Lovelace", password: Self.password, actor: Self.root)
        let fresh = Array("a brand new pass phrase".utf8)
        try registry.accounts.setPassword("ada", password: fresh, actor: Self.root)
        #expect(try registry.accounts.authenticate("ada", password: Self.password) == nil)
        #expect(try registry.accounts.authenticate("ada", password: fresh)?.account.name == "ada")
        #expect(throws: ConsentError.self) { try registry.accounts.setPassword("ada", password: Array("short".utf8), actor: Self.root) }
        let unknown = #expect(throws: ConsentError.self) { try registry.accounts.setPassword("bea", password: fresh, actor: Self.root) }
        #expect(unknown?.code == .notFound)
    }

    @Test("a new password, a new role or the name added again replaces the stamp sessions hold and revokes the account's tokens")
    func credentialChangesEndWhatWasOpened() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open(loadGallery: false)
        defer { registry.close() }
        try registry.accounts.add("ada", role: .admin, person: "Ada Lovelace", password: Self.password, actor: Self.root)
        let signedIn = try #require(try registry.accounts.authenticate("ada", password: Self.password))
        #expect(try registry.accounts.standing(of: "ada") == signedIn)

        var token = try registry.accounts.addToken(account: "ada", role: nil, actor: Self.root)
        try registry.accounts.setPassword("ada", password: Array("a brand new pass phrase".utf8), actor: Self.root)
        let afterPassword = try #require(try registry.accounts.standing(of: "ada"))
        #expect(afterPassword.stamp != signedIn.stamp && afterPassword.account == signedIn.account)
        #expect(try registry.accounts.account(bearer: token.token) == nil, "a password change revokes the tokens")

        token = try registry.accounts.addToken(account: "ada", role: nil, actor: Self.root)
        try registry.accounts.setRole("ada", role: .staff, actor: Self.root)
        let afterRole = try #require(try registry.accounts.standing(of: "ada"))
        #expect(afterRole.account.role == .staff && afterRole.stamp != afterPassword.stamp)
        #expect(try registry.accounts.account(bearer: token.token) == nil, "a role change revokes the tokens")
        let entries = try registry.exportAudit(format: .jsonl, actor: fixture.staff).text.split(separator: "\n").compactMap {
            try? JSONParser.parse(String($0))
        }
        let entry = try #require(entries.last { $0["action"]?.stringValue == "console.user.role" })
        #expect(entry["details"]?["previous_role"]?.stringValue == "admin" && entry["details"]?["role"]?.stringValue == "staff")
        #expect(entry["details"]?["tokens_revoked"]?.intValue == 1)

        try registry.accounts.remove("ada", actor: Self.root)
        #expect(try registry.accounts.standing(of: "ada") == nil)
        try registry.accounts.add("ada", role: .admin, person: "Ada Lovelace", password: Self.password, actor: Self.root)
        #expect(try registry.accounts.standing(of: "ada")?.stamp != afterRole.stamp, "the name added again is another account")
        let unknown = #expect(throws: ConsentError.self) { try registry.accounts.setRole("bea", role: .dpo, actor: Self.root) }
        #expect(unknown?.code == .notFound)
    }

    @Test("the database keeps an Argon2id hash and a token digest, never the password or the token, in any file")
    func storedAsDigests() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open(loadGallery: false)
        try registry.accounts.add("ada", role: .admin, person: "Ada Lovelace", password: Self.password, actor: Self.root)
        let issued = try registry.accounts.addToken(account: "ada", role: nil, actor: Self.root)
        let (hash, digest) = try registry.vault.read { db in
            (
                try String.fetchOne(db, sql: "SELECT password_hash FROM console_account WHERE name = 'ada'"),
                try Data.fetchOne(db, sql: "SELECT digest FROM console_token WHERE id = ?", arguments: [issued.id])
            )
        }
        #expect(hash?.hasPrefix("$argon2id$") == true)
        #expect(digest.map { [UInt8]($0) } == Blake2b.hash(Array(issued.token.utf8)))
        let columns = try registry.vault.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM console_account").flatMap { row in row.databaseValues.map(\.description) }
                + Row.fetchAll(db, sql: "SELECT * FROM console_token").flatMap { row in row.databaseValues.map(\.description) }
        }.joined(separator: "\n")
        #expect(
            !columns.contains("correct horse") && !columns.contains(issued.token) && !columns.contains(String(issued.token.dropFirst(4))))
        registry.close()
        for file in try FileManager.default.contentsOfDirectory(atPath: fixture.stateDirectory) {
            let bytes = FileBytes.read(fixture.stateDirectory + "/" + file)
            #expect(!FileBytes.contains(bytes, Self.password), "\(file) holds the password")
            #expect(!FileBytes.contains(bytes, Array(issued.token.dropFirst(4).utf8)), "\(file) holds the token")
        }
    }

    @Test("every change is audited naming the actor, the account and the token id, never the password or the token")
    func audited() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open(loadGallery: false)
        defer { registry.close() }
        let admin = OSUser(uid: 1001, gid: 1001, name: "venue-admin")
        try registry.accounts.add("ada", role: .admin, person: "Ada Lovelace", password: Self.password, actor: admin)
        try registry.accounts.setPassword("ada", password: Array("a brand new pass phrase".utf8), actor: admin)
        let issued = try registry.accounts.addToken(account: "ada", role: .staff, actor: admin)
        try registry.accounts.revokeToken(issued.id, actor: admin)
        _ = try registry.accounts.addToken(account: "ada", role: nil, actor: admin)
        try registry.accounts.remove("ada", actor: admin)
        _ = try registry.accounts.authenticate("ada", password: Self.password)
        let entries = try registry.exportAudit(format: .jsonl, actor: fixture.staff).text.split(separator: "\n").compactMap {
            try? JSONParser.parse(String($0))
        }
        let ours = entries.filter { $0["action"]?.stringValue?.hasPrefix("console.") == true }
        #expect(
            ours.compactMap { $0["action"]?.stringValue } == [
                "console.user.add", "console.user.passwd", "console.token.add", "console.token.revoke", "console.token.add",
                "console.user.remove",
            ])
        #expect(ours.allSatisfy { $0["actor"]?.stringValue == "venue-admin" && $0["details"]?["account"]?.stringValue == "ada" })
        #expect(ours[0]["details"]?["role"]?.stringValue == "admin")
        #expect(ours[2]["details"]?["token_id"]?.stringValue == issued.id && ours[2]["details"]?["role"]?.stringValue == "staff")
        #expect(ours[5]["details"]?["tokens_revoked"]?.intValue == 1)
        let text = try registry.exportAudit(format: .jsonl, actor: fixture.staff).text
        #expect(!text.contains("correct horse") && !text.contains("brand new") && !text.contains(String(issued.token.dropFirst(4))))
        #expect(!text.contains("argon2"), "not even the hash")
    }
}
