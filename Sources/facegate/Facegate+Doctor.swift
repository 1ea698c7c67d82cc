import ArgumentParser
import Consent
import Console
import Edge
import FaceEngine
import FacegateCore
import FacegateTools
import FoundationEssentials
import Logging
import Vault

#if canImport(Glibc)
    import Glibc
#endif

extension Facegate {
    /// Checks that the appliance can run, and says what to fix.
    struct Doctor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check models, BLAS, keys, state directory, frame source, camera and policy, and say what to fix.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions

        @Flag(help: "Print the checks as JSON.")
        var json = false

        struct Check {
            enum Level: String { case ok, warn, fail }
            var name: String
            var level: Level
            var detail: String
        }

        func run() async throws {
            var checks: [Check] = []
            func add(_ name: String, _ level: Check.Level, _ detail: String) {
                checks.append(Check(name: name, level: level, detail: detail))
            }

            // Policy.
            var policy: Policy?
            do {
                policy = try state.loadPolicy()
                add(
                    "policy", .ok,
                    "\(policy!.sourcePath): \(policy!.notices.count) notice(s), deny-list \(policy!.denyList.isActive ? "enabled" : "off")")
            } catch {
                add("policy", .fail, Self.message(error))
            }
            if let policy {
                let group = policy.appliance.adminGroup
                if getgrnam(group) == nil {
                    add(
                        "admin group", .warn,
                        "the policy's admin_group '\(group)' does not exist: only root and '\(policy.appliance.serviceUser)' can use the admin socket. Create it (groupadd \(group)) or name another"
                    )
                } else {
                    add("admin group", .ok, "'\(group)' exists")
                }
                // The text people consent to must name the venue: a notice still naming the
                // shipped example (its controller comes from [controller]) fails, since
                // every consent would record the hash of a text that names no one.
                let unnamed = policy.notices.filter { notice in Policy.placeholderMarkers.contains { notice.text.contains($0) } }
                if unnamed.isEmpty {
                    add("consent notices", .ok, "\(policy.notices.count) notice(s), each naming the controller")
                } else {
                    add(
                        "consent notices", .fail,
                        "notice(s) \(unnamed.map(\.version).joined(separator: ", ")) still name the shipped example venue: fill in [controller] in \(policy.sourcePath) (the shipped notices take the controller from there), or correct the notice file; people must not consent to a text that names no one"
                    )
                }
                // A warning, not a failure: the door runs, but the DPO's record would be no one's.
                let unfilled = policy.unfilledRecordOfProcessingFields
                if unfilled.isEmpty {
                    add("record of processing", .ok, "every Art. 30 field of the policy is filled in")
                } else {
                    add(
                        "record of processing", .warn,
                        "\(unfilled.joined(separator: ", ")) \(unfilled.count == 1 ? "is" : "are") empty or still the shipped example: fill \(unfilled.count == 1 ? "it" : "them") in \(policy.sourcePath); until then `facegate export ropa` only exports a draft (--draft)"
                    )
                }
            }
            if let policy {
                do {
                    add("console", .ok, try ConsoleService.describe(listen: policy.console.listen, settings: policy.console))
                } catch {
                    add("console", .fail, Self.message(error))
                }
            }
            // The admin socket a daemon would listen on, and whether one does.
            do {
                let location = state.location(policy: policy)
                let running = StateDirectoryLock.currentHolder(of: location)
                if let running, running.holder == .daemon, let socket = running.socket {
                    add("admin socket", .ok, "\(socket): the running daemon (pid \(running.pid)) listens there")
                } else if let policy {
                    let path = AdminSocketPath.forDaemon(
                        explicit: state.socketPath, policy: policy, location: location, environment: ProcessEnvironment.current)
                    do {
                        try AdminSocketPath.check(path)
                        add("admin socket", .ok, "\(path): where `facegate run` would listen (no daemon runs now)")
                    } catch {
                        add("admin socket", .fail, Self.message(error))
                    }
                }
            }

            // Models: present, pinned digests, loadable.
            let (modelCheck, engine) = modelsCheck()
            checks.append(modelCheck)

            // BLAS (after the engine is loaded, so the library is mapped).
            let blas = BLASInfo.current()
            if blas.kind.isOpenBLAS {
                add("blas", .ok, blas.description)
            } else {
                add("blas", .warn, "\(blas.description): face descriptors are about 10x slower; install libopenblas0-pthread (`make deps`)")
            }

            // Which build of the HOG code runs (v3 is about a third faster where the CPU
            // has it), and on how many threads a detection runs.
            let simd = SIMDPath.processDefault
            let threads = engine.map { DetectionThreadsOption.describe($0.detectionThreads) } ?? ""
            if simd == .baseline, SIMDPath.x86V3.cpuSupports, !SIMDPath.x86V3.isAvailable {
                add("hog", .warn, "\(SIMDPath.processReport); install libFacegateHOGv3.so beside the facegate binary")
            } else {
                add("hog", .ok, SIMDPath.processReport + (threads.isEmpty ? "" : ", \(threads)"))
            }

            // Keys and state directory.
            let location = state.location(policy: policy)
            do {
                _ = try location.keys.loadKEK(environment: ProcessEnvironment.current)
                _ = try location.keys.loadSigningKey()
                add("keys", .ok, "\(location.keys.path): key-encryption and signing keys readable by this user only")
            } catch {
                add("keys", .fail, Self.message(error))
            }
            add(
                "core dumps", ProcessHardening.coreDumpLimit == 0 ? .ok : .warn,
                ProcessHardening.coreDumpLimit == 0 ? "disabled for this process" : "enabled: set LimitCORE=0 (the systemd unit does)")
            checks.append(stateDirectoryCheck(location.stateDirectory))
            if let policy, checks.allSatisfy({ $0.name != "keys" || $0.level == .ok }) {
                if let running = StateDirectoryLock.currentHolder(of: location), running.holder == .daemon {
                    add(
                        "database", .ok,
                        "\(location.database): served by the running daemon (pid \(running.pid)); `facegate status` and `facegate audit check` ask it"
                    )
                    checks.append(Self.recognitionOutlook(policy.recognition))
                } else {
                    do {
                        let lock = try StateDirectoryLock(
                            location: location, holder: .command, purpose: "check the database", waitSeconds: 10)
                        let registry = try ConsentRegistry.open(
                            policy: policy, location: location, lock: lock, environment: ProcessEnvironment.current,
                            logger: Logger(label: "doctor", factory: { _ in SwiftLogNoOpLogHandler() }), loadGallery: true)
                        defer { registry.close() }
                        add(
                            "database", .ok,
                            "\(location.database): \(registry.vault.gallery.subjectCount) subject(s), every template decrypts; key epoch \(registry.vault.keys.currentEpoch)"
                        )
                        checks.append(Self.recognitionCheck(registry.recognitionRule))
                    } catch {
                        add("database", .fail, Self.message(error))
                    }
                }
            }

            if let fleet = await Self.fleetCheck(location: location, environment: ProcessEnvironment.current) { checks.append(fleet) }

            // The journal the decision events go to (LogNamespace=facegate), when installed.
            let journald = "/etc/systemd/journald@facegate.conf"
            if let policy, let data = FileManager.default.contents(atPath: journald) {
                let text = String(decoding: data, as: UTF8.self)
                let limit = policy.retention.accessEventDays
                if let days = JournaldRetention.days(inConfiguration: text), days <= limit {
                    add("journal", .ok, "\(journald) keeps decision events \(Int(days)) days (access_event_days: \(Int(limit)))")
                } else {
                    add(
                        "journal", .warn,
                        "\(journald) keeps decision events longer than access_event_days (\(Int(limit))): set MaxRetentionSec=\(Int(limit))day in its [Journal] section"
                    )
                }
            }

            // The policy's source, then the cameras plugged in.
            if let policy, let source = Self.sourceCheck(policy: policy, environment: ProcessEnvironment.current) {
                checks.append(source)
            }
            // Capture nodes only (a driver's output and metadata nodes are no camera),
            // with the formats and sizes each sends.
            let cameras = CameraDevice.captureDevices()
            let configured = policy?.appliance.source.flatMap { try? FrameSourceSpec(parsing: $0) }
            if cameras.isEmpty, case .rtsp = configured {
                add("camera", .ok, "no V4L2 camera, none needed: the policy's source is an IP camera")
            } else if cameras.isEmpty {
                add(
                    "camera", .warn,
                    "no V4L2 camera (no /dev/video* that captures video); `run` needs --source y4m:PATH or dir:PATH until a camera is plugged in"
                )
            } else {
                for camera in cameras { add("camera", camera.problem == nil ? .ok : .warn, camera.summary) }
            }

            // The door's light, from the running daemon (if one answers on its socket).
            if let client = try? AdminSocketClient.connect(path: state.socket(policy: policy), timeoutSeconds: 5),
                let camera = (try? client.send(AdminRequest(.status)))?["camera"]
            {
                if let warning = CameraHealth.lightWarning(camera) {
                    add("light", .warn, warning)
                } else {
                    let percent = Int(((camera["too_dark_share"]?.doubleValue ?? 0) * 100).rounded())
                    add("light", .ok, "the running door's camera: \(percent)% of recent frames too dark")
                }
            }

            if json {
                CommandOutput.json([
                    "checks": .array(
                        checks.map { ["name": .string($0.name), "level": .string($0.level.rawValue), "detail": .string($0.detail)] })
                ])
            } else {
                for check in checks { CommandOutput.line("\(check.level.rawValue.padding(4))  \(check.name): \(check.detail)") }
            }
            if checks.contains(where: { $0.level == .fail }) { throw ExitCode(ExitStatus.configuration.rawValue) }
        }

