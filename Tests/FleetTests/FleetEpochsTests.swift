import FacegateTestSupport
import Fleet
import Foundation
import Testing
import Vault

/// The fleet's key epochs on a door: a one-way chain, deadlines that only come closer,
/// and a destroyed epoch that nothing left on the door can bring back.
@Suite("Fleet key epochs", .perTestLimit)
struct FleetEpochsTests {
    static let fleet = "0123456789abcdef"
    static let subject = "fedcba9876543210fedcba9876543210"

    let directory = TemporaryDirectory(prefix: "fgep")
    let root = SecretKey.random()
    var keys: KeyDirectory { KeyDirectory(path: directory.path + "/keys") }

    @Test("a copy key wrapped at one epoch opens after the door moves on, and after a reload; never as another subject or epoch")
    func wrapAndMove() throws {
        let epochs = try FleetEpochs.create(epoch: 1, key: .random(), fleetID: Self.fleet, root: root, directory: keys)
        let copyKey = SecretKey.random()
        let first = epochs.wrap(copyKey, subject: Self.subject)
        #expect(first.epoch == 1)
        #expect(epochs.advance(to: 3))
        #expect(!epochs.advance(to: 2), "never backwards")
        let third = epochs.wrap(copyKey, subject: Self.subject)
        #expect(third.epoch == 3)
        try epochs.save()
        let loaded = try #require(try FleetEpochs.load(fleetID: Self.fleet, root: root, directory: keys))
        #expect(loaded.current == 3)
        #expect(loaded.unwrap(first.wrapped, epoch: 1, subject: Self.subject) != nil)
        #expect(loaded.unwrap(third.wrapped, epoch: 3, subject: Self.subject) != nil)
        #expect(loaded.unwrap(third.wrapped, epoch: 2, subject: Self.subject) == nil)
        #expect(loaded.unwrap(third.wrapped, epoch: 3, subject: "00000000000000000000000000000000") == nil)
    }

    @Test("two doors that start from the same epoch compute the same later keys without exchanging any")
    func twoDoorsAgree() throws {
        let start = SecretKey.random()
        let other = TemporaryDirectory(prefix: "fgep")
        let a = try FleetEpochs.create(epoch: 1, key: start, fleetID: Self.fleet, root: root, directory: keys)
        let b = try FleetEpochs.create(
            epoch: 1, key: start, fleetID: Self.fleet, root: root, directory: KeyDirectory(path: other.path + "/keys"))
        _ = a.advance(to: 5)
        _ = b.advance(to: 4)
        _ = b.advance(to: 5)
        let wrapped = a.wrap(.random(), subject: Self.subject)
        #expect(b.unwrap(wrapped.wrapped, epoch: 5, subject: Self.subject) != nil)
    }

    @Test("an epoch past its deadline is destroyed, on disk too; a door holding only later epochs cannot open what it wrapped")
    func destroyed() throws {
        let epochs = try FleetEpochs.create(epoch: 1, key: .random(), fleetID: Self.fleet, root: root, directory: keys)
        let old = epochs.wrap(.random(), subject: Self.subject)
        #expect(epochs.require(destroyedBy: 1000, through: 1))
        #expect(!epochs.require(destroyedBy: 2000, through: 1), "a deadline only comes closer")
        _ = epochs.advance(to: 2)
        #expect(epochs.destroyExpired(now: 999).isEmpty)
        #expect(epochs.destroyExpired(now: 1000) == [1])
        #expect(epochs.unwrap(old.wrapped, epoch: 1, subject: Self.subject) == nil)
        try epochs.save()
        let bytes = try #require(FileManager.default.contents(atPath: keys.fleetEpochsPath))
        let loaded = try #require(try FleetEpochs.load(fleetID: Self.fleet, root: root, directory: keys))
        #expect(loaded.epochs.map(\.held) == [false, true])
        #expect(loaded.unwrap(old.wrapped, epoch: 1, subject: Self.subject) == nil)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.components(separatedBy: "\"sealed\"").count == 2, "the file holds one sealed key, not two: \(text)")
        // The current epoch is never destroyed, whatever its deadline.
        _ = loaded.require(destroyedBy: 0, through: 2)
        #expect(loaded.destroyExpired(now: 5000).isEmpty)
    }

    @Test("a join token's epoch key opens with the token and the fleet key together, with neither alone")
    func joinToken() throws {
        let epochs = try FleetEpochs.create(epoch: 3, key: .random(), fleetID: Self.fleet, root: root, directory: keys)
        let token = "0123456789abcdef0123456789abcdef"
        let carried = epochs.sealedCurrent(forToken: token)
        #expect(carried.epoch == 3)
        let opened = try #require(FleetEpochs.openToken(carried.sealed, epoch: 3, token: token, fleetID: Self.fleet, root: root))
        // The joining door, starting from it, reads what the door wraps.
        let other = TemporaryDirectory(prefix: "fgep")
        let joined = try FleetEpochs.create(
            epoch: 3, key: opened, fleetID: Self.fleet, root: root, directory: KeyDirectory(path: other.path + "/keys"))
        let wrapped = epochs.wrap(.random(), subject: Self.subject)
        #expect(joined.unwrap(wrapped.wrapped, epoch: 3, subject: Self.subject) != nil)
        // Someone who read the token and the hub's row, without the fleet key: nothing.
        #expect(FleetEpochs.openToken(carried.sealed, epoch: 3, token: token, fleetID: Self.fleet, root: .random()) == nil)
        #expect(
            FleetEpochs.openToken(carried.sealed, epoch: 3, token: "ffffffffffffffffffffffffffffffff", fleetID: Self.fleet, root: root)
                == nil)
        #expect(FleetEpochs.openToken(carried.sealed, epoch: 2, token: token, fleetID: Self.fleet, root: root) == nil)
    }

    @Test("the epochs file opens only with its fleet key and for its fleet, and says what to do otherwise")
    func wrongKeyOrFleet() throws {
        _ = try FleetEpochs.create(epoch: 1, key: .random(), fleetID: Self.fleet, root: root, directory: keys)
        for (fleet, key) in [(Self.fleet, SecretKey.random()), ("aaaaaaaaaaaaaaaa", root)] {
            var failure: FleetError?
            do { _ = try FleetEpochs.load(fleetID: fleet, root: key, directory: keys) } catch { failure = error }
            #expect(failure?.code == .fleetState)
            #expect(failure?.message.contains(keys.fleetEpochsPath) == true, "\(failure?.message ?? "")")
        }
        #expect(try FleetEpochs.load(fleetID: Self.fleet, root: root, directory: KeyDirectory(path: directory.path + "/none")) == nil)
    }
}
