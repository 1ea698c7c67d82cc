import FacegateTestSupport
import Foundation
import Testing

/// `facegate evaluate` on the fixture photos: three of Obama, one of Biden, a
/// gradient with no face and a file that does not exist.
@Suite("facegate evaluate", .perTestLimit)
struct EvaluateEndToEndTests {
    let facegate = FacegateProcess()

    /// A directory with the pair list; photos are referenced by absolute path, the
    /// face-less image and the missing one relative to the directory (the default root).
    private func pairList(header: String = "file_a,file_b,same") throws -> (TemporaryDirectory, String) {
        let directory = TemporaryDirectory()
        try directory.write("blank.png", bytes: SyntheticPNG.gradient(width: 320, height: 240))
        let obama = TestResources.fixture("obama.jpg"), obama2 = TestResources.fixture("obama2.jpg")
        let obama3 = TestResources.fixture("obama3.jpg"), biden = TestResources.fixture("biden.jpg")
        let lines = [
            header,
            "\(obama),\(obama2),1", "\(obama),\(obama3),1", "\(obama2),\(obama3),1",
            "\(obama),\(biden),0", "\(obama2),\(biden),0", "\(obama3),\(biden),0",
            "\(obama),blank.png,1",  // no face: left out
            "\(biden),missing.jpg,0",  // unreadable: left out, with a warning
        ]
        let path = try directory.write("pairs.csv", text: lines.joined(separator: "\n") + "\n")
        return (directory, path)
    }

    @Test("--json: accuracy 1 at 0.6, pairs used, the face-less and the missing image counted")
    func pairsJSON() throws {
        let (directory, pairs) = try pairList()
        let roc = directory.file("roc.csv")
        let result = try facegate.run(["evaluate", "--pairs", pairs, "--json", "--roc", roc])
        // A missing image is a partial failure: results, a warning naming it, exit 2.
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("missing.jpg") && result.stderr.contains("warning"))
        #expect(result.lines.count == 1, "one JSON document")
        let report = try #require(result.jsonLines.first)
        let counts = try #require(report["pairs"] as? [String: Int])
        #expect(counts["total"] == 8 && counts["used"] == 6 && counts["excluded"] == 2)
        #expect(counts["same"] == 3 && counts["different"] == 3)
        let images = try #require(report["images"] as? [String: Any])
        #expect(images["total"] as? Int == 6)
        #expect(images["without_face"] as? Int == 1)
        #expect(images["files_without_face"] as? [String] == ["blank.png"])
        #expect(images["unreadable"] as? Int == 1)
        let unreadable = try #require((images["unreadable_files"] as? [[String: Any]])?.first)
        #expect(unreadable["file"] as? String == "missing.jpg")
        #expect((unreadable["error"] as? [String: Any])?["code"] as? String == "file_not_found")

        #expect(report["threshold"] as? Double == 0.6)
        #expect(report["accuracy"] as? Double == 1)
        #expect(report["far"] as? Double == 0)
        #expect(report["frr"] as? Double == 0)
        let best = try #require(report["best"] as? [String: Double])
        #expect(best["accuracy"] == 1)
        // Obama's pairs are below 0.6 and Biden's above it, so the best threshold
        // (halfway between the two groups) lies between them too.
        #expect((0.4...0.8).contains(best["threshold"] ?? 0))
        let tar = try #require(report["tar_at_far"] as? [[String: Any]])
        #expect(tar.map { $0["far_target"] as? Double } == [0.01, 0.001])
        #expect(tar.allSatisfy { $0["tar"] is NSNull }, "3 different-person pairs cannot measure FAR 1e-2")
        #expect(tar.map { $0["different_pairs_needed"] as? Int } == [100, 1000])
        #expect((report["roc"] as? [Any])?.count == 7)
        #expect(result.lines[0].hasPrefix("{\"pairs\":"))

