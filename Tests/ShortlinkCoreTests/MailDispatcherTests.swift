import Foundation
import Logging
import Testing
@testable import ShortlinkCore

/// The dispatcher's retry and back-off logic, over an in-memory outbox and a scripted transport.
@Suite struct MailDispatcherTests {
    final class Outbox: MailOutbox {
        var mails: [Int64: QueuedMail] = [:]
        var sent: Set<Int64> = []
        var nextAttempt: [Int64: Date] = [:]
        func unsent(id: Int64) throws(StoreError) -> QueuedMail? { sent.contains(id) ? nil : mails[id] }
        func due(now: Date, limit: Int) throws(StoreError) -> [QueuedMail] {
            mails.values.filter { !sent.contains($0.id) && (nextAttempt[$0.id] ?? .distantPast) <= now }.sorted { $0.id < $1.id }
        }
        func markSent(id: Int64, now: Date) throws(StoreError) { sent.insert(id) }
        func markFailed(id: Int64, error: String, nextAttempt: Date) throws(StoreError) {
            mails[id]?.attempts += 1
            self.nextAttempt[id] = nextAttempt
        }
    }

    final class Transport: MailTransport {
        let clock: MovingClock
        var calls = 0
        var failWith: String?
        var takes: TimeInterval = 0
        var messages: [String] = []
        init(clock: MovingClock) { self.clock = clock }
        func send(from: String, to: String, message: [UInt8]) throws(MailTransportError) {
            calls += 1
            clock.now += takes
            if let failWith { throw MailTransportError(failWith) }
            messages.append(String(decoding: message, as: UTF8.self))
        }
    }

    final class MovingClock: Clock, @unchecked Sendable {
        var now = Date(timeIntervalSince1970: 1_800_000_000)
    }

    func make() -> (MailDispatcher, Outbox, Transport, MovingClock) {
        let clock = MovingClock()
        let outbox = Outbox()
        let transport = Transport(clock: clock)
        for id in 1...3 { outbox.mails[Int64(id)] = QueuedMail(id: Int64(id), to: "a\(id)@example.com", subject: "s", body: "b", attempts: 0) }
        return (MailDispatcher(outbox: outbox, transport: transport, from: "shortlink@example.com", clock: clock,
                               logger: Logger(label: "test")), outbox, transport, clock)
    }

    @Test func sentMailIsMarkedAndNotSentTwice() {
        let (dispatcher, outbox, transport, _) = make()
        dispatcher.sendQueued(id: 1)
        dispatcher.sendQueued(id: 1)
        #expect(outbox.sent == [1] && transport.calls == 1)
        #expect(transport.messages[0].contains("To: <a1@example.com>\r\n"))
    }

    @Test func aFailedMessageWaitsWithGrowingBackOffThenTheDrainSendsIt() throws {
        let (dispatcher, outbox, transport, clock) = make()
        transport.failWith = "connection refused"
        dispatcher.sendQueued(id: 2)
        #expect(outbox.mails[2]?.attempts == 1 && outbox.nextAttempt[2] == clock.now.addingTimeInterval(60))
        // A fast refusal does not pause immediate sends of this process.
        dispatcher.sendQueued(id: 3)
        #expect(transport.calls == 2)
        transport.failWith = nil
        clock.now += 30
        #expect(try dispatcher.drain().sent == 1)  // only message 1 was due (2 and 3 wait a minute)
        clock.now += 31
        #expect(try dispatcher.drain().sent == 2)
        #expect(outbox.sent == [1, 2, 3])
    }

    @Test func aSlowFailurePausesImmediateSendsForAMinute() throws {
        let (dispatcher, outbox, transport, clock) = make()
        transport.failWith = "timeout"
        transport.takes = 5
        dispatcher.sendQueued(id: 1)
        #expect(transport.calls == 1)
        transport.failWith = nil
        transport.takes = 0
        dispatcher.sendQueued(id: 2)  // skipped: the server was slow to fail a moment ago
        #expect(transport.calls == 1 && !outbox.sent.contains(2))
        clock.now += 61
        dispatcher.sendQueued(id: 2)
        #expect(outbox.sent.contains(2))
    }
}
