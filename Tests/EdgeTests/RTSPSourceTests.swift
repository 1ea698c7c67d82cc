import Edge
import FacegateCore
import FacegateTestSupport
import Foundation
import Testing

/// The parts of an IP camera source that need no camera: its address, checked before
/// anything connects, and where its user and password come from.
@Suite("IP camera addresses and credentials", .perTestLimit)
struct RTSPSourceTests {
    @Test("an address keeps its path and query for the camera, and logs only its host and port")
    func addressParts() throws {
        let address = try RTSPAddress(parsing: "rtsp://192.0.2.10:8554/cam/realmonitor?channel=1&subtype=0")
        #expect(address.host == "192.0.2.10" && address.port == 8554)
        #expect(address.url == "rtsp://192.0.2.10:8554/cam/realmonitor?channel=1&subtype=0")
        #expect(address.loggedName == "rtsp://192.0.2.10:8554")
        #expect(try RTSPAddress(parsing: "rtsp://door-cam.local/stream1").port == 554)
        let six = try RTSPAddress(parsing: "rtsp://[fd00::10]:10554/live")
        #expect(six.host == "fd00::10" && six.port == 10554 && six.loggedName == "rtsp://[fd00::10]:10554")
        #expect(try FrameSourceSpec(parsing: "rtsp://192.0.2.10/stream1") == .rtsp(try RTSPAddress(parsing: "rtsp://192.0.2.10/stream1")))
        #expect(try FrameSourceSpec(parsing: "rtsp://192.0.2.10/s?token=abc").loggedName == "rtsp://192.0.2.10:554")
    }

    @Test(
        "an address with a user or password, another scheme, no host, a bad port or a space is refused before anything connects",
        arguments: [
            ("rtsp://admin:hunter2@192.0.2.10/stream1", "source_user"),
            ("rtsp://admin@192.0.2.10/stream1", "source_user"),
            // GStreamer ends the host part at '/' or '?' only: this is user admin, password hunter2#x.
            ("rtsp://admin:hunter2#x@192.0.2.10/stream1", "source_user"),
            ("rtsp://admin:hunter2@192.0.2.10#/stream1", "source_user"),
            ("rtsp://fd00::10/live", "brackets"),
            ("rtsp://192.0.2.10:+554/s", "1 to 65535"),
            ("rtsps://192.0.2.10/stream1", "not supported"),
            ("rtsp:192.0.2.10/stream1", "rtsp://"),
            ("rtsp:///stream1", "no host"),
            ("rtsp://192.0.2.10:0/s", "1 to 65535"),
            ("rtsp://192.0.2.10:70000/s", "1 to 65535"),
            ("rtsp://192.0.2.10:hunter2/s", "1 to 65535"),
            ("rtsp://[fd00::10/s", "closing"),
            ("rtsp://192.0.2.10/my stream", "space"),
        ])
    func addressRefused(text: String, says: String) {
        #expect {
            _ = try FrameSourceSpec(parsing: text)
        } throws: { error in
            guard let error = error as? CaptureError else { return false }
            return error.code == .invalidArgument && error.message.contains(says) && !error.message.contains("hunter2")
        }
    }

    @Test("the password comes only from the systemd credential, without its trailing newline; a missing half names what to set")
    func credentials() throws {
        let directory = TemporaryDirectory(prefix: "fgcred")
        #expect(try SourceCredentials.load(user: nil, environment: [:]) == nil)
        #expect(try SourceCredentials.load(user: nil, environment: ["CREDENTIALS_DIRECTORY": directory.path]) == nil)
        #expect {
            _ = try SourceCredentials.load(user: "door", environment: ["CREDENTIALS_DIRECTORY": directory.path])
        } throws: { error in
            (error as? CaptureError)?.code == .unauthorized
                && (error as? CaptureError)?.message.contains("facegate-rtsp-password") == true
        }
        _ = try directory.write("facegate-rtsp-password", text: "s3cret!\n")
        let loaded = try #require(try SourceCredentials.load(user: "door", environment: ["CREDENTIALS_DIRECTORY": directory.path]))
        #expect(loaded.user == "door" && loaded.password == SecretBytes(utf8: "s3cret!"))
        #expect(!"\(loaded.password)".contains("s3cret"))
        #expect {
            _ = try SourceCredentials.load(user: nil, environment: ["CREDENTIALS_DIRECTORY": directory.path])
        } throws: { error in
            (error as? CaptureError)?.code == .unauthorized && (error as? CaptureError)?.message.contains("source_user") == true
        }
        _ = try directory.write("facegate-rtsp-password", text: "\n")
        #expect(throws: CaptureError.self) {
            _ = try SourceCredentials.load(user: "door", environment: ["CREDENTIALS_DIRECTORY": directory.path])
        }
    }
}

extension RTSPSourceTests {
    @Test("the unit's RTSP drop-in opens only an outgoing connection to the camera, keeps W^X on, and loads the password as a credential")
    func rtspDropIn() throws {
        let root = TestResources.repositoryRoot
        let unit = try String(contentsOfFile: root + "/deploy/facegate.service", encoding: .utf8)
        #expect(unit.contains("\nMemoryDenyWriteExecute=yes\n") && unit.contains("\nRestartPreventExitStatus=78\n"))
        let lines = try TestResources.dropInSettings("rtsp.conf")
        #expect(
            lines == [
                "[Service]", "PrivateNetwork=no", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "SocketBindDeny=any",
                "IPAddressDeny=any", "IPAddressAllow=192.0.2.10",
                "LoadCredentialEncrypted=\(SourceCredentials.passwordCredential):/etc/facegate/rtsp-password.cred",
                "CacheDirectory=facegate", "CacheDirectoryMode=0700", "Environment=GST_REGISTRY=%C/facegate/gstreamer-registry.bin",
                "Environment=ORC_CODE=backup", "UnsetEnvironment=GST_DEBUG GST_DEBUG_FILE",
            ])
    }
}
