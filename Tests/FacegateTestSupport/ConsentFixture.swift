public import Consent
public import FacegateCore
import Foundation
import Logging
public import Vault

/// A state directory with keys, the repository's default policy (optionally edited)
/// and a manual clock: a fresh appliance for one test.
public final class ConsentFixture: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let clock: ManualWallClock
    public let policy: Policy
    public var location: VaultLocation { VaultLocation(stateDirectory: directory.file("state")) }
    public let staff = OSUser(uid: 1000, gid: 1000, name: "desk-staff")

    /// The default policy text of the repository.
    public static var defaultPolicyText: String {
        (try? String(contentsOfFile: TestResources.repositoryRoot + "/policy/default.toml", encoding: .utf8)) ?? ""
    }

    /// Replaces the default policy's placeholder controller (`Example Venue Ltd`,
    /// `example.org`, ...) with a venue's own details, as an operator would before
    /// exporting the record of processing: pass it as `edit`, or call it inside one.
    public static func fillingInController(_ text: String) -> String {
        text.replacingOccurrences(of: "name = \"Example Venue Ltd\"", with: "name = \"Riverside Climbing Club Ltd\"")
            .replacingOccurrences(of: "address = \"1 Example Street, Example Town\"", with: "address = \"4 Mill Lane, Northbridge\"")
            .replacingOccurrences(of: "contact = \"privacy@example.org\"", with: "contact = \"privacy@riverside-climbing.test\"")
            .replacingOccurrences(of: "dpo_contact = \"dpo@example.org\"", with: "dpo_contact = \"dpo@riverside-climbing.test\"")
            .replacingOccurrences(
                of: "supervisory_authority = \"the national data-protection authority\"",
                with: "supervisory_authority = \"the Information Commissioner's Office\"")
    }

    /// `edit` may change the policy text before it is parsed (state_dir is set to the fixture's).
    public init(base: String = "/tmp", edit: (String) -> String = { $0 }) throws {
        directory = TemporaryDirectory(prefix: "fgc", base: base)
        clock = ManualWallClock()
        try FileManager.default.createDirectory(atPath: directory.file("policy/notices"), withIntermediateDirectories: true)
        for notice in try FileManager.default.contentsOfDirectory(atPath: TestResources.repositoryRoot + "/policy/notices") {
            try FileManager.default.copyItem(
                atPath: TestResources.repositoryRoot + "/policy/notices/" + notice, toPath: directory.file("policy/notices/" + notice))
        }
        let text = edit(Self.defaultPolicyText).replacingOccurrences(
            of: "state_dir = \"/var/lib/facegate\"", with: "state_dir = \"\(directory.file("state"))\""
        )
        .replacingOccurrences(of: "# socket = \"/run/facegate/admin.sock\"", with: "socket = \"\(directory.file("admin.sock"))\"")
        // Daemons of tests running at once each get a free port for their console.
        .replacingOccurrences(of: "listen = \"127.0.0.1:8080\"", with: "listen = \"127.0.0.1:0\"")
        let policyPath = try directory.write("policy/policy.toml", text: text)
        policy = try Policy.load(path: policyPath)
        try location.keys.initialize()
        // As `facegate keys init` does: the vault exists from the start.
        let lock = try StateDirectoryLock(location: location, holder: .command, purpose: "test", waitSeconds: 5)
        try ConsentRegistry.open(
            policy: policy, location: location, lock: lock, environment: [:], clock: clock, logger: Logger(label: "test"),
            loadGallery: false,
            creating: true
        ).close()
    }

    public var policyPath: String { directory.file("policy/policy.toml") }
    public var socketPath: String { directory.file("admin.sock") }
    /// The state directory (keys, database, audit file).
    public var stateDirectory: String { location.stateDirectory }
    /// The erasure journal (in the key directory).
    public var erasureJournalPath: String { location.keys.erasureJournalPath }

    /// Opens the registry as a command would, holding the state directory's lock
    /// until `close()` (or until the registry is released).
    public func open(loadGallery: Bool = true) throws -> ConsentRegistry {
        let lock = try StateDirectoryLock(location: location, holder: .command, purpose: "test", waitSeconds: 5)
        return try ConsentRegistry.open(
            policy: policy, location: location, lock: lock, environment: [:], clock: clock, logger: Logger(label: "test"),
            loadGallery: loadGallery)
    }

    public static func request(_ name: String = "Ada", purposes: [String] = ["entry"]) -> EnrolmentRequest {
        EnrolmentRequest(displayName: name, noticeVersion: "2026-01", purposes: purposes, method: "signed-form")
    }
}
