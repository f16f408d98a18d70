import Foundation
import LinkDomain
import ShortlinkCore

/// What a handler gets: the request, the path's parameters, the caller the route admitted, and the strict
/// readers of body and query every handler shares.
public struct RequestContext {
    /// The request.
    public let request: HTTPRequest
    /// The path parameters of the matched pattern, by name.
    let parameters: [String: String]
    /// The identified caller; nil only on `.anyone` routes without a credential.
    public let principal: Principal?
    /// The largest body accepted.
    let maxBody: Int

    /// A path parameter of the route's pattern (always present: the pattern matched).
    func parameter(_ name: String) -> String { parameters[name] ?? "" }

    /// The caller; 401 when none (only reachable on `.anyone` routes that use a caller when there is one).
    func caller() throws(Problem) -> Principal {
        guard let principal else { throw .unauthenticated }
        return principal
    }

    /// The client's address as nginx saw it.
    var clientIP: String { request.remoteAddress }

    /// The request body as a JSON object: 415 unless `application/json` (UTF-8), 413 when too large, 400
    /// when malformed.
    func jsonBody() throws(Problem) -> JSONObject {
        guard let type = MediaType(parsing: request.header("content-type") ?? ""), type.isJSON else {
            throw .unsupportedMediaType
        }
        if let length = request.contentLength, length > maxBody { throw .tooLarge(maxBody) }
        guard let bytes = request.readBody(maxBody) else { throw .tooLarge(maxBody) }
        return try JSONObject(parsing: bytes)
    }

    /// The JSON body's fields as `read` takes them, every field error collected on the way: 422 naming each.
    func fields<T>(_ read: (JSONObject, inout [FieldError]) -> T) throws(Problem) -> T {
        let body = try jsonBody()
        var errors: [FieldError] = []
        let value = read(body, &errors)
        try validate(errors)
        return value
    }

    /// `limit` (1…200, default 50) from the query.
    func pageLimit() throws(Problem) -> Int {
        guard let raw = request.queryValue("limit") else { return 50 }
        guard let n = Int(raw), (1...200).contains(n) else {
            throw .validation(.field("limit", "limit.range", "must be an integer from 1 to 200"))
        }
        return n
    }

    /// One page of a list read newest first: `limit` and `cursor` from the query, `read(beforeID, limit)`,
    /// then the items as `body` with the next page's cursor.
    func cursorPage<Item, Body: Encodable, E: HTTPResponseError>(
        _ read: (_ beforeID: Int64?, _ limit: Int) throws(E) -> [Item], id: KeyPath<Item, Int64>, as body: (Item) -> Body
    ) throws(Problem) -> HTTPResponse {
        let limit = try pageLimit()
        let before = try cursor()
        let items = try call { () throws(E) in try read(before, limit) }
        return try .json(200, CursorPage(items: items.map(body), lastID: items.last?[keyPath: id], limit: limit))
    }

    /// The row id an opaque `cursor` stands for, or nil for the first page.
    private func cursor() throws(Problem) -> Int64? {
        guard let cursor = request.queryValue("cursor"), !cursor.isEmpty else { return nil }
        guard let data = Data(base64Encoded: cursor), let id = Int64(String(decoding: data, as: UTF8.self)), id > 0 else {
            throw .validation(.field("cursor", "cursor.invalid", "is not a cursor this API gave out"))
        }
        return id
    }
}

extension HTTPResponse {
    /// `value` as JSON (sorted keys, slashes unescaped) with `status` and extra `headers`.
    static func json<T: Encodable>(_ status: Int, _ value: T, headers: [(String, String)] = []) throws(Problem) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { throw .internal("encoding \(T.self) failed") }
        return HTTPResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(data))
    }

    /// 204 No Content.
    static var noContent: HTTPResponse { HTTPResponse(status: 204) }
}

extension JSONObject {
    /// A string member that must be present and non-empty (a field error otherwise, named `<key>.required`).
    func required(_ key: String, _ errors: inout [FieldError]) -> String {
        let value = string(key, errors: &errors)
        guard case .value(let s) = value, !s.isEmpty else {
            if !errors.contains(where: { $0.field == key }) {
                errors.append(FieldError(field: key, code: "\(key).required", message: "is required"))
            }
            return ""
        }
        return s
    }
}

/// Throws 422 with every field error collected, if any.
func validate(_ errors: [FieldError]) throws(Problem) {
    guard errors.isEmpty else { throw .validation(ValidationError(errors)) }
}

extension PatchField {
    /// The value, or nil when absent or null.
    var valueOrNil: Value? {
        if case .value(let v) = self { return v }
        return nil
    }
}
