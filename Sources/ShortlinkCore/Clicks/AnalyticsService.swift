import Foundation
import LinkDomain

/// What the analytics of one link say (004 §6.4: alias, click count, the clicks newest first).
public struct LinkAnalytics: Sendable, Equatable {
    /// The link's alias.
    public var alias: String
    /// Every click counted.
    public var clickCount: Int64
    /// False when the plan that governs the link includes the count only.
    public var detailed: Bool
    /// The plan that unlocks the details, when they are not included.
    public var requiredPlan: String?
    /// One page of clicks, newest first (empty when not `detailed`).
    public var clicks: [StoredClick]
    /// The cursor of the next page, if there is one.
    public var next: ClickCursor?
}

/// The analytics of links, gated by the plan that governs each link (the free tier sees the count only).
public final class AnalyticsService {
    private let links: LinkService
    private let reader: ClickReader

    /// Creates the service.
    public init(links: LinkService, reader: ClickReader) {
        self.links = links
        self.reader = reader
    }

    /// The analytics of link `code`: its count, and a page of its clicks when the plan includes details.
    public func linkAnalytics(code: String, after cursor: ClickCursor?, limit: Int, by principal: Principal) throws(LinkServiceError) -> LinkAnalytics {
        let (link, refusal) = try links.analyticsAccess(code: code, by: principal)
        do {
            let count = try reader.clickCount(linkID: link.id)
            guard refusal == nil else {
                return LinkAnalytics(alias: link.code, clickCount: count, detailed: false, requiredPlan: refusal?.unlockedBy,
                                     clicks: [], next: nil)
            }
            let page = try reader.clicks(linkID: link.id, after: cursor, limit: limit)
            let next = page.count == limit ? page.last.map { ClickCursor(millis: Timestamp.millis($0.at), id: $0.id) } : nil
            return LinkAnalytics(alias: link.code, clickCount: count, detailed: true, requiredPlan: nil, clicks: page, next: next)
        } catch {
            switch error {
            case .unavailable(let why): throw .unavailable(why)
            case .duplicate: throw .internalError("unexpected duplicate key")
            case .failed(let why): throw .internalError(why)
            }
        }
    }
}
