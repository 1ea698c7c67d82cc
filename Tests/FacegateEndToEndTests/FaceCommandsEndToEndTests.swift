import FacegateTestSupport
import Foundation
import Testing

/// The `detect`, `embed` and `compare` commands, run as a user runs them: the real
/// binary, real model files, real photos.
@Suite("facegate detect / embed / compare", .perTestLimit)
struct FaceCommandsEndToEndTests {
    let facegate = FacegateProcess()

    @Test("detect --json prints one document per image in the documented format")
    func detectJSON() throws {
        let result = try facegate.run(["detect", "--json", TestResources.fixture("t1.jpg"), TestResources.fixture("obama.jpg")])
        #expect(result.status == 0, "\(result.stderr)")
        let documents = result.jsonLines
        #expect(documents.count == 2)
        let t1 = documents[0]
        #expect(t1["file"] as? String == TestResources.fixture("t1.jpg"))
        #expect(t1["width"] as? Int == 1280 && t1["height"] as? Int == 886)
        let faces = try #require(t1["faces"] as? [[String: Any]])
        #expect(faces.count == 6)
        let box = try #require(faces.first?["box"] as? [String: Int])
        #expect(Set(box.keys) == ["left", "top", "right", "bottom"])
        #expect(faces.first?["embedding"] == nil)
        let timings = try #require(t1["timings_ms"] as? [String: Double])
        #expect(Set(timings.keys) == ["decode", "detect", "align", "embed"])
        #expect(timings["detect"]! > 0)
        // Key order is part of the format.
        #expect(result.lines[0].hasPrefix("{\"file\":"))
    }

    @Test("embed --json gives 128 numbers per face")
    func embedJSON() throws {
        let result = try facegate.run(["embed", "--json", TestResources.fixture("obama.jpg")])
        #expect(result.status == 0, "\(result.stderr)")
        let faces = try #require(result.jsonLines.first?["faces"] as? [[String: Any]])
        let embedding = try #require(faces.first?["embedding"] as? [Double])
        #expect(embedding.count == 128)
        #expect(embedding.contains { $0 != 0 })
    }

    @Test("compare says obama.jpg and obama2.jpg are the same person, obama and biden are not")
    func compare() throws {
        let same = try facegate.run(["compare", "--json", TestResources.fixture("obama.jpg"), TestResources.fixture("obama2.jpg")])
        #expect(same.status == 0, "\(same.stderr)")
        let sameResult = try #require(same.jsonLines.first)
        #expect(sameResult["same"] as? Bool == true)
        #expect((sameResult["distance"] as? Double ?? 1) < 0.6)
        #expect(sameResult["threshold"] as? Double == 0.6)
        #expect(same.lines[0].hasPrefix("{\"distance\":"))

        let different = try facegate.run([
            "compare", "--json", "--threshold", "0.5", TestResources.fixture("obama.jpg"), TestResources.fixture("biden.jpg"),
        ])
        let differentResult = try #require(different.jsonLines.first)
        #expect(differentResult["same"] as? Bool == false)
        #expect(differentResult["threshold"] as? Double == 0.5)
    }

    @Test("--min-face reports boxes in the original image's pixels")
    func minFace() throws {
        let result = try facegate.run(["detect", "--json", "--min-face", "100", TestResources.fixture("t1.jpg")])
        #expect(result.status == 0, "\(result.stderr)")
        let faces = try #require(result.jsonLines.first?["faces"] as? [[String: Any]])
        #expect(faces.count == 5)
        for face in faces {
            let box = try #require(face["box"] as? [String: Int])
            #expect(box["right"]! - box["left"]! + 1 >= 100)
            #expect(box["right"]! <= 1280 && box["bottom"]! <= 886)
        }
        // The rightmost face sits at x ~1118-1226 in the 1280 px original: coordinates
        // of the 1024 px downscaled image would put it below 1000.
        #expect(faces.contains { ($0["box"] as! [String: Int])["left"]! > 1050 })
    }

