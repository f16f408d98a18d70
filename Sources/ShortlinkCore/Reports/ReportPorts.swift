import Foundation

/// How often an account or a team gets its click report.
public enum ReportFrequency: String, Sendable, CaseIterable {
    case daily, weekly

    /// The last complete period before `now`, in UTC days: yesterday, or last week (Monday to Monday).
    public func lastPeriod(before now: Date) -> (start: Date, end: Date) {
        let today = Double(Int((now.timeIntervalSince1970 / 86_400).rounded(.down))) * 86_400
        switch self {
        case .daily:
            return (Date(timeIntervalSince1970: today - 86_400), Date(timeIntervalSince1970: today))
        case .weekly:
            // 1970-01-01 was a Thursday: day n is a Monday when (n + 3) % 7 == 0.
            let days = Int(today / 86_400)
            let monday = Double(days - ((days + 3) % 7 + 7) % 7) * 86_400
            return (Date(timeIntervalSince1970: monday - 7 * 86_400), Date(timeIntervalSince1970: monday))
        }
    }
}

/// What a report says about one period.
public struct ReportFigures: Sendable, Equatable {
    /// Each UTC day of the period (zero when none).
    public var days: [OwnerDay]
    /// The same totals over the period before, for the change.
    public var previousClicks: Int64
    public var topLinks: [NamedCount]
    public var topCountries: [NamedCount]
    public var topReferrers: [NamedCount]

    /// Creates figures.
    public init(days: [OwnerDay], previousClicks: Int64, topLinks: [NamedCount], topCountries: [NamedCount], topReferrers: [NamedCount]) {
        self.days = days
        self.previousClicks = previousClicks
        self.topLinks = topLinks
        self.topCountries = topCountries
        self.topReferrers = topReferrers
    }

    /// People's clicks in the period.
    public var clicks: Int64 { days.reduce(0) { $0 + $1.clicks } }
}

/// A name and its clicks (a link's alias, a country, a referring host).
public struct NamedCount: Sendable, Equatable {
    public var name: String
    public var clicks: Int64

    /// Creates a count.
    public init(_ name: String, _ clicks: Int64) {
        self.name = name
        self.clicks = clicks
    }
}

/// A report as kept for download.
public struct StoredReport: Sendable, Equatable {
    public var publicID: String
    public var owner: ClickOwner
    public var frequency: ReportFrequency
    public var periodStart: Date
    public var periodEnd: Date
    public var clicks: Int64
    public var createdAt: Date
    /// The HTML and CSV (empty in listings).
    public var html: String
    public var csv: String

    /// Creates a report.
    public init(publicID: String, owner: ClickOwner, frequency: ReportFrequency, periodStart: Date, periodEnd: Date, clicks: Int64,
                createdAt: Date, html: String = "", csv: String = "") {
        self.publicID = publicID
        self.owner = owner
        self.frequency = frequency
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.clicks = clicks
        self.createdAt = createdAt
        self.html = html
        self.csv = csv
    }
}

/// Where reports' settings, figures and copies live (MariaDB).
public protocol ReportStore: AnyObject {
    /// The owners that chose `frequency`, with their display name and the addresses their report goes to (the
    /// user; a team's owner and admins).
    func subscribers(_ frequency: ReportFrequency) throws(StoreError) -> [(owner: ClickOwner, name: String, recipients: [String])]
    /// The owner's figures over the UTC days [`from`, `to`), and the clicks of the period as long before it.
    func figures(_ owner: ClickOwner, from: Date, to: Date, top: Int) throws(StoreError) -> ReportFigures
    /// True when the owner's report of that frequency and period exists.
    func exists(_ owner: ClickOwner, _ frequency: ReportFrequency, periodStart: Date) throws(StoreError) -> Bool
    /// Keeps the report and queues its mails in one transaction; `.duplicate` (and nothing changed) when the
    /// period was reported meanwhile. Returns the queued mails' ids.
    func save(_ report: StoredReport, mails: [OutgoingMail], now: Date) throws(StoreError) -> [Int64]
    /// The owner's setting (nil: no reports).
    func setting(_ owner: ClickOwner) throws(StoreError) -> ReportFrequency?
    func setSetting(_ owner: ClickOwner, _ frequency: ReportFrequency?, now: Date) throws(StoreError)
    /// The owner's reports, newest first, without their bodies.
    func reports(_ owner: ClickOwner, limit: Int) throws(StoreError) -> [StoredReport]
    /// One report with its bodies.
    func report(publicID: String) throws(StoreError) -> StoredReport?
}
