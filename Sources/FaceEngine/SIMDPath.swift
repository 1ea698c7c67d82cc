internal import CDlibFace
public import FacegateCore

/// Which build of dlib's HOG detector, 5-point shape predictor and chip extraction runs.
///
/// The shim compiles that code twice on x86-64: for the baseline (SSE2, in the binary)
/// and for x86-64-v3 (AVX2, FMA) into `libFacegateHOGv3.so` beside the binary, whose
/// symbols are all bound inside it so that neither build's copies of dlib's templates
/// can replace the other's. The process picks v3 when the CPU has every x86-64-v3
/// feature, the library loads and `FACEGATE_SIMD` is not `baseline`. Both give the same
/// boxes, landmarks and descriptors (tested); v3 detects faster. On arm64 only the
/// baseline exists, and it already has NEON, which dlib's 4-wide SIMD uses.
public enum SIMDPath: String, Sendable, CaseIterable, CustomStringConvertible {
    case baseline
    case x86V3 = "x86-64-v3"

    /// The path engines use unless told otherwise; decided once per process.
    public static var processDefault: SIMDPath { SIMDPath(shim: fg_simd_default_path()) }

    /// Nil when this path can run here; otherwise why not (a missing CPU feature, the library).
    public var unavailableReason: String? {
        var why = [CChar](repeating: 0, count: 256)
        guard fg_simd_path_available(shim, &why, why.count) == 0 else { return nil }
        return String(decoding: why.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var isAvailable: Bool { unavailableReason == nil }

    /// Whether the CPU has every feature this path was compiled for (whether or not it loads).
    public var cpuSupports: Bool { fg_simd_cpu_supports(shim) != 0 }

    /// The instruction sets this path uses, as `facegate doctor` and `bench` print them.
    public var description: String {
        switch self {
        case .baseline:
            #if arch(arm64)
                return "baseline (NEON)"
            #else
                return "baseline (SSE2)"
            #endif
        case .x86V3: return "x86-64-v3 (AVX2, FMA)"
        }
    }

    /// The default path and, when it is the baseline, why v3 is not used.
    public static var processReport: String {
        let path = processDefault
        guard path == .baseline else { return path.description }
        if ProcessEnvironment.current[environmentVariable] == "baseline" {
            return "\(path) (\(environmentVariable)=baseline)"
        }
        #if arch(x86_64)
            return "\(path) (x86-64-v3 not used: \(SIMDPath.x86V3.unavailableReason ?? "unknown reason"))"
        #else
            return path.description
        #endif
    }

    /// `FACEGATE_SIMD=baseline` makes the baseline the process default (read by the shim).
    public static let environmentVariable = "FACEGATE_SIMD"

    public var json: JSONValue {
        ["path": .string(rawValue), "description": .string(description), "default": .string(Self.processReport)]
    }

    var shim: Int32 {
        switch self {
        case .baseline: Int32(FG_SIMD_BASELINE)
        case .x86V3: Int32(FG_SIMD_X86_64_V3)
        }
    }

    init(shim: Int32) { self = shim == Int32(FG_SIMD_X86_64_V3) ? .x86V3 : .baseline }
}
