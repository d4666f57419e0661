// swift-tools-version:6.0
// libFuzzer harnesses for the parsers of untrusted input in DuplexCore. Kept out of the main
// package so that its normal build is unaffected; built and run by scripts/fuzz (see docs/fuzzing.md).
import PackageDescription

let harnesses = ["FuzzFrames", "FuzzFramesDeflate", "FuzzServerHandshake", "FuzzClientHandshake", "FuzzExtensions", "FuzzFields", "FuzzRequestHead"]

let package = Package(
    name: "DuplexFuzz",
    dependencies: [
        .package(name: "Duplex", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "DuplexCore", package: "Duplex"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        )
    ] + harnesses.map { .executableTarget(name: $0, dependencies: ["FuzzSupport"]) },
    swiftLanguageModes: [.v6]
)
