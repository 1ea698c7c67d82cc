import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

/// A console account's new password, read from standard input and never from the
/// command line (another user of the box can read a process's arguments with `ps`).
/// On a terminal it is asked for twice with echo off; otherwise the first line is the
/// password (`printf '%s\n' "$PW" | facegate console user add …`). The bytes are read
/// with `read(2)` into buffers that are wiped, never into a `String`.
enum PasswordInput {
    /// The longest line read: the longest password accepted, its line end and one
    /// byte more (so that a longer one is refused, not cut short).
    static let maximumLineBytes = 1024 + 3

    static func readNew() throws -> SecretBytes {
        guard isatty(STDIN_FILENO) == 1 else {
            let line = try readLine()
            guard !line.isEmpty else {
                throw CommandError(
                    .invalidArgument,
                    "standard input gave no password: pipe the password as its first line, or run this on a terminal to be asked for it")
            }
            return SecretBytes(line)
        }
        var first = try prompt("New console password: ")
        defer { first.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
        guard !first.isEmpty else { throw CommandError(.invalidArgument, "no password was typed; nothing was changed") }
        var second = try prompt("The same password again: ")
        defer { second.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
        guard first == second else { throw CommandError(.invalidArgument, "the two passwords differ; nothing was changed") }
        return SecretBytes(first)
    }

    /// Asks on standard error and reads one line with the terminal's echo off,
    /// restoring the terminal however the read ends.
    static func prompt(_ text: String) throws -> [UInt8] {
        StandardStreams.writeError(text)
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else {
            throw CommandError(
                .invalidArgument, "cannot turn the terminal's echo off to read the password; pipe it on standard input instead")
        }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO | ECHONL)
        quiet.c_lflag |= tcflag_t(ICANON)
        // Interrupted at the prompt (^C), the terminal gets its echo back before exiting.
        Self.savedTerminal = saved
        let previous = (signal(SIGINT, Self.restoreAndExit), signal(SIGTERM, Self.restoreAndExit))
        guard tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0 else {
            _ = signal(SIGINT, previous.0)
            _ = signal(SIGTERM, previous.1)
            throw CommandError(
                .invalidArgument, "cannot turn the terminal's echo off to read the password; pipe it on standard input instead")
        }
        defer {
            _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            _ = signal(SIGINT, previous.0)
            _ = signal(SIGTERM, previous.1)
            StandardStreams.writeError("\n")
        }
        return try readLine()
    }

    /// The terminal's settings before the echo was turned off, for `restoreAndExit`.
    nonisolated(unsafe) static var savedTerminal = termios()

    /// A signal handler: restores the terminal (async-signal-safe calls only) and exits 130.
    static let restoreAndExit: @convention(c) (Int32) -> Void = { _ in
        _ = tcsetattr(STDIN_FILENO, TCSANOW, &PasswordInput.savedTerminal)
        _ = write(STDERR_FILENO, "\n", 1)
        _exit(130)
    }

    /// One line of standard input, without its line end (`\n`, `\r\n`), byte by byte so
    /// that nothing after it is consumed; empty at the end of input.
    static func readLine() throws -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(maximumLineBytes)
        var byte: UInt8 = 0
        while line.count < maximumLineBytes {
            let count = read(STDIN_FILENO, &byte, 1)
            if count < 0, errno == EINTR { continue }
            guard count == 1, byte != UInt8(ascii: "\n") else { break }
            line.append(byte)
        }
        byte = 0
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line
    }
}
