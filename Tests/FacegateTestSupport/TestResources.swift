public import FaceEngine
import Foundation
public import Testing

/// Where the tests find models, fixture photos and the built binary. Models and
/// fixtures come from `make models` and `make fixtures` (PyPI), so anyone can run
/// the tests; `FACEGATE_MODELS` and `FACEGATE_FIXTURES` override the locations.
public enum TestResources {
    /// The package root (this file is Tests/FacegateTestSupport/TestResources.swift).
    public static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    public static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The settings of a shipped systemd drop-in (`deploy/facegate.service.d/NAME`):
    /// its lines without comments and blanks, so that a test lists exactly what it opens.
    public static func dropInSettings(_ name: String) throws -> Set<String> {
        let text = try String(contentsOfFile: repositoryRoot + "/deploy/facegate.service.d/" + name, encoding: .utf8)
        return Set(text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty })
    }

    public static let modelDirectory: String = {
        environment[ModelFiles.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
            ?? repositoryRoot + "/.cache/models"
    }()

    public static var models: ModelFiles { ModelFiles(directory: modelDirectory) }

    public static let fixtureDirectory: String = {
        environment["FACEGATE_FIXTURES"].flatMap { $0.isEmpty ? nil : $0 } ?? repositoryRoot + "/.cache/fixtures"
    }()

    /// The path of a fixture photo, failing loudly when `make fixtures` has not run.
    public static func fixture(_ name: String) -> String {
        let path = fixtureDirectory + "/" + name
        precondition(
            FileManager.default.fileExists(atPath: path),
            "fixture \(path) is missing: run `make fixtures` (or set FACEGATE_FIXTURES)")
        return path
    }

    /// `../shared/<relativePath>` beside the checkout, when present: data CI keeps
    /// beside the clone and the repository never copies (development photos, third-party
    /// test vectors).
    public static func shared(_ relativePath: String) -> String? {
        let path = URL(fileURLWithPath: repositoryRoot).deletingLastPathComponent().path + "/shared/" + relativePath
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// `../shared/faces` beside the checkout, when present (development data, not fetched).
    public static var sharedFaces: String? { shared("faces") }

    /// `../shared/faces` for a test that checks `what` on it. Every such test says the
    /// same when it is absent: skipped with one line naming what was not checked, or,
    /// under `FACEGATE_REQUIRE_SHARED=1` (`make test`, where CI puts ../shared beside the
    /// clone), a failure.
    public static func sharedFaces(checking what: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        if let faces = sharedFaces { return faces }
        let message = "../shared/faces is absent beside the clone: \(what) not checked"
        if environment["FACEGATE_REQUIRE_SHARED"] == "1" {
            Issue.record(Comment(rawValue: message + " (FACEGATE_REQUIRE_SHARED=1)"), sourceLocation: sourceLocation)
        } else {
            print("skipped: " + message)
        }
        return nil
    }

    /// `../shared/vectors/wycheproof` beside the checkout, when present: the Wycheproof
    /// test vectors (see its README), read in place and never copied into the repository.
    public static var wycheproofVectors: String? { shared("vectors/wycheproof") }

    /// The directory of the test binary, where SwiftPM also puts the `facegate` executable.
    public static let productsDirectory: String = {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // A .xctest bundle on some platforms is a directory; step out of it.
        while url.pathExtension == "xctest" || url.lastPathComponent == "Contents" { url.deleteLastPathComponent() }
        return url.path
    }()

    public static var facegateBinary: String { productsDirectory + "/facegate" }
}
