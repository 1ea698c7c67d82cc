import FaceEngine
import FacegateTestSupport
import Foundation
import Testing

@Suite("BLAS detection", .perTestLimit)
struct BLASInfoTests {
    @Test("with the engine loaded, the BLAS that serves dlib is found and really mapped")
    func currentProcess() throws {
        _ = TestEngine.shared
        let info = BLASInfo.current(environment: ["OPENBLAS_NUM_THREADS": "1"])
        #expect(info.kind != .notLoaded)
        let library = try #require(info.libraryPath)
        #expect(FileManager.default.fileExists(atPath: library))
        // Read the maps independently of BLASInfo's own parser (with read(2) until
        // EOF: procfs files report a size of 0, which whole-file readers trust).
        let maps = String(decoding: FileBytes.read("/proc/self/maps"), as: UTF8.self)
        #expect(maps.contains(library), "\(library) is not in /proc/self/maps")
        #expect(!info.mappedLibraries.isEmpty)
        for path in info.mappedLibraries { #expect(maps.contains(path)) }
        #expect(info.threadsSetting == "1")
        #expect(info.kind == BLASInfo.classify(library) || (BLASInfo.classify(library) == .openBLAS && info.kind.isOpenBLAS))
        if info.kind.isOpenBLAS {
            #expect(info.openBLASConfig?.hasPrefix("OpenBLAS") == true)
            #expect((info.openBLASThreads ?? 0) >= 1)
        }
        #expect(info.isReference == (info.kind == .reference))
        #expect(info.description.contains(library))
    }

    @Test(
        "Debian's library paths are told apart",
        arguments: [
            ("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3", BLASInfo.Kind.openBLASPthread),
            ("/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so", .openBLASPthread),
            ("/usr/lib/aarch64-linux-gnu/openblas-openmp/libblas.so.3", .openBLASOpenMP),
            ("/usr/lib/x86_64-linux-gnu/openblas-serial/libopenblas-r0.3.21.so", .openBLASSerial),
            ("/opt/lib/libopenblas.so.0", .openBLAS),
            ("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0", .reference),
            ("/usr/lib64/libblas.so.3", .reference),
            ("/opt/intel/mkl/lib/libmkl_rt.so.2", .other),
            ("/usr/lib/x86_64-linux-gnu/libblis.so.4", .other),
        ])
    func classify(path: String, kind: BLASInfo.Kind) {
        #expect(BLASInfo.classify(path) == kind)
    }

    @Test("the BLAS and LAPACK libraries are picked out of a maps text")
    func parseMaps() {
        let maps = """
            55d0c0a00000-55d0c0a02000 r--p 00000000 fe:00 123 /usr/bin/facegate
            7f0000000000-7f0000001000 r-xp 00000000 fe:00 456 /usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0
            7f0000001000-7f0000002000 r--p 00001000 fe:00 456 /usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0
            7f0000003000-7f0000004000 r-xp 00000000 fe:00 789 /usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3.11.0
            7f0000005000-7f0000006000 rw-p 00000000 00:00 0 
            7f0000007000-7f0000008000 r-xp 00000000 fe:00 999 /usr/lib/x86_64-linux-gnu/libgfortran.so.5.0.0
            7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
            """
        #expect(
            BLASInfo.blasLibraries(inMaps: maps) == [
                "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0",
                "/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3.11.0",
            ])
    }
}
