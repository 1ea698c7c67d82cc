import FacegateCore

extension FaceEngine {
    /// Decodes the image file at `path` and analyses it, timing the decode too. The
    /// decoded pixels are wiped before this returns.
    public func analyze(
        file path: String, decoder: ImageDecoder, options: DetectionOptions, describe: Bool, jitter: Int = 0
    ) throws(FaceEngineError) -> FaceAnalysis {
        let start = ContinuousClock.now
        let image = try decoder.decode(file: path)
        let decodeTime = (ContinuousClock.now - start).milliseconds
        var analysis = try analyze(image, options: options, describe: describe, jitter: jitter)
        analysis.timings.decode = decodeTime
        return analysis
    }
}

extension FaceAnalysis {
    /// The face with the largest box, which is the one a person means in a portrait.
    public var largestFace: Face? {
        faces.max { $0.box.area < $1.box.area }
    }
}
