import ArgumentParser
import Consent
import Dispatch
import FacegateCore
import FacegateTools
import Logging
import Vault

#if canImport(Glibc)
    import Glibc
#endif

extension Facegate {
    /// Benchmarks, for release builds: medians over several runs, never timed tests.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure facegate's speed on this machine (use a release build).",
            discussion: "Without a subcommand, runs `images` then `search`.",
            subcommands: [All.self, Images.self, Search.self, Open.self, Erasure.self, LowLight.self, Pipeline.self, FleetScale.self],
            defaultSubcommand: All.self)
    }
}

extension Facegate.Bench {
    /// 1:N search over synthetic templates.
    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time gallery search over synthetic templates.")

        @Option(help: "Gallery sizes to measure, comma-separated.")
        var templates: String = "10000,100000,1000000"

        @Option(help: "Searches per size.")
        var runs: Int = 50

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            guard runs > 0 else { throw ValidationError("--runs must be at least 1") }
            guard !Self.sizes(templates).isEmpty else { throw ValidationError("--templates must list gallery sizes, e.g. 10000,100000") }
        }

        func run() async throws {
            var results: [JSONValue] = []
            for size in Self.sizes(templates) {
                let stats = Self.measure(size: size, runs: runs)
                if json {
                    results.append(["templates": .int(size), "search_ms": stats.json])
                } else {
                    CommandOutput.line(Self.line(size: size, stats: stats, runs: runs))
                }
            }
            if json { CommandOutput.json(["search": .array(results)]) }
        }

        static func sizes(_ list: String) -> [Int] {
            list.split(separator: ",").compactMap { Int($0.trimmingPrefix(while: \.isWhitespace)) }.filter { $0 > 0 }
        }

        static func line(size: Int, stats: Statistics, runs: Int) -> String {
            let threads = size >= Gallery().parallelThreshold ? Gallery.defaultWorkers : 1
            return
                "search over \(size) templates: median \(format(stats.median)) ms, p95 \(format(stats.p95)) ms (\(runs) runs, \(threads) thread\(threads == 1 ? "" : "s"))"
        }

        static func measure(size: Int, runs: Int) -> Statistics {
            let gallery = SyntheticGallery.make(templates: size, seed: 42)
            var generator = SplitMix64(seed: 43)
            var values = [Float](repeating: 0, count: FaceDescriptor.dimensions)
            var times: [Double] = []
            for _ in 0..<(runs + 3) {
                for index in values.indices { values[index] = generator.nextDescriptorComponent() }
                let probe = FaceDescriptor(values)
                let start = ContinuousClock.now
                _ = gallery.search(probe, k: 2)
                times.append((ContinuousClock.now - start).milliseconds)
            }
            return Statistics(Array(times.dropFirst(3)))!  // the first runs warm caches and threads
        }
    }

    /// Opening a vault of N subjects: migrations, audit file, journal, key epochs, decrypting every template.
    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time opening and decrypting a vault of synthetic subjects.")

        @Option(help: "Subjects in the vault (one template each).")
        var subjects: Int = 100_000

        @Option(help: "Opens to time.")
        var runs: Int = 5

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            try await runReportingErrors(json: json) {
                let appliance = try BenchAppliance()
                defer { appliance.remove() }
                let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
                do {
                    let registry = try appliance.open(logger: logger, loadGallery: false)
                    defer { registry.close() }
                    try appliance.enrolSynthetic(subjects, into: registry, seed: 7)
                }
                var times: [Double] = []
                for _ in 0..<runs {
                    let start = ContinuousClock.now
                    let registry = try appliance.open(logger: logger)
                    times.append((ContinuousClock.now - start).milliseconds)
                    precondition(registry.vault.gallery.templateCount == subjects)
                    registry.close()
                }
                let stats = Statistics(times)!
                if json {
                    CommandOutput.json(["open": ["subjects": .int(subjects), "open_ms": stats.json]])
                } else {
                    CommandOutput.line(
                        "open + decrypt \(subjects) subjects: median \(format(stats.median)) ms, p95 \(format(stats.p95)) ms (\(runs) runs)"
                    )
                }
            }
        }
    }
}

func format(_ value: Double) -> String {
    let rounded = (value * 100).rounded() / 100
    return "\(rounded)"
}
