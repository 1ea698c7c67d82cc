import Consent
import Edge
import FaceEngine
import FacegateCore
import FacegateTools
import Testing
import Vault

/// A failure exits with the same status whether the command ran in this process or
/// through the daemon's socket: the reply carries the status, for every error code of
/// every module.
@Suite("Exit statuses in-process and through the socket")
struct ExitStatusTests {
    static var everyError: [any UserFacingError] {
        var errors: [any UserFacingError] = []
        errors += VaultError.Code.allCases.map { VaultError($0, "x") }
        errors += ConsentError.Code.allCases.map { ConsentError($0, "x") }
        errors += FaceEngineError.Code.allCases.map { FaceEngineError($0, "x") }
        errors += CaptureError.Code.allCases.map { CaptureError($0, "x") }
        errors += EvaluationError.Code.allCases.map { EvaluationError($0, "x") }
        errors += AdminError.Code.allCases.map { AdminError($0, "x") }
        errors.append(UnexpectedError(CancellationError()))
        return errors
    }

    @Test("every error code of every module crosses the socket with its exit status")
    func roundTrip() throws {
        #expect(Self.everyError.count > 40)
        for error in Self.everyError {
            // What the daemon sends, as the CLI parses it back.
            let wire = try JSONParser.parse(error.json.serialized)
            let remote = RemoteError(json: wire)
            #expect(remote.exitStatus == error.exitStatus, "\(error.errorCode)")
            #expect(remote.errorCode == error.errorCode)
            #expect(remote.message == error.message)
        }
    }

    @Test("a code means one exit status, whichever module raises it")
    func oneStatusPerCode() {
        var statuses: [String: FacegateCore.ExitStatus] = [:]
        for error in Self.everyError {
            if let known = statuses[error.errorCode] {
                #expect(known == error.exitStatus, "'\(error.errorCode)' is \(known) in one module and \(error.exitStatus) in another")
            }
            statuses[error.errorCode] = error.exitStatus
        }
    }
}