        // --roc wrote the same curve as CSV.
        let csv = try String(contentsOfFile: roc, encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "threshold,far,tar")
        #expect(csv.count == 8)
        let rows = csv.dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
        #expect(rows.allSatisfy { $0.count == 3 })
        #expect(rows.first?[1] == 0 && rows.first?[2] == 0)
        #expect(rows.last?[1] == 1 && rows.last?[2] == 1)
    }

    @Test("human-readable output, the same_person header, and exit 0 when every image reads")
    func textOutput() throws {
        let (directory, _) = try pairList()
        let obama = TestResources.fixture("obama.jpg"), obama2 = TestResources.fixture("obama2.jpg")
        let biden = TestResources.fixture("biden.jpg")
        let pairs = try directory.write("clean.csv", text: "file_a,file_b,same_person\n\(obama),\(obama2),1\n\(obama),\(biden),0\n")
        let result = try facegate.run(["evaluate", "--pairs", pairs])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("pairs: 2 of 2 used (1 same person, 1 different)"))
        #expect(result.stdout.contains("threshold 0.6: accuracy 1.0000"))
        #expect(result.stdout.contains("TAR at FAR 1e-2: n/a (needs at least 100 different-person pairs, have 1)"))
    }

    @Test("--labels builds every pair of a labelled folder")
    func labels() throws {
        let directory = TemporaryDirectory()
        for name in ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"] {
            try FileManager.default.createSymbolicLink(atPath: directory.file(name), withDestinationPath: TestResources.fixture(name))
        }
        try directory.write("blank.png", bytes: SyntheticPNG.gradient(width: 320, height: 240))
        let labels = try directory.write(
            "labels.csv", text: "file,person\nobama.jpg,obama\nobama2.jpg,obama\nobama3.jpg,obama\nbiden.jpg,biden\nblank.png,nobody\n")
        let result = try facegate.run(["evaluate", "--labels", labels, "--root", directory.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(result.jsonLines.first)
        // 5 files make 10 pairs; the 4 with blank.png are left out: 3 same, 3 different.
        let counts = try #require(report["pairs"] as? [String: Int])
        #expect(counts["total"] == 10 && counts["used"] == 6)
        #expect(counts["same"] == 3 && counts["different"] == 3)
        #expect(report["accuracy"] as? Double == 1)
    }

    @Test("--open-set compares 1:1 claims with 1:N searches among synthetic subjects, and needs --labels")
    func openSet() throws {
        let directory = TemporaryDirectory()
        for name in ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "t1.jpg"] {
            try FileManager.default.createSymbolicLink(atPath: directory.file(name), withDestinationPath: TestResources.fixture(name))
        }
        let labels = try directory.write(
            "labels.csv", text: "file,person\nobama.jpg,obama\nobama2.jpg,obama\nobama3.jpg,obama\nbiden.jpg,biden\nt1.jpg,t1\n")
        let result = try facegate.run(["evaluate", "--labels", labels, "--open-set", "0,50", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(result.jsonLines.first)
        #expect((report["pairs"] as? [String: Int])?["used"] == 10, "the pair metrics are still there")
        let openSet = try #require(report["open_set"] as? [String: Any])
        #expect(openSet["probes"] as? Int == 5 && openSet["people"] as? Int == 3)
        #expect(openSet["seed"] as? Int == 1 && openSet["margin"] as? Double == 0.04)
        // Each of the 5 images claims the 2 other people; no two people are within 0.6.
        let claims = try #require(openSet["claims"] as? [String: Any])
        #expect(claims["total"] as? Int == 10 && claims["false_accepts"] as? Int == 0 && claims["far"] as? Double == 0)
        // obama-biden 3, obama-t1 3, biden-t1 1.
        #expect((openSet["real_impostor_distance"] as? [String: Any])?["n"] as? Int == 7)
        let galleries = try #require(openSet["galleries"] as? [[String: Any]])
        #expect(galleries.map { $0["synthetic_subjects"] as? Int } == [0, 50])
        #expect(galleries.map { $0["subjects"] as? Int } == [2, 52], "the two other real people are enrolled too")
        #expect(galleries.allSatisfy { $0["probes"] as? Int == 5 })
        #expect(galleries[0]["false_accepts"] as? Int == 0)
        #expect(galleries.allSatisfy { $0["expected_far"] as? Double == 0 }, "p = 0 predicts no false accept")
        #expect(galleries[0]["synthetic_distance"] is NSNull)
        #expect((galleries[1]["synthetic_distance"] as? [String: Any])?["n"] as? Int == 5 * 50)

        #expect(try facegate.run(["evaluate", "--pairs", labels, "--open-set", "1000"]).status == 64)
        #expect(try facegate.run(["evaluate", "--labels", labels, "--open-set", "1000,lots"]).status == 64)
    }

    /// The five fixture photos of three people, labelled, in a directory.
    private func fixtureLabels() throws -> (TemporaryDirectory, String) {
        let directory = TemporaryDirectory()
        for name in ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "t1.jpg"] {
            try FileManager.default.createSymbolicLink(atPath: directory.file(name), withDestinationPath: TestResources.fixture(name))
        }
        let labels = try directory.write(
            "labels.csv", text: "file,person\nobama.jpg,obama\nobama2.jpg,obama\nobama3.jpg,obama\nbiden.jpg,biden\nt1.jpg,t1\n")
        return (directory, labels)
    }

    /// Checks what every identification report must satisfy, and returns it.
    @discardableResult
    private func checkIdentification(_ report: [String: Any], det detFile: String?) throws -> [String: Any] {
        let identification = try #require(report["identification"] as? [String: Any])
        let fpir = try #require(identification["fpir"] as? Double)
        let fnir = try #require(identification["fnir"] as? Double)
        let rank1 = try #require(identification["rank1_accuracy"] as? Double)
        #expect((0...1).contains(fpir) && (0...1).contains(fnir) && (0...1).contains(rank1))
        #expect(rank1 >= 1 - fnir - 1e-12, "a hit at the threshold is a rank-1 hit")
        let det = try #require(identification["det"] as? [[String: Double]])
        #expect(!det.isEmpty)
        #expect(det.first?["fpir"] == 0 && det.first?["fnir"] == 1, "the curve starts from nothing returned")
        for (a, b) in zip(det, det.dropFirst()) {
            #expect(a["threshold"]! < b["threshold"]! && a["fpir"]! <= b["fpir"]! && a["fnir"]! >= b["fnir"]!, "monotone")
        }
        if let detFile {
            let rows = try String(contentsOfFile: detFile, encoding: .utf8).split(separator: "\n")
            #expect(rows.first == "threshold,fpir,fnir" && rows.count == det.count + 1)
        }
        return identification
    }

    @Test("--identification reports FPIR, FNIR, rank-1 and a monotone DET curve, and needs --labels")
    func identification() throws {
        let (directory, labels) = try fixtureLabels()
        let det = directory.file("det.csv")
        let result = try facegate.run(["evaluate", "--labels", labels, "--identification", "--det", det, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let identification = try checkIdentification(try #require(result.jsonLines.first), det: det)
        // Three people: two enrolled (every other of the shuffled three), one not.
        let gallery = try #require(identification["gallery"] as? [String: Int])
        #expect(gallery["enrolled_people"] == 2 && gallery["synthetic_subjects"] == 0 && gallery["subjects"] == 2)
        #expect(identification["not_enrolled_people"] as? Int == 1)
        let mated = try #require(identification["mated_searches"] as? Int)
        let unmated = try #require(identification["unmated_searches"] as? Int)
        #expect(mated + unmated == 3, "five photos, two of them templates")
        #expect((identification["at_target"] as? [String: Any])?["threshold"] is NSNull, "three searches cannot measure 1e-2")
        #expect((identification["expected"] as? [String: Any])?["source"] as? String == "shared_identities")

        // Synthetic strangers fill the gallery to the size asked for.
        let filled = try facegate.run(["evaluate", "--labels", labels, "--identification", "--gallery-size", "40", "--json"])
        #expect(filled.status == 0, "\(filled.stderr)")
        let filledGallery = (filled.jsonLines.first?["identification"] as? [String: Any])?["gallery"] as? [String: Int]
        #expect(filledGallery?["synthetic_subjects"] == 38 && filledGallery?["subjects"] == 40)

        // At a threshold nothing is beyond and no margin, every unmated search returns
        // someone, and a mated search fails only by not being nearest its own person.
        let everything = try facegate.run([
            "evaluate", "--labels", labels, "--identification", "--threshold", "3.9", "--margin", "0", "--json",
        ])
        #expect(everything.status == 0, "\(everything.stderr)")
        let open = try checkIdentification(try #require(everything.jsonLines.first), det: nil)
        #expect(open["fpir"] as? Double == 1)
        #expect(abs((open["fnir"] as? Double ?? 0) - (1 - (open["rank1_accuracy"] as? Double ?? 0))) < 1e-12)

        let text = try facegate.run(["evaluate", "--labels", labels, "--identification"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("identification (threshold 0.6, margin 0.04, seed 1): gallery of 2 subjects"))
        #expect(text.stdout.contains("rank-1 accuracy (closed set, no threshold): "))
        #expect(text.stdout.contains("at FPIR 1e-2: n/a (needs at least 100 unmated searches"))

        #expect(try facegate.run(["evaluate", "--pairs", labels, "--identification"]).status == 64)
        #expect(try facegate.run(["evaluate", "--labels", labels, "--det", det]).status == 64)
        #expect(try facegate.run(["evaluate", "--labels", labels, "--identification", "--target-fpir", "0"]).status == 64)
    }

    @Test("--identification on the shared identities set: consistent figures with a measurable target FPIR")
    func identificationOnSharedIdentities() throws {
        guard let faces = TestResources.sharedFaces(checking: "identification on the shared identities set") else { return }
        let directory = TemporaryDirectory()
        let det = directory.file("det.csv")
        let result = try facegate.run([
            "evaluate", "--labels", faces + "/identities/identities.csv", "--identification", "--gallery-size", "500",
            "--target-fpir", "0.05", "--det", det, "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let identification = try checkIdentification(try #require(result.jsonLines.first), det: det)
        let unmated = try #require(identification["unmated_searches"] as? Int)
        #expect(unmated >= 20, "about half the people's photos are unmated searches")
        let target = try #require(identification["at_target"] as? [String: Any])
        #expect(target["threshold"] is Double && (target["fpir"] as? Double ?? 1) <= 0.05)
        // Real faces of the same people: most members are found at dlib's threshold.
        #expect((identification["rank1_accuracy"] as? Double ?? 0) > 0.8)
    }

    @Test("--jitter averages templates over jittered copies and shows dlib's both-sides protocol beside")
    func jitter() throws {
        let (directory, labels) = try fixtureLabels()
        defer { withExtendedLifetime(directory) {} }
        let result = try facegate.run(["evaluate", "--labels", labels, "--jitter", "3", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(result.jsonLines.first)
        #expect(report["jitter"] as? Int == 3)
        #expect(report["accuracy"] as? Double == 1, "jittered Obama templates still match Obama, and no one else")
        let both = try #require(report["both_jittered"] as? [String: Any])
        #expect(both["accuracy"] as? Double == 1)
        let plain = try facegate.run(["evaluate", "--labels", labels, "--json"])
        #expect((plain.jsonLines.first?["both_jittered"]) == nil && plain.jsonLines.first?["jitter"] as? Int == 0)
        let text = try facegate.run(["evaluate", "--labels", labels, "--jitter", "3"])
        #expect(text.stdout.contains("templates (the first image of each pair) averaged over 3 jittered copies, probes plain"))
        #expect(try facegate.run(["evaluate", "--labels", labels, "--jitter", "101"]).status == 64)

        let embedded = try facegate.run(["embed", "--jitter", "3", "--json", TestResources.fixture("obama.jpg")])
        #expect(embedded.status == 0, "\(embedded.stderr)")
        let plainEmbedding = try facegate.run(["embed", "--json", TestResources.fixture("obama.jpg")])
        #expect(embedded.stdout != plainEmbedding.stdout, "the jittered descriptor differs from the plain one")
        #expect(try facegate.run(["embed", "--jitter", "-1", TestResources.fixture("obama.jpg")]).status == 64)
    }

    @Test("a malformed line is an error naming its line number; no list is a usage error")
    func badInput() throws {
        let directory = TemporaryDirectory()
        let pairs = try directory.write("pairs.csv", text: "file_a,file_b,same\na.jpg,b.jpg,1\na.jpg,b.jpg,maybe\n")
        let result = try facegate.run(["evaluate", "--pairs", pairs])
        #expect(result.status == 65)
        #expect(result.stderr.contains("line 3"))
        #expect(result.stdout.isEmpty)

        let json = try facegate.run(["evaluate", "--pairs", pairs, "--json"])
        #expect(json.status == 65)
        #expect((json.jsonLines.first?["error"] as? [String: Any])?["code"] as? String == "malformed_list")

        #expect(try facegate.run(["evaluate"]).status == 64)
        #expect(try facegate.run(["evaluate", "--pairs", pairs, "--labels", pairs]).status == 64)
        #expect(try facegate.run(["evaluate", "--pairs", directory.file("none.csv")]).status == 66)
    }

    @Test("when no pair has two faces the report still prints, and the exit status says so")
    func nothingUsable() throws {
        let directory = TemporaryDirectory()
        try directory.write("blank.png", bytes: SyntheticPNG.gradient(width: 320, height: 240))
        let pairs = try directory.write("pairs.csv", text: "blank.png,\(TestResources.fixture("obama.jpg")),0\n")
        let result = try facegate.run(["evaluate", "--pairs", pairs, "--json"])
        #expect(result.status == 65)
        let report = try #require(result.jsonLines.first)
        #expect((report["pairs"] as? [String: Int])?["used"] == 0)
        #expect(report["accuracy"] is NSNull)
        #expect(result.stderr.contains("no pair could be evaluated"))
    }
}
