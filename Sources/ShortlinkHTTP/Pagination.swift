import Foundation

/// A page of a list ordered by descending row id, with the opaque cursor of the next page
/// (`nextCursor` is null on the last page).
struct CursorPage<Item: Encodable>: Encodable {
    let items: [Item]
    let nextCursor: String?

    /// A page of `items` read with `limit`; `lastID` is the row id of the last item.
    init(items: [Item], lastID: Int64?, limit: Int) {
        self.items = items
        nextCursor = items.count == limit ? lastID.map { Data(String($0).utf8).base64EncodedString() } : nil
    }

    enum Keys: String, CodingKey { case items, nextCursor }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

extension ShortlinkApp {
    /// `limit` (1…200, default 50) from the query.
    func pageLimit(_ request: HTTPRequest) throws(Problem) -> Int {
        guard let raw = request.queryValue("limit") else { return 50 }
        guard let n = Int(raw), (1...200).contains(n) else {
            throw .validation(.field("limit", "limit.range", "must be an integer from 1 to 200"))
        }
        return n
    }

    /// The row id an opaque `cursor` stands for, or nil for the first page.
    func cursor(_ request: HTTPRequest) throws(Problem) -> Int64? {
        guard let cursor = request.queryValue("cursor"), !cursor.isEmpty else { return nil }
        guard let data = Data(base64Encoded: cursor), let id = Int64(String(decoding: data, as: UTF8.self)), id > 0 else {
            throw .validation(.field("cursor", "cursor.invalid", "is not a cursor this API gave out"))
        }
        return id
    }
}
