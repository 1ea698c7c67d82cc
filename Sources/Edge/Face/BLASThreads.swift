internal import CDlibFace

/// The BLAS under dlib's network, as the library reports it.
public enum BLASThreads {
    /// Limits OpenBLAS to `count` threads. The pipeline runs detection and embedding
    /// on one core each; OpenBLAS's own threads would fight them (measured: 14 ms per
    /// descriptor with 1 thread, 120 ms with 2 while HOG runs beside it). Returns
    /// false when the BLAS is not OpenBLAS.
    @discardableResult
    public static func limit(to count: Int) -> Bool {
        fg_blas_set_threads(Int32(count)) == 1
    }

    /// `OpenBLAS 0.3.21 DYNAMIC_ARCH … , 1 thread(s)` or a note that it is another BLAS.
    public static var description: String {
        var buffer = [CChar](repeating: 0, count: 512)
        _ = fg_blas_describe(&buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static var isOpenBLAS: Bool {
        var buffer = [CChar](repeating: 0, count: 8)
        return fg_blas_describe(&buffer, buffer.count) == 1
    }
}
