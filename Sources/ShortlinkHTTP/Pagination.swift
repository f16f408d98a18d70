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
