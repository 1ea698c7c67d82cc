#if canImport(Glibc)
    import Glibc
#endif

/// Writes to the standard file descriptors with `write(2)`: no stdio buffers, so a
/// line reaches journald or a reading pipe whole and at once.
public enum StandardStreams {
    public static func writeOut(_ text: String) { write(to: STDOUT_FILENO, text) }
    public static func writeError(_ text: String) { write(to: STDERR_FILENO, text) }

    public static func write(to descriptor: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }
}
