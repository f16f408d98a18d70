import Testing
@testable import Prefork

@Suite struct PoolStateMachineTests {
    /// Carries out spawns with made-up pids, as the loop would.
    func apply(_ actions: [PoolAction], to m: inout PoolStateMachine, now: Double, nextPID: inout Int32) {
        for case .spawn(let n) in actions {
            for _ in 0..<n { m.spawned(pid: nextPID, now: now); nextPID += 1 }
        }
    }

    @Test func startFillsThePool() {
        var m = PoolStateMachine(desired: 3, stopTimeout: 10)
        #expect(m.start(now: 0) == [.spawn(count: 3)])
    }

    @Test func aDeadWorkerIsReplaced() {
        var m = PoolStateMachine(desired: 2, stopTimeout: 10)
        var pid: Int32 = 100
        apply(m.start(now: 0), to: &m, now: 0, nextPID: &pid)
        let (actions, uptime, crash) = m.workerExited(pid: 100, status: .signaled(9), now: 50)
        #expect(actions == [.spawn(count: 1)])
        #expect(uptime == 50)
        #expect(crash)
    }

    @Test func aRecycledWorkerIsReplacedAndIsNoCrash() {
        var m = PoolStateMachine(desired: 1, stopTimeout: 10)
        var pid: Int32 = 100
        apply(m.start(now: 0), to: &m, now: 0, nextPID: &pid)
        let r = m.workerExited(pid: 100, status: .exited(0), now: 5)
        #expect(r.actions == [.spawn(count: 1)])
        #expect(!r.isCrash)
    }

    @Test func aCrashBurstBacksOffInsteadOfForkStorming() {
        var m = PoolStateMachine(desired: 1, stopTimeout: 10)
        var pid: Int32 = 100
        var now = 0.0
        apply(m.start(now: now), to: &m, now: now, nextPID: &pid)
        var spawnsDuringBurst = 0
        for _ in 0..<20 {
            now += 0.1
            let victim = m.workers.keys.first!
            let r = m.workerExited(pid: victim, status: .exited(1), now: now)
            apply(r.actions, to: &m, now: now, nextPID: &pid)
            if m.workers.isEmpty {
                // Backing off: ticks before the deadline spawn nothing.
                #expect(m.tick(now: now) == [])
                now = m.backoffUntil
                let t = m.tick(now: now)
                #expect(t == [.spawn(count: 1)])
                apply(t, to: &m, now: now, nextPID: &pid)
            }
            spawnsDuringBurst += 1
        }
        #expect(m.backoffUntil > 0)
        #expect(now > 10)  // 20 crashes took more than the bare 2 s they would take without back-off
    }

    @Test func reloadStartsANewGenerationThenRetiresTheOld() {
        var m = PoolStateMachine(desired: 2, stopTimeout: 10)
        var pid: Int32 = 100
        apply(m.start(now: 0), to: &m, now: 0, nextPID: &pid)
        let actions = m.reload(desired: 3, now: 1)
        #expect(actions == [.spawn(count: 3), .stopGracefully([100, 101])])
        apply(actions, to: &m, now: 1, nextPID: &pid)
        #expect(m.generation == 2)
        // An old worker leaving is expected: no replacement, no crash.
        let r = m.workerExited(pid: 100, status: .exited(0), now: 2)
        #expect(r.actions == [])
        #expect(!r.isCrash)
        #expect(m.activeCount == 3)
    }

    @Test func ttinAndTtouChangeTheCountButNeverBelowOne() {
        var m = PoolStateMachine(desired: 1, stopTimeout: 10)
        var pid: Int32 = 100
        apply(m.start(now: 0), to: &m, now: 0, nextPID: &pid)
        #expect(m.decrease() == [])
        let up = m.increase(now: 1)
        #expect(up == [.spawn(count: 1)])
        apply(up, to: &m, now: 1, nextPID: &pid)
        #expect(m.decrease() == [.stopGracefully([101])])
        #expect(m.desired == 1)
    }

    @Test func stopIsGracefulThenKillsAtTheDeadline() {
        var m = PoolStateMachine(desired: 2, stopTimeout: 10)
        var pid: Int32 = 100
        apply(m.start(now: 0), to: &m, now: 0, nextPID: &pid)
        #expect(m.stop(now: 100) == [.stopGracefully([100, 101])])
        #expect(m.stop(now: 101) == [])  // a second signal changes nothing
        #expect(m.workerExited(pid: 100, status: .exited(0), now: 102).actions == [])
        #expect(m.tick(now: 105) == [])
        #expect(m.tick(now: 110) == [.kill([101])])
        #expect(m.workerExited(pid: 101, status: .signaled(9), now: 110.1).actions == [.exit])
    }

    @Test func noRespawnWhileStopping() {
        var m = PoolStateMachine(desired: 1, stopTimeout: 10)
        var pid: Int32 = 100
        apply(m.start(now: 0), to: &m, now: 0, nextPID: &pid)
        _ = m.stop(now: 1)
        #expect(m.reload(desired: 4, now: 1.5) == [])
        #expect(m.increase(now: 1.5) == [])
        #expect(m.workerExited(pid: 100, status: .signaled(9), now: 2).actions == [.exit])
    }
}
