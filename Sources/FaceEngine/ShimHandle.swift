internal import CDlibFace

/// An owned pointer to a shim object that one thread at a time may use; kept in a
/// `Mutex` by `FaceEngine`, which is what makes sending it between threads safe.
struct ShimHandle: @unchecked Sendable {
    enum Kind { case hog, resnet, mmod }

    let pointer: OpaquePointer
    let kind: Kind

    static func hogDetector(simd: SIMDPath, threads: Int) throws(FaceEngineError) -> ShimHandle {
        var error = fg_error()
        var out: OpaquePointer?
        let status = fg_hog_detector_create_on(simd.shim, &out, &error)
        guard status == FG_OK, let out else { throw FaceEngineError(status: status, error, context: "HOG detector") }
        fg_hog_detector_set_threads(out, Int32(threads))
        return ShimHandle(pointer: out, kind: .hog)
    }

    static func resnet(path: String) throws(FaceEngineError) -> ShimHandle {
        var error = fg_error()
        var out: OpaquePointer?
        let status = fg_resnet_load(path, &out, &error)
        guard status == FG_OK, let out else {
            throw FaceEngineError(
                .invalidModel,
                "'\(path)' is not dlib's ResNet face descriptor model (\(error.text)); run `make models` to fetch the right file")
        }
        return ShimHandle(pointer: out, kind: .resnet)
    }

    static func mmod(path: String) throws(FaceEngineError) -> ShimHandle {
        var error = fg_error()
        var out: OpaquePointer?
        let status = fg_mmod_load(path, &out, &error)
        guard status == FG_OK, let out else {
            throw FaceEngineError(
                .invalidModel, "'\(path)' is not dlib's MMOD face detector model (\(error.text)); run `make models` to fetch the right file"
            )
        }
        return ShimHandle(pointer: out, kind: .mmod)
    }

    func cloneResnet() throws(FaceEngineError) -> ShimHandle {
        var error = fg_error()
        var out: OpaquePointer?
        let status = fg_resnet_clone(pointer, &out, &error)
        guard status == FG_OK, let out else { throw FaceEngineError(status: status, error, context: "ResNet copy") }
        return ShimHandle(pointer: out, kind: .resnet)
    }

    /// Frees the shim object. Called once, by the owner's deinit.
    func destroy() {
        switch kind {
        case .hog: fg_hog_detector_destroy(pointer)
        case .resnet: fg_resnet_destroy(pointer)
        case .mmod: fg_mmod_destroy(pointer)
        }
    }
}

/// The 5-point shape model, shared read-only by sibling engines.
final class ShapeModel: @unchecked Sendable {
    let pointer: OpaquePointer

    init(path: String, simd: SIMDPath) throws(FaceEngineError) {
        var error = fg_error()
        var out: OpaquePointer?
        let status = fg_shape_model_load_on(simd.shim, path, &out, &error)
        guard status == FG_OK, let out else {
            if status == FG_E_ARGUMENT { throw FaceEngineError(status: status, error, context: "5-point landmark model") }
            throw FaceEngineError(
                .invalidModel, "'\(path)' is not dlib's 5-point landmark model (\(error.text)); run `make models` to fetch the right file")
        }
        pointer = out
    }

    deinit { fg_shape_model_destroy(pointer) }
}
