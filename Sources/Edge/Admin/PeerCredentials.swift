/// `struct ucred` as SO_PEERCRED fills it.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
    static let option: Int32 = 17  // SO_PEERCRED on Linux (all architectures we build for)
}
