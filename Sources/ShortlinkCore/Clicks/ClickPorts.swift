import Foundation
import LinkDomain

/// One visit served, as recorded for analytics: a click of a link, or an orphan visit (`linkID` 0: a code no
/// link holds, or the bare domain, whose `code` is empty).
public struct ClickRecord: Sendable, Equatable {
    public var timeMillis: Int64
    public var linkID: Int64
    public var domainID: Int64
    public var code: String
    public var status: Int
    public var ip: String
    public var userAgent: String
    public var referer: String
    /// The visit's raw query string (UTM parameters, `dnt=1`).
    public var query: String
    /// Where the visitor was sent (`Location`), empty for an orphan visit.
    public var location: String
    /// The visitor sent `DNT: 1` (or `dnt=1`): counted, nothing personal kept.
    public var doNotTrack: Bool
    /// The visit came from scanning the link's QR code (its URL carries `qr=1`).
    public var viaQR: Bool

    /// Creates a click record.
    public init(timeMillis: Int64, linkID: Int64, domainID: Int64, code: String, status: Int, ip: String,
                userAgent: String, referer: String, query: String = "", location: String = "", doNotTrack: Bool = false,
                viaQR: Bool = false) {
        self.viaQR = viaQR
        self.timeMillis = timeMillis
        self.linkID = linkID
        self.domainID = domainID
        self.code = code
        self.status = status
        self.ip = ip
        self.userAgent = userAgent
        self.referer = referer
        self.query = query
        self.location = location
        self.doNotTrack = doNotTrack
    }

    /// True for a visit to a code no link holds (or to the bare domain).
    public var isOrphan: Bool { linkID == 0 }
}

/// Where clicks go on the hot path (the worker's spool file in production).
public protocol ClickSink: AnyObject {
    /// Appends one record; must not block on a database.
    func record(_ click: ClickRecord)
}

/// One spool file as the ingester sees it.
public struct SpoolFile: Sendable, Equatable {
    /// The file's identity: its name without the state suffix (`clicks-<pid>-<start>-<seq>`), unique for ever
    /// and the same before and after the writer renames `.open` to `.ready`, so its ingested offset follows it.
    public var name: String
    /// Its size now.
    public var size: Int64
    /// True when nothing will be appended any more (rotated, or its writer is gone): once read to the end it
    /// may be deleted, and a last line without its newline is malformed rather than still being written.
    public var isComplete: Bool

    /// Creates a description.
    public init(name: String, size: Int64, isComplete: Bool) {
        self.name = name
        self.size = size
        self.isComplete = isComplete
    }
}

/// The spool directory the workers append to.
public protocol SpoolSource: AnyObject {
    /// Every spool file, oldest first.
    func files() throws -> [SpoolFile]
    /// Up to `max` bytes of the file `name` (its identity) from `offset`, whatever its state suffix is now.
    func read(_ name: String, from offset: Int64, max: Int) throws -> [UInt8]
    /// Deletes a file (by identity) that was read to its end.
    func remove(_ name: String) throws
    /// True while the file `name` exists under either state suffix.
    func exists(_ name: String) -> Bool
}

/// What the ingester last reported.
public struct IngestStatus: Sendable, Equatable {
    /// When the ingester last finished a pass.
    public var heartbeatAt: Date
    /// Spool bytes not ingested yet.
    public var bytesBehind: Int64
    /// The time of the oldest click not ingested yet, if any.
    public var oldestPendingAt: Date?
    /// Spool files with bytes not ingested yet.
    public var filesPending: Int
    /// Clicks ingested since the ingester started.
    public var clicksIngested: Int64
    /// Malformed lines skipped since the ingester started.
    public var malformedLines: Int64

    /// Creates a status.
    public init(heartbeatAt: Date, bytesBehind: Int64, oldestPendingAt: Date?, filesPending: Int, clicksIngested: Int64,
                malformedLines: Int64) {
        self.heartbeatAt = heartbeatAt
        self.bytesBehind = bytesBehind
        self.oldestPendingAt = oldestPendingAt
        self.filesPending = filesPending
        self.clicksIngested = clicksIngested
        self.malformedLines = malformedLines
    }
}

