import Foundation
import LinkDomain

/// A report's three forms, pure: an HTML page with an inline SVG bar chart (drawn by the mail client itself:
/// nothing to download, so it shows with remote images blocked) and tables, a plain-text summary, and a CSV
/// of every figure. Every name is escaped.
public enum ReportRenderer {
    /// What the report is of.
    public struct Heading: Sendable {
        public var title: String
        public var frequency: ReportFrequency
        public var start: Date
        public var end: Date

        /// Creates a heading.
        public init(title: String, frequency: ReportFrequency, start: Date, end: Date) {
            self.title = title
            self.frequency = frequency
            self.start = start
            self.end = end
        }

        /// `2026-11-23 – 2026-11-29` (the last day included).
        var range: String {
            let first = day(start), last = day(end.addingTimeInterval(-86_400))
            return first == last ? first : "\(first) – \(last)"
        }
    }

    static func day(_ d: Date) -> String { String(Timestamp.format(d).prefix(10)) }

    /// The change against the previous period, in words (`+25 %`, `−10 %`, `new`, `no change`).
    public static func change(_ now: Int64, _ before: Int64) -> String {
        if before == 0 { return now == 0 ? "no change" : "new" }
        let percent = (Double(now - before) / Double(before) * 100).rounded()
        if percent == 0 { return "no change" }
        return percent > 0 ? "+\(Int(percent)) %" : "−\(Int(-percent)) %"
    }

    public static func text(_ h: Heading, _ f: ReportFigures) -> String {
        var lines = ["\(h.title): clicks \(h.range) (UTC)", "",
                     "Clicks: \(f.clicks) (\(change(f.clicks, f.previousClicks)) against the \(h.frequency == .daily ? "day" : "week") before: \(f.previousClicks))",
                     "Unique visitors: \(f.days.reduce(0) { $0 + $1.uniques })", ""]
        for (title, rows) in [("Top links", f.topLinks), ("Top countries", f.topCountries), ("Top referrers", f.topReferrers)] where !rows.isEmpty {
            lines.append(title + ":")
            lines += rows.map { "  \($0.name.isEmpty ? "(none)" : $0.name): \($0.clicks)" }
            lines.append("")
        }
        lines.append("The CSV attached holds every figure. Reports are kept for download in the API (/api/reports).")
        return lines.joined(separator: "\n")
    }

    public static func html(_ h: Heading, _ f: ReportFigures) -> String {
        func esc(_ s: String) -> String {
            var out = ""
            for c in s.unicodeScalars {
                switch c {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                case "'": out += "&#39;"
                default: out.unicodeScalars.append(c)
                }
            }
            return out
        }
        func table(_ title: String, _ rows: [NamedCount], empty: String) -> String {
            guard !rows.isEmpty else { return "<h2>\(esc(title))</h2><p>None in this period.</p>" }
            return "<h2>\(esc(title))</h2><table style=\"border-collapse:collapse\">"
                + rows.map { "<tr><td style=\"padding:2px 12px 2px 0\">\(esc($0.name.isEmpty ? empty : $0.name))</td><td style=\"text-align:right\">\($0.clicks)</td></tr>" }.joined()
                + "</table>"
        }
        let uniques = f.days.reduce(0) { $0 + $1.uniques }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(esc(h.title))</title></head>
            <body style="font-family:sans-serif;color:#1a1a1a;max-width:640px">
            <h1 style="font-size:20px">\(esc(h.title))</h1>
            <p>Clicks \(esc(h.range)) (UTC)</p>
            <p style="font-size:28px;margin:8px 0"><strong>\(f.clicks)</strong> clicks
            <span style="font-size:16px">(\(esc(change(f.clicks, f.previousClicks))) against the \(h.frequency == .daily ? "day" : "week") before: \(f.previousClicks))</span></p>
            <p>\(uniques) unique visitors</p>
            \(chart(f.days))
            \(table("Top links", f.topLinks, empty: "(none)"))
            \(table("Top countries", f.topCountries, empty: "unknown"))
            \(table("Top referrers", f.topReferrers, empty: "direct or unknown"))
            <p style="color:#555;font-size:12px">The CSV attached holds every figure. Reports are kept for download in the API (/api/reports).</p>
            </body></html>
            """
    }

    /// A bar chart of the clicks per day, as inline SVG with a text label per bar (so it reads without colour).
    static func chart(_ days: [OwnerDay]) -> String {
        let width = 600, height = 160, top = 20, bottom = 30
        let peak = max(1, days.map(\.clicks).max() ?? 1)
        let slot = Double(width) / Double(max(1, days.count))
        var bars = ""
        for (i, d) in days.enumerated() {
            let h = Double(height - top - bottom) * Double(d.clicks) / Double(peak)
            let x = Double(i) * slot
            let y = Double(height - bottom) - h
            bars += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#2b6cb0\"><title>%@: %lld</title></rect>",
                           x + slot * 0.1, y, slot * 0.8, h, day(d.day), d.clicks)
            bars += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%lld</text>", x + slot / 2, y - 3, d.clicks)
            if days.count <= 16 || i % max(1, days.count / 8) == 0 {
                bars += String(format: "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%@</text>", x + slot / 2, height - 12,
                               String(day(d.day).suffix(5)))
            }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"Clicks per day\">\(bars)</svg>"
    }

    /// Every figure as CSV rows `section,name,clicks,uniques` (`CSV`: quoting, formulas defused).
    public static func csv(_ f: ReportFigures) -> String {
        var rows = f.days.map { ["day", day($0.day), String($0.clicks), String($0.uniques)] }
        rows.append(["previous-period", "total", String(f.previousClicks), ""])
        for (section, counts) in [("link", f.topLinks), ("country", f.topCountries), ("referrer", f.topReferrers)] {
            rows += counts.map { [section, $0.name, String($0.clicks), ""] }
        }
        return String(decoding: CSV.encode(header: ["section", "name", "clicks", "uniques"], rows: rows), as: UTF8.self)
    }
}
