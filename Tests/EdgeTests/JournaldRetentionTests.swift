import Consent
import Edge
import FacegateTestSupport
import Foundation
import Testing

/// The journal namespace that receives decision events keeps them no longer than the
/// policy keeps visits, and the unit keeps frames and probes out of swap.
@Suite("Journal retention and the unit's memory", .perTestLimit)
struct JournaldRetentionTests {
    @Test(
        "systemd time spans read as journald reads them",
        arguments: [
            ("180day", 180.0), ("180d", 180), ("6month", 182.625), ("2w", 14), ("1d 12h", 1.5), ("86400", 1), ("1y", 365.25),
        ])
    func spans(text: String, days: Double) {
        let read = JournaldRetention.days(inConfiguration: "[Journal]\nMaxRetentionSec=\(text)\n")
        #expect(read.map { abs($0 - days) < 1e-9 } == true, "\(text): \(String(describing: read))")
    }

    @Test("no MaxRetentionSec, or one outside [Journal], or a malformed one, is no time limit")
    func noLimit() {
        #expect(JournaldRetention.days(inConfiguration: "[Journal]\nStorage=persistent\n") == nil)
        #expect(JournaldRetention.days(inConfiguration: "[Other]\nMaxRetentionSec=1d\n") == nil)
        #expect(JournaldRetention.days(inConfiguration: "[Journal]\nMaxRetentionSec=soon\n") == nil)
        #expect(JournaldRetention.days(inConfiguration: "[Journal]\n#MaxRetentionSec=1d\n") == nil)
    }

    @Test("the shipped journal namespace keeps decision events at most the default policy's access_event_days")
    func shippedConfiguration() throws {
        let root = TestResources.repositoryRoot
        let configuration = try String(contentsOfFile: root + "/deploy/journald@facegate.conf", encoding: .utf8)
        let policy = try ConsentFixture().policy
        let days = try #require(JournaldRetention.days(inConfiguration: configuration))
        #expect(days <= policy.retention.accessEventDays)
        let unit = try String(contentsOfFile: root + "/deploy/facegate.service", encoding: .utf8)
        #expect(unit.contains("\nLogNamespace=facegate\n"), "the events go to that namespace")
        #expect(unit.contains("\nMemorySwapMax=0\n"), "frames and probes never reach swap")
        // A box without console or fleet talks to nobody.
        #expect(unit.contains("\nPrivateNetwork=yes\n") && unit.contains("\nRestrictAddressFamilies=AF_UNIX\n"))
    }

    @Test("the unit keeps the console off; its drop-in opens only the console's port, to this machine")
    func consoleDropIn() throws {
        let root = TestResources.repositoryRoot
        let unit = try String(contentsOfFile: root + "/deploy/facegate.service", encoding: .utf8)
        #expect(unit.contains("\nEnvironment=FACEGATE_CONSOLE=off\n"))
        let lines = try TestResources.dropInSettings("console.conf")
        #expect(
            lines == [
                "[Service]", "Environment=FACEGATE_CONSOLE=", "PrivateNetwork=no", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
                "SocketBindDeny=any", "SocketBindAllow=tcp:8080", "IPAddressDeny=any", "IPAddressAllow=localhost",
            ])
        // The port it opens is the one the shipped policy listens on.
        let policy = ConsentFixture.defaultPolicyText
        #expect(policy.contains("\nlisten = \"127.0.0.1:8080\""))
    }

    @Test("the fleet's drop-in opens one outgoing connection, to the hub's address only, and binds no port")
    func fleetDropIn() throws {
        let lines = try TestResources.dropInSettings("fleet.conf")
        #expect(
            lines == [
                "[Service]", "PrivateNetwork=no", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "SocketBindDeny=any",
                "IPAddressDeny=any", "IPAddressAllow=192.0.2.20",
                "LoadCredentialEncrypted=facegate-hub-password:/etc/facegate/hub-password.cred",
            ])
        // The console stays off: a door of a fleet does not open the console by joining.
        #expect(!lines.contains { $0.contains("FACEGATE_CONSOLE") })
    }
}
