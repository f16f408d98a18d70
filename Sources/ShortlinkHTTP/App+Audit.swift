import Foundation
import LinkDomain
import ShortlinkCore

extension ShortlinkApp {
    /// `GET /api/audit?cursor=&limit=`: the audit log for administrators, newest first.
    func auditLog(_ request: HTTPRequest, _ principal: Principal) throws(Problem) -> HTTPResponse {
        guard principal.isAdmin, principal.has(scope: "admin") else { throw .forbidden(scope: "admin") }
        let limit = try pageLimit(request)
        let before = try cursor(request)
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
