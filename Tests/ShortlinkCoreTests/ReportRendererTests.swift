import Foundation
import LinkDomain
import ShortlinkCore
import Testing

@Suite struct ReportRendererTests {
    static func utc(_ s: String) -> Date { Timestamp.parse(s)! }

    @Test(arguments: [
        ("2026-11-28T00:40:00Z", ReportFrequency.daily, "2026-11-27T00:00:00Z", "2026-11-28T00:00:00Z"),
        ("2026-11-28T23:59:59Z", .weekly, "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"),  // a Saturday
        ("2026-11-23T00:30:00Z", .weekly, "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"),  // the Monday itself
        ("2026-11-22T23:00:00Z", .weekly, "2026-11-09T00:00:00Z", "2026-11-16T00:00:00Z"),  // a Sunday
        ("2027-01-01T00:10:00Z", .daily, "2026-12-31T00:00:00Z", "2027-01-01T00:00:00Z"),
    ])
    func periodsAreTheLastCompleteUTCDayOrWeek(now: String, frequency: ReportFrequency, start: String, end: String) {
        let p = frequency.lastPeriod(before: Self.utc(now))
        #expect(p.start == Self.utc(start) && p.end == Self.utc(end))
    }

    @Test(arguments: [(Int64(120), Int64(100), "+20 %"), (80, 100, "−20 %"), (5, 0, "new"), (0, 0, "no change"), (100, 100, "no change")])
    func changes(now: Int64, before: Int64, expected: String) {
        #expect(ReportRenderer.change(now, before) == expected)
    }

    static let figures = ReportFigures(
        days: (0..<7).map { OwnerDay(day: utc("2026-11-16T00:00:00Z").addingTimeInterval(Double($0) * 86_400), clicks: Int64($0 * 10), bots: 1, uniques: Int64($0)) },
        previousClicks: 140, topLinks: [NamedCount("spring", 120), NamedCount("=cmd|' /C calc'!A0", 90)],
        topCountries: [NamedCount("DE", 150), NamedCount("", 60)], topReferrers: [NamedCount("<script>alert(1)</script>", 10)])

    @Test func theHTMLEscapesEveryNameAndDrawsABarPerDay() {
        let heading = ReportRenderer.Heading(title: "Weekly clicks of a&b", frequency: .weekly, start: Self.utc("2026-11-16T00:00:00Z"),
                                             end: Self.utc("2026-11-23T00:00:00Z"))
        let html = ReportRenderer.html(heading, Self.figures)
        #expect(!html.contains("<script>") && html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && html.contains("a&amp;b"))
        #expect(html.components(separatedBy: "<rect").count - 1 == 7)
        #expect(html.contains("2026-11-16 – 2026-11-22") && html.contains("<strong>210</strong>") && html.contains("+50 %"))
        #expect(html.contains("unknown"))  // a country the database did not know
        let text = ReportRenderer.text(heading, Self.figures)
        #expect(text.contains("Clicks: 210 (+50 % against the week before: 140)") && text.contains("Unique visitors: 21"))
    }

    @Test func theCSVHoldsEveryFigureWithFormulasDefused() {
        let csv = ReportRenderer.csv(Self.figures)
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines.first == "section,name,clicks,uniques" && lines.last == "")
        #expect(lines.contains("day,2026-11-22,60,6") && lines.contains("previous-period,total,140,"))
        #expect(lines.contains("link,\"'=cmd|' /C calc'!A0\",90,") || lines.contains("link,'=cmd|' /C calc'!A0,90,"))
        #expect(lines.contains("country,DE,150,") && lines.contains("referrer,<script>alert(1)</script>,10,"))
    }
}
