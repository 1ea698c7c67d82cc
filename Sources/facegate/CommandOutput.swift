import ArgumentParser
import FacegateCore

/// Standard output and error for commands: one line at a time, flushed, so that a
/// consumer reading JSON lines sees each as soon as it is ready.
enum CommandOutput {
    static func line(_ text: String) {
        StandardStreams.writeOut(text + "\n")
    }

    static func json(_ value: JSONValue) {
        line(value.serialized)
    }

    static func error(_ text: String) {
        StandardStreams.writeError("facegate: " + text + "\n")
    }

    /// Prints a user-facing error and turns it into the matching exit status.
    static func fail(_ error: any UserFacingError, json: Bool) -> ExitCode {
        if json {
            CommandOutput.json(["error": error.json])
        } else {
            CommandOutput.error(error.message)
        }
        return ExitCode(error.exitStatus.rawValue)
    }
}

/// The exit status of a batch: success, all failed (the first failure's status) or some failed.
struct BatchOutcome {
    private(set) var succeeded = 0
    private(set) var firstFailure: ExitStatus?

    mutating func recordSuccess() { succeeded += 1 }
    mutating func recordFailure(_ status: ExitStatus) { firstFailure = firstFailure ?? status }

    var exitCode: ExitCode {
        guard let firstFailure else { return .success }
        return succeeded == 0 ? ExitCode(firstFailure.rawValue) : ExitCode(ExitStatus.partialFailure.rawValue)
    }
}

/// Runs a command body, printing any user-facing error and exiting with its status.
func runReportingErrors(json: Bool, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as any UserFacingError {
        throw CommandOutput.fail(error, json: json)
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        throw CommandOutput.fail(UnexpectedError(error), json: json)
    }
}
