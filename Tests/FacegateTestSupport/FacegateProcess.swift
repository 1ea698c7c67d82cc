public import Foundation

/// Runs the real `facegate` binary, as a user would, and collects what it printed.
public struct FacegateProcess: Sendable {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        /// Standard output split into lines, empty lines dropped.
        public var lines: [String] { stdout.split(separator: "\n").map(String.init) }

        /// Each line of standard output parsed as a JSON object.
        public var jsonLines: [[String: Any]] {
            lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
    }

    public var environment: [String: String]

    public init(environment extra: [String: String] = [:]) {
        var environment = ProcessInfo.processInfo.environment
        environment["FACEGATE_MODELS"] = TestResources.modelDirectory
        environment["OPENBLAS_NUM_THREADS"] = environment["OPENBLAS_NUM_THREADS"] ?? "1"
        for (key, value) in extra { environment[key] = value }
        self.environment = environment
    }

    /// Runs `facegate arguments...` to completion.
    public func run(_ arguments: [String], stdin: Data? = nil, executable: String = TestResources.facegateBinary) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try? input.fileHandleForWriting.close()
        // Read both pipes concurrently so that neither fills up and blocks the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
