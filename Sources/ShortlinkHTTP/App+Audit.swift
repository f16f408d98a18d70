import Foundation
import LinkDomain
import ShortlinkCore

extension ShortlinkApp {
    /// `GET /api/audit?cursor=&limit=`: the audit log for administrators, newest first.
    func auditLog(_ request: HTTPRequest, _ principal: Principal) throws(Problem) -> HTTPResponse {
        guard principal.isAdmin, principal.has(scope: "admin") else { throw .forbidden(scope: "admin") }
        let limit = try pageLimit(request)
        let before = try cursor(request)
        let entries = try call { () throws(StoreError) in try audit.entries(beforeID: before, limit: limit) }
        return try json(200, CursorPage(items: entries.map(AuditItem.init), lastID: entries.last?.id, limit: limit))
    }
}
