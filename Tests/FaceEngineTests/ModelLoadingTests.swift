import FaceEngine
import FacegateCore
import FacegateTestSupport
import Foundation
import Logging
import Testing

@Suite("Model files", .perTestLimit)
struct ModelLoadingTests {
    private func modelDirectory(replacing name: String, with contents: (String) throws -> Void) throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        for file in [ModelFiles.shapePredictorName, ModelFiles.resnetName, ModelFiles.mmodName] where file != name {
            try FileManager.default.createSymbolicLink(
                atPath: directory.file(file), withDestinationPath: TestResources.modelDirectory + "/" + file)
        }
        try contents(directory.file(name))
        return directory
    }

    private func load(_ directory: TemporaryDirectory) throws(FaceEngineError) {
        _ = try FaceEngine(models: ModelFiles(directory: directory.path), loadCNN: true, logger: Logger(label: "test"))
    }

    @Test("a missing model file names the file and says to run make models")
    func missingModel() throws {
        let directory = try modelDirectory(replacing: ModelFiles.resnetName) { _ in }
        let error = #expect(throws: FaceEngineError.self) { try load(directory) }
        #expect(error?.code == .invalidModel)
        #expect(error?.message.contains(ModelFiles.resnetName) == true)
        #expect(error?.message.contains("make models") == true)
        #expect(error?.exitStatus == .configuration)
    }

    @Test(
        "a model file of the wrong kind is refused, named",
        arguments: [
            (ModelFiles.resnetName, ModelFiles.mmodName),
            (ModelFiles.shapePredictorName, ModelFiles.resnetName),
            (ModelFiles.mmodName, ModelFiles.shapePredictorName),
        ])
    func wrongKind(target: String, source: String) throws {
        let directory = try modelDirectory(replacing: target) { path in
            try FileManager.default.copyItem(atPath: TestResources.modelDirectory + "/" + source, toPath: path)
        }
        let error = #expect(throws: FaceEngineError.self) { try load(directory) }
        #expect(error?.code == .invalidModel)
        #expect(error?.message.contains(target) == true)
        #expect(error?.message.contains("\n") == false)
    }

    @Test("a text file or a truncated model is refused")
    func garbageModel() throws {
        let text = try modelDirectory(replacing: ModelFiles.resnetName) { path in
            try Data("not a model\n".utf8).write(to: URL(fileURLWithPath: path))
        }
        #expect(throws: FaceEngineError.self) { try load(text) }
        let truncated = try modelDirectory(replacing: ModelFiles.resnetName) { path in
            let bytes = try Data(contentsOf: URL(fileURLWithPath: TestResources.models.resnet))
            try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: path))
        }
        let error = #expect(throws: FaceEngineError.self) { try load(truncated) }
        #expect(error?.code == .invalidModel)
    }

    @Test("a directory where a model file should be is refused")
    func directoryAsModel() throws {
        let directory = try modelDirectory(replacing: ModelFiles.shapePredictorName) { path in
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }
        let error = #expect(throws: FaceEngineError.self) { try load(directory) }
        #expect(error?.code == .invalidModel)
    }

    @Test("no model directory at all says where it looked")
    func noModelDirectory() {
        let candidates = ModelFiles.candidateDirectories(environment: ["FACEGATE_MODELS": "/nonexistent/models"])
        #expect(candidates.first == "/nonexistent/models")
        let error = #expect(throws: FaceEngineError.self) {
            try ModelFiles.locate(in: ["/nonexistent/models", "/nonexistent/other"])
        }
        #expect(error?.message.contains("/nonexistent/models, /nonexistent/other") == true)
        #expect(error?.message.contains("FACEGATE_MODELS") == true)
    }

    @Test("the digests pinned for make models are the ones the code knows")
    func pinnedDigestsAgree() throws {
        let text = try String(contentsOfFile: TestResources.repositoryRoot + "/scripts/models.sha256", encoding: .utf8)
        var pinned: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            pinned[String(parts[1])] = String(parts[0])
        }
        #expect(pinned == ModelFiles.pinnedSHA256)
        #expect(pinned.keys.allSatisfy { !$0.contains("68") }, "the 68-point model must never be used")
    }
}
