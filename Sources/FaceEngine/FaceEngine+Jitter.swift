internal import CDlibFace
public import FacegateCore

extension FaceEngine {
    /// The most jittered copies a template may average (`--jitter`): dlib's example
    /// uses 100, and each copy costs one pass of the network.
    public static let jitterRange = 0...Int(FG_MAX_JITTER)

    /// The seed of the jitter: fixed, so that a photo always gives the same template.
    public static let jitterSeed: UInt64 = 0

    /// Each chip's descriptor averaged over `jitter` jittered and mirrored copies of
    /// it (dlib's recipe, `compute_face_descriptor(img, shape, num_jitters)`: 99.13% to
    /// 99.38% on LFW); with `jitter` 0 the plain descriptors. Unlike dlib's Python
    /// binding, 1 means one jittered copy, not none. The mean is not renormalised, as
    /// dlib's is not. Costs `jitter` network passes per chip: for templates, never for
    /// the door.
    public func descriptors(of chips: FaceChips, jitter: Int) throws(FaceEngineError) -> [FaceDescriptor] {
        guard jitter > 0, chips.count > 0 else { return try descriptors(of: chips) }
        guard Self.jitterRange.contains(jitter) else {
            throw FaceEngineError(.invalidArgument, "jitter must be between 0 and \(Self.jitterRange.upperBound) copies")
        }
        let copies = FaceChips(count: chips.count * jitter)
        var error = fg_error()
        let status = fg_jitter_chips(
            chips.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(chips.count), Int32(jitter), Self.jitterSeed,
            copies.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), &error)
        guard status == FG_OK else { throw FaceEngineError(status: status, error, context: "jittering face chips") }
        let described = try descriptors(of: copies)
        defer { described.forEach { $0.wipe() } }
        var mean = [Float](repeating: 0, count: FaceDescriptor.dimensions)
        defer { mean.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
        return (0..<chips.count).map { chip in
            for index in mean.indices { mean[index] = 0 }
            for copy in described[(chip * jitter)..<((chip + 1) * jitter)] {
                copy.withUnsafeValues { values in
                    for index in mean.indices { mean[index] += values[index] }
                }
            }
            for index in mean.indices { mean[index] /= Float(jitter) }
            return FaceDescriptor(mean)
        }
    }
}
