import Foundation
import LinkDomain
import Logging

/// Moves clicks from the spool into the store, exactly once.
///
/// Each batch is the complete lines of one chunk of one file. Its rows and the file's new offset are written
/// in one transaction, so a crash of anything at any moment (a worker, the ingester, MariaDB) leaves either
/// the whole batch with its offset or neither: the next pass starts again from the stored offset. A file that
/// is complete and read to its end is deleted, then forgotten. A malformed line is logged with its position
/// and skipped; it never stops the ingester.
public final class IngestService {
    private let source: SpoolSource
    private let store: ClickStore
    private let clock: Clock
    private let logger: Logger
    private let chunkBytes: Int
    private let addresses: AddressRetention
    private let userAgents: UserAgentClassifier?
    private let geo: GeoLocator?
    private var salts: [String: [UInt8]] = [:]
    /// Referrers repeat: their hosts are parsed once (emptied when it grows large).
    private var referrerHosts: [String: String] = [:]
    /// Clicks and malformed lines since this service started.
    public private(set) var clicksIngested: Int64 = 0
    public private(set) var malformedLines: Int64 = 0

    /// Creates the service; `chunkBytes` bounds one batch (and one transaction); `addresses` is how much of
    /// visitors' addresses is kept; `userAgents` and `geo` enrich each click when given (without them, clicks
    /// are stored without device or place).
    public init(source: SpoolSource, store: ClickStore, clock: Clock, logger: Logger, addresses: AddressRetention = .truncated,
                userAgents: UserAgentClassifier? = nil, geo: GeoLocator? = nil, chunkBytes: Int = 4 << 20) {
        self.addresses = addresses
        self.userAgents = userAgents
        self.geo = geo
        self.source = source
        self.store = store
        self.clock = clock
        self.logger = logger
        self.chunkBytes = chunkBytes
    }

    /// What one pass did and what is left.
    public struct Pass: Sendable, Equatable {
        public var clicks = 0
        public var malformed = 0
        public var filesRemoved = 0
        public var status: IngestStatus
    }

    /// Why a pass stopped early.
    public enum IngestError: Error, Equatable {
        /// The store failed (it is retried on the next pass).
        case store(StoreError)
        /// The spool could not be listed, read or cleaned.
        case spool(String)
    }

    /// Ingests everything the spool holds now; the status is saved at the end.
    public func runOnce() throws(IngestError) -> Pass {
        let files: [SpoolFile]
        do { files = try source.files() } catch { throw .spool("listing the spool failed: \(error)") }
        var offsets: [String: Int64]
        do { offsets = try store.offsets() } catch { throw .store(error) }
        var pass = Pass(status: IngestStatus(heartbeatAt: clock.now, bytesBehind: 0, oldestPendingAt: nil, filesPending: 0,
                                             clicksIngested: 0, malformedLines: 0))
        var removed: Set<String> = []
        for file in files {
            var offset = offsets[file.name] ?? 0
            if offset > file.size {
                logger.error("spool file shorter than its ingested offset; left alone",
                             metadata: ["file": "\(file.name)", "offset": "\(offset)", "size": "\(file.size)"])
                continue
            }
            while offset < file.size {
                let bytes: [UInt8]
                do { bytes = try source.read(file.name, from: offset, max: chunkBytes) } catch {
                    throw .spool("reading \(file.name) failed: \(error)")
                }
                guard !bytes.isEmpty else { break }
                let atEnd = offset + Int64(bytes.count) >= file.size
                let batch = Self.batch(bytes, isLast: file.isComplete && atEnd)
                guard batch.consumed > 0 else { break }  // a line still being written
                for position in batch.malformed {
                    logger.warning("malformed spool line skipped", metadata: ["file": "\(file.name)", "offset": "\(offset + Int64(position))"])
                }
                do {
                    let enriched = try enrich(batch.clicks)
                    try store.ingest(enriched, file: file.name, from: offset, to: offset + Int64(batch.consumed), now: clock.now)
                } catch .duplicate {
                    throw .store(.failed("the ingested offset of \(file.name) moved under this ingester: is another one running?"))
                } catch {
                    throw .store(error)
                }
                offset += Int64(batch.consumed)
                offsets[file.name] = offset
                pass.clicks += batch.clicks.count
                pass.malformed += batch.malformed.count
                clicksIngested += Int64(batch.clicks.count)
                malformedLines += Int64(batch.malformed.count)
            }
            if file.isComplete && offset >= file.size {
                do { try source.remove(file.name) } catch { throw .spool("removing \(file.name) failed: \(error)") }
                offsets[file.name] = nil
                removed.insert(file.name)
                pass.filesRemoved += 1
                do { try store.forget(files: [file.name]) } catch { throw .store(error) }
            }
        }
        // Offsets of files that are gone (deleted after their offset was kept, before it was forgotten). A file
        // missing from this listing may only have been renamed while the directory was read: its offset is
        // forgotten only once the file is confirmed gone under both names, or it would be ingested again.
        let present = Set(files.map(\.name))
        let stale = offsets.keys.filter { !present.contains($0) && !source.exists($0) }
        if !stale.isEmpty {
            do { try store.forget(files: stale.sorted()) } catch { throw .store(error) }
        }
        let left = lag(files.filter { !removed.contains($0.name) }, offsets: offsets)
        pass.status.bytesBehind = left.bytesBehind
        pass.status.filesPending = left.filesPending
        pass.status.oldestPendingAt = left.oldestPendingAt
        pass.status.heartbeatAt = clock.now
        pass.status.clicksIngested = clicksIngested
        pass.status.malformedLines = malformedLines
        do { try store.saveStatus(pass.status) } catch { throw .store(error) }
        return pass
    }

