public import FaceEngine
import Logging

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

    /// The decoded fixture photo `name`.
    public static func image(_ name: String) throws -> RGBImage {
        try ImageDecoder().decode(file: TestResources.fixture(name))
    }
}
