public import FaceEngine
import Foundation
import Logging
import Testing

/// One face engine for a whole test process: loading the models takes half a second.
/// `FaceEngine` is safe to share between concurrently running tests.
public enum TestEngine {
    public static let shared: FaceEngine = {
        do {
            return try FaceEngine(models: TestResources.models, loadCNN: true, logger: Logger(label: "test"))
        } catch {
            fatalError("cannot load the dlib models from \(TestResources.modelDirectory): \(error). Run `make models`.")
        }
    }()

    /// An engine (without the CNN) on each code path of the HOG, landmark and chip code,
    /// for the tests that run both; an error where that path cannot run here.
    public static let onPath: [SIMDPath: Result<FaceEngine, FaceEngineError>] = Dictionary(
        uniqueKeysWithValues: SIMDPath.allCases.map { path in
            (
                path,
                Result { () throws(FaceEngineError) in
                    try FaceEngine(models: TestResources.models, simd: path, logger: Logger(label: "test"))
                }
            )
        })

    /// The engine on `path`.
    public static func engine(on path: SIMDPath) throws -> FaceEngine { try onPath[path]!.get() }

    /// The first `limit` group photos of `../shared/faces/groups`, decoded, in name
    /// order; nil when `../shared` is absent (the caller says what it skipped).
    public static func sharedGroupPhotos(limit: Int, checking what: String) throws -> [(name: String, image: RGBImage)]? {
        guard let faces = TestResources.sharedFaces(checking: what) else { return nil }
        let names = try FileManager.default.contentsOfDirectory(atPath: faces + "/groups").filter { $0.hasSuffix(".jpg") }.sorted()
        return try names.prefix(limit).map { ($0, try ImageDecoder().decode(file: faces + "/groups/" + $0)) }
    }

    /// The decoded fixture photo `name`.
    public static func image(_ name: String) throws -> RGBImage {
        try ImageDecoder().decode(file: TestResources.fixture(name))
    }
}
