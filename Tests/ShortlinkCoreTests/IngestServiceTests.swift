import Foundation
import Logging
import ShortlinkTestSupport
import Testing
@testable import ShortlinkCore

/// The ingester's rules over an in-memory spool and store: exactly once whatever fails, malformed lines
/// skipped with their position, files removed when done.
@Suite struct IngestServiceTests {
    let spool = InMemorySpool()
    let store = InMemoryClicks()
    let clock = ManualClock()

    func service(chunk: Int = 1 << 20) -> IngestService {
        IngestService(source: spool, store: store, clock: clock, logger: Logger(label: "ingest-tests"), chunkBytes: chunk)
    }

    static func line(_ n: Int, ua: String = "UA") -> String {
        String(decoding: SpoolLine.encode(ClickRecord(timeMillis: 1_800_000_000_000 + Int64(n), linkID: Int64(n % 3 + 1), domainID: 1,
                                                      code: "c\(n)", status: 302, ip: "192.0.2.\(n % 250)", userAgent: ua,
                                                      referer: "")), as: UTF8.self)
    }

    @Test func aLineRoundTripsThroughTheSpoolFormat() {
        let click = ClickRecord(timeMillis: 5, linkID: 7, domainID: 1, code: "abc", status: 301, ip: "2001:db8::1",
                                userAgent: "tab\there\\ and\nnewline é", referer: "https://r.example/?a=1&b=2")
        let bytes = SpoolLine.encode(click)
        #expect(bytes.last == 10 && bytes.filter { $0 == 10 }.count == 1)
        #expect(SpoolLine.decode(bytes.dropLast()) == click)
    }

    @Test func everythingIsIngestedOnceAndCompleteFilesGo() throws {
        for n in 0..<10 { spool.append("a", Self.line(n)) }
        for n in 10..<15 { spool.append("b", Self.line(n)) }
        spool.complete = ["a"]
        let pass = try service(chunk: 300).runOnce()
        #expect(pass.clicks == 15 && store.clicks.map(\.code) == (0..<15).map { "c\($0)" })
        #expect(spool.contents["a"] == nil && store.fileOffsets["a"] == nil && pass.filesRemoved == 1)
        #expect(pass.status.bytesBehind == 0 && pass.status.filesPending == 0)  // a removed file is not pending
        #expect(store.fileOffsets["b"] == Int64(spool.contents["b"]!.count))
        #expect(try service().runOnce().clicks == 0)  // nothing twice
    }

    @Test func aFailureMidPassLosesAndDoublesNothing() throws {
        for n in 0..<40 { spool.append("a", Self.line(n)) }
        spool.complete = ["a"]
        store.failAfter = 2  // the third batch fails
        let ingest = service(chunk: 400)
        #expect(throws: IngestService.IngestError.self) { try ingest.runOnce() }
        let partial = store.clicks.count
        #expect(partial > 0 && partial < 40)
        _ = try ingest.runOnce()
        #expect(store.clicks.map(\.code) == (0..<40).map { "c\($0)" })
    }

    @Test func aSecondIngesterOnTheSameFileIsRefused() throws {
        spool.append("a", Self.line(1))
        let end = Int64(spool.contents["a"]!.count)
        store.concurrentAdvance = ["a": end]  // another ingester took the line between this one's read and write
        #expect(throws: IngestService.IngestError.self) { try service().runOnce() }
        #expect(store.clicks.isEmpty && store.fileOffsets["a"] == end)
    }

    @Test func aLineStillBeingWrittenWaits() throws {
        spool.append("a", Self.line(1) + "1\t1800")  // the second line has no newline yet
        _ = try service().runOnce()
        #expect(store.clicks.count == 1)
        #expect(store.saved?.bytesBehind == 6 && store.saved?.filesPending == 1)
        spool.append("a", "000000002\t1\t1\tc2\t302\t192.0.2.2\tUA\t\n")
        _ = try service().runOnce()
        #expect(store.clicks.map(\.code) == ["c1", "c2"] && store.saved?.bytesBehind == 0)
    }

    @Test func malformedLinesAreSkippedNeverStuck() throws {
        spool.append("a", Self.line(1) + "garbage\n" + "1\tnot-a-time\t1\t1\tc\t302\t\t\t\n" + Self.line(2) + "\u{FF}")
        spool.contents["a"]![Self.line(1).utf8.count + 2] = 0xFF  // invalid UTF-8 inside "garbage"
        spool.complete = ["a"]  // so the trailing fragment without a newline is malformed, not pending
        let pass = try service().runOnce()
        #expect(pass.clicks == 2 && pass.malformed == 3)
        #expect(store.saved?.malformedLines == 3 && spool.contents["a"] == nil)
    }

