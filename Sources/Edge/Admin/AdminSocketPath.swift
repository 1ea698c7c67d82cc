public import Consent
public import Vault

#if canImport(Glibc)
    import Glibc
#endif

/// Where the admin socket is, decided the same way by the daemon and by every
/// command, so that neither needs `--socket`:
///
/// - the daemon listens on `--socket`, else the policy's `appliance.socket`, else
///   `$RUNTIME_DIRECTORY/admin.sock` (systemd's `RuntimeDirectory=facegate`), else
///   `STATE_DIR/admin.sock`, and records it in the state directory's lock file;
/// - a command uses `--socket`, else the policy's, else the socket the running
///   daemon recorded, else the packaged `/run/facegate/admin.sock` (an admin who may
///   not read the state directory reaches the systemd service there).
public enum AdminSocketPath {
    /// Where the packaged systemd unit puts it (`RuntimeDirectory=facegate`).
    public static let packaged = "/run/facegate/admin.sock"
    /// `sun_path` holds 108 bytes with the terminating NUL.
    public static let maximumBytes = 107

    public static func forDaemon(explicit: String?, policy: Policy, location: VaultLocation, environment: [String: String]) -> String {
        if let explicit { return explicit }
        if let configured = policy.appliance.socketPath { return configured }
        if let runtime = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first, !runtime.isEmpty {
            return String(runtime) + "/admin.sock"
        }
        return location.stateDirectory + "/admin.sock"
    }

    public static func forCommand(explicit: String?, policy: Policy?, location: VaultLocation?) -> String {
        if let explicit { return explicit }
        if let configured = policy?.appliance.socketPath { return configured }
        if let location, let socket = StateDirectoryLock.currentHolder(of: location)?.socket { return socket }
        return packaged
    }

    /// Refuses a path a Unix socket cannot hold, naming it and the way out.
    public static func check(_ path: String) throws {
        guard path.utf8.count <= maximumBytes else {
            throw AdminError(
                .unavailable,
                "the admin socket path '\(path)' is \(path.utf8.count) bytes, over the \(maximumBytes) a Unix socket allows; set [appliance] socket in the policy, or --socket, to a shorter path"
            )
        }
    }
}