    /// The batch enriched, each click with the salt of its UTC day.
    private func enrich(_ clicks: [ClickRecord]) throws(StoreError) -> [EnrichedClick] {
        var out: [EnrichedClick] = []
        out.reserveCapacity(clicks.count)
        for click in clicks {
            let day = Self.day(click.timeMillis)
            let salt: [UInt8]
            if let known = salts[day] { salt = known } else {
                salt = try store.salt(forDay: day)
                if salts.count > 4 { salts.removeAll() }
                salts[day] = salt
            }
            let host: String
            if let known = referrerHosts[click.referer] { host = known } else {
                host = ClickEnrichment.referrerHost(click.referer)
                if referrerHosts.count >= 10_000 { referrerHosts.removeAll(keepingCapacity: true) }
                referrerHosts[click.referer] = host
            }
            out.append(ClickEnrichment.enrich(click, salt: salt, addresses: addresses,
                                              agent: userAgents?.classify(click.userAgent) ?? .unknown, geo: geo?.locate(click.ip),
                                              referrerHost: host))
        }
        return out
    }

    /// `yyyy-mm-dd` of a UTC instant in ms (no Calendar on the per-click path).
    static func day(_ millis: Int64) -> String { Timestamp.dayText(Timestamp.utcDay(millis: millis)) }

    /// How far the store is behind the spool.
    public struct Lag: Sendable, Equatable {
        /// Spool bytes not ingested yet (a line still being written counts).
        public var bytesBehind: Int64 = 0
        /// Files with bytes not ingested yet.
        public var filesPending = 0
        /// The time of the oldest complete click not ingested yet, if any.
        public var oldestPendingAt: Date?
    }

    /// The lag now, from the spool and the stored offsets: what `shortlinkctl status` shows, even while the
    /// ingester is stopped or failing.
    public func lag() throws(IngestError) -> Lag {
        let files: [SpoolFile]
        do { files = try source.files() } catch { throw .spool("listing the spool failed: \(error)") }
        let offsets: [String: Int64]
        do { offsets = try store.offsets() } catch { throw .store(error) }
        return lag(files, offsets: offsets)
    }

    private func lag(_ files: [SpoolFile], offsets: [String: Int64]) -> Lag {
        var lag = Lag()
        for file in files {
            let offset = offsets[file.name] ?? 0
            guard offset < file.size else { continue }
            lag.bytesBehind += file.size - offset
            lag.filesPending += 1
            if let first = firstPendingTime(file.name, offset), first < (lag.oldestPendingAt ?? .distantFuture) {
                lag.oldestPendingAt = first
            }
        }
        return lag
    }

    /// The time of the first click at `offset` of `name`, when it can be read.
    private func firstPendingTime(_ name: String, _ offset: Int64) -> Date? {
        guard let bytes = try? source.read(name, from: offset, max: 4096), let end = bytes.firstIndex(of: 10),
              let click = SpoolLine.decode(bytes[..<end]) else { return nil }
        return Timestamp.date(millis: click.timeMillis)
    }

    /// The complete lines of a chunk: the clicks, the positions of malformed lines, and the bytes consumed.
    /// `isLast`: the chunk ends the file and nothing will be appended, so a last line without its newline is
    /// malformed (and consumed) rather than still being written.
    static func batch(_ bytes: [UInt8], isLast: Bool) -> (clicks: [ClickRecord], malformed: [Int], consumed: Int) {
        var clicks: [ClickRecord] = []
        var malformed: [Int] = []
        var start = 0
        while start < bytes.count {
            guard let newline = bytes[start...].firstIndex(of: 10) else {
                if isLast {
                    malformed.append(start)
                    start = bytes.count
                }
                break
            }
            if let click = SpoolLine.decode(bytes[start..<newline]) { clicks.append(click) } else { malformed.append(start) }
            start = newline + 1
        }
        return (clicks, malformed, start)
    }
}
