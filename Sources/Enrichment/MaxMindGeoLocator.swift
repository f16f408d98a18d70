import Foundation
import CMaxMindDB
import LinkDomain
import ShortlinkCore

/// `GeoLocator` over a MaxMind-format database (GeoLite2/GeoIP2 City or Country, DB-IP's `.mmdb` files) through
/// libmaxminddb, memory-mapped. Used by one thread at a time.
public final class MaxMindGeoLocator: GeoLocator {
    private let db: UnsafeMutablePointer<MMDB_s>
    /// The database's type from its metadata (`GeoLite2-City`...).
    public let databaseType: String

    /// Why the database could not be opened.
    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Opens the database at `path`.
    public init(path: String) throws(OpenError) {
        db = .allocate(capacity: 1)
        let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), db)
        guard status == MMDB_SUCCESS else {
            db.deallocate()
            throw OpenError(description: "cannot open \(path): \(String(cString: MMDB_strerror(status)))")
        }
        databaseType = db.pointee.metadata.database_type.map { String(cString: $0) } ?? ""
    }

    deinit {
        MMDB_close(db)
        db.deallocate()
    }

    public func locate(_ address: String) -> GeoLocation? {
        guard !address.isEmpty else { return nil }
        var gaiError: Int32 = 0
        var status: Int32 = 0
        var result = MMDB_lookup_string(db, Self.unmapped(address), &gaiError, &status)
        guard gaiError == 0, status == MMDB_SUCCESS, result.found_entry else { return nil }
        let country = text(&result.entry, countryPath) ?? text(&result.entry, registeredCountryPath) ?? ""
        let location = GeoLocation(country: TextRule.clipped(country, maxLength: 2),
                                   region: TextRule.clipped(text(&result.entry, regionPath) ?? "", maxLength: 64),
                                   city: TextRule.clipped(text(&result.entry, cityPath) ?? "", maxLength: 128))
        return location.country.isEmpty && location.city.isEmpty ? nil : location
    }

    /// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, as a dual-stack socket reports IPv4 clients) as its IPv4
    /// address, which is how databases index it; any other text as it is.
    static func unmapped(_ address: String) -> String {
        guard address.contains(":"), address.contains(".") else { return address }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, address, &v6) == 1 else { return address }
        let b = withUnsafeBytes(of: v6) { Array($0) }
        guard b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xFF, b[11] == 0xFF else { return address }
        return "\(b[12]).\(b[13]).\(b[14]).\(b[15])"
    }

    /// The lookups' paths, as the NULL-terminated C arrays `MMDB_aget_value` takes (MMDB_get_value is
    /// variadic, which Swift cannot call); made once, freed with the locator.
    private let countryPath = CPath("country", "iso_code")
    private let registeredCountryPath = CPath("registered_country", "iso_code")
    private let regionPath = CPath("subdivisions", "0", "names", "en")
    private let cityPath = CPath("city", "names", "en")

    /// The UTF-8 string at `path` in `entry`, if there is one.
    private func text(_ entry: inout MMDB_entry_s, _ path: CPath) -> String? {
        var data = MMDB_entry_data_s()
        guard MMDB_aget_value(&entry, &data, path.pointer) == MMDB_SUCCESS, data.has_data,
              data.type == UInt32(MMDB_DATA_TYPE_UTF8_STRING), let bytes = data.utf8_string else { return nil }
        return bytes.withMemoryRebound(to: UInt8.self, capacity: Int(data.data_size)) {
            String(decoding: UnsafeBufferPointer(start: $0, count: Int(data.data_size)), as: UTF8.self)
        }
    }
}

/// A NULL-terminated array of C strings, owned.
private final class CPath {
    let pointer: UnsafeMutablePointer<UnsafePointer<CChar>?>
    private let count: Int

    init(_ parts: String...) {
        count = parts.count
        pointer = .allocate(capacity: parts.count + 1)
        for (i, part) in parts.enumerated() { pointer[i] = UnsafePointer(strdup(part)) }
        pointer[parts.count] = nil
    }

    deinit {
        for i in 0..<count { free(UnsafeMutablePointer(mutating: pointer[i])) }
        pointer.deallocate()
    }
}
