// swift-tools-version:6.0
import PackageDescription

/// shortlink: a self-hosted URL shortener on a FastCGI worker pool behind nginx,
/// MariaDB for records, memcached for the redirect cache. See docs/ and README.md.
let package = Package(
    name: "shortlink",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "shortlinkd", targets: ["shortlinkd"]),
        .executable(name: "shortlinkctl", targets: ["shortlinkctl"]),
        .executable(name: "shortlink-ingest", targets: ["shortlink-ingest"]),
        .executable(name: "shortlink-expire", targets: ["shortlink-expire"]),
        .executable(name: "shortlink-report", targets: ["shortlink-report"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // Signed session tokens (HS256) and HMAC-SHA1 for TOTP; jwt-kit brings swift-crypto with it.
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-crypto", "4.0.0"..<"5.0.0"),
        // uap-core's User-Agent patterns come as YAML.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C libraries, one system-library target each; only their adapter imports them.
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CMariaDB", pkgConfig: "libmariadb", providers: [.apt(["libmariadb-dev"])]),
        .systemLibrary(name: "CMemcached", pkgConfig: "libmemcached", providers: [.apt(["libmemcached-dev"])]),
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),
        .systemLibrary(name: "CMaxMindDB", pkgConfig: "libmaxminddb", providers: [.apt(["libmaxminddb-dev"])]),
        // The few libc calls Swift cannot make (async-signal-safe flags, prctl).
        .target(name: "CSystemShim"),

        // Pure logic: no I/O, no clock reads, no C imports.
        .target(name: "LinkDomain"),
        // Process supervision: a pure pool state machine plus the fork/signal loop.
        .target(name: "Prefork", dependencies: ["CSystemShim", .product(name: "Logging", package: "swift-log")]),
        // libsodium behind one Swift API: the only importer of CSodium.
        .target(name: "Sodium", dependencies: ["CSodium"]),
        // Use cases by feature (Links, Identity, Teams, Billing, Admin, Notifications) against their ports;
        // Configuration (config, logging) and Shared (ports every feature uses, secrets, the cache key schema).
        .target(name: "ShortlinkCore", dependencies: [
            "LinkDomain", "Sodium",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),

        // Adapters.
        .target(name: "MariaDBStore", dependencies: ["ShortlinkCore", "LinkDomain", "CMariaDB", .product(name: "Logging", package: "swift-log")]),
        .target(name: "MemcachedCache", dependencies: ["ShortlinkCore", "LinkDomain", "CMemcached", .product(name: "Logging", package: "swift-log")]),
        .target(name: "FastCGI", dependencies: ["CFastCGI"]),
        .target(name: "QRCode", dependencies: ["CQRencode"]),
        .target(name: "Mailer", dependencies: ["ShortlinkCore", "CCurl", .product(name: "Logging", package: "swift-log")]),
        .target(name: "ClickSpool", dependencies: ["ShortlinkCore", .product(name: "Logging", package: "swift-log")]),
        // The ingester's data sets: uap-core and crawler-user-agents through PCRE2, GeoIP through libmaxminddb.
        .target(name: "Enrichment", dependencies: ["ShortlinkCore", "LinkDomain", "CPCRE2", "CMaxMindDB",
                                                   .product(name: "Yams", package: "Yams"),
                                                   .product(name: "Logging", package: "swift-log")]),

        // The HTTP application: router, handlers, JSON, auth, problem+json.
        .target(name: "ShortlinkHTTP", dependencies: ["ShortlinkCore", "LinkDomain", "QRCode", .product(name: "Logging", package: "swift-log")]),

        // The one place that builds a process's dependency graph from the configuration.
        .target(name: "ShortlinkWiring", dependencies: [
            "ShortlinkCore", "LinkDomain", "MariaDBStore", "MemcachedCache", "Mailer", "ShortlinkHTTP",
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Binaries.
        .executableTarget(name: "shortlinkd", dependencies: [
            "Prefork", "FastCGI", "ShortlinkHTTP", "ShortlinkCore", "ShortlinkWiring", "MariaDBStore", "MemcachedCache",
            "ClickSpool", "QRCode", "Mailer",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "shortlinkctl", dependencies: [
            "ShortlinkCore", "ShortlinkWiring", "ShortlinkHTTP", "MariaDBStore", "MemcachedCache", "LinkDomain", "Mailer", "ClickSpool",
            "Enrichment",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .executableTarget(name: "shortlink-ingest", dependencies: [
            "Prefork", "ShortlinkCore", "ShortlinkWiring", "MariaDBStore", "ClickSpool", "Enrichment",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .executableTarget(name: "shortlink-expire", dependencies: [
            "ShortlinkCore", "ShortlinkWiring", "LinkDomain",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "shortlink-report", dependencies: [
            "ShortlinkCore", "ShortlinkWiring", "LinkDomain",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Tests in tiers: pure unit (LinkDomainTests, PreforkTests, parts of ShortlinkCoreTests); in-process tests of
        // the HTTP application against in-memory fakes of the ports (ShortlinkHTTPTests, fakes from
        // ShortlinkTestSupport); against real MariaDB and memcached (StorageTests); end-to-end through nginx (Tests/e2e).
        .target(name: "ShortlinkTestSupport", dependencies: ["ShortlinkCore", "ShortlinkHTTP", "LinkDomain"], path: "Tests/TestSupport"),
        .testTarget(name: "LinkDomainTests", dependencies: ["LinkDomain"]),
        .testTarget(name: "PreforkTests", dependencies: ["Prefork"]),
        .testTarget(name: "EnrichmentTests", dependencies: ["Enrichment", "ShortlinkCore", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "ShortlinkHTTPTests", dependencies: ["ShortlinkHTTP", "ShortlinkTestSupport"]),
        .testTarget(name: "ShortlinkCoreTests", dependencies: ["ShortlinkCore", "LinkDomain", "QRCode", "ShortlinkTestSupport"]),
        .testTarget(name: "StorageTests", dependencies: ["MariaDBStore", "MemcachedCache", "ShortlinkCore", "LinkDomain", "ClickSpool",
                                                       "ShortlinkTestSupport"]),
    ]
)
