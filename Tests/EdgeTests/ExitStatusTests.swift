import Consent
import Edge
import FaceEngine
import FacegateCore
import FacegateTestSupport
import FacegateTools
import Fleet
import Testing
import Vault

/// A failure exits with the same status whether the command ran in this process or
/// through the daemon's socket: the reply carries the status, for every error code of
/// every module.
@Suite("Exit statuses in-process and through the socket", .perTestLimit)
struct ExitStatusTests {
    /// A failure as the daemon would report it: every module's errors expose their
    /// code's status (`Code.exitStatus`) but only the module constructs them.
    struct Reported: UserFacingError {
        var errorCode: String
        var message = "x"
        var exitStatus: FacegateCore.ExitStatus
    }

    static func reported<Code: ErrorCode>(_ codes: Code.Type) -> [any UserFacingError] {
        codes.allCases.map { Reported(errorCode: $0.rawValue, exitStatus: $0.exitStatus) }
    }

    static var everyError: [any UserFacingError] {
        var errors: [any UserFacingError] = []
        errors += reported(VaultError.Code.self)
        errors += reported(ConsentError.Code.self)
        errors += reported(FaceEngineError.Code.self)
        errors += reported(CaptureError.Code.self)
        errors += reported(EvaluationError.Code.self)
        errors += reported(ClipError.Code.self)
        errors += reported(AdminError.Code.self)
        errors += reported(OperationError.Code.self)
        errors += reported(FleetError.Code.self)
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
