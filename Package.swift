// swift-tools-version:6.1
import PackageDescription

/// Swift settings shared by every Swift target: explicit existentials, imports that
/// say what they expose.
let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// On x86-64 the HOG, landmark and chip code is also built for x86-64-v3 (AVX2, FMA) as a
/// shared object of its own, loaded at run time when the CPU can run it (see CDlibFaceV3).
/// The manifest is compiled for the building machine, which is also the target here.
#if arch(x86_64)
    let simdProducts: [Product] = [.library(name: "FacegateHOGv3", type: .dynamic, targets: ["CDlibFaceV3"])]
    let simdTargets: [Target] = [
        // Only Sources/CDlibFace/hog_shape_impl.hpp again, compiled with -march=x86-64-v3.
        // Hidden symbols bound inside the library: its AVX instantiations of dlib's and the C++
        // library's templates cannot stand in for the executable's baseline ones (nor the reverse).
        .target(
            name: "CDlibFaceV3",
            exclude: ["exports.map"],
            // No public headers: nothing imports it; CDlibFace loads it with dlopen.
            publicHeadersPath: ".",
            cxxSettings: [
                .define("NDEBUG"),
                .define("DLIB_NO_GUI_SUPPORT"),
                .unsafeFlags([
                    "-I", Context.packageDirectory + "/Sources/CDlibFace/include",
                    "-O2", "-g0", "-march=x86-64-v3", "-fvisibility=hidden", "-fvisibility-inlines-hidden",
                    "-Wno-deprecated-declarations",
                ]),
            ],
            linkerSettings: [
                .linkedLibrary("dlib"),
                .unsafeFlags([
                    "-Xlinker", "-Bsymbolic",
                    "-Xlinker", "--version-script=" + Context.packageDirectory + "/Sources/CDlibFaceV3/exports.map",
                ]),
            ]
        )
    ]
#else
    let simdProducts: [Product] = []
    let simdTargets: [Target] = []
#endif

