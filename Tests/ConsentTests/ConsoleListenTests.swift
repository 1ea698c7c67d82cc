import Consent
import FacegateCore
import FacegateTestSupport
import Testing

/// Where the console listens is loopback by address, never by spelling; what people
/// typed is shown without the controls that change how it reads.
@Suite("Console address and shown text", .perTestLimit)
struct ConsoleListenTests {
    @Test("loopback is decided by the address: 127/8, ::1 and names resolving only there; 127.console.example is not")
    func loopbackByAddress() {
        for host in ["127.0.0.1", "127.255.1.2", "::1", "::ffff:127.0.0.1", "localhost"] {
            #expect(ConsoleListen.address(host: host, port: 8080).isLoopback, "\(host)")
        }
        for host in ["127.console.example", "10.0.0.7", "0.0.0.0", "::", "::ffff:10.0.0.1", "192.168.127.1", "127.0.0.1.nip.invalid"] {
            #expect(!ConsoleListen.address(host: host, port: 8080).isLoopback, "\(host)")
        }
        #expect(ConsoleListen.off.isLoopback)
    }

    @Test("host names in the policy are plain DNS names; an address literal is told apart from a name")
    func hostNames() {
        #expect(ConsoleListen.isHostName("door1.venue.example") && ConsoleListen.isHostName("localhost"))
        for bad in ["", "https://door1", "door1:8443", "-door", "door_1.example", "a..b", String(repeating: "a", count: 64) + ".example"] {
            #expect(!ConsoleListen.isHostName(bad), "\(bad)")
        }
        #expect(ConsoleListen.isAddressLiteral("[::1]") && ConsoleListen.isAddressLiteral("192.0.2.1"))
        #expect(!ConsoleListen.isAddressLiteral("door1.venue.example"))
    }

    @Test("a right-to-left override is shown as a replacement character, and refused in new text with the length")
    func bidirectionalControls() {
        let tampered = "Ana \u{202E}nimda\u{202C}"
        #expect(DisplayText.neutralised(tampered) == "Ana \u{FFFD}nimda\u{FFFD}")
        #expect(DisplayText.neutralised("Zoë Ødegård") == "Zoë Ødegård", "letters of any script are left alone")
        #expect(DisplayText.neutralised("a\u{7}b\u{85}c\u{2067}") == "a\u{FFFD}b\u{FFFD}c\u{FFFD}")
        #expect(DisplayText.problem(tampered, what: "the name", maximumCharacters: 100)?.contains("text-direction") == true)
        #expect(DisplayText.problem(String(repeating: "x", count: 101), what: "the name", maximumCharacters: 100) != nil)
        #expect(DisplayText.problem("Ana Lovelace", what: "the name", maximumCharacters: 100) == nil)
    }
}
