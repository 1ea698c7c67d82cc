import Consent
import Edge
import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

extension Facegate.Doctor {
    /// The policy's frame source, opened as `run` would open it: an IP camera is asked
    /// for a frame (with the policy's user and the systemd credential), so that a wrong
    /// address, a refused password or a missing decoder shows here and not at the door;
    /// a device or a file must exist. Nil when the policy names no source.
    static func sourceCheck(policy: Policy, environment: [String: String]) -> Check? {
        guard let configured = policy.appliance.source else { return nil }
        let spec: FrameSourceSpec
        do {
            spec = try FrameSourceSpec(parsing: configured)
        } catch {
            return Check(name: "source", level: .fail, detail: "the policy's source: \(message(error))")
        }
        switch spec {
        case .rtsp(let address):
            // Outside the unit (an admin's shell) the password, a credential of the unit,
            // is not there: the camera is asked without it, to see that it answers.
            if let user = policy.appliance.sourceUser, !user.isEmpty, (environment["CREDENTIALS_DIRECTORY"] ?? "").isEmpty {
                return unitCredentialCheck(address)
            }
            let started = ContinuousClock.now
            do {
                let credentials = try SourceCredentials.load(user: policy.appliance.sourceUser, environment: environment)
                let camera = try RTSPCamera(address: address, credentials: credentials)
                defer { camera.close() }
                let seconds = Double(Int((ContinuousClock.now - started).milliseconds / 100)) / 10
                return Check(
                    name: "source", level: .ok,
                    detail:
                        "\(address.loggedName): \(camera.codec.isEmpty ? "video" : camera.codec) at \(camera.width)x\(camera.height), first frame in \(seconds) s"
                        + (credentials == nil ? "" : ", signed in as '\(credentials!.user)'"))
            } catch {
                return Check(name: "source", level: .fail, detail: message(error))
            }
        case .v4l2(let device, let request):
            guard access(device, F_OK) == 0 else {
                return Check(
                    name: "source", level: .fail,
                    detail: "the policy's camera \(device) does not exist; plug it in or fix [appliance] source")
            }
            guard CameraDevice.describe(device) != nil else {
                return Check(
                    name: "source", level: .fail,
                    detail:
                        "the policy's \(device) does not capture video (an output or metadata node); name the camera's capture node in [appliance] source"
                )
            }
            if let wanted = request.pixelFormat, let camera = CameraDevice.describe(device), camera.problem == nil,
                !camera.formats.contains(where: { $0.fourcc == wanted })
            {
                return Check(
                    name: "source", level: .fail,
                    detail:
                        "the policy asks \(device) for format=\(wanted.prefix { $0 != " " }), which it does not send; fix [appliance] source"
                )
            }
            return Check(name: "source", level: .ok, detail: device)
        case .y4m(let path), .directory(let path, _):
            return access(path, R_OK) == 0
                ? Check(name: "source", level: .ok, detail: spec.loggedName)
                : Check(
                    name: "source", level: .fail, detail: "the policy's \(spec.loggedName) source cannot be read; fix [appliance] source")
        }
    }

    /// The policy's IP camera, asked without its password: it answers (and asks for one),
    /// or it does not; and how to check the sign-in as the service does.
    private static func unitCredentialCheck(_ address: RTSPAddress) -> Check {
        let asService =
            "run `systemd-run --pipe --wait -p LoadCredentialEncrypted=\(SourceCredentials.passwordCredential):/etc/facegate/rtsp-password.cred facegate doctor` to check the sign-in with the unit's credential"
        do {
            let camera = try RTSPCamera(address: address, credentials: nil)
            camera.close()
            return Check(
                name: "source", level: .warn,
                detail: "\(address.loggedName) streams without a password, though the policy names a camera user")
        } catch  where error.code == .unauthorized {
            return Check(name: "source", level: .warn, detail: "\(address.loggedName) answers and asks for a password; \(asService)")
        } catch {
            return Check(name: "source", level: .fail, detail: message(error))
        }
    }
}