let package = Package(
    name: "facegate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "facegate", targets: ["facegate"]),
        // For the micro-benchmarks in Benchmarks/, a package of their own so that
        // `make test` never builds them.
        .library(name: "FaceEngine", targets: ["FaceEngine"]),
        .library(name: "Vault", targets: ["Vault"]),
        .library(name: "FacegateCore", targets: ["FacegateCore"]),
    ] + simdProducts,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        // The web console. No default traits: they bring swift-configuration and full
        // Foundation, which the console does not need.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // /metrics: the pipeline counts through swift-metrics objects made by a Prometheus
        // factory the daemon owns (the global MetricsSystem is never bootstrapped).
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The fleet hub: PostgreSQL, which only ever holds ciphertext.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // C++17 shim over dlib: the only code that includes dlib headers. Optimised even
        // in debug builds, because dlib's templates at -O0 make a descriptor take seconds.
        .target(
            name: "CDlibFace",
            cxxSettings: [
                .define("NDEBUG"),
                .define("DLIB_NO_GUI_SUPPORT"),
                .unsafeFlags(["-O2", "-g0", "-Wno-deprecated-declarations"]),
            ],
            linkerSettings: [
                .linkedLibrary("dlib"),
                .linkedLibrary("blas"),
                .linkedLibrary("lapack"),
                .linkedLibrary("jpeg"),
                .linkedLibrary("png"),
                .linkedLibrary("dl"),
            ]
        ),
        // libsodium, through pkg-config.
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        // libv4l2 and the V4L2 ioctl numbers.
        .systemLibrary(
            name: "CV4L2",
            pkgConfig: "libv4l2",
            providers: [.apt(["libv4l-dev"])]
        ),
        // GStreamer (core and appsink), through pkg-config; only CRTSP includes it.
        .systemLibrary(
            name: "CGStreamer",
            pkgConfig: "gstreamer-app-1.0",
            providers: [.apt(["libgstreamer1.0-dev", "libgstreamer-plugins-base1.0-dev"])]
        ),
        // An RTSP camera as packed RGB frames in memory: C over GStreamer behind an opaque
        // handle, so that GLib's types never reach Swift.
        .target(name: "CRTSP", dependencies: ["CGStreamer"]),
        // libosdp (Apache-2.0), built from its pinned PyPI source into .cache/libosdp by
        // scripts/build-libosdp.sh (`make libosdp`, which every build target runs first),
        // behind a shim of an opaque handle and code + message errors: an OSDP reader.
        .target(
            name: "COSDP",
            cSettings: [.unsafeFlags(["-I", Context.packageDirectory + "/.cache/libosdp/include"])],
            linkerSettings: [
                .unsafeFlags(["-L", Context.packageDirectory + "/.cache/libosdp/lib"]),
                .linkedLibrary("osdp"),
            ]
        ),
        // Linux calls Swift cannot make directly: variadic prctl/ioctl, SO_PEERCRED.
        .target(name: "CLinuxSupport"),
        // What every module shares: ordered JSON, timestamps, the user-facing error contract.
        .target(name: "FacegateCore", swiftSettings: strictSwift),
        // Keys, the encrypted template store, crypto-shredding erasure, the gallery.
        .target(
            name: "Vault",
            dependencies: [
                "CSodium",
                "CLinuxSupport",
                "FacegateCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // Policy, consent records, retention, the audit log, DPO exports, the deny-list.
        .target(
            name: "Consent",
            dependencies: [
                "FacegateCore",
                "Vault",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strictSwift
        ),
        // Detection, alignment and descriptors with dlib, image decoding, low-light
        // enhancement, pixel maths. The code that touches pixels has no database or socket.
        .target(
            name: "FaceEngine",
            dependencies: [
                "CDlibFace",
                "CLinuxSupport",
                "FacegateCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // Several doors, one membership: the PostgreSQL hub's tables, the sealed copies of
        // subjects the doors exchange, and the sync that keeps a door's vault in step.
        .target(
            name: "Fleet",
            dependencies: [
                "FacegateCore",
                "Vault",
                "Consent",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSwift
        ),
        // The serial link to the venue's access panel: an OSDP reader that sends card
        // reads and hears the panel's LED and buzzer. Bits in, status out: no subject.
        .target(
            name: "PanelLink",
            dependencies: ["COSDP", "FacegateCore"],
            swiftSettings: strictSwift
        ),
        // An MQTT 3.1.1 publisher (QoS 0, a last will, TLS): the door's events and health
        // for a small venue's own systems. It subscribes to nothing.
        .target(
            name: "MQTTLink",
            dependencies: [
                "FacegateCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSwift
        ),
        // The daemon: capture, the recognition pipeline, the admin socket, the service.
        // It never writes a frame, so it has no frame writer (that is in FacegateTools).
        .target(
            name: "Edge",
            dependencies: [
                "CLinuxSupport",
                "CRTSP",
                "CV4L2",
                "PanelLink",
                "MQTTLink",
                "FaceEngine",
                "FacegateCore",
                "Vault",
                "Consent",
                "Fleet",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSwift
        ),
        // The venue console: the web pages and the JSON API over the same operations as
        // the CLI and the admin socket, served by the daemon (Hummingbird, TLS off loopback).
        .target(
            name: "Console",
            dependencies: [
                "Edge",
                "Fleet",
                "FaceEngine",
                "FacegateCore",
                "Vault",
                "Consent",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSwift
        ),
        // Offline tooling above the daemon: accuracy evaluation, benchmarks, the clip
        // writer and the compositor that builds test scenes from photos.
        .target(
            name: "FacegateTools",
            dependencies: [
                "FaceEngine",
                "Edge",
                "FacegateCore",
                "Vault",
                "Consent",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "facegate",
            dependencies: [
                "FaceEngine",
                "PanelLink",
                "FacegateTools",
                "Edge",
                "Console",
                "FacegateCore",
                "Fleet",
                "Vault",
                "Consent",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "FacegateTestSupport",
            dependencies: ["FaceEngine", "Edge", "Vault", "Consent", "FacegateCore", .product(name: "Logging", package: "swift-log")],
            path: "Tests/FacegateTestSupport",
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "FaceEngineTests",
            dependencies: ["FaceEngine", "FacegateCore", "FacegateTestSupport", .product(name: "Logging", package: "swift-log")],
            exclude: ["Golden"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "EdgeTests",
            dependencies: [
                "Edge", "FaceEngine", "FacegateTools", "Consent", "Vault", "FacegateCore", "FacegateTestSupport", "Fleet",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "FacegateToolsTests",
            dependencies: ["FacegateTools", "FaceEngine", "FacegateCore", "Vault", "FacegateTestSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "VaultTests",
            dependencies: [
                "Vault", "FacegateCore", "FacegateTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "ConsentTests",
            dependencies: [
                "Consent", "Vault", "FacegateCore", "FacegateTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "FleetTests",
            dependencies: ["Fleet", "Consent", "Vault", "FacegateCore", "FacegateTestSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "ConsoleTests",
            dependencies: ["Console", "FacegateCore", "FacegateTestSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "FacegateEndToEndTests",
            // Consent: the monitoring test seeds days of recognition-quality aggregates in-process.
            // FaceEngine: the privacy test makes the exact frames it then looks for on the disk.
            // Vault: a test appends a sealed erasure to a running daemon's journal, as a
            // recovery tool holding the key directory would. Fleet: a test tries a hub
            // backup's copy keys with every key epoch a door holds.
            dependencies: ["FacegateTestSupport", "facegate", "Consent", "FaceEngine", "Fleet", "Vault"],
            exclude: ["Snapshots"],
            swiftSettings: strictSwift
        ),
    ] + simdTargets,
    cLanguageStandard: .c11,
    cxxLanguageStandard: .cxx17
)