/// Where clicks are kept, with how far each spool file has been read.
public protocol ClickStore: AnyObject {
    /// The ingested offset of every spool file the store knows.
    func offsets() throws(StoreError) -> [String: Int64]
    /// In one transaction: inserts `clicks` (with their rollups) and moves the offset of `file` from `from` to
    /// `to`. Throws `.duplicate` and changes nothing when the stored offset is not `from` (another ingester
    /// got there first), so no byte range is ever ingested twice.
    func ingest(_ clicks: [EnrichedClick], file: String, from: Int64, to: Int64, now: Date) throws(StoreError)
    /// The random salt of the visitor hashes of UTC day `day` (`yyyy-mm-dd`), made on first use; salts of
    /// days before `day` minus two are deleted.
    func salt(forDay day: String) throws(StoreError) -> [UInt8]
    /// Forgets the offsets of files that no longer exist.
    func forget(files: [String]) throws(StoreError)
    /// Keeps the ingester's report for `shortlinkctl status`.
    func saveStatus(_ status: IngestStatus) throws(StoreError)
    /// The ingester's last report, if it ever made one.
    func status() throws(StoreError) -> IngestStatus?
}

/// One stored click, as the analytics API shows it.
public struct StoredClick: Sendable, Equatable {
    /// Row id (the cursor's tie-breaker).
    public var id: Int64
    /// When the visit happened.
    public var at: Date
    /// The visitor's address as kept.
    public var ip: String
    /// The visitor's user agent.
    public var userAgent: String
    /// The referring page, if any.
    public var referer: String
    /// What the ingester derived: device, OS and browser, and where (empty: unknown).
    public var agent: UserAgentInfo
    public var geo: GeoLocation
    /// True for a QR-code scan.
    public var viaQR: Bool

    /// Creates a stored click.
    public init(id: Int64, at: Date, ip: String, userAgent: String, referer: String, agent: UserAgentInfo = .unknown,
                geo: GeoLocation = GeoLocation(country: ""), viaQR: Bool = false) {
        self.id = id
        self.at = at
        self.ip = ip
        self.userAgent = userAgent
        self.referer = referer
        self.agent = agent
        self.geo = geo
        self.viaQR = viaQR
    }
}

/// Where a page of clicks ends: the time and row id of its last click (newest first).
public struct ClickCursor: Sendable, Equatable {
    public var millis: Int64
    public var id: Int64

    /// Creates a cursor.
    public init(millis: Int64, id: Int64) {
        self.millis = millis
        self.id = id
    }

    /// The opaque text given to clients: base64 of `<millis>.<id>`.
    public var token: String { Data("\(millis).\(id)".utf8).base64EncodedString() }

    /// Reads a token this API gave out; nil for anything else.
    public init?(token: String) {
        guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let millis = Int64(parts[0]), let id = Int64(parts[1]), millis >= 0, id > 0 else { return nil }
        self.init(millis: millis, id: id)
    }
}

/// A dimension of the rollups that the analytics API breaks clicks down by.
public enum ClickDimension: String, Sendable, CaseIterable {
    /// The referring page's host (empty: direct or unknown).
    case referrer
    case utmSource = "utm_source"
    case utmMedium = "utm_medium"
    case utmCampaign = "utm_campaign"
    /// ISO country code (empty: unknown).
    case country
    /// desktop, mobile, tablet, bot, other.
    case device
    /// Operating system family (empty: unknown).
    case os
    /// Browser family (empty: unknown).
    case browser
    /// `qr` for a scan of the link's QR code, `link` otherwise.
    case source

