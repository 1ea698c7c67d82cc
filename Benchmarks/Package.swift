// swift-tools-version:6.1
import PackageDescription

/// Micro-benchmarks of facegate's hot paths with ordo-one/benchmark, in a package of
/// their own: `make test` never builds them. Run with `make benchmarks`, or
///
///     cd Benchmarks && swift package --disable-sandbox benchmark
///
/// Only the malloc-interposer trait is enabled (no jemalloc, no Swift runtime
/// interposer): malloc counts come from the interposer.
let package = Package(
    name: "facegate-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "facegate", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "FacegateBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "FaceEngine", package: "facegate"),
                .product(name: "Vault", package: "facegate"),
                .product(name: "FacegateCore", package: "facegate"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/FacegateBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