        private func modelsCheck() -> (Check, FaceEngine?) {
            let models: ModelFiles
            do { models = try locate() } catch { return (Check(name: "models", level: .fail, detail: Self.message(error)), nil) }
            var bad: [String] = []
            for (name, digest) in ModelFiles.pinnedSHA256.sorted(by: { $0.key < $1.key }) {
                let path = models.directory + "/" + name
                guard let data = FileManager.default.contents(atPath: path) else {
                    bad.append("\(name) missing")
                    continue
                }
                if Hex.encode(SHA256.hash([UInt8](data))) != digest { bad.append("\(name) does not match its pinned SHA-256") }
            }
            guard bad.isEmpty else {
                return (
                    Check(name: "models", level: .fail, detail: "\(models.directory): \(bad.joined(separator: "; ")); run `make models`"),
                    nil
                )
            }
            do {
                let engine = try load(models)
                return (Check(name: "models", level: .ok, detail: "\(models.directory): 3 files, digests match, loaded"), engine)
            } catch {
                return (Check(name: "models", level: .fail, detail: Self.message(error)), nil)
            }
        }

        private func locate() throws -> ModelFiles { try global.locateModels() }
        private func load(_ models: ModelFiles) throws -> FaceEngine { try FaceEngine(models: models, logger: Logger(label: "doctor")) }

