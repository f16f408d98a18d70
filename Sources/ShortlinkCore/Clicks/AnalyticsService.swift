import Foundation
import LinkDomain

/// What the analytics of one link say (004 §6.4: alias, click count, the clicks newest first).
public struct LinkAnalytics: Sendable, Equatable {
    /// The link's alias.
    public var alias: String
    /// Every click counted (people's; bots' too when they were asked for).
    public var clickCount: Int64
    /// Unique visitors (per UTC day, summed) and bots' clicks: shown with the details only.
    public var uniqueVisitors: Int64?
    public var botClicks: Int64?
    /// False when the plan that governs the link includes the count only.
    public var detailed: Bool
    /// The plan that unlocks the details, when they are not included.
    public var requiredPlan: String?
    /// One page of clicks, newest first (empty when not `detailed`).
    public var clicks: [StoredClick]
    /// The cursor of the next page, if there is one.
    public var next: ClickCursor?
}

/// An account's or a team's clicks over a range of UTC days, and its most clicked links.
public struct OwnerSummary: Sendable {
    /// The range's first and last-plus-one UTC days.
    public var from: Date
    public var to: Date
    /// Clicks by people in the range (bots' too when asked for).
    public var clicks: Int64
    /// False when the plan includes the counts only: then no days, uniques or bots.
    public var detailed: Bool
    public var requiredPlan: String?
    public var uniques: Int64?
    public var bots: Int64?
    /// Every UTC day of the range with its counts (zero when none), with the details only.
    public var days: [OwnerDay]
    /// The links with the most clicks over all time.
    public var topLinks: [(alias: String, clicks: Int64)]
}

/// The analytics of links, gated by the plan that governs each link (the free tier sees the count only).
public final class AnalyticsService {
    private let links: LinkService
    private let reader: ClickReader
    private let clock: Clock

    /// The range when none is asked for: the last 30 days.
    public static let defaultRangeSeconds: TimeInterval = 30 * 86_400

    /// Creates the service.
    public init(links: LinkService, reader: ClickReader, clock: Clock) {
        self.links = links
        self.reader = reader
        self.clock = clock
    }

    /// The range asked for (`to` defaults to now, `from` to 30 days before `to`), checked: `from` before `to`,
    /// no longer than `maxSpan`, and not before the plan's retention.
    func range(from: Date?, to: Date?, maxSpan: TimeInterval, plan: Plan) throws(LinkServiceError) -> (Date, Date) {
        let now = clock.now
        let end = to ?? now
        let start = from ?? end.addingTimeInterval(-min(Self.defaultRangeSeconds, maxSpan))
        guard start < end else { throw .invalidParameter(FieldError(field: "from", code: "range.order", message: "must be before to")) }
        guard end.timeIntervalSince(start) <= maxSpan else {
            throw .invalidParameter(FieldError(field: "from", code: "range.span",
                                               message: "is more than \(Int(maxSpan / 86_400)) days before to for this interval"))
        }
        if let days = plan.analyticsRetentionDays, start < now.addingTimeInterval(-Double(days) * 86_400) {
            throw .invalidParameter(FieldError(field: "from", code: "range.retention",
                                               message: "is older than the \(days) days of analytics the \(plan.code) plan keeps"))
        }
        return (start, end)
    }

    /// The analytics of link `code`: its count, and a page of its clicks when the plan includes details;
    /// `bots`: count and list bots' clicks too; `requireDetails`: refuse (rather than answer the count alone)
    /// on a plan without detailed analytics.
    public func linkAnalytics(code: String, after cursor: ClickCursor?, limit: Int, bots: Bool = false, requireDetails: Bool = false,
                              by principal: Principal) throws(LinkServiceError) -> LinkAnalytics {
        let (link, _, refusal) = try links.analyticsAccess(code: code, by: principal)
        if requireDetails, let refusal { throw .planRefusal(refusal) }
        do {
            let totals = try reader.totals(linkID: link.id)
            let count = totals.clicks + (bots ? totals.bots : 0)
            guard refusal == nil else {
                return LinkAnalytics(alias: link.code, clickCount: count, detailed: false, requiredPlan: refusal?.unlockedBy,
                                     clicks: [], next: nil)
            }
            let page = try reader.clicks(linkID: link.id, after: cursor, limit: limit, bots: bots)
            let next = page.count == limit ? page.last.map { ClickCursor(millis: Timestamp.millis($0.at), id: $0.id) } : nil
            return LinkAnalytics(alias: link.code, clickCount: count, uniqueVisitors: totals.uniques, botClicks: totals.bots, detailed: true,
                                 requiredPlan: nil, clicks: page, next: next)
        } catch {
            throw Self.map(error)
        }
    }

