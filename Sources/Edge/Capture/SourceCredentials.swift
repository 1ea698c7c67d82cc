public import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

/// What an IP camera asks to be let in: the user from the policy (`[appliance]
/// source_user`, not a secret), the password only from the systemd credential
/// `facegate-rtsp-password` (`LoadCredential=` or `SetCredentialEncrypted=` in the
/// unit's drop-in), so that it is never in the policy, the command line, the
/// environment, a log or `status`.
public struct SourceCredentials: Sendable {
    public static let passwordCredential = "facegate-rtsp-password"

    public let user: String
    public let password: SecretBytes

    public init(user: String, password: SecretBytes) {
        self.user = user
        self.password = password
    }

    /// The credentials `user` (from the policy) and the environment's credential
    /// directory give: nil when the policy names no user; an error naming what to do
    /// when one half is missing.
    public static func load(user: String?, environment: [String: String]) throws(CaptureError) -> SourceCredentials? {
        let present = SystemdCredential.path(passwordCredential, environment: environment) != nil
        guard let user, !user.isEmpty else {
            if present {
                throw CaptureError(
                    .unauthorized,
                    "the systemd credential \(passwordCredential) is set but the policy names no camera user; set [appliance] source_user")
            }
            return nil
        }
        let password: SecretBytes?
        do { password = try SystemdCredential.read(passwordCredential, environment: environment) } catch {
            throw CaptureError(.unauthorized, error.message)
        }
        guard let password else {
            throw CaptureError(
                .unauthorized,
                "the policy names the camera user '\(user)' but no password reached facegate; give it as the systemd credential \(passwordCredential) (LoadCredential= in deploy/facegate.service.d/rtsp.conf), or set CREDENTIALS_DIRECTORY to a directory holding that file"
            )
        }
        return SourceCredentials(user: user, password: password)
    }
}