        /// The rule the door decides by for this gallery now, with the share of strangers
        /// it is expected to name as members and of members' approaches it is expected to
        /// miss (`RecognitionRule`, from the shipped calibration): a warning, saying to use
        /// claim mode, when 1:N cannot meet the policy's risk with a usable FNIR.
        static func recognitionCheck(_ rule: RecognitionRule) -> Check {
            Check(name: "recognition", level: rule.usable ? .ok : .warn, detail: rule.summary)
        }

        /// While the daemon holds the gallery: the rule for galleries of 100, 300 and
        /// 1,000 members (`facegate status` gives this gallery's).
        static func recognitionOutlook(_ recognition: Policy.Recognition) -> Check {
            let rules = [100, 300, 1000].map { RecognitionRule(recognition: recognition, members: $0, calibration: .shipped) }
            let detail =
                "the daemon holds the gallery (`facegate status` gives its rule); for "
                + rules.map {
                    "\($0.members) members: threshold \($0.threshold), expected FPIR \(RecognitionRule.percent($0.expectedFPIR)), FNIR \(RecognitionRule.percent($0.expectedFNIR))"
                        + ($0.usable ? "" : " (use claim mode)")
                }.joined(separator: "; ")
            return Check(name: "recognition", level: .ok, detail: detail)
        }

        static func rate(_ value: Double) -> String {
            let scaled = (value * 10000).rounded() / 10000
            return "\(scaled)"
        }

        static func message(_ error: any Error) -> String {
            (error as? any UserFacingError)?.message ?? "\(error)"
        }

        private func stateDirectoryCheck(_ path: String) -> Check {
            var info = stat()
            guard stat(path, &info) == 0 else {
                return Check(
                    name: "state directory", level: .fail,
                    detail: "\(path) does not exist; run `facegate keys init --state-dir \(path)` (the systemd unit creates it)")
            }
            var problems: [String] = []
            if info.st_mode & 0o007 != 0 { problems.append("others can access it (chmod 700)") }
            if access(path, W_OK) != 0 { problems.append("not writable by this user") }
            var space = statvfs()
            if statvfs(path, &space) == 0 {
                let free = Double(space.f_bavail) * Double(space.f_frsize) / 1_048_576
                if free < 200 { problems.append("only \(Int(free)) MB free") }
            }
            return Check(
                name: "state directory", level: problems.isEmpty ? .ok : .warn,
                detail: problems.isEmpty ? "\(path)" : "\(path): " + problems.joined(separator: "; "))
        }
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