    /// The value a click counts under in this dimension; nil when it does not count in it (a UTM parameter it
    /// lacks).
    public func value(of e: EnrichedClick) -> String? {
        switch self {
        case .referrer: return e.referrerHost
        case .utmSource: return e.utmSource.isEmpty ? nil : e.utmSource
        case .utmMedium: return e.utmMedium.isEmpty ? nil : e.utmMedium
        case .utmCampaign: return e.utmCampaign.isEmpty ? nil : e.utmCampaign
        case .country: return e.geo.country
        case .device: return e.agent.device.rawValue
        case .os: return e.agent.os
        case .browser: return e.agent.browser
        case .source: return e.click.viaQR ? "qr" : "link"
        }
    }
}

/// A link's counts over all time, from the rollups.
public struct ClickTotals: Sendable, Equatable {
    /// Clicks by people.
    public var clicks: Int64
    /// Clicks by bots (crawlers, preview fetchers, monitors), left out of `clicks`.
    public var bots: Int64
    /// Unique visitors, counted per UTC day (the visitor hash's salt changes daily) and summed.
    public var uniques: Int64

    /// Creates totals.
    public init(clicks: Int64, bots: Int64, uniques: Int64) {
        self.clicks = clicks
        self.bots = bots
        self.uniques = uniques
    }
}

/// Whose links a summary covers: a user's personal links, or a team's.
public enum ClickOwner: Sendable, Hashable {
    case user(Int64)
    case team(Int64)
}

/// An account's or team's clicks on one UTC day.
public struct OwnerDay: Sendable, Equatable {
    /// The day's first instant (UTC).
    public var day: Date
    public var clicks: Int64
    public var bots: Int64
    public var uniques: Int64

    /// Creates a day.
    public init(day: Date, clicks: Int64, bots: Int64, uniques: Int64) {
        self.day = day
        self.clicks = clicks
        self.bots = bots
        self.uniques = uniques
    }
}

extension OwnerDay {
    /// Every UTC day starting in [`from`, `to`) (`from` a day's start), with its stored counts, zero where none
    /// is stored: a chart or a report has no gaps.
    public static func everyDay(from: Date, to: Date, stored: [OwnerDay]) -> [OwnerDay] {
        var byDay: [Date: OwnerDay] = [:]
        for d in stored { byDay[d.day] = d }
        var days: [OwnerDay] = []
        var day = from
        while day < to {
            days.append(byDay[day] ?? OwnerDay(day: day, clicks: 0, bots: 0, uniques: 0))
            day = day.addingTimeInterval(86_400)
        }
        return days
    }
}

/// Reads stored clicks for the analytics API. `bots`: count bots' clicks too (they are left out by default).
public protocol ClickReader: AnyObject {
    /// The owner's clicks per UTC day for the days starting in [`from`, `to`), oldest first (days without a
    /// click left out), from the totals the ingester keeps.
    func ownerDays(_ owner: ClickOwner, from: Date, to: Date) throws(StoreError) -> [OwnerDay]
    /// The owner's links with the most clicks over all time, at most `limit`.
    func topLinks(_ owner: ClickOwner, limit: Int, bots: Bool) throws(StoreError) -> [(alias: String, clicks: Int64)]
    /// The hourly counts of `linkID` for the hours starting in [`from`, `to`), oldest first; hours without a
    /// click are left out.
    func hourly(linkID: Int64, from: Date, to: Date, bots: Bool) throws(StoreError) -> [ClickSeries.Hour]
    /// The counts of `linkID` by the values of `dimension` over the hours starting in [`from`, `to`), largest
    /// first (then by value), at most `limit`.
    func breakdown(linkID: Int64, dimension: ClickDimension, from: Date, to: Date, limit: Int, bots: Bool) throws(StoreError) -> [(value: String, clicks: Int64)]
    /// The link's counts over all time (from the rollups: no scan of the raw rows).
    func totals(linkID: Int64) throws(StoreError) -> ClickTotals
    /// Up to `limit` clicks of `linkID`, newest first, older than `cursor` when given.
    func clicks(linkID: Int64, after cursor: ClickCursor?, limit: Int, bots: Bool) throws(StoreError) -> [StoredClick]
}