    @Test("bad inputs get an error each, the good image is still processed, exit 2")
    func mixedBatch() throws {
        let directory = TemporaryDirectory()
        let empty = try directory.write("empty.jpg", bytes: [])
        let text = try directory.write("text.jpg", text: "hello")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: TestResources.fixture("obama.jpg")))
        let truncated = directory.file("truncated.jpg")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        let huge = try directory.write("huge.png", bytes: SyntheticPNG.header(width: 100_000, height: 100_000))
        let missing = directory.file("missing.jpg")
        let good = TestResources.fixture("obama.jpg")

        let result = try facegate.run(["detect", "--json", missing, empty, good, text, truncated, huge])
        #expect(result.status == 2, "some inputs failed: \(result.stdout)")
        let documents = result.jsonLines
        #expect(documents.count == 6)
        func error(_ index: Int) -> [String: String]? { (documents[index]["error"] as? [String: Any])?.compactMapValues { $0 as? String } }
        #expect(error(0)?["code"] == "file_not_found")
        #expect(error(1)?["code"] == "invalid_image")
        #expect((documents[2]["faces"] as? [Any])?.count == 1)
        #expect(error(3)?["code"] == "invalid_image")
        #expect(error(4)?["code"] == "invalid_image")
        #expect(error(5)?["code"] == "image_too_large")
        for (index, path) in [missing, empty, good, text, truncated, huge].enumerated() {
            #expect(documents[index]["file"] as? String == path)
            if let message = error(index)?["message"] { #expect(message.contains(path)) }
        }
    }

    @Test("when every input fails the exit status says why, and the message names the file")
    func allFail() throws {
        let missing = try facegate.run(["detect", "/nonexistent/a.jpg", "/nonexistent/b.jpg"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("/nonexistent/a.jpg"))
        #expect(missing.stderr.contains("/nonexistent/b.jpg"))

        let directory = TemporaryDirectory()
        let text = try directory.write("note.jpg", text: "not an image")
        let invalid = try facegate.run(["embed", text])
        #expect(invalid.status == 65)
        #expect(invalid.stderr.contains("note.jpg"))
    }

    @Test("missing models: a clear error and a configuration exit status")
    func missingModels() throws {
        let run = FacegateProcess(environment: ["FACEGATE_MODELS": "/nonexistent/models"])
        let result = try run.run(["detect", "--models", "/nonexistent/models", TestResources.fixture("obama.jpg")])
        #expect(result.status == 78)
        #expect(result.stderr.contains("/nonexistent/models"))
        #expect(result.stderr.contains("make models"))
    }

    @Test("an unreadable model file is named (run as an unprivileged user)")
    func unreadableModel() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            Issue.record("this test needs root and setpriv to act as an unprivileged user")
            return
        }
        let directory = TemporaryDirectory()
        chmod(directory.path, 0o755)
        for name in ["shape_predictor_5_face_landmarks.dat", "dlib_face_recognition_resnet_model_v1.dat"] {
            try FileManager.default.copyItem(atPath: TestResources.modelDirectory + "/" + name, toPath: directory.file(name))
        }
        chmod(directory.file("shape_predictor_5_face_landmarks.dat"), 0o644)
        chmod(directory.file("dlib_face_recognition_resnet_model_v1.dat"), 0o600)
        // Copy the binary somewhere `nobody` can reach.
        let binary = directory.file("facegate")
        try FileManager.default.copyItem(atPath: TestResources.facegateBinary, toPath: binary)
        chmod(binary, 0o755)
        let image = directory.file("photo.jpg")
        try FileManager.default.copyItem(atPath: TestResources.fixture("obama.jpg"), toPath: image)
        chmod(image, 0o644)
        let result = try facegate.run(
            ["--reuid=nobody", "--regid=nogroup", "--clear-groups", binary, "detect", "--models", directory.path, image],
            executable: "/usr/bin/setpriv")
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.contains("dlib_face_recognition_resnet_model_v1.dat"))
        #expect(result.stderr.contains("cannot be read"))
    }

    @Test("out-of-range options are usage errors")
    func usageErrors() throws {
        let result = try facegate.run(["detect", "--upsample", "9", TestResources.fixture("obama.jpg")])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--upsample"))
    }

    @Test("human-readable output names the file, the size and each face")
    func textOutput() throws {
        let result = try facegate.run(["detect", TestResources.fixture("t1.jpg")])
        #expect(result.status == 0)
        #expect(result.stdout.contains("1280x886, 6 faces"))
        #expect(result.lines.filter { $0.contains("face ") && $0.contains("left") }.count == 6)
    }
}
