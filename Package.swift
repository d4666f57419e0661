// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Duplex",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "DuplexCore", targets: ["DuplexCore"]),
        .library(name: "Duplex", targets: ["Duplex"]),
        // Empty unless the `Hummingbird` trait is enabled (docs/hummingbird.md).
        .library(name: "DuplexHummingbird", targets: ["DuplexHummingbird"]),
        // Empty unless the `Vapor` trait is enabled (docs/vapor.md).
        .library(name: "DuplexVapor", targets: ["DuplexVapor"]),
        // Empty unless the `Postgres` trait is enabled (docs/topics.md, "Across servers").
        .library(name: "DuplexPostgres", targets: ["DuplexPostgres"]),
        .executable(name: "duplex", targets: ["DuplexCLI"]),
        .executable(name: "duplex-autobahn-client", targets: ["AutobahnClient"]),
    ],
    // Off by default: an app that uses only Duplex does not fetch or build Hummingbird, Vapor or postgres-nio.
    traits: [
        .trait(name: "Hummingbird", description: "Builds DuplexHummingbird: Duplex WebSocket routes on a Hummingbird 2 Router."),
        .trait(name: "Vapor", description: "Builds DuplexVapor: Duplex WebSocket routes on a Vapor 4 Application."),
        .trait(name: "Postgres", description: "Builds DuplexPostgres: PostgresTopicBroker, topics across servers through PostgreSQL (postgres-nio); `duplex serve --broker`."),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/vapor", from: "4.122.3"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "CUTF8"),
        .target(
            name: "DuplexCore",
            dependencies: [
                "CZlib",
                "CUTF8",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "Duplex",
            dependencies: [
                "DuplexCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOSOCKS", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "DuplexHummingbird",
            dependencies: [
                "Duplex",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "HummingbirdCore", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras", condition: .when(traits: ["Hummingbird"])),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras", condition: .when(traits: ["Hummingbird"])),
                .product(name: "HTTPTypes", package: "swift-http-types", condition: .when(traits: ["Hummingbird"])),
            ]
        ),
        .target(
            name: "DuplexVapor",
            dependencies: [
                "Duplex",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            ]
        ),
        .target(
            name: "DuplexPostgres",
            dependencies: [
                "Duplex",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["Postgres"])),
            ]
        ),
        .testTarget(
            name: "DuplexPostgresTests",
            dependencies: [
                "Duplex", "DuplexPostgres",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["Postgres"])),
            ]
        ),
        .executableTarget(
            name: "DuplexCLI",
            dependencies: [
                "Duplex",
                "DuplexCore",
                "DuplexPostgres",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            resources: [.copy("Resources/demo")]
        ),
        .executableTarget(
            name: "AutobahnClient",
            dependencies: [
                "Duplex",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "DuplexCoreTests",
            dependencies: ["DuplexCore", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "DuplexTests",
            dependencies: [
                "Duplex", "DuplexCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "DuplexHummingbirdTests",
            dependencies: [
                "Duplex", "DuplexHummingbird",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
            ]
        ),
        // Examples/HummingbirdChat (docs/hummingbird.md): `swift run --traits Hummingbird HummingbirdChat`.
        .executableTarget(
            name: "HummingbirdChat",
            dependencies: [
                "Duplex", "DuplexHummingbird",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "HummingbirdCore", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "HummingbirdTLS", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
            ],
            path: "Examples/HummingbirdChat"
        ),
        .testTarget(
            name: "DuplexVaporTests",
            dependencies: [
                "Duplex", "DuplexVapor",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            ]
        ),
        // Examples/VaporChat (docs/vapor.md): `swift run --traits Vapor VaporChat`.
        .executableTarget(
            name: "VaporChat",
            dependencies: [
                "Duplex", "DuplexVapor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            ],
            path: "Examples/VaporChat"
        ),
        .executableTarget(
            name: "TopicBenchmark",
            dependencies: ["Duplex", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            path: "Benchmarks/TopicBenchmark"
        ),
    ],
    swiftLanguageModes: [.v6]
)
