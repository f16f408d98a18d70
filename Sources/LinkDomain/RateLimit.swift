/// A fixed-window rate limit: at most `limit` requests per `windowSeconds`, windows aligned to the epoch so
/// that every worker and node counts into the same window.
public struct RateWindow: Sendable, Equatable {
    /// Requests allowed per window.
    public var limit: Int
    /// Window length in seconds.
    public var windowSeconds: Int

    /// Creates a window rule.
    public init(limit: Int, windowSeconds: Int = 60) {
        self.limit = limit
        self.windowSeconds = windowSeconds
    }

    /// The index of the window holding `nowSeconds` (part of the counter key).
    public func index(nowSeconds: Int64) -> Int64 { nowSeconds / Int64(windowSeconds) }

    /// The state after the `count`-th request of the current window, at `nowSeconds`.
    public func state(count: Int, nowSeconds: Int64) -> RateLimitState {
        let reset = Int(Int64(windowSeconds) - nowSeconds % Int64(windowSeconds))
        return RateLimitState(limit: limit, remaining: max(0, limit - count), resetSeconds: reset, isExceeded: count > limit)
    }
}

/// What the `RateLimit-*` headers say, and whether to answer 429.
public struct RateLimitState: Sendable, Equatable {
    /// `RateLimit-Limit`.
    public var limit: Int
    /// `RateLimit-Remaining`.
    public var remaining: Int
    /// `RateLimit-Reset` (and `Retry-After` on a 429): seconds until the window ends.
    public var resetSeconds: Int
    /// True when this request is over the limit.
    public var isExceeded: Bool

    /// The response headers.
    public var headers: [(String, String)] {
        var h = [("RateLimit-Limit", String(limit)), ("RateLimit-Remaining", String(remaining)),
                 ("RateLimit-Reset", String(resetSeconds))]
        if isExceeded { h.append(("Retry-After", String(resetSeconds))) }
        return h
    }
}
