import FaceEngine
import FacegateTestSupport
import Foundation
import Testing

/// `facegate bench images` runs and reports every field; speed itself is not tested.
@Suite("facegate bench images", .perTestLimit)
struct BenchEndToEndTests {
    @Test("--runs 1 --json reports every stage, the BLAS and the threads")
    func imagesJSON() throws {
        let directory = TemporaryDirectory()
        for name in ["obama.jpg", "biden.jpg"] {
            try FileManager.default.createSymbolicLink(atPath: directory.file(name), withDestinationPath: TestResources.fixture(name))
        }
        try directory.write("notes.txt", text: "not a photo: skipped by extension")
        let result = try FacegateProcess().run(["bench", "images", "--images", directory.path, "--runs", "1", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let images = try #require(result.jsonLines.first?["images"] as? [String: Any])
        #expect(images["images"] as? Int == 2)
        #expect(images["runs"] as? Int == 1)
        #expect(images["faces_per_run"] as? Int == 2)
        let stages = try #require(images["stages_ms"] as? [String: [String: Double]])
        #expect(Set(stages.keys) == ["decode", "detect", "landmarks", "embed", "search", "total"])
        for (name, stats) in stages {
            #expect(stats["n"] == 2, "\(name)")
            #expect((stats["median"] ?? 0) > 0, "\(name)")
            #expect((stats["p95"] ?? 0) >= (stats["median"] ?? 0), "\(name)")
        }
        #expect((images["faces_per_second"] as? Double ?? 0) > 0)
        let blas = try #require(images["blas"] as? [String: Any])
        #expect((blas["kind"] as? String).map { !$0.isEmpty && $0 != "none" } == true)
        #expect(blas["openblas_num_threads"] as? String == "1")
        let threads = try #require(images["threads"] as? [String: Int])
        #expect(threads["pipeline"] == 1 && (threads["cores"] ?? 0) >= 1)
        #expect(images["gallery_templates"] as? Int == 10_000)
    }

    @Test("bench images says which HOG build ran, and FACEGATE_SIMD=baseline forces the baseline with the same faces")
    func simdPath() throws {
        let directory = TemporaryDirectory()
        for name in ["obama.jpg", "t1.jpg"] {
            try FileManager.default.createSymbolicLink(atPath: directory.file(name), withDestinationPath: TestResources.fixture(name))
        }
        let arguments = ["bench", "images", "--images", directory.path, "--runs", "1", "--upsample", "0", "--json"]
        var seen: [String: Int] = [:]
        for forced in [false, true] {
            let result = try FacegateProcess(environment: forced ? ["FACEGATE_SIMD": "baseline"] : [:]).run(arguments)
            #expect(result.status == 0, "\(result.stderr)")
            let images = try #require(result.jsonLines.first?["images"] as? [String: Any])
            let simd = try #require(images["simd"] as? [String: String])
            let expected = forced || !SIMDPath.x86V3.cpuSupports ? SIMDPath.baseline : .x86V3
            #expect(simd["path"] == expected.rawValue && simd["description"] == expected.description, "\(simd)")
            #expect(simd["default"]?.hasPrefix(expected.description) == true)
            if forced { #expect(simd["default"]?.contains("FACEGATE_SIMD=baseline") == true, "\(simd)") }
            seen[expected.rawValue] = images["faces_per_run"] as? Int
            let text = try FacegateProcess(environment: forced ? ["FACEGATE_SIMD": "baseline"] : [:]).run(
                ["bench", "images", "--images", directory.path, "--runs", "1", "--upsample", "0"])
            #expect(text.lines.contains("HOG: \(expected.description)"), "\(text.stdout)")
        }
        #expect(Set(seen.values) == [7], "obama.jpg has one face and t1.jpg six, on each path: \(seen)")
    }

    @Test("a directory without photos is an error naming it")
    func emptyDirectory() throws {
        let directory = TemporaryDirectory()
        let result = try FacegateProcess().run(["bench", "images", "--images", directory.path, "--runs", "1"])
        #expect(result.status == 66)
        #expect(result.stderr.contains(directory.path))
    }

    @Test("bench lowlight names a missing folder or label file instead of reporting 0 of 0")
    func lowLightMissingInput() throws {
        let directory = TemporaryDirectory()
        let missingFolder = try FacegateProcess().run(["bench", "lowlight", "--images", directory.file("none")])
        #expect(missingFolder.status == 66, "\(missingFolder.stdout)\(missingFolder.stderr)")
        #expect(missingFolder.stderr.contains(directory.file("none")) && missingFolder.stdout.isEmpty)
        let missingLabels = try FacegateProcess().run(["bench", "lowlight", "--labels", directory.file("lowlight.csv")])
        #expect(missingLabels.status == 66, "\(missingLabels.stdout)\(missingLabels.stderr)")
        #expect(missingLabels.stderr.contains(directory.file("lowlight.csv")) && missingLabels.stdout.isEmpty)
    }

    @Test("bench lowlight measures a curve: faces found fall with the light, and near-black frames are counted too dark")
    func lowLightCurve() throws {
        let directory = TemporaryDirectory()
        for name in ["obama.jpg", "biden.jpg"] {
            try FileManager.default.createSymbolicLink(atPath: directory.file(name), withDestinationPath: TestResources.fixture(name))
        }
        let result = try FacegateProcess().run(["bench", "lowlight", "--images", directory.path, "--brightness", "0.6,0.02", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(result.jsonLines.first)
        let levels = try #require(document["levels"] as? [[String: Any]])
        #expect(levels.map { $0["brightness"] as? Double } == [0.6, 0.02])
        #expect(levels.map { $0["faces"] as? Int } == [2, 2])
        // At 60% light both faces are found; at 2% the frames are too dark and at most one is.
        #expect(levels[0]["rate_enhanced"] as? Double == 1 && levels[0]["too_dark_images"] as? Int == 0)
        #expect(levels[1]["too_dark_images"] as? Int == 2)
        #expect((levels[1]["rate_enhanced"] as? Double ?? 1) <= 0.5)
        #expect((document["images"] as? [[String: Any]])?.count == 4)
        let invalid = try FacegateProcess().run(["bench", "lowlight", "--brightness", "0.2,2"])
        #expect(invalid.status == 64 && invalid.stderr.contains("--brightness"), "\(invalid.stderr)")
    }
}
