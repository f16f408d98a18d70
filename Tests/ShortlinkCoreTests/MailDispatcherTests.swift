import Foundation
import Logging
import ShortlinkTestSupport
import Testing
@testable import ShortlinkCore

/// The dispatcher's retry and back-off logic, over an in-memory outbox and a scripted transport.
@Suite struct MailDispatcherTests {
    func make() -> (MailDispatcher, InMemoryOutbox, ScriptedTransport, ManualClock) {
        let clock = ManualClock()
        let outbox = InMemoryOutbox()
        let transport = ScriptedTransport(clock: clock)
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
        clock.advance(seconds: 30)
        #expect(try dispatcher.drain().sent == 1)  // only message 1 was due (2 and 3 wait a minute)
        clock.advance(seconds: 31)
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
        clock.advance(seconds: 61)
        dispatcher.sendQueued(id: 2)
        #expect(outbox.sent.contains(2))
    }
}
