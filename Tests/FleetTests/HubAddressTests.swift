import FacegateCore
import FacegateTestSupport
import Fleet
import Testing

/// The hub's address: the two forms a door is given, and what is refused before any
/// connection is tried (above all, a password that `ps` and the logs would show).
@Suite("Hub addresses", .perTestLimit)
struct HubAddressTests {
    @Test("a socket directory and a TCP host are read, TLS required over TCP unless sslmode=disable")
    func forms() throws {
        let socket = try HubAddress(parsing: "postgresql://facegate@/hub?host=/run/postgresql")
        #expect(socket.endpoint == .socket(path: "/run/postgresql/.s.PGSQL.5432"))
        #expect(socket.user == "facegate" && socket.database == "hub")
        let tcp = try HubAddress(parsing: "postgres://door@hub.venue.example:6543/fleet")
        #expect(tcp.endpoint == .tcp(host: "hub.venue.example", port: 6543, tls: true))
        #expect(tcp.description == "postgresql://door@hub.venue.example:6543/fleet")
        let plain = try HubAddress(parsing: "postgresql://door@[fd00::5]/fleet?sslmode=disable")
        #expect(plain.endpoint == .tcp(host: "fd00::5", port: 5432, tls: false))
    }

    @Test(
        "a password, a missing user or database, an unknown parameter or a bad port is refused with exit 64, never repeating the password",
        arguments: [
            "postgresql://door:s3cret@hub/fleet", "postgresql://door@hub/fleet?password=s3cret", "postgresql://hub/fleet",
            "postgresql://door@hub", "postgresql://door@hub/fleet?connect_timeout=3", "postgresql://door@hub:99999/fleet",
            "mysql://door@hub/fleet", "postgresql://door@hub/fleet?sslmode=prefer", "postgresql://door@/fleet?host=relative",
        ])
    func refused(_ text: String) {
        #expect {
            _ = try HubAddress(parsing: text)
        } throws: { error in
            guard let error = error as? FleetError else { return false }
            return error.exitStatus.rawValue == 64 && !error.message.contains("s3cret") && error.code == .invalidAddress
        }
    }
}
