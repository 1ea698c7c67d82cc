import FacegateTestSupport
import Foundation
import Testing

/// `--detector` through the real binary: MMOD's memory stays bounded on a large photo.
@Suite("Detector end to end", .perTestLimit)
struct DetectorEndToEndTests {
    @Test("facegate detect --detector cnn on a 13-megapixel photo stays under 2 GB of memory")
    func mmodMemoryBound() throws {
        guard let faces = TestResources.sharedFaces(checking: "MMOD's memory") else { return }
        let photo = faces + "/lowlight/rayhanhemel_4_image9.jpg"  // 4160x3120
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else {
            Issue.record("/usr/bin/time is missing: MMOD's memory is not checked")
            return
        }
        let result = try FacegateProcess().run(
            ["-f", "maxrss_kb=%M", TestResources.facegateBinary, "detect", "--json", "--detector", "cnn", photo],
            executable: "/usr/bin/time")
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(result.stderr.split(separator: "\n").last { $0.hasPrefix("maxrss_kb=") })
        let kilobytes = try #require(Int(line.dropFirst("maxrss_kb=".count)))
        #expect(kilobytes < 2_000_000, "peak RSS \(kilobytes) kB")
    }
}