    /// A file renamed while the directory is read is missing from one listing: its offset must survive, or the
    /// next pass would ingest it again from the start.
    @Test func aFileMissingFromOneListingKeepsItsOffset() throws {
        for n in 0..<3 { spool.append("a", Self.line(n)) }
        _ = try service().runOnce()
        spool.append("a", Self.line(3))
        spool.hiddenOnce = ["a"]
        _ = try service().runOnce()
        #expect(store.fileOffsets["a"] != nil)
        _ = try service().runOnce()
        #expect(store.clicks.map(\.code) == ["c0", "c1", "c2", "c3"])
    }

    @Test func offsetsOfVanishedFilesAreForgotten() throws {
        store.fileOffsets["gone"] = 100
        _ = try service().runOnce()
        #expect(store.fileOffsets.isEmpty)
    }

    @Test func theLagNamesTheBytesAndTheOldestClickNotIngested() throws {
        for n in 0..<3 { spool.append("a", Self.line(n)) }
        spool.append("b", Self.line(7))
        let ingest = service()
        let before = try ingest.lag()
        #expect(before.bytesBehind == Int64(spool.contents["a"]!.count + spool.contents["b"]!.count) && before.filesPending == 2)
        #expect(before.oldestPendingAt == Date(timeIntervalSince1970: 1_800_000_000))
        store.failAfter = 0  // the store is down: the lag stays readable, nothing is lost
        #expect(throws: IngestService.IngestError.self) { try ingest.runOnce() }
        #expect(try ingest.lag() == before)
        _ = try ingest.runOnce()
        #expect(try ingest.lag() == IngestService.Lag())
        #expect(store.saved?.bytesBehind == 0 && store.saved?.clicksIngested == 4)
    }
}

/// The spool's line format: version 2 written, version 1 still read, orphan visits.
@Suite struct SpoolLineTests {
    @Test func versionTwoCarriesTheQueryTheDestinationAndDoNotTrack() {
        let click = ClickRecord(timeMillis: 9, linkID: 4, domainID: 1, code: "q", status: 302, ip: "192.0.2.1", userAgent: "UA",
                                referer: "", query: "utm_source=a\tb", location: "https://example.com/?x=1", doNotTrack: true)
        let line = SpoolLine.encode(click)
        #expect(line.first == UInt8(ascii: "2") && SpoolLine.decode(line.dropLast()) == click)
    }

    @Test func versionOneLinesAreStillRead() {
        let v1 = Array("1\t1800000000000\t7\t1\tabc\t302\t192.0.2.1\tUA\thttps://r.example/".utf8)
        #expect(SpoolLine.decode(v1[...]) == ClickRecord(timeMillis: 1_800_000_000_000, linkID: 7, domainID: 1, code: "abc", status: 302,
                                                         ip: "192.0.2.1", userAgent: "UA", referer: "https://r.example/"))
    }

    @Test func anOrphanVisitMayHaveNoCodeALinkMayNot() {
        let orphan = ClickRecord(timeMillis: 1, linkID: 0, domainID: 1, code: "", status: 200, ip: "", userAgent: "", referer: "")
        #expect(SpoolLine.decode(SpoolLine.encode(orphan).dropLast())?.isOrphan == true)
        #expect(SpoolLine.decode(Array("2\t1\t5\t1\t\t302\t\t\t\t\t\t".utf8)[...]) == nil)
    }

    @Test func longFieldsAreCutOnACharacterBoundary() {
        let agent = String(repeating: "é", count: 600)  // 1,200 bytes
        let click = ClickRecord(timeMillis: 1, linkID: 1, domainID: 1, code: "a", status: 302, ip: "", userAgent: agent, referer: "")
        let back = SpoolLine.decode(SpoolLine.encode(click).dropLast())
        #expect(back?.userAgent == String(repeating: "é", count: 512))
    }

    @Test(arguments: ["3\t1\t1\t1\ta\t302\t\t\t", "2\t1\t1\t1\ta\t302\t\t\t\t\t\t1", "2\tx\t1\t1\ta\t302\t\t\t\t\t\t", "2\t1\t-1\t1\ta\t302\t\t\t\t\t\t"])
    func malformedLinesAreRefused(_ text: String) {
        #expect(SpoolLine.decode(Array(text.utf8)[...]) == nil)
    }
}

@Suite struct IngestDayTests {
    @Test(arguments: [(Int64(0), "1970-01-01"), (86_399_999, "1970-01-01"), (86_400_000, "1970-01-02"), (-1, "1969-12-31"),
                      (1_800_000_000_000, "2027-01-15"), (951_782_400_000, "2000-02-29"), (4_107_542_400_000, "2100-03-01")])
    func utcDays(_ millis: Int64, _ day: String) {
        #expect(IngestService.day(millis) == day)
    }
}
