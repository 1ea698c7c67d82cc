import ArgumentParser
import FaceEngine
import FacegateCore
import Logging

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .customLong("models"),
        help: ArgumentHelp("Directory holding dlib's model files (default: $FACEGATE_MODELS, then ./.cache/models).", valueName: "DIR"))
    var modelDirectory: String?

    @Option(
        help: ArgumentHelp(
            "Log level for the JSON log lines on standard error: trace, debug, info, notice, warning, error, critical.", valueName: "LEVEL")
    )
    var logLevel: String = "warning"

    func makeLogger(label: String = "facegate") -> Logger {
        LoggingBootstrap.bootstrap(level: Logger.Level(rawValue: logLevel.lowercased()) ?? .warning)
        return Logger(label: label)
    }

    func locateModels() throws(FaceEngineError) -> ModelFiles {
        try ModelFiles.locate(explicit: modelDirectory, environment: ProcessEnvironment.current)
    }
}
