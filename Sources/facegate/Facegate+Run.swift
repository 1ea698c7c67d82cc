import ArgumentParser
import Consent
import Edge
import FaceEngine
import FacegateCore
import Logging
import ServiceLifecycle
import UnixSignals
import Vault

extension Facegate {
    /// The appliance daemon.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the appliance: frames in, decisions out (one JSON line each on standard output).",
            discussion: """
                Sources: v4l2:/dev/video0[?width=640&height=480&fps=15] (a camera), y4m:PATH (a video), \
                dir:PATH[?hold=5] (a folder of photos as a slideshow). A file source is processed as fast \
                as the pipeline goes (--realtime paces it) and `run` exits at its end (--loop repeats it). \
                SIGTERM or SIGINT stop it cleanly. Nothing about faces that are not members is stored. \
                The admin socket (--socket, else the policy's, else $RUNTIME_DIRECTORY/admin.sock under \
                systemd, else STATE_DIR/admin.sock) serves the admin commands while it runs.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions

        @Option(help: ArgumentHelp("Frame source (default: the policy's, else /dev/video0 if present).", valueName: "SOURCE"))
        var source: String?

        @Flag(help: "Pace a file source at its frame rate.")
        var realtime = false

        @Flag(help: "Repeat a file source forever.")
        var loop = false

        @Option(
            name: .customLong("admin-idle-timeout"),
            help: ArgumentHelp("Seconds an admin connection may stay silent before it is closed.", valueName: "SECONDS"))
        var adminIdleTimeout: Int = 10

        func run() async throws {
            try await runReportingErrors(json: false) {
                LoggingBootstrap.bootstrap(level: Logger.Level(rawValue: global.logLevel.lowercased()) ?? .info)
                let logger = Logger(label: "facegate.run")
                let policy = try state.loadPolicy()
                let spec = try resolveSource(policy: policy)
                let location = state.location(policy: policy)
                // Before the open: it replays the erasure journal and migrates. A command
                // finishing in-process is waited for; another daemon is refused.
                let lock = try StateDirectoryLock(
                    location: location, holder: .daemon, purpose: "start another daemon on it", waitSeconds: 30)
                let registry = try ConsentRegistry.open(
                    policy: policy, location: location, lock: lock, environment: ProcessEnvironment.current, logger: logger)
                defer { registry.close() }
                let integrity = try registry.checkIntegrity(.start)
                if !integrity.isSound {
                    logger.error(
                        "integrity problems found at start; see `facegate audit check`",
                        metadata: ["integrity.problems": "\(integrity.problems.count)"])
                }
                let engine = try FaceEngine(models: try global.locateModels(), logger: logger)
                let frames: any FrameSource
                frames = try spec.open(logger: logger)
                let pipeline = RecognitionPipeline(
                    engine: engine, registry: registry, source: frames,
                    configuration: .init(policy: policy.recognition, realtime: realtime, loop: loop),
                    relay: policy.appliance.relayCommand.map {
                        RelayHook(command: $0, timeoutSeconds: policy.appliance.relayTimeoutSeconds, logger: logger)
                    },
                    logger: logger
                ) { event in
                    CommandOutput.json(event.json)
                }
                // The source by its kind (and a folder by its number of photos), never by
                // its path: file names are often people's names.
                var running: Logger.Metadata = [
                    "source": "\(spec.loggedName)", "gallery.subjects": "\(registry.vault.gallery.subjectCount)",
                    "trigger": "\(policy.recognition.trigger.rawValue)",
                ]
                if let slideshow = frames as? DirectorySlideshow { running["source.images"] = "\(slideshow.imageCount)" }
                logger.info("facegate running", metadata: running)
                // Admin work gets engines of its own: an `identify` of a large photo
                // holding the door's detector would stall the door for seconds.
                let operations = ApplianceOperations(
                    registry: registry, models: engine.models, engine: try engine.makeSibling(), door: pipeline.door, logger: logger)
                var limits = AdminSocketServer.Limits()
                limits.idleTimeoutSeconds = Int64(max(1, adminIdleTimeout))
                let socketPath = AdminSocketPath.forDaemon(
                    explicit: state.socketPath, policy: policy, location: location, environment: ProcessEnvironment.current)
                try AdminSocketPath.check(socketPath)
                try AdminSocketServer.ensureFree(socketPath)
                lock.record(socket: socketPath)
                let workers = AdminWorkers()
                let requests = AdminRequestLog(write: operations.auditRequests)
                let socket = AdminSocketServer(
                    path: socketPath, dispatcher: AdminDispatcher(operations: operations, worker: workers.run),
                    limits: limits, requests: requests, logger: logger)
                let alerts = AlertTimeoutService(registry: registry, clock: ContinuousClock(), logger: logger)
                let retention = RetentionService(
                    registry: registry, clock: ContinuousClock(), interval: .seconds(policy.retention.sweepIntervalMinutes * 60),
                    logger: logger)
                let pipelineService = PipelineService(pipeline: pipeline)
                let group = ServiceGroup(
                    configuration: .init(
                        services: [
                            .init(service: EarlyStop.Service(), successTerminationBehavior: .gracefullyShutdownGroup),
                            .init(service: pipelineService, successTerminationBehavior: .gracefullyShutdownGroup),
                            .init(service: retention),
                            .init(service: socket),
                            .init(service: AdminRequestLogService(log: requests, clock: ContinuousClock())),
                            .init(service: alerts),
                        ],
                        gracefulShutdownSignals: [.sigterm, .sigint],
                        logger: logger))
                try await group.run()
                await workers.shutdown()
                try pipelineService.rethrowFailure()
                var summary = pipeline.counters.json.objectValue ?? [:]
                summary["gallery_searches"] = .int(registry.vault.gallery.searches)
                StandardStreams.writeError(JSONValue.object(["summary": .object(summary)]).serialized + "\n")
            }
        }

        private func resolveSource(policy: Policy) throws -> FrameSourceSpec {
            if let source { return try FrameSourceSpec(parsing: source) }
            if let configured = policy.appliance.source { return try FrameSourceSpec(parsing: configured) }
            return try FrameSourceSpec.firstCamera(
                otherwise: "plug one in, or pass --source y4m:PATH or --source dir:PATH (a folder of photos)")
        }
    }
}
