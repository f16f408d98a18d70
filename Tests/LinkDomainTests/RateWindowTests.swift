import Testing
@testable import LinkDomain

@Suite struct RateWindowTests {
    let rule = RateWindow(limit: 3, windowSeconds: 60)

    @Test func countsUpToTheLimitThenRefuses() {
        #expect(rule.state(count: 1, nowSeconds: 120) == RateLimitState(limit: 3, remaining: 2, resetSeconds: 60, isExceeded: false))
        #expect(rule.state(count: 3, nowSeconds: 150) == RateLimitState(limit: 3, remaining: 0, resetSeconds: 30, isExceeded: false))
        let over = rule.state(count: 4, nowSeconds: 179)
        #expect(over == RateLimitState(limit: 3, remaining: 0, resetSeconds: 1, isExceeded: true))
        #expect(over.headers.map(\.0) == ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"])
    }

    @Test func windowsAreAlignedForEveryWorker() {
        #expect(rule.index(nowSeconds: 119) == 1)
        #expect(rule.index(nowSeconds: 120) == 2)
        #expect(rule.state(count: 1, nowSeconds: 119).headers.count == 3)
    }
}
