#if canImport(Glibc)
    import Glibc
#endif

/// A secret handed to the service by systemd (`LoadCredential=`,
/// `LoadCredentialEncrypted=`): a file in `$CREDENTIALS_DIRECTORY`, private to the
/// service, so that the secret is never in the policy, the command line, the
/// environment, a log or `status`.
public enum SystemdCredential {
    /// Why a credential that is there could not be used.
    public struct Failure: Error, Sendable {
        public let message: String
    }

    /// The path of credential `name`, when the environment has a credential directory
    /// holding it.
    public static func path(_ name: String, environment: [String: String]) -> String? {
        guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else { return nil }
        let path = directory + "/" + name
        return access(path, F_OK) == 0 ? path : nil
    }

    /// The bytes of credential `name` without a trailing line end (a file written by
    /// `echo`), nil when there is none; a failure naming it when it is unreadable,
    /// empty or longer than `maximumBytes`.
    public static func read(_ name: String, environment: [String: String], maximumBytes: Int = 4096) throws(Failure) -> SecretBytes? {
        guard let path = path(name, environment: environment) else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(message: "cannot read the systemd credential \(name): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        defer { chunk.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
        while bytes.count <= maximumBytes {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else {
                bytes.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) }
                throw Failure(message: "cannot read the systemd credential \(name): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        defer { bytes.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
        guard bytes.count <= maximumBytes else {
            throw Failure(message: "the systemd credential \(name) is longer than \(maximumBytes) bytes; it should hold only the secret")
        }
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        guard end > 0 else { throw Failure(message: "the systemd credential \(name) is empty; write the secret into it") }
        return SecretBytes(Array(bytes[0..<end]))
    }
}
