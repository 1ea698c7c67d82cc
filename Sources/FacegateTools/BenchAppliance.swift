public import Consent
import FacegateCore
import FoundationEssentials
public import Logging
public import Vault

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway appliance for benchmarks: a scratch state directory under /tmp with
/// keys, a minimal policy and its notice. Only synthetic data goes there, and it is
/// removed at the end.
public struct BenchAppliance {
    public let path: String
    public let policy: Policy
    public var location: VaultLocation { VaultLocation(stateDirectory: path) }

    public init() throws {
        var template = Array("/tmp/facegate-bench.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw BenchError("cannot create a scratch directory under /tmp: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
        let policyText = """
            [appliance]
            state_dir = "\(path)"
            [controller]
            name = "bench"
            address = "bench"
            contact = "bench"
            dpo_contact = "bench"
            supervisory_authority = "bench"
            [recognition]
            trigger = "always"
            dpia_reference = "benchmark: every face processed, the worst case"
            [retention]
            [consent]
            [purposes.entry]
            description = "bench"
            legal_basis = "bench"
            [[notices]]
            version = "bench"
            file = "notice.md"
            purposes = ["entry"]
            [denylist]
            [record_of_processing]
            data_subject_categories = []
            personal_data_categories = []
            recipients = []
            transfers = "none"
            security_measures = []
            """
        try Self.write(path + "/notice.md", "bench notice")
        try Self.write(path + "/policy.toml", policyText)
        policy = try Policy.load(path: path + "/policy.toml")
        try location.keys.initialize()
        try open(logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }), loadGallery: false, creating: true).close()
    }

    /// Opens the registry (taking the scratch directory's lock).
    public func open(logger: Logger, loadGallery: Bool = true, creating: Bool = false) throws -> ConsentRegistry {
        let lock = try StateDirectoryLock(location: location, holder: .command, purpose: "benchmark")
        return try ConsentRegistry.open(
            policy: policy, location: location, lock: lock, environment: [:], logger: logger, loadGallery: loadGallery, creating: creating)
    }

    /// Enrols `count` synthetic people (random descriptors, consent records, audit
    /// entries) in transactions of 10,000.
    public func enrolSynthetic(_ count: Int, into registry: ConsentRegistry, seed: UInt64) throws {
        var generator = SplitMix64(seed: seed)
        var batch: [(request: EnrolmentRequest, embeddings: [FaceDescriptor])] = []
        for index in 0..<count {
            batch.append(
                (
                    EnrolmentRequest(displayName: "synthetic \(index)", noticeVersion: "bench", purposes: ["entry"], method: "signed-form"),
                    [FaceDescriptor((0..<FaceDescriptor.dimensions).map { _ in generator.nextDescriptorComponent() })]
                ))
            if batch.count == 10_000 || index == count - 1 {
                _ = try registry.enrol(batch, by: .system)
                batch.removeAll(keepingCapacity: true)
            }
        }
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func write(_ path: String, _ text: String) throws {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BenchError("cannot write \(path): \(String(cString: strerror(errno)))") }
        StandardStreams.write(to: fd, text)
        close(fd)
    }
}
