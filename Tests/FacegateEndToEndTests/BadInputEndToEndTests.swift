import FacegateTestSupport
import Foundation
import Testing

/// Every bad input an operator having a bad day could give, through the real binary:
/// each gets a clear error naming the thing, a non-zero exit, and nothing changed.
@Suite("Bad input: a clear error, a non-zero exit, nothing changed", .perTestLimit)
struct BadInputEndToEndTests {
    /// One case: how to spoil a fresh appliance, what to run, what must come back.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// Edits the policy text (nil: the fixture's policy as it is).
        var policy: (@Sendable (String) -> String)?
        /// Spoils something in the appliance's directory (given its path and state dir).
        var spoil: (@Sendable (_ directory: String, _ state: String) throws -> Void)?
        /// The command, with `{dir}` and `{state}` placeholders.
        var arguments: [String]
        var status: Int32
        /// What the message must say (each fragment).
        var says: [String]
        /// The attempt reaches the dispatcher and is audited (an entry is the only
        /// change allowed to the database and the audit file).
        var audited = false

        var testDescription: String { name }
    }

    static func replace(_ old: String, _ new: String) -> @Sendable (String) -> String {
        { text in
            precondition(text.contains(old), "the default policy no longer holds '\(old)'")
            return text.replacingOccurrences(of: old, with: new)
        }
    }

    static func write(_ relative: String, _ bytes: [UInt8]) -> @Sendable (String, String) throws -> Void {
        { directory, _ in try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + relative)) }
    }

    static let y4mHeader = Array("YUV4MPEG2 W64 H48 F15:1 Ip A1:1 C420jpeg\n".utf8)

    static let cases: [Case] = [
        // Policies: each numeric key out of its range, named, exit 78.
        Case(
            name: "threshold 1.9 (admits everyone)", policy: replace("threshold = 0.6", "threshold = 1.9"), arguments: ["status"],
            status: 78, says: ["recognition.threshold", "0.3", "0.7"]),
        Case(
            name: "threshold 0.2", policy: replace("threshold = 0.6", "threshold = 0.2"), arguments: ["status"], status: 78,
            says: ["recognition.threshold"]),
        Case(
            name: "template_days 1e308 (an infinite expiry)", policy: replace("template_days = 365", "template_days = 1e308"),
            arguments: ["status"], status: 78, says: ["retention.template_days", "3650"]),
        Case(
            name: "sweep_interval_minutes 1e300", policy: replace("sweep_interval_minutes = 60", "sweep_interval_minutes = 1e300"),
            arguments: ["status"], status: 78, says: ["retention.sweep_interval_minutes"]),
        Case(
            name: "backup_days 0", policy: replace("backup_days = 30", "backup_days = 0"), arguments: ["status"], status: 78,
            says: ["retention.backup_days"]),
        Case(
            name: "margin above its range", policy: replace("margin = 0.04", "margin = 0.5"), arguments: ["status"], status: 78,
            says: ["recognition.margin"]),
        Case(
            name: "min_face_px 5", policy: replace("min_face_px = 80", "min_face_px = 5"), arguments: ["status"], status: 78,
            says: ["recognition.min_face_px"]),
        Case(
            name: "trigger always without a DPIA", policy: replace("trigger = \"zone\"", "trigger = \"always\""), arguments: ["status"],
            status: 78, says: ["recognition.dpia_reference", "\"zone\""]),
        Case(
            name: "a zone upside down", policy: replace("zone = [0.25, 0.1, 0.75, 0.9]", "zone = [0.25, 0.9, 0.75, 0.1]"),
            arguments: ["status"], status: 78, says: ["recognition.zone"]),
        Case(
            name: "vote_frames 0", policy: replace("vote_frames = 3", "vote_frames = 0"), arguments: ["status"], status: 78,
            says: ["recognition.vote_frames"]),
        Case(
            name: "low_light_luma 300", policy: replace("low_light_luma = 70", "low_light_luma = 300"), arguments: ["status"], status: 78,
            says: ["recognition.low_light_luma"]),
        Case(
            name: "access_event_days negative", policy: replace("access_event_days = 180", "access_event_days = -1"), arguments: ["status"],
            status: 78, says: ["retention.access_event_days"]),
        Case(
            name: "checkpoint_every 0", policy: replace("checkpoint_every = 100", "checkpoint_every = 0"), arguments: ["status"],
            status: 78, says: ["audit.checkpoint_every"]),
        Case(
            name: "approvals_required 1 (one person decides alone)", policy: replace("approvals_required = 2", "approvals_required = 1"),
            arguments: ["status"], status: 78, says: ["denylist.approvals_required"]),
        Case(
            name: "alert_timeout_seconds NaN", policy: replace("alert_timeout_seconds = 120", "alert_timeout_seconds = nan"),
            arguments: ["status"], status: 78, says: ["denylist.alert_timeout_seconds"]),
        Case(
            name: "a rule's window_days 1e9", policy: replace("window_days = 180", "window_days = 1e9"), arguments: ["status"], status: 78,
            says: ["window_days"]),
        Case(
            name: "relay_timeout_seconds 0", policy: replace("relay_timeout_seconds = 5", "relay_timeout_seconds = 0"),
            arguments: ["status"], status: 78, says: ["appliance.relay_timeout_seconds"]),
        Case(
            name: "a misspelt key", policy: replace("threshold = 0.6", "treshold = 0.6"), arguments: ["status"], status: 78,
            says: ["recognition.treshold"]),
        Case(
            name: "a string where a number goes", policy: replace("threshold = 0.6", "threshold = \"0.6\""), arguments: ["status"],
            status: 78, says: ["recognition.threshold"]),
        Case(
            name: "a missing notice file", policy: replace("notices/membership-2026-01.md", "notices/gone.md"), arguments: ["status"],
            status: 78, says: ["notices/gone.md"]),
        Case(name: "malformed TOML", policy: { $0 + "\n[[broken\n" }, arguments: ["status"], status: 78, says: ["TOML"]),
        // Key files.
        Case(
            name: "a KEK that is a symlink",
            spoil: { _, state in
                let kek = state + "/keys/kek"
                try FileManager.default.moveItem(atPath: kek, toPath: state + "/kek.real")
                try FileManager.default.createSymbolicLink(atPath: kek, withDestinationPath: state + "/kek.real")
            }, arguments: ["subjects"], status: 78, says: ["keys/kek", "symbolic link"]),
        Case(
            name: "a KEK of the wrong size",
            spoil: { _, state in
                let kek = state + "/keys/kek"
                chmod(kek, 0o600)
                try Data(repeating: 7, count: 31).write(to: URL(fileURLWithPath: kek))
                chmod(kek, 0o400)
            }, arguments: ["subjects"], status: 78, says: ["keys/kek", "31 bytes"]),
        Case(
            name: "a KEK readable by others", spoil: { _, state in chmod(state + "/keys/kek", 0o644) }, arguments: ["subjects"], status: 78,
            says: ["keys/kek", "chmod 400"]),
        Case(
            name: "a KEK owned by another user", spoil: { _, state in chown(state + "/keys/kek", 4242, 4242) }, arguments: ["subjects"],
            status: 78, says: ["keys/kek", "uid 4242"]),
        Case(
            name: "a signing key that is a directory",
            spoil: { _, state in
                let key = state + "/keys/audit-signing.key"
                try FileManager.default.removeItem(atPath: key)
                try FileManager.default.createDirectory(atPath: key, withIntermediateDirectories: false)
            }, arguments: ["subjects"], status: 78, says: ["audit-signing.key", "not a regular file"]),
        Case(
            name: "a damaged epochs file",
            spoil: { _, state in try Data("{\"format\":\"nonsense\"}\n".utf8).write(to: URL(fileURLWithPath: state + "/keys/kek-epochs")) },
            arguments: ["subjects"], status: 78, says: ["kek-epochs", "damaged"]),
        // The database.
        Case(
            name: "a zero-byte database",
            spoil: { _, state in
                try FileManager.default.removeItem(atPath: state + "/facegate.sqlite")
                _ = FileManager.default.createFile(atPath: state + "/facegate.sqlite", contents: Data())
            }, arguments: ["subjects"], status: 65, says: ["facegate.sqlite", "empty", "restore"]),
        Case(
            name: "no database at all", spoil: { _, state in try FileManager.default.removeItem(atPath: state + "/facegate.sqlite") },
            arguments: ["subjects"], status: 78, says: ["facegate.sqlite", "keys init", "restore"]),
        Case(
            name: "a text file as the database",
            spoil: { _, state in
                try FileManager.default.removeItem(atPath: state + "/facegate.sqlite")
                try Data(String(repeating: "not a database\n", count: 200).utf8).write(to: URL(fileURLWithPath: state + "/facegate.sqlite"))
            }, arguments: ["subjects"], status: 65, says: ["facegate.sqlite", "damaged"]),
        // Images.
        Case(
            name: "a text file named .jpg to enrol", spoil: write("notes.jpg", Array("hello".utf8)),
            arguments: ["enrol", "--name", "X", "--notice", "2026-01", "--purpose", "entry", "--method", "tablet", "{dir}/notes.jpg"],
            status: 65, says: ["notes.jpg"], audited: true),
        Case(
            name: "a truncated JPEG to identify",
            spoil: { directory, _ in
                let bytes = try Data(contentsOf: URL(fileURLWithPath: TestResources.fixture("obama.jpg")))
                try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: directory + "/half.jpg"))
            }, arguments: ["identify", "{dir}/half.jpg"], status: 65, says: ["half.jpg"], audited: true),
        Case(
            name: "a photo that does not exist", arguments: ["identify", "{dir}/nobody.jpg"], status: 66, says: ["nobody.jpg"],
            audited: true),
        // Video sources.
        Case(
            name: "a Y4M video with a header and no frame", spoil: write("empty.y4m", y4mHeader),
            arguments: ["run", "--source", "y4m:{dir}/empty.y4m", "--loop"], status: 65, says: ["empty.y4m", "no frame"]),
        Case(
            name: "a Y4M header longer than 4 KiB",
            spoil: write("long.y4m", Array("YUV4MPEG2 W64 H48 ".utf8) + Array(repeating: UInt8(ascii: "X"), count: 5000) + [10]),
            arguments: ["run", "--source", "y4m:{dir}/long.y4m"], status: 65, says: ["long.y4m", "4096"]),
        Case(
            name: "a Y4M video of size 0x48", spoil: write("zero.y4m", Array("YUV4MPEG2 W0 H48 F15:1 C420jpeg\n".utf8)),
            arguments: ["run", "--source", "y4m:{dir}/zero.y4m"], status: 65, says: ["zero.y4m", "0x48"]),
        Case(
            name: "a Y4M video in 4:2:2", spoil: write("c422.y4m", Array("YUV4MPEG2 W64 H48 F15:1 C422\n".utf8)),
            arguments: ["run", "--source", "y4m:{dir}/c422.y4m"], status: 65, says: ["c422.y4m", "4:2:0"]),
        Case(
            name: "a truncated Y4M frame", spoil: write("cut.y4m", y4mHeader + Array("FRAME\n".utf8) + [UInt8](repeating: 16, count: 100)),
            arguments: ["run", "--source", "y4m:{dir}/cut.y4m"], status: 65, says: ["cut.y4m", "truncated"]),
        Case(
            name: "a folder without images, looped",
            spoil: { directory, _ in
                try FileManager.default.createDirectory(atPath: directory + "/nothing", withIntermediateDirectories: true)
                try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/nothing/readme.txt"))
            }, arguments: ["run", "--source", "dir:{dir}/nothing", "--loop"], status: 65, says: ["nothing"]),
        Case(
            name: "a folder of undecodable images, looped",
            spoil: { directory, _ in
                try FileManager.default.createDirectory(atPath: directory + "/broken", withIntermediateDirectories: true)
                try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: directory + "/broken/a.jpg"))
            }, arguments: ["run", "--source", "dir:{dir}/broken", "--loop"], status: 65, says: ["broken", "no frame"]),
        Case(name: "an unknown source kind", arguments: ["run", "--source", "rtmp://camera"], status: 64, says: ["rtmp"]),
        // Exports.
        Case(
            name: "an export over an existing file", spoil: write("exists.jsonl", Array("keep me\n".utf8)),
            arguments: ["export", "audit", "--output", "{dir}/exists.jsonl"], status: 74, says: ["exists.jsonl", "never overwrite"],
            audited: true),
        Case(
            name: "a backup onto a dangling symlink planted in a shared folder",
            spoil: { directory, _ in
                try FileManager.default.createSymbolicLink(
                    atPath: directory + "/planted.sqlite", withDestinationPath: directory + "/victim.sqlite")
            }, arguments: ["backup", "{dir}/planted.sqlite"], status: 64, says: ["planted.sqlite", "already exists"]),
        Case(name: "a subject id that is not one", arguments: ["erase", "not-a-subject"], status: 64, says: ["not-a-subject"]),
        Case(
            name: "erasing a subject nobody holds", arguments: ["erase", "0123456789abcdef0123456789abcdef"], status: 67,
            says: ["0123456789abcdef0123456789abcdef"], audited: true),
    ]

    @Test("each bad input is refused with its name and a non-zero exit, and changes nothing", arguments: cases)
    func badInput(_ testCase: Case) throws {
        let fixture = try ConsentFixture()
        if let edit = testCase.policy {
            // The appliance is set up with the good policy; then someone edits it.
            let text = try String(contentsOfFile: fixture.policyPath, encoding: .utf8)
            try edit(text).write(toFile: fixture.policyPath, atomically: true, encoding: .utf8)
        }
        let directory = fixture.directory.path, state = fixture.stateDirectory
        try testCase.spoil?(directory, state)
        let stores = testCase.audited ? [] : ["facegate.sqlite", "facegate.sqlite-wal", "facegate.audit"]
        let watched =
            (stores + ["keys/erasures", "keys/kek-epochs", "keys/kek"]).map { state + "/" + $0 }
            + [directory + "/exists.jsonl", directory + "/victim.sqlite"]
        let before = watched.map(FileBytes.fingerprint)
        let arguments = testCase.arguments.map {
            $0.replacingOccurrences(of: "{dir}", with: directory).replacingOccurrences(of: "{state}", with: state)
        }
        let result = try FacegateProcess().run(arguments + ["--policy", fixture.policyPath, "--socket", fixture.socketPath])
        let said = result.stdout + result.stderr
        #expect(result.status == testCase.status, "\(testCase.name): exit \(result.status): \(said)")
        for fragment in testCase.says {
            #expect(said.contains(fragment), "\(testCase.name): the message names '\(fragment)': \(said)")
        }
        #expect(!said.contains("Fatal error") && !said.contains("Stack dump"), "\(said)")
        let after = watched.map(FileBytes.fingerprint)
        for (path, (was, now)) in zip(watched, zip(before, after)) {
            #expect(was == now, "\(testCase.name): '\(path)' changed (\(was) → \(now))")
        }
    }
}
