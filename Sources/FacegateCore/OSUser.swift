#if canImport(Glibc)
    import Glibc
#endif

/// Who is acting: an operating-system account, as the audit log records it.
public struct OSUser: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var uid: UInt32
    public var gid: UInt32
    /// The account name, or `uid:N` when the account has none.
    public var name: String

    public init(uid: UInt32, gid: UInt32, name: String) {
        self.uid = uid
        self.gid = gid
        self.name = name
    }

    /// The account this process runs as.
    public static func current() -> OSUser {
        let uid = geteuid(), gid = getegid()
        return OSUser(uid: uid, gid: gid, name: accountName(uid) ?? "uid:\(uid)")
    }

    /// An account looked up by uid (for a socket peer).
    public static func from(uid: UInt32, gid: UInt32) -> OSUser {
        OSUser(uid: uid, gid: gid, name: accountName(uid) ?? "uid:\(uid)")
    }

    /// The actor of automatic actions (retention, the pipeline).
    public static let system = OSUser(uid: UInt32.max, gid: UInt32.max, name: "system")

    public var description: String { name }

    /// Whether this account is root or a member of `group` (primary or supplementary).
    public func isMember(ofGroup group: String) -> Bool {
        if uid == 0 { return true }
        guard let entry = getgrnam(group) else { return false }
        if entry.pointee.gr_gid == gid { return true }
        var member = entry.pointee.gr_mem
        while let pointer = member?.pointee {
            if String(cString: pointer) == name { return true }
            member = member?.advanced(by: 1)
        }
        return false
    }

    private static func accountName(_ uid: uid_t) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else {
            return nil
        }
        return String(cString: name)
    }
}
