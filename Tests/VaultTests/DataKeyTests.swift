import FacegateCore
import FacegateTestSupport
import Foundation
import GRDB
import Logging
import Testing
import Vault

/// Privacy requirement 8: a subject's data key is drawn at random, never derived, so
/// that whoever keeps the master key after an erasure (a backup, an old key file) still
/// cannot reproduce the shredded key. The keys are read the way an attacker holding the
/// master key would: the wrapped key from the database, opened with the KEK.
@Suite("Data keys", .perTestLimit)
struct DataKeyTests {
    @Test("the same person enrolled again under the same master key, after erasure and in a second vault, never gets the shredded key back")
    func neverReproduced() throws {
        let fixture = try VaultFixture()
        let profile = SubjectProfile(displayName: "Ada Lovelace", fields: ["member": "A-17"])
        let embedding = VaultFixture.randomDescriptor()
        let expiry = fixture.clock.now() + 86_400

        let store = try fixture.open()
        let first = try store.enrol(profile: profile, embeddings: [embedding], expiresAt: expiry)
        let shredded = try dataKey(of: first.id, in: store, keys: fixture.keys)
        try store.forget(VaultFixture.erasure(first.id))
        #expect(try store.exists(first.id) == false)

        // Same vault, same master key, same clock, same inputs.
        let again = try store.enrol(profile: profile, embeddings: [embedding], expiresAt: expiry)
        let sameVault = try dataKey(of: again.id, in: store, keys: fixture.keys)
        try store.close()

        // A second database under the same key directory: what a restore onto a new box
        // with the old master key would be.
        let second = try VaultStore.open(
            path: fixture.directory.file("second.sqlite"), keys: fixture.keyRing(), companion: TablelessCompanion(),
            backupRetentionSeconds: 30 * 86_400, clock: fixture.clock, logger: .init(label: "test"), loadGallery: true,
            creating: true)
        let elsewhere = try second.enrol(profile: profile, embeddings: [embedding], expiresAt: expiry)
        let secondVault = try dataKey(of: elsewhere.id, in: second, keys: fixture.keys)
        try second.close()

        #expect(shredded.count == SecretKey.byteCount)
        #expect(sameVault != shredded)
        #expect(secondVault != shredded)
        #expect(secondVault != sameVault)
        // Nor is it the master key itself: what it seals, the master key does not open.
        let asKey = try #require(shredded.withUnsafeBytes { SecretKey(bytes: $0) })
        let sealed = SealedBox.seal(UnsafeRawBufferPointer(start: nil, count: 0), key: asKey, associatedData: [1])
        #expect(SealedBox.open(sealed, key: try fixture.kek(), associatedData: [1]) == nil)
    }

    @Test("400 data keys under one master key are pairwise distinct and their bits are balanced, as random keys are")
    func random() throws {
        let fixture = try VaultFixture()
        let store = try fixture.open()
        var keys: [[UInt8]] = []
        for index in 0..<400 {
            let subject = try store.enrol(
                profile: SubjectProfile(displayName: "Member \(index)"), embeddings: [VaultFixture.randomDescriptor()],
                expiresAt: fixture.clock.now() + 86_400)
            keys.append(try dataKey(of: subject.id, in: store, keys: fixture.keys))
        }
        try store.close()
        #expect(Set(keys).count == keys.count)

        // Monobit: 400 × 256 bits; the share of ones is 0.5 ± 0.0016 (one standard
        // deviation) for random keys. Six deviations fail a derivation as obvious as a
        // counter or a zero-padded identifier, and a random key once in 10⁹ runs.
        let bits = keys.count * SecretKey.byteCount * 8
        let ones = keys.joined().reduce(0) { $0 + $1.nonzeroBitCount }
        let share = Double(ones) / Double(bits)
        #expect(abs(share - 0.5) < 6 * 0.5 / Double(bits).squareRoot(), "share of one bits: \(share)")

        // No byte position is stuck: every position takes many values across the keys.
        for position in 0..<SecretKey.byteCount {
            #expect(Set(keys.map { $0[position] }).count > 150, "byte \(position) of the data keys varies too little")
        }
    }

    /// The subject's data key, unwrapped from the database with the key of its epoch,
    /// itself opened from the key directory with the root key (`kek`), as someone who
    /// holds the key directory would.
    private func dataKey(of subject: SubjectID, in store: VaultStore, keys: KeyDirectory) throws -> [UInt8] {
        let row = try store.read { db in
            try Row.fetchOne(db, sql: "SELECT wrapped_key, kek_epoch FROM subject WHERE id = ?", arguments: [subject.rawValue])
        }
        let found = try #require(row, "the subject has a wrapped key")
        let wrapped = [UInt8](found["wrapped_key"] as Data)
        let epoch: Int = found["kek_epoch"]
        let wrappingKey = try epochKey(epoch, keys: keys)
        // The associated data the vault binds a wrapped key to (Vault's AssociatedData).
        let associatedData = Array("facegate/subject-key/v1|\(subject.rawValue)".utf8)
        let opened = try #require(SealedBox.open(wrapped, key: wrappingKey, associatedData: associatedData), "the epoch key opens it")
        return [UInt8](opened.bytes)
    }

    /// Epoch 0 is the root key; the others are sealed with it in `kek-epochs` (KeyRing).
    private func epochKey(_ epoch: Int, keys: KeyDirectory) throws -> SecretKey {
        let root = try keys.loadKEK(environment: [:])
        guard epoch != 0 else { return root }
        let document = try JSONParser.parse(FileBytes.read(keys.epochsPath))
        let entry = try #require(document["epochs"]?.arrayValue?.first { $0["epoch"]?.intValue == epoch })
        let sealed = try #require(entry["sealed_key"]?.stringValue.flatMap(Hex.decode))
        let opened = try #require(SealedBox.open(sealed, key: root, associatedData: Array("facegate/kek-epoch/v1|\(epoch)".utf8)))
        return try #require(SecretKey(bytes: UnsafeRawBufferPointer(opened.bytes)))
    }
}
