import Foundation
import Testing
@testable import LinkDomain

/// Hourly counts summed into the viewer's hours, days, weeks and months, across daylight-saving changes.
@Suite struct ClickSeriesTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!
    static func utc(_ text: String) -> Date { Timestamp.parse(text)! }

    @Test func daysAreTheViewersDaysAcrossTheAutumnChange() {
        // Paris leaves summer time on 2026-10-25 at 03:00 (01:00 UTC): that day has 25 hours.
        var hourly: [ClickSeries.Hour] = []
        var t = Self.utc("2026-10-24T22:00:00Z")  // Paris midnight of the 25th
        while t < Self.utc("2026-10-26T23:00:00Z") {
            hourly.append(ClickSeries.Hour(hour: t, clicks: 1, uniques: 1))
            t = t.addingTimeInterval(3600)
        }
        let points = ClickSeries.points(hourly: hourly, from: Self.utc("2026-10-24T22:00:00Z"), to: Self.utc("2026-10-26T23:00:00Z"),
                                        interval: .day, in: Self.paris)
        #expect(points.map(\.start) == [Self.utc("2026-10-24T22:00:00Z"), Self.utc("2026-10-25T23:00:00Z")])
        #expect(points.map(\.clicks) == [25, 24])
        #expect(points.map(\.uniques) == [25, 24])
    }

    @Test func theSameHoursAreOtherDaysInUTC() {
        let hourly: [ClickSeries.Hour] = [ClickSeries.Hour(hour: Self.utc("2026-10-24T22:00:00Z"), clicks: 5), ClickSeries.Hour(hour: Self.utc("2026-10-25T01:00:00Z"), clicks: 2)]
        let utc = ClickSeries.points(hourly: hourly, from: Self.utc("2026-10-24T00:00:00Z"), to: Self.utc("2026-10-26T00:00:00Z"),
                                     interval: .day, in: TimeZone(identifier: "UTC")!)
        #expect(utc.map(\.clicks) == [5, 2])
        let paris = ClickSeries.points(hourly: hourly, from: Self.utc("2026-10-24T00:00:00Z"), to: Self.utc("2026-10-26T00:00:00Z"),
                                       interval: .day, in: Self.paris)
        #expect(paris.map(\.clicks) == [0, 7, 0])  // both hours fall on Paris's 25th; the 24th and 26th are shown, empty
    }

    @Test func weeksStartOnMondayAndMonthsOnTheFirst() {
        let sunday = Self.utc("2026-11-29T12:00:00Z")
        #expect(ClickSeries.bucketStart(sunday, .week, in: Self.paris) == Self.utc("2026-11-22T23:00:00Z"))  // Monday 23rd, Paris
        #expect(ClickSeries.bucketStart(sunday, .month, in: Self.paris) == Self.utc("2026-10-31T23:00:00Z"))
        let months = ClickSeries.points(hourly: [], from: Self.utc("2026-01-15T00:00:00Z"), to: Self.utc("2026-04-01T00:00:00Z"),
                                        interval: .month, in: TimeZone(identifier: "UTC")!)
        #expect(months.count == 3 && months.allSatisfy { $0.clicks == 0 })
    }

    @Test func hoursOutsideTheRangeAreLeftOut() {
        let hourly: [ClickSeries.Hour] = [ClickSeries.Hour(hour: Self.utc("2026-01-01T00:00:00Z"), clicks: 1), ClickSeries.Hour(hour: Self.utc("2026-01-01T05:00:00Z"), clicks: 1),
                                                     ClickSeries.Hour(hour: Self.utc("2026-01-01T06:00:00Z"), clicks: 1)]
        let points = ClickSeries.points(hourly: hourly, from: Self.utc("2026-01-01T01:00:00Z"), to: Self.utc("2026-01-01T06:00:00Z"),
                                        interval: .hour, in: TimeZone(identifier: "UTC")!)
        #expect(points.count == 5 && points.map(\.clicks).reduce(0, +) == 1)
    }
}
