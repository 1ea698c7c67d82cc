import ArgumentParser
import Consent
import Console
import Edge
import FaceEngine
import FacegateCore
import Fleet
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
                Sources: v4l2:/dev/video0[?width=640&height=480&fps=15] (a camera; &format=YUYV asks it for one of its \
                own pixel formats, which `facegate doctor` lists; a camera not there yet is waited for), rtsp://HOST[:PORT]/PATH (an IP \
                camera: its user is the policy's [appliance] source_user, its password the systemd credential \
                facegate-rtsp-password; it is reconnected when it drops), y4m:PATH (a video), \
                dir:PATH[?hold=5] (a folder of photos as a slideshow). A file source is processed as fast \
                as the pipeline goes (--realtime paces it) and `run` exits at its end (--loop repeats it). \
                --source none runs without a camera (the console and the admin socket only); --keep-serving keeps \
                them up after a file source ends. \
                SIGTERM or SIGINT stop it cleanly. Nothing about faces that are not members is stored. \
                The web console listens on the policy's [console] listen (default 127.0.0.1:8080; \
                --console overrides it, --console off turns it off); an address off this machine needs \
                [console] tls_certificate and tls_key. The admin socket (--socket, else the policy's, else $RUNTIME_DIRECTORY/admin.sock under \
                systemd, else STATE_DIR/admin.sock) serves the admin commands while it runs.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions

        @Option(help: ArgumentHelp("Frame source (default: the policy's, else /dev/video0 if present).", valueName: "SOURCE"))
        var source: String?

        @Option(
            help: ArgumentHelp(
                "Where the web console listens: HOST:PORT, or off (default: the policy's [console] listen).", valueName: "ADDRESS"))
        var console: String?

        @Flag(help: "Pace a file source at its frame rate.")
        var realtime = false

        @Flag(help: "Repeat a file source forever.")
        var loop = false

        @Flag(help: "When a file source ends, keep the console and the admin socket up until SIGTERM or SIGINT.")
        var keepServing = false

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
                let listen = try consoleAddress(policy: policy)
                try ConsoleService.check(listen: listen, settings: policy.console)
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
                // A door of a fleet: its vault kept in step with the hub (fails closed without it).
                let fleet = try FleetMembership.load(from: location).map { membership in
                    try FleetSync(
                        membership: membership,
                        key: FleetAdministration.fleetKey(location: location, environment: ProcessEnvironment.current),
                        registry: registry, environment: ProcessEnvironment.current, logger: logger)
                }
                // The venue's access panel ([osdp]): members let in reach it as card reads.
                let panel = try PanelLinkService.configured(
                    policy: policy, registry: registry, environment: ProcessEnvironment.current, logger: logger)
                let engine = try FaceEngine(models: try global.locateModels(), logger: logger)
                // The door's decisions and alerts, live, for the console's door pages.
                let doorEvents = DoorEventHub()
                registry.doorAlerts.observe { doorEvents.publish(.alertChanged($0)) }
                // The daemon's metrics registry: the pipeline counts into it, the console serves it.
                let metrics = ConsoleMetrics()
                // No source: the console and the admin socket only (an office PC, a DPO's box).
                let pipeline = try spec.map { spec in
                    // A camera not there yet (the box booting, a cable being plugged) is
                    // waited for, as one lost later is: exiting would only have systemd
                    // restart the daemon every 2 s until it is.
                    let frames = try spec.open(logger: logger, sourceUser: policy.appliance.sourceUser, waitForCamera: true)
                    let pipeline = RecognitionPipeline(
                        engine: engine, registry: registry, source: frames,
                        configuration: .init(policy: policy.recognition, realtime: realtime, loop: loop),
                        relay: policy.appliance.relayCommand.map {
                            RelayHook(command: $0, timeoutSeconds: policy.appliance.relayTimeoutSeconds, logger: logger)
                        },
                        metrics: metrics.factory, logger: logger
                    ) { event in
                        // Standard output is the system journal's, kept for weeks: a member's
                        // pseudonym goes there only with their consent to a record of visits.
                        CommandOutput.json(event.json(showingSubject: event.decision.subject.map(registry.keepsVisits) ?? false))
                        doorEvents.publish(.decision(event))
                        panel?.report(event)
                    }
                    // The source by its kind (and a folder by its number of photos), never by
                    // its path: file names are often people's names.
                    var running: Logger.Metadata = [
                        "source": "\(spec.loggedName)", "gallery.subjects": "\(registry.vault.gallery.subjectCount)",
                        "trigger": "\(policy.recognition.trigger.rawValue)",
                    ]
                    if let slideshow = frames as? DirectorySlideshow { running["source.images"] = "\(slideshow.imageCount)" }
                    if let camera = frames as? RTSPCamera {
                        running["source.codec"] = "\(camera.codec)"
                        running["source.size"] = "\(camera.width)x\(camera.height)"
                    }
                    if let camera = frames as? V4L2Camera {
                        if camera.isWaiting {
                            logger.warning(
                                "the camera is not there; waiting for it", metadata: ["source": "\(spec.loggedName)"])
                        } else {
                            running["source.format"] = "\(camera.formatDescription)"
                        }
                    }
                    logger.info("facegate running", metadata: running)
                    return pipeline
                }
                if pipeline == nil {
                    logger.info(
                        "facegate running without a camera", metadata: ["gallery.subjects": "\(registry.vault.gallery.subjectCount)"])
                }
                // Admin work gets engines of its own: an `identify` of a large photo
                // holding the door's detector would stall the door for seconds.
                let operations = ApplianceOperations(
                    registry: registry, models: engine.models, engine: try engine.makeSibling(), servesDoor: true, door: pipeline?.door,
                    fleet: fleet, panel: panel, logger: logger)
                var limits = AdminSocketServer.Limits()
                limits.idleTimeoutSeconds = Int64(max(1, adminIdleTimeout))
                let socketPath = AdminSocketPath.forDaemon(
                    explicit: state.socketPath, policy: policy, location: location, environment: ProcessEnvironment.current)
                try AdminSocketPath.check(socketPath)
                try AdminSocketServer.ensureFree(socketPath)
                lock.record(socket: socketPath)
                let workers = AdminWorkers()
                let requests = AdminRequestLog(write: operations.auditRequests)
                let dispatcher = AdminDispatcher(operations: operations, worker: workers.run)
                let socket = AdminSocketServer(path: socketPath, dispatcher: dispatcher, limits: limits, requests: requests, logger: logger)
                let alerts = AlertTimeoutService(registry: registry, clock: ContinuousClock(), logger: logger)
                let retention = RetentionService(
                    registry: registry, clock: ContinuousClock(), interval: .seconds(policy.retention.sweepIntervalMinutes * 60),
                    logger: logger)
                let pipelineService = pipeline.map { PipelineService(pipeline: $0) }
                var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                    .init(service: EarlyStop.Service(), successTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: retention),
                    .init(service: socket),
                    .init(service: AdminRequestLogService(log: requests, clock: ContinuousClock())),
                    .init(service: alerts),
                ]
                if let fleet { services.append(.init(service: fleet)) }
                if let panel { services.append(.init(service: panel)) }
                // The venue's live feed ([mqtt]): decisions, alerts and health on its broker.
                if let feed = try MQTTService.configured(
                    policy: policy, doorEvents: doorEvents, registry: registry, environment: ProcessEnvironment.current,
                    health: { [operations] in Self.feedHealth(operations.status()) }, logger: logger)
                {
                    operations.attach(feed: feed)
                    services.append(.init(service: feed))
                }
                // The card reader beside the door ([osdp.reader]): its card reads are claims.
                if let cardReader = try CardReaderService.configured(
                    policy: policy, operations: operations, environment: ProcessEnvironment.current, logger: logger)
                {
                    operations.attach(cardReader: cardReader)
                    services.append(.init(service: cardReader))
                }
                if let pipelineService {
                    services.append(
                        .init(service: pipelineService, successTerminationBehavior: keepServing ? .ignore : .gracefullyShutdownGroup))
                }
                if case .address = listen {
                    let console = try ConsoleService(
                        listen: listen, settings: policy.console, dispatcher: dispatcher, clock: SystemWallClock(), doorEvents: doorEvents,
                        metrics: metrics,
                        logger: logger)
                    services.append(.init(service: console))
                }
                let group = ServiceGroup(
                    configuration: .init(
                        services: services,
                        gracefulShutdownSignals: [.sigterm, .sigint],
                        logger: logger))
                try await group.run()
                await workers.shutdown()
                guard let pipeline, let pipelineService else { return }
                try pipelineService.rethrowFailure()
                var summary = pipeline.counters.json.objectValue ?? [:]
                summary["gallery_searches"] = .int(registry.vault.gallery.searches)
                StandardStreams.writeError(JSONValue.object(["summary": .object(summary)]).serialized + "\n")
            }
        }

        /// What the MQTT feed's status says of the door: `status`'s non-personal health.
        static func feedHealth(_ status: JSONValue) -> JSONObject {
            var health: JSONObject = [:]
            for key in ["version", "subjects", "trigger", "camera", "panel", "card_reader"] {
                if let value = status.objectValue?[key] { health[key] = value }
            }
            return health
        }

        /// The frame source, or nil for `--source none`.
        private func resolveSource(policy: Policy) throws -> FrameSourceSpec? {
            if source == "none" { return nil }
            if let source { return try FrameSourceSpec(parsing: source) }
            if let configured = policy.appliance.source { return try FrameSourceSpec(parsing: configured) }
            return try FrameSourceSpec.firstCamera(
                otherwise: "plug one in, or pass --source y4m:PATH or --source dir:PATH (a folder of photos)")
        }

        /// `--console`, else `FACEGATE_CONSOLE` (the systemd unit's switch), else the
        /// policy's `[console] listen`.
        private func consoleAddress(policy: Policy) throws -> ConsoleListen {
            let given = console ?? ProcessEnvironment.current["FACEGATE_CONSOLE"].flatMap { $0.isEmpty ? nil : $0 }
            guard let console = given else { return policy.console.listen }
            guard let listen = ConsoleListen(parsing: console) else {
                throw ValidationError(
                    "--console (or FACEGATE_CONSOLE) takes HOST:PORT (for example 127.0.0.1:8080) or off, not '\(console)'")
            }
            return listen
        }
    }
}
