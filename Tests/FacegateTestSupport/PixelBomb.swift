public import Foundation

/// PNG files small in bytes and large in pixels, made with Debian's Python and zlib
/// (test data only): a photo upload sized by bytes passes, and its decoded pixels are
/// what a daemon must budget.
public enum PixelBomb {
    /// A black `width` x `height` PNG, greyscale (1 byte a pixel) or RGB, zlib at level 9.
    public static func png(width: Int, height: Int, rgb: Bool = false) throws -> Data {
        let script = """
            import struct, sys, zlib
            w, h, rgb = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
            row = b"\\0" * (1 + w * (3 if rgb else 1))
            z = zlib.compressobj(9)
            data = b"".join(z.compress(row) for _ in range(h)) + z.flush()
            def chunk(kind, body):
                return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff)
            header = struct.pack(">IIBBBBB", w, h, 8, 2 if rgb else 0, 0, 0, 0)
            sys.stdout.buffer.write(b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b""))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, String(width), String(height), rgb ? "1" : "0"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, data.count > 8 else {
            throw NSError(
                domain: "pixel-bomb", code: Int(process.terminationStatus), userInfo: [NSLocalizedDescriptionKey: "python3 failed"])
        }
        return data
    }
}
