import ShortlinkCore

extension HTTPResponse {
    /// A CSV download: `text/csv`, offered as the file `name`.
    static func csv(header: [String], rows: [[String]], name: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: 200, headers: [("Content-Type", "text/csv; charset=utf-8"),
                                            ("Content-Disposition", "attachment; filename=\"\(name)\"")] + headers,
                     body: CSV.encode(header: header, rows: rows))
    }
}
