internal import CLinuxSupport
public import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

/// Which BLAS library this process uses for dlib's network, and how many threads it
/// may start: a descriptor takes ten times longer on Debian's reference BLAS than on
/// OpenBLAS, so benchmarks print this and `facegate doctor` checks it.
///
/// Read from the process itself, not from the package database: the library that
/// serves `cblas_sgemm` (the call dlib's convolutions make) as the dynamic linker
/// resolves it, and every BLAS or LAPACK library in `/proc/self/maps`. The Debian
/// alternatives system can point `libblas.so.3` at either, so only the running
/// process knows. Call it after a `FaceEngine` exists (dlib is linked in, so its
/// BLAS is mapped from the start, but a future plug-in loader would change that).
public struct BLASInfo: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// OpenBLAS with its own thread pool (Debian `libopenblas0-pthread`): the one to use.
        case openBLASPthread = "openblas-pthread"
        /// OpenBLAS threaded with OpenMP (`libopenblas0-openmp`).
        case openBLASOpenMP = "openblas-openmp"
        /// Single-threaded OpenBLAS (`libopenblas0-serial`).
        case openBLASSerial = "openblas-serial"
        /// OpenBLAS whose threading could not be told.
        case openBLAS = "openblas"
        /// Netlib's reference BLAS (`libblas3`): correct but about ten times slower.
        case reference = "reference"
        /// Another optimised BLAS (MKL, BLIS, ATLAS, FlexiBLAS) or an unknown library.
        case other = "other"
        /// No BLAS library is mapped.
        case notLoaded = "none"

        public var isOpenBLAS: Bool {
            switch self {
            case .openBLASPthread, .openBLASOpenMP, .openBLASSerial, .openBLAS: true
            default: false
            }
        }
    }

    public let kind: Kind
    /// The library that serves `cblas_sgemm` (symbolic links resolved), or failing
    /// that the most telling BLAS library mapped; nil when there is none.
    public let libraryPath: String?
    /// Every BLAS or LAPACK library mapped into the process, in map order.
    public let mappedLibraries: [String]
    /// `OPENBLAS_NUM_THREADS` as set in the environment; nil when unset.
    public let threadsSetting: String?
    /// OpenBLAS's description of its build (`openblas_get_config()`), when it is loaded.
    public let openBLASConfig: String?
    /// The threads OpenBLAS will use (`openblas_get_num_threads()`), when it is loaded.
    public let openBLASThreads: Int?

    public init(
        kind: Kind, libraryPath: String?, mappedLibraries: [String], threadsSetting: String? = nil,
        openBLASConfig: String? = nil, openBLASThreads: Int? = nil
    ) {
        self.kind = kind
        self.libraryPath = libraryPath
        self.mappedLibraries = mappedLibraries
        self.threadsSetting = threadsSetting
        self.openBLASConfig = openBLASConfig
        self.openBLASThreads = openBLASThreads
    }

    /// Whether dlib runs on Netlib's reference BLAS, the slow case worth a warning.
    public var isReference: Bool { kind == .reference }

    /// What this process uses now.
    public static func current(environment: [String: String] = ProcessEnvironment.current) -> BLASInfo {
        let mapped = blasLibraries(inMaps: readProcSelfMaps())
        let provider = symbolProvider("cblas_sgemm")
        let libraryPath = provider ?? mapped.max { classificationRank($0) < classificationRank($1) }
        var kind = libraryPath.map(classify) ?? .notLoaded
        let config = callStringFunction("openblas_get_config")
        let threads = callIntFunction("openblas_get_num_threads").map(Int.init)
        if kind == .openBLAS, let parallel = callIntFunction("openblas_get_parallel") {
            // 0: sequential, 1: pthreads, 2: OpenMP (OpenBLAS's own convention).
            kind = [0: .openBLASSerial, 1: .openBLASPthread, 2: .openBLASOpenMP][parallel] ?? .openBLAS
        }
        return BLASInfo(
            kind: kind, libraryPath: libraryPath, mappedLibraries: mapped,
            threadsSetting: environment["OPENBLAS_NUM_THREADS"],
            openBLASConfig: kind.isOpenBLAS ? config : nil, openBLASThreads: kind.isOpenBLAS ? threads : nil)
    }

    /// The kind of BLAS a library file is, from its path: Debian keeps each OpenBLAS
    /// flavour in its own directory (`openblas-pthread/libblas.so.3`), the reference
    /// implementation is plain `libblas.so.3`.
    public static func classify(_ path: String) -> Kind {
        let lowered = path.lowercased()
        let name = lowered.split(separator: "/").last.map(String.init) ?? lowered
        if lowered.contains("/openblas-pthread/") || name.hasPrefix("libopenblasp") { return .openBLASPthread }
        if lowered.contains("/openblas-openmp/") || name.hasPrefix("libopenblaso") { return .openBLASOpenMP }
        if lowered.contains("/openblas-serial/") { return .openBLASSerial }
        if name.contains("openblas") { return .openBLAS }
        if otherBLASPrefixes.contains(where: name.hasPrefix) { return .other }
        if name.hasPrefix("libblas.") || name.hasPrefix("libcblas.") || name.hasPrefix("librefblas") { return .reference }
        return .other
    }

    /// The BLAS and LAPACK libraries among the file mappings of a `/proc/PID/maps` text.
    public static func blasLibraries(inMaps text: String) -> [String] {
        var seen = Set<String>()
        var libraries: [String] = []
        for line in text.split(separator: "\n") {
            // address perms offset dev inode pathname: the path is whatever follows the
            // fifth field, and may itself contain spaces.
            var rest = Substring(line)
            for _ in 0..<5 {
                rest = rest.drop(while: { $0 != " " }).drop(while: { $0 == " " })
            }
            var path = String(rest)
            if path.hasSuffix(" (deleted)") { path.removeLast(" (deleted)".count) }
            guard path.hasPrefix("/"), isBLASLibrary(path), seen.insert(path).inserted else { continue }
            libraries.append(path)
        }
        return libraries
    }

    public var description: String {
        var text = kind.rawValue
        if let libraryPath { text += " (\(libraryPath))" }
        if let openBLASThreads { text += ", \(openBLASThreads) thread\(openBLASThreads == 1 ? "" : "s")" }
        text += ", OPENBLAS_NUM_THREADS=\(threadsSetting ?? "unset")"
        return text
    }

    public var json: JSONValue {
        [
            "kind": .string(kind.rawValue),
            "library": .string(libraryPath),
            "mapped": .array(mappedLibraries.map(JSONValue.string)),
            "openblas_num_threads": .string(threadsSetting),
            "openblas_threads": openBLASThreads.map(JSONValue.int) ?? .null,
            "openblas_config": .string(openBLASConfig),
        ]
    }

    // MARK: Reading the process

    private static let otherBLASPrefixes = [
        "libmkl", "libblis", "libatlas", "libsatlas", "libtatlas", "libflexiblas", "libarmpl", "libessl",
    ]

    private static func isBLASLibrary(_ path: String) -> Bool {
        let name = (path.split(separator: "/").last.map(String.init) ?? path).lowercased()
        guard name.hasPrefix("lib"), name.contains(".so") else { return false }
        return name.contains("blas") || name.contains("lapack") || otherBLASPrefixes.contains(where: name.hasPrefix)
    }

    /// When nothing says which library serves BLAS calls: an OpenBLAS core library
    /// tells the most, then another vendor's, then any libblas.
    private static func classificationRank(_ path: String) -> Int {
        let kind = classify(path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if kind.isOpenBLAS { return name.contains("openblas") ? 4 : 3 }
        if name.lowercased().contains("lapack") { return 0 }
        return kind == .other ? 2 : 1
    }

    private static func readProcSelfMaps() -> String {
        guard let file = fopen("/proc/self/maps", "r") else { return "" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The file (symbolic links resolved) that defines `symbol` in the process's
    /// global scope: the definition the dynamic linker binds dlib's calls to.
    private static func symbolProvider(_ symbol: String) -> String? {
        guard let address = globalSymbol(symbol) else { return nil }
        guard let name = fg_linux_object_defining(address) else { return nil }
        guard let resolved = realpath(name, nil) else { return String(cString: name) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func globalSymbol(_ symbol: String) -> UnsafeMutableRawPointer? {
        guard let handle = dlopen(nil, RTLD_NOW) else { return nil }
        defer { dlclose(handle) }
        return dlsym(handle, symbol)
    }

    private static func callIntFunction(_ symbol: String) -> Int32? {
        guard let address = globalSymbol(symbol) else { return nil }
        typealias Function = @convention(c) () -> Int32
        return unsafeBitCast(address, to: Function.self)()
    }

    private static func callStringFunction(_ symbol: String) -> String? {
        guard let address = globalSymbol(symbol) else { return nil }
        typealias Function = @convention(c) () -> UnsafePointer<CChar>?
        guard let text = unsafeBitCast(address, to: Function.self)() else { return nil }
        return String(cString: text).trimmingPrefix(while: \.isWhitespace).split(separator: " ").joined(separator: " ")
    }
}
