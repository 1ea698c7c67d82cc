import FacegateTestSupport
import Foundation
import Testing

/// Photos are often named after the person in them: the logs (JSON lines on standard
/// error, what journald keeps) never carry an image's file name or path, whichever
/// command read it and however verbose the logging. The command may still tell its
/// own user which file it means, as its output.
@Suite("Logs never carry an image's file name", .serialized, .perTestLimit)
struct LogPrivacyEndToEndTests {
    /// The people the photos are named after, and parts of those names.
    static let names = ["Barack Obama", "Obama", "Joe_Biden", "Biden", "Kamala Harris", "Harris"]

    /// A folder of photos named after people (one of them does not decode).
    final class NamedPhotos: @unchecked Sendable {
        let fixture: ConsentFixture
        let facegate = FacegateProcess()
        let folder: String

        init() throws {
            fixture = try ConsentFixture()
            folder = fixture.directory.file("photos")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: TestResources.fixture("obama.jpg"), toPath: path("Barack Obama.jpg"))
            try FileManager.default.copyItem(atPath: TestResources.fixture("32bit.png"), toPath: path("Joe_Biden.png"))
            try Data("not a photo".utf8).write(to: URL(fileURLWithPath: path("Kamala Harris.jpg")))
        }

        func path(_ name: String) -> String { folder + "/" + name }

        func run(_ arguments: [String]) throws -> FacegateProcess.Result {
            try facegate.run(arguments + ["--policy", fixture.policyPath, "--log-level", "debug"])
        }
    }

    /// The lines of `stderr` that the log handler wrote (JSON objects with a level and
    /// a logger), as opposed to the command's own messages.
    static func logLines(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return false }
            return object["level"] != nil && (object["logger"] != nil || object["label"] != nil)
        }
    }

    static func expectNoNames(in stderr: String, _ command: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for line in logLines(stderr) {
            for name in names {
                #expect(!line.contains(name), "\(command) logged '\(name)': \(line)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test("run over a folder of photos named after people logs no name, even at debug level")
    func slideshow() throws {
        let photos = try NamedPhotos()
        let result = try photos.run(["run", "--source", "dir:" + photos.folder + "?hold=2"])
        #expect(result.status == 0, "\(result.stderr)")
        let logs = Self.logLines(result.stderr)
        #expect(logs.contains { $0.contains("\"facegate running\"") && $0.contains("\"source\":\"dir\"") }, "\(logs)")
        #expect(logs.contains { $0.contains("\"source.images\":\"3\"") }, "\(logs)")
        #expect(logs.contains { $0.contains("does not decode") && $0.contains("of 3") }, "the skipped photo is logged by position: \(logs)")
        #expect(!logs.contains { $0.contains(photos.folder) }, "the folder's path is not logged either")
        Self.expectNoNames(in: result.stderr, "run")
    }

    @Test("a folder without a readable photo is named to the user, not in the logs")
    func emptySlideshow() throws {
        let photos = try NamedPhotos()
        try FileManager.default.removeItem(atPath: photos.path("Barack Obama.jpg"))
        try FileManager.default.removeItem(atPath: photos.path("Joe_Biden.png"))
        let result = try photos.run(["run", "--source", "dir:" + photos.folder])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains(photos.folder), "the user is told which source: \(result.stderr)")
        #expect(!Self.logLines(result.stderr).contains { $0.contains(photos.folder) }, "\(result.stderr)")
        Self.expectNoNames(in: result.stderr, "run")
    }

    @Test("enrol and identify with photos named after people log no name, in-process and through the daemon")
    func enrolAndIdentify() throws {
        let photos = try NamedPhotos()
        let enrolled = try photos.run([
            "enrol", "--json", "--name", "Barack Obama", "--notice", "2026-01", "--purpose", "entry", "--method", "signed-form",
            photos.path("Barack Obama.jpg"),
        ])
        #expect(enrolled.status == 0, "\(enrolled.stderr)")
        #expect(!Self.logLines(enrolled.stderr).isEmpty, "debug logging is on: \(enrolled.stderr)")
        Self.expectNoNames(in: enrolled.stderr, "enrol")
        let identified = try photos.run([
            "identify", "--json", photos.path("Joe_Biden.png"), photos.path("Kamala Harris.jpg"), photos.path("Barack Obama.jpg"),
        ])
        #expect(identified.jsonLines.count == 3, "\(identified.stdout)\(identified.stderr)")
        Self.expectNoNames(in: identified.stderr, "identify")

        // Through the daemon: uploads carry their file names.
        let daemon = try DaemonProcess(
            arguments: ["--source", "none", "--policy", photos.fixture.policyPath, "--log-level", "debug"],
            socketPath: photos.fixture.socketPath)
        let remote = try photos.facegate.run([
            "identify", "--json", photos.path("Joe_Biden.png"), photos.path("Kamala Harris.jpg"), "--socket", photos.fixture.socketPath,
            "--log-level", "debug",
        ])
        #expect(remote.jsonLines.count == 2, "\(remote.stdout)\(remote.stderr)")
        Self.expectNoNames(in: remote.stderr, "identify (client)")
        #expect(daemon.stop() == 0)
        #expect(!Self.logLines(daemon.errorText).isEmpty, "debug logging is on: \(daemon.errorText)")
        Self.expectNoNames(in: daemon.errorText, "the daemon")
    }
}
