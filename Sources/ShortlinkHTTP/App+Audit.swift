import Foundation
import LinkDomain
import ShortlinkCore

extension ShortlinkApp {
    /// `GET /api/audit?cursor=&limit=`: the audit log for administrators, newest first.
    func auditLog(_ request: HTTPRequest, _ principal: Principal) throws(Problem) -> HTTPResponse {
        guard principal.isAdmin, principal.has(scope: "admin") else { throw .forbidden(scope: "admin") }
        var limit = 50
        if let raw = request.queryValue("limit") {
            guard let n = Int(raw), (1...200).contains(n) else {
                throw .validation(.field("limit", "limit.range", "must be an integer from 1 to 200"))
            }
            limit = n
        }
        var before: Int64?
        if let cursor = request.queryValue("cursor"), !cursor.isEmpty {
            guard let data = Data(base64Encoded: cursor), let id = Int64(String(decoding: data, as: UTF8.self)), id > 0 else {
                throw .validation(.field("cursor", "cursor.invalid", "is not a cursor this API gave out"))
            }
            before = id
        }
        let entries: [AuditEntry]
        do { entries = try audit.entries(beforeID: before, limit: limit) } catch {
            if case .unavailable = error { throw .unavailable("the audit log") }
            logger.error("audit read failed", metadata: ["error": "\(error)"])
            throw .internalError
        }
        let next = entries.count == limit ? entries.last.map { Data(String($0.id).utf8).base64EncodedString() } : nil
        return try json(200, AuditPage(items: entries.map(AuditItem.init), nextCursor: next))
    }
}
