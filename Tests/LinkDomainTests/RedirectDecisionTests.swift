import Foundation
import Testing
@testable import LinkDomain

@Suite struct RedirectDecisionTests {
    func snapshot(_ type: RedirectType = .found, active: Bool = true, expires: Int64? = nil) -> LinkSnapshot {
        LinkSnapshot(id: 9, redirectType: type, isActive: active, expiresAtMillis: expires, longURL: "https://example.com/x")
    }

    @Test(arguments: RedirectType.allCases)
    func redirectsWithTheLinksStatus(_ type: RedirectType) {
        #expect(RedirectDecision.decide(snapshot(type), nowMillis: 1000)
            == .redirect(type, location: "https://example.com/x", linkID: 9))
    }

    @Test func unknownIsNotFound() {
        #expect(RedirectDecision.decide(nil, nowMillis: 0) == .notFound)
    }

    @Test(arguments: [(999, false), (1000, true), (1001, true)] as [(Int64, Bool)])
    func expiresAtTheInstant(_ now: Int64, _ gone: Bool) {
        let d = RedirectDecision.decide(snapshot(expires: 1000), nowMillis: now)
        #expect((d == .gone(.expired)) == gone)
    }

    @Test func disabledIsGoneEvenBeforeExpiry() {
        #expect(RedirectDecision.decide(snapshot(active: false, expires: 5000), nowMillis: 1) == .gone(.deactivated))
    }

    @Test func defaultTypeIs302() { #expect(RedirectType.default.rawValue == 302) }
}

@Suite struct ExpiryRulesTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: ["2030-01-01T00:00:00Z", "2030-01-01T00:00:00.000Z", "2030-01-01T02:00:00+02:00"])
    func acceptsFutureISODates(_ text: String) throws {
        let d = try ExpiryRules.validate(text, now: now)
        #expect(Timestamp.format(d) == "2030-01-01T00:00:00.000Z")
    }

    @Test(arguments: [("2020-01-01T00:00:00Z", "date.past"), ("tomorrow", "date.invalid"), ("2030-13-01T00:00:00Z", "date.invalid"), ("", "date.invalid")])
    func rejects(_ text: String, _ code: String) {
        var got: String?
        do { _ = try ExpiryRules.validate(text, now: now) } catch { got = error.errors.first?.code }
        #expect(got == code)
    }

    @Test func nowItselfIsNotInTheFuture() {
        var got: String?
        do { _ = try ExpiryRules.validate(Timestamp.format(now), now: now) } catch { got = error.errors.first?.code }
        #expect(got == "date.past")
    }
}
