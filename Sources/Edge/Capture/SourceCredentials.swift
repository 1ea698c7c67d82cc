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
        let directory = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
        let path = directory.map { $0 + "/" + passwordCredential }
        let present = path.map { access($0, F_OK) == 0 } ?? false
        guard let user, !user.isEmpty else {
            if present {
                throw CaptureError(
                    .unauthorized,
                    "the systemd credential \(passwordCredential) is set but the policy names no camera user; set [appliance] source_user")
            }
            return nil
        }
        guard let path, present else {
            throw CaptureError(
                .unauthorized,
                "the policy names the camera user '\(user)' but no password reached facegate; give it as the systemd credential \(passwordCredential) (LoadCredential= in deploy/facegate.service.d/rtsp.conf), or set CREDENTIALS_DIRECTORY to a directory holding that file"
            )
        }
        var bytes = try read(path)
        // A password file written by `echo` ends with a newline the camera does not expect.
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty else {
            throw CaptureError(.unauthorized, "the systemd credential \(passwordCredential) is empty; write the camera's password into it")
        }
        defer { bytes.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
        return SourceCredentials(user: user, password: SecretBytes(bytes))
    }

    private static func read(_ path: String) throws(CaptureError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CaptureError(
                .unauthorized, "cannot read the systemd credential \(passwordCredential): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        while bytes.count <= 4096 {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else {
                throw CaptureError(
                    .unauthorized, "cannot read the systemd credential \(passwordCredential): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        chunk.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) }
        guard bytes.count <= 4096 else {
            throw CaptureError(
                .unauthorized, "the systemd credential \(passwordCredential) is longer than 4 KiB; it should hold only the password")
        }
        return bytes
    }
}