    /// The clicks of link `code` over [`from`, `to`) in buckets of `interval` that start at `zone`'s local
    /// boundaries. A detailed-analytics feature: refused on plans without it.
    public func series(code: String, from requestedFrom: Date?, to requestedTo: Date?, interval: ClickSeries.Interval, zone: TimeZone,
                       bots: Bool = false, by principal: Principal) throws(LinkServiceError) -> (alias: String, from: Date, to: Date, points: [ClickSeries.Point]) {
        let (link, plan, refusal) = try links.analyticsAccess(code: code, by: principal)
        if let refusal { throw .planRefusal(refusal) }
        let (from, to) = try range(from: requestedFrom, to: requestedTo, maxSpan: interval.maxRangeSeconds, plan: plan)
        // Hours are whole UTC hours: from the hour holding the first bucket's start.
        let first = ClickSeries.bucketStart(from, interval, in: zone)
        let fromHour = Date(timeIntervalSince1970: (first.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
        do {
            let hourly = try reader.hourly(linkID: link.id, from: fromHour, to: to, bots: bots)
            return (link.code, from, to, ClickSeries.points(hourly: hourly, from: from, to: to, interval: interval, in: zone))
        } catch {
            throw Self.map(error)
        }
    }

    /// The clicks of link `code` over [`from`, `to`) by the values of `dimension`, largest first. A
    /// detailed-analytics feature.
    public func breakdown(code: String, dimension: ClickDimension, from requestedFrom: Date?, to requestedTo: Date?, limit: Int,
                          bots: Bool = false, by principal: Principal) throws(LinkServiceError) -> (alias: String, from: Date, to: Date, items: [(value: String, clicks: Int64)]) {
        let (link, plan, refusal) = try links.analyticsAccess(code: code, by: principal)
        if let refusal { throw .planRefusal(refusal) }
        let (from, to) = try range(from: requestedFrom, to: requestedTo, maxSpan: ClickSeries.Interval.month.maxRangeSeconds, plan: plan)
        do {
            return (link.code, from, to, try reader.breakdown(linkID: link.id, dimension: dimension, from: from, to: to, limit: limit, bots: bots))
        } catch {
            throw Self.map(error)
        }
    }

    /// The summary of the caller's personal links (`team` nil) or of a team's links over the UTC days holding
    /// [`from`, `to`) (the last 30 days by default, at most two years); counts for every plan, the days, uniques
    /// and bots with detailed analytics.
    public func summary(team: String?, from requestedFrom: Date?, to requestedTo: Date?, bots: Bool = false, topLinks: Int = 10,
                        requireDetails: Bool = false, by principal: Principal) throws(LinkServiceError) -> OwnerSummary {
        let (owner, plan, refusal) = try links.summaryAccess(team: team, by: principal)
        if requireDetails, let refusal { throw .planRefusal(refusal) }
        let (start, end) = try range(from: requestedFrom, to: requestedTo, maxSpan: ClickSeries.Interval.day.maxRangeSeconds, plan: plan)
        let utc = TimeZone(identifier: "UTC")!
        let from = ClickSeries.bucketStart(start, .day, in: utc)
        let lastDay = ClickSeries.bucketStart(end.addingTimeInterval(-0.001), .day, in: utc)
        let to = lastDay.addingTimeInterval(86_400)
        do {
            let stored = try reader.ownerDays(owner, from: from, to: to)
            let days = OwnerDay.everyDay(from: from, to: to, stored: stored)
            let clicks = stored.reduce(0) { $0 + $1.clicks + (bots ? $1.bots : 0) }
            let top = try reader.topLinks(owner, limit: topLinks, bots: bots)
            guard refusal == nil else {
                return OwnerSummary(from: from, to: to, clicks: clicks, detailed: false, requiredPlan: refusal?.unlockedBy, uniques: nil, bots: nil,
                                    days: [], topLinks: top)
            }
            return OwnerSummary(from: from, to: to, clicks: clicks, detailed: true, requiredPlan: nil, uniques: stored.reduce(0) { $0 + $1.uniques },
                                bots: stored.reduce(0) { $0 + $1.bots }, days: days, topLinks: top)
        } catch {
            throw Self.map(error)
        }
    }

    private static func map(_ error: StoreError) -> LinkServiceError { LinkServiceError(error) }
}
