public import Foundation

/// PNG files small in bytes and large in pixels, made with Debian's Python and zlib
/// (test data only): a photo upload sized by bytes passes, and its decoded pixels are
/// what a daemon must budget.
public enum PixelBomb {
    /// A greyscale progressive JPEG of `width` x `height`, all black, whose one AC scan
    /// is repeated `extraScans` times: a few dozen bytes a scan, each a pass over every
    /// coefficient of the image for the decoder.
    public static func progressiveJPEG(width: Int, height: Int, extraScans: Int) throws -> Data {
        let script = """
            import struct, sys
            w, h, extra = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
            def segment(marker, body): return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body
            def packed(bits):
                bits += "1" * (-len(bits) % 8)
                out = bytearray()
                for i in range(0, len(bits), 8):
                    byte = int(bits[i:i + 8], 2)
                    out.append(byte)
                    if byte == 0xFF: out.append(0)
                return bytes(out)
            blocks = ((w + 7) // 8) * ((h + 7) // 8)
            jpeg = bytearray(b"\\xFF\\xD8") + segment(0xDB, bytes([0]) + bytes([1] * 64))
            jpeg += segment(0xC2, bytes([8]) + struct.pack(">HH", h, w) + bytes([1, 1, 0x11, 0]))
            jpeg += segment(0xC4, bytes([0x00, 1] + [0] * 15 + [0]))
            jpeg += segment(0xC4, bytes([0x10, 0, 0, 0, 15] + [0] * 12) + bytes(n << 4 for n in range(15)))
            jpeg += segment(0xDA, bytes([1, 1, 0x00, 0, 0, 0])) + packed("0" * blocks)
            bits, left = "", blocks
            while left > 0:
                run = min(32767, left)
                n = run.bit_length() - 1
                bits += format(n, "04b") + (format(run - (1 << n), "0%db" % n) if n else "")
                left -= run
            scan = segment(0xDA, bytes([1, 1, 0x00, 1, 63, 0])) + packed(bits)
            jpeg += scan * (1 + extra) + b"\\xFF\\xD9"
            sys.stdout.buffer.write(bytes(jpeg))
            """
        return try python(script, [String(width), String(height), String(extraScans)])
    }

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
        return try python(script, [String(width), String(height), rgb ? "1" : "0"])
    }

    private static func python(_ script: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script] + arguments
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
