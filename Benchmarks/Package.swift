// swift-tools-version:6.1
import PackageDescription

// The peers Duplex is compared with, and the core's micro-benchmarks. A package of its own so the
// library never depends on the peers.
let package = Package(
    name: "DuplexBenchmarks",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "peer-nio", targets: ["PeerNIO"]),
        .executable(name: "peer-hummingbird", targets: ["PeerHummingbird"]),
        .executable(name: "peer-vapor", targets: ["PeerVapor"]),
        .executable(name: "peer-duplex-hummingbird", targets: ["PeerDuplexHummingbird"]),
        .executable(name: "peer-duplex-vapor", targets: ["PeerDuplexVapor"]),
    ],
    dependencies: [
        .package(name: "Duplex", path: "..", traits: ["Hummingbird", "Vapor"]),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/vapor/vapor", from: "4.122.3"),
        .package(url: "https://github.com/vapor/websocket-kit", from: "2.16.2"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(name: "PeerSupport"),
        .executableTarget(
            name: "PeerNIO",
            dependencies: [
                "PeerSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "PeerHummingbird",
            dependencies: [
                "PeerSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSCompression", package: "hummingbird-websocket"),
            ]
        ),
        .executableTarget(
            name: "PeerDuplexHummingbird",
            dependencies: [
                "PeerSupport",
                .product(name: "Duplex", package: "Duplex"),
                .product(name: "DuplexHummingbird", package: "Duplex"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "PeerDuplexVapor",
            dependencies: [
                "PeerSupport",
                .product(name: "Duplex", package: "Duplex"),
                .product(name: "DuplexVapor", package: "Duplex"),
                .product(name: "Vapor", package: "vapor"),
            ]
        ),
        .executableTarget(
            name: "PeerVapor",
            dependencies: [
                "PeerSupport",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "WebSocketKit", package: "websocket-kit"),
            ]
        ),
        .target(
            name: "CoreBenchmarkBodies",
            dependencies: [
                .product(name: "Duplex", package: "Duplex"),
                .product(name: "DuplexCore", package: "Duplex"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "CoreBenchmarks",
            dependencies: [
                "CoreBenchmarkBodies",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "CoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
