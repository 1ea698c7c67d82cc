import FacegateTestSupport
import Foundation
import Testing

/// Every subcommand's `--help`, as a user reads it, kept in `Snapshots/`: a change to
/// an option, a default or a description shows up in review as a change of text.
/// `FACEGATE_RECORD_SNAPSHOTS=1 swift test --filter HelpSnapshotTests` rewrites them.
@Suite("Help text of every subcommand", .perTestLimit)
struct HelpSnapshotTests {
    static let snapshots = TestResources.repositoryRoot + "/Tests/FacegateEndToEndTests/Snapshots"

    /// The subcommands a help text lists (its SUBCOMMANDS section).
    static func subcommands(in help: String) -> [String] {
        guard let section = help.components(separatedBy: "SUBCOMMANDS:").dropFirst().first else { return [] }
        var names: [String] = []
        for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty, !names.isEmpty { break }
            // "  name                    abstract", or "  name (default) ..."; wrapped
            // abstracts are indented further.
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { continue }
            // "  enrol, enroll    …": the name, then its aliases.
            guard let first = line.split(separator: " ").first else { continue }
            let name = first.hasSuffix(",") ? first.dropLast() : first
            guard name.allSatisfy({ $0.isLowercase || $0 == "-" }) else { continue }
            names.append(String(name))
        }
        return names.filter { $0 != "help" }
    }

    /// Every command path, found by walking the help texts from the root.
    static func commandPaths() throws -> [[String]] {
        var paths: [[String]] = [[]]
        var index = 0
        while index < paths.count, paths.count < 200 {
            let help = try FacegateProcess().run(paths[index] + ["--help"]).stdout
            paths += subcommands(in: help).map { paths[index] + [$0] }
            index += 1
        }
        return paths
    }

    @Test("every subcommand's help matches its snapshot")
    func helpMatchesSnapshots() throws {
        let record = ProcessInfo.processInfo.environment["FACEGATE_RECORD_SNAPSHOTS"] == "1"
        let paths = try Self.commandPaths()
        #expect(paths.count > 30, "the walk found the subcommands: \(paths)")
        var expected = Set<String>()
        for path in paths {
            let name = (["facegate"] + path).joined(separator: "-") + ".txt"
            expected.insert(name)
            let result = try FacegateProcess().run(path + ["--help"])
            #expect(result.status == 0, "\(path)")
            let file = Self.snapshots + "/" + name
            if record {
                try FileManager.default.createDirectory(atPath: Self.snapshots, withIntermediateDirectories: true)
                try result.stdout.write(toFile: file, atomically: true, encoding: .utf8)
                continue
            }
            let snapshot = try? String(contentsOfFile: file, encoding: .utf8)
            #expect(snapshot == result.stdout, "\(name) differs from the help text; record again if the change is meant")
        }
        let present = Set((try? FileManager.default.contentsOfDirectory(atPath: Self.snapshots)) ?? [])
        #expect(present == expected, "a snapshot without a subcommand, or a subcommand without a snapshot")
    }
}
