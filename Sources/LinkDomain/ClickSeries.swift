import Foundation

/// Click counts over time, in the viewer's time zone: hourly counts (UTC hours, as the rollups keep them)
/// summed into hours, days, weeks (from Monday) or months that start at the viewer's local midnight, so that
/// "a day" is the user's day, across daylight-saving changes too.
public enum ClickSeries {
    /// The width of one point.
    public enum Interval: String, Sendable, CaseIterable {
        case hour, day, week, month

        /// The longest range a series of this interval may span, so that one answer stays small.
        public var maxRangeSeconds: TimeInterval {
            switch self {
            case .hour: return 31 * 86_400
            case .day: return 732 * 86_400
            case .week, .month: return 3 * 366 * 86_400
            }
        }
    }

    /// One point: the bucket's start, the clicks in it, and the visitors first seen on their UTC day in it.
    public struct Point: Sendable, Equatable {
        public var start: Date
        public var clicks: Int64
        public var uniques: Int64
        public init(start: Date, clicks: Int64, uniques: Int64 = 0) {
            self.start = start
            self.clicks = clicks
            self.uniques = uniques
        }
    }

    /// The rollups' counts of one UTC hour.
    public struct Hour: Sendable, Equatable {
        public var hour: Date
        public var clicks: Int64
        /// Visitors whose first click of their UTC day fell in this hour (so a UTC day's sum is its uniques).
        public var uniques: Int64
        public init(hour: Date, clicks: Int64, uniques: Int64 = 0) {
            self.hour = hour
            self.clicks = clicks
            self.uniques = uniques
        }
    }

    /// The start of the bucket holding `date`.
    public static func bucketStart(_ date: Date, _ interval: Interval, in zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .iso8601)  // weeks start on Monday
        calendar.timeZone = zone
        switch interval {
        case .hour: return calendar.dateInterval(of: .hour, for: date)?.start ?? date
        case .day: return calendar.startOfDay(for: date)
        case .week: return calendar.dateInterval(of: .weekOfYear, for: date)?.start ?? date
        case .month: return calendar.dateInterval(of: .month, for: date)?.start ?? date
        }
    }

    /// Every bucket from the one holding `from` up to `to` (exclusive), each with the sum of the hourly
    /// counts whose hour starts in it; empty buckets are zero, so a chart has no gaps.
    public static func points(hourly: [Hour], from: Date, to: Date, interval: Interval,
                              in zone: TimeZone) -> [Point] {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = zone
        let component: Calendar.Component
        switch interval {
        case .hour: component = .hour
        case .day: component = .day
        case .week: component = .weekOfYear
        case .month: component = .month
        }
        var starts: [Date] = []
        var cursor = bucketStart(from, interval, in: zone)
        while cursor < to {
            starts.append(cursor)
            guard let next = calendar.date(byAdding: component, value: 1, to: cursor), next > cursor else { break }
            cursor = next
        }
        var points = starts.map { Point(start: $0, clicks: 0) }
        guard !points.isEmpty else { return [] }
        for h in hourly where h.hour >= starts[0] && h.hour < to {
            let hour = h.hour
            // The last bucket starting at or before this hour.
            var lo = 0, hi = starts.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if starts[mid] <= hour { lo = mid } else { hi = mid - 1 }
            }
            points[lo].clicks += h.clicks
            points[lo].uniques += h.uniques
        }
        return points
    }
}
