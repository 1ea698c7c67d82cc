#if canImport(Glibc)
    import Glibc
#endif

/// Where dlib's model files are. They come from the PyPI package
/// `face_recognition_models==0.3.0` (`make models`); the 68-point landmark model is
/// never used (its training data forbids commercial use).
public struct ModelFiles: Sendable, Equatable {
    public static let shapePredictorName = "shape_predictor_5_face_landmarks.dat"
    public static let resnetName = "dlib_face_recognition_resnet_model_v1.dat"
    public static let mmodName = "mmod_human_face_detector.dat"

    /// SHA-256 of each model file as shipped in face_recognition_models 0.3.0; the
    /// same digests are pinned in `models.sha256` for `make models`.
    public static let pinnedSHA256: [String: String] = [
        shapePredictorName: "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
        resnetName: "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
        mmodName: "4cb19393e2fbaf2b1609a9319ad5386618c886a6234ec1b971f3e87c85d87fe6",
    ]

    /// The environment variable that names the model directory.
    public static let environmentVariable = "FACEGATE_MODELS"

    public var directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public var shapePredictor: String { directory + "/" + Self.shapePredictorName }
    public var resnet: String { directory + "/" + Self.resnetName }
    public var mmod: String { directory + "/" + Self.mmodName }

    /// The directories searched, in order, when none is given: `$FACEGATE_MODELS`,
    /// `./.cache/models` (a source checkout after `make models`), then the install
    /// locations.
    public static func candidateDirectories(environment: [String: String]) -> [String] {
        var candidates: [String] = []
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty {
            candidates.append(fromEnvironment)
        }
        candidates += [".cache/models", "/var/lib/facegate/models", "/usr/local/share/facegate/models", "/usr/share/facegate/models"]
        return candidates
    }

    /// The model files in `explicit` if given, else in the first candidate directory
    /// that holds the descriptor model.
    public static func locate(explicit: String?, environment: [String: String]) throws(FaceEngineError) -> ModelFiles {
        if let explicit {
            return ModelFiles(directory: explicit)
        }
        return try locate(in: candidateDirectories(environment: environment))
    }

    /// The model files in the first of `candidates` that holds the descriptor model.
    public static func locate(in candidates: [String]) throws(FaceEngineError) -> ModelFiles {
        for candidate in candidates where access(candidate + "/" + resnetName, F_OK) == 0 {
            return ModelFiles(directory: candidate)
        }
        throw FaceEngineError(
            .invalidModel,
            "dlib's model files were not found in \(candidates.joined(separator: ", ")); run `make models` in the source tree or set \(environmentVariable) to the directory that holds \(resnetName)"
        )
    }

    /// Checks that a model file exists and is readable, so that a missing file gets a
    /// message of its own rather than dlib's deserialization error.
    func checkReadable(_ path: String, what: String) throws(FaceEngineError) {
        if access(path, F_OK) != 0 {
            throw FaceEngineError(
                .invalidModel, "the \(what) '\(path)' does not exist; run `make models` or set \(Self.environmentVariable)")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw FaceEngineError(
                .invalidModel, "the \(what) '\(path)' cannot be read: \(String(cString: strerror(errno))); fix its permissions")
        }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 || (info.st_mode & S_IFMT) != S_IFREG {
            throw FaceEngineError(.invalidModel, "the \(what) '\(path)' is not a regular file; run `make models` to fetch it")
        }
    }
}
