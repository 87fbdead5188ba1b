// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "juicectl",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "juicectl", targets: ["juicectl"]),
        .library(name: "JuiceCtl", targets: ["JuiceCtl", "JuiceCtlCore"]),
        .library(name: "JuiceCtlDaemon", targets: ["JuiceCtlDaemon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // Pure layers: spec (parse, validate, defaults), the observation model, the planner and renderers.
        // Runs no program and touches no mount.
        .target(
            name: "JuiceCtlCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // System calls Swift cannot reach directly (renameat2).
        .target(name: "CJuiceCtlShims"),
        // Host access, observation, execution, the reconciler and the library API.
        .target(
            name: "JuiceCtl",
            dependencies: [
                "JuiceCtlCore",
                "CJuiceCtlShims",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        // The periodic reconciler (`juicectl run`): one supervisor per volume over the same Reconciler, signals and
        // graceful shutdown (swift-service-lifecycle), the status file, Prometheus metrics on a loopback address.
        .target(
            name: "JuiceCtlDaemon",
            dependencies: [
                "JuiceCtl",
                "JuiceCtlCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Fakes shared by the tests: command runner, host probe.
        .target(
            name: "JuiceCtlTestSupport",
            dependencies: ["JuiceCtl", "JuiceCtlCore"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "juicectl",
            dependencies: [
                "JuiceCtl",
                "JuiceCtlCore",
                "JuiceCtlDaemon",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JuiceCtlCoreTests",
            dependencies: ["JuiceCtlCore", .product(name: "Yams", package: "Yams")],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JuiceCtlTests",
            dependencies: ["JuiceCtl", "JuiceCtlCore", "JuiceCtlTestSupport", .product(name: "Logging", package: "swift-log")],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JuiceCtlDaemonTests",
            dependencies: [
                "JuiceCtlDaemon", "JuiceCtl", "JuiceCtlCore", "JuiceCtlTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The published JSON Schema: committed copy up to date, accepted by a real validator (check-jsonschema), and
        // agreeing with the tool's own validation on a table of documents.
        .testTarget(name: "SchemaTests", dependencies: ["JuiceCtlCore"], swiftSettings: strict),
        // Real binaries, real mounts, as root. Depends on the executable so that it is built first.
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["JuiceCtl", "JuiceCtlCore", "JuiceCtlTestSupport", "juicectl"],
            swiftSettings: strict
        ),
    ]
)
