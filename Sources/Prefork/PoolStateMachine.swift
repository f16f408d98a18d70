import Foundation

/// How a worker process ended.
public enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    /// `exit=N` or `signal=N`.
    public var description: String {
        switch self {
        case .exited(let c): return "exit=\(c)"
        case .signaled(let s): return "signal=\(s)"
        }
    }
}

/// What the supervisor loop must do next; the state machine only decides.
public enum PoolAction: Equatable, Sendable {
    /// Fork `count` workers of the current generation.
    case spawn(count: Int)
    /// Ask these workers to finish their request and exit (SIGTERM).
    case stopGracefully([Int32])
    /// Kill these workers now (SIGKILL).
    case kill([Int32])
    /// Everything is stopped: leave the master loop.
    case exit
}

/// The worker pool as a pure state machine (in the manner of unicorn and PHP-FPM): it is told what happened
/// (started, a worker exited, a signal, the clock moved) and answers with actions. Time is passed in.
public struct PoolStateMachine: Sendable {
    /// The master's phase. Precedence: stopping beats everything.
    public enum Phase: Equatable, Sendable {
        case running
        case stopping(deadline: Double)
    }

    /// A live worker.
    public struct Worker: Equatable, Sendable {
        public var generation: Int
        public var startedAt: Double
        /// True once told to stop (so its exit is expected, not a crash).
        public var isRetiring: Bool
    }

    /// Crashes within `crashWindow` seconds that start a back-off.
    public static let crashBurst = 5
    /// The window for counting crashes.
    public static let crashWindow: Double = 10
    /// Longest back-off between spawns during a crash burst.
    public static let maxBackoff: Double = 30

    public private(set) var phase: Phase = .running
    public private(set) var desired: Int
    public private(set) var generation = 1
    public private(set) var workers: [Int32: Worker] = [:]
    /// No spawns before this instant (crash back-off).
    public private(set) var backoffUntil: Double = 0
    private var recentCrashes: [Double] = []
    private var backoff: Double = 0
    private let stopTimeout: Double

    /// A pool of `desired` workers whose graceful stop waits `stopTimeout` seconds before killing.
    public init(desired: Int, stopTimeout: Double) {
        self.desired = max(1, desired)
        self.stopTimeout = stopTimeout
    }

    /// Workers of the current generation that are not retiring.
    public var activeCount: Int {
        workers.values.filter { $0.generation == generation && !$0.isRetiring }.count
    }

    /// The loop forked a worker.
    public mutating func spawned(pid: Int32, now: Double) {
        workers[pid] = Worker(generation: generation, startedAt: now, isRetiring: false)
    }

    /// Start-up: fill the pool.
    public mutating func start(now: Double) -> [PoolAction] { fill(now: now) }

    /// A worker exited. Returns the actions, and whether it was a crash (for the log).
    public mutating func workerExited(pid: Int32, status: ExitStatus, now: Double) -> (actions: [PoolAction], uptime: Double, isCrash: Bool) {
        guard let w = workers.removeValue(forKey: pid) else { return ([], 0, false) }
        let uptime = now - w.startedAt
        let isCrash = !w.isRetiring && status != .exited(0)
        if isCrash {
            recentCrashes.append(now)
            recentCrashes.removeAll { now - $0 > Self.crashWindow }
            if recentCrashes.count >= Self.crashBurst {
                backoff = backoff == 0 ? 1 : min(backoff * 2, Self.maxBackoff)
                backoffUntil = now + backoff
            }
        } else if recentCrashes.isEmpty {
            backoff = 0
        }
        if case .stopping = phase {
            return (workers.isEmpty ? [.exit] : [], uptime, isCrash)
        }
        return (fill(now: now), uptime, isCrash)
    }

    /// The clock moved: spawn after a back-off, escalate a stop past its deadline.
    public mutating func tick(now: Double) -> [PoolAction] {
        switch phase {
        case .running:
            recentCrashes.removeAll { now - $0 > Self.crashWindow }
            return fill(now: now)
        case .stopping(let deadline):
            if workers.isEmpty { return [.exit] }
            if now >= deadline { return [.kill(Array(workers.keys).sorted())] }
            return []
        }
    }

    /// HUP with a valid new config: a new generation of `desired` workers starts, the old ones retire
    /// once the new ones are forked (both accept on the same socket, so no request is refused).
    public mutating func reload(desired newDesired: Int, now: Double) -> [PoolAction] {
        guard phase == .running else { return [] }
        desired = max(1, newDesired)
        let old = workers.filter { $0.value.generation == generation }.map(\.key).sorted()
        generation += 1
        for pid in old { workers[pid]?.isRetiring = true }
        backoffUntil = 0
        var actions = fill(now: now)
        if !old.isEmpty { actions.append(.stopGracefully(old)) }
        return actions
    }

    /// TTIN: one worker more.
    public mutating func increase(now: Double) -> [PoolAction] {
        guard phase == .running else { return [] }
        desired += 1
        return fill(now: now)
    }

    /// TTOU: one worker less (never below one); the youngest retires.
    public mutating func decrease() -> [PoolAction] {
        guard phase == .running, desired > 1 else { return [] }
        desired -= 1
        let current = workers.filter { $0.value.generation == generation && !$0.value.isRetiring }
        guard current.count > desired, let youngest = current.max(by: { $0.value.startedAt < $1.value.startedAt })?.key else { return [] }
        workers[youngest]?.isRetiring = true
        return [.stopGracefully([youngest])]
    }

    /// TERM, INT or QUIT: every worker finishes its request and exits; past the deadline they are killed.
    public mutating func stop(now: Double) -> [PoolAction] {
        if case .stopping = phase { return [] }
        phase = .stopping(deadline: now + stopTimeout)
        if workers.isEmpty { return [.exit] }
        for pid in workers.keys { workers[pid]?.isRetiring = true }
        return [.stopGracefully(Array(workers.keys).sorted())]
    }

    /// Workers to re-signal while stopping (a stop signal can race with a worker entering accept()).
    public var retiringPIDs: [Int32] { workers.filter(\.value.isRetiring).map(\.key).sorted() }

    private mutating func fill(now: Double) -> [PoolAction] {
        guard phase == .running else { return [] }
        let missing = desired - activeCount
        guard missing > 0 else { return [] }
        if now < backoffUntil { return [] }
        // During a crash burst, bring workers back one at a time, `backoff` seconds apart.
        if recentCrashes.count >= Self.crashBurst {
            backoffUntil = now + backoff
            return [.spawn(count: 1)]
        }
        return [.spawn(count: missing)]
    }
}
