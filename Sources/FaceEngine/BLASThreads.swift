internal import CDlibFace

/// How many threads OpenBLAS may use (what is loaded is `BLASInfo`'s business).
public enum BLASThreads {
    /// Limits OpenBLAS to `count` threads. The pipeline runs detection and embedding
    /// on one core each; OpenBLAS's own threads would fight them (measured: 14 ms per
    /// descriptor with 1 thread, 120 ms with 2 while HOG runs beside it). Returns
    /// false when the BLAS is not OpenBLAS.
    @discardableResult
    public static func limit(to count: Int) -> Bool {
        fg_blas_set_threads(Int32(count)) == 1
    }
}
