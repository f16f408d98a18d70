import CSystemShim
import Foundation
import Logging

/// The settings the supervisor needs; re-read on HUP.
public struct PoolSettings: Sendable {
    /// Worker count.
    public var workers: Int
    /// Graceful stop deadline, seconds.
    public var stopTimeout: Double

    /// Creates settings.
    public init(workers: Int, stopTimeout: Double) {
        self.workers = workers
        self.stopTimeout = stopTimeout
    }
}

/// The prefork master: opens nothing itself but the loop. It forks workers (before any thread exists),
/// takes signals synchronously with `sigtimedwait`, reaps children and carries out the state machine's
/// actions. The signal contract is in README.md:
/// HUP reload · TERM/INT/QUIT graceful stop with deadline, then KILL · TTIN/TTOU one worker more/less.
public final class Supervisor {
    private var machine: PoolStateMachine
    private let logger: Logger
    private let reloadSettings: () -> PoolSettings?
    private let runWorker: (_ generation: Int) -> Never
    private let notifier = SystemdNotifier()
    private var lastResignal: Double = 0

    /// Creates a supervisor. `reloadSettings` re-reads the config on HUP (nil when invalid: the old workers
    /// keep serving). `runWorker` is the body of a forked worker and never returns.
    public init(settings: PoolSettings, logger: Logger, reloadSettings: @escaping () -> PoolSettings?,
                runWorker: @escaping (_ generation: Int) -> Never) {
        machine = PoolStateMachine(desired: settings.workers, stopTimeout: settings.stopTimeout)
        self.logger = logger
        self.reloadSettings = reloadSettings
        self.runWorker = runWorker
    }

    private static let handled: [Int32] = [SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGTTIN, SIGTTOU, SIGCHLD]

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Runs the master loop until a stop completes; returns the process exit code.
    public func run() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        var set = sigset_t()
        sigemptyset(&set)
        for s in Self.handled { sigaddset(&set, s) }
        sigprocmask(SIG_BLOCK, &set, nil)

        logger.info("master started", metadata: ["pid": "\(getpid())", "workers": "\(machine.desired)"])
        var ready = false
        perform(machine.start(now: Self.now()))
        while true {
            var info = siginfo_t()
            var timeout = timespec(tv_sec: 0, tv_nsec: 200_000_000)
            let sig = sigtimedwait(&set, &info, &timeout)
            let now = Self.now()
            if sig > 0 { handle(signal: sig, now: now) }
            if reap(now: now) { return 0 }
            if !ready && machine.activeCount >= machine.desired {
                ready = true
                notifier.notify("READY=1\nSTATUS=serving with \(machine.desired) workers\nMAINPID=\(getpid())")
            }
            let actions = machine.tick(now: now)
            if perform(actions) { return 0 }
            // A stop signal can reach a worker just before it blocks in accept(); repeat it to every
            // retiring worker (after a reload, TTOU or stop) until it has gone.
            if now - lastResignal >= 1 {
                lastResignal = now
                for pid in machine.retiringPIDs { kill(pid, SIGTERM) }
            }
        }
    }

    private func handle(signal sig: Int32, now: Double) {
        switch sig {
        case SIGHUP:
            logger.notice("reload requested")
            notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(Int64(now * 1_000_000))")
            if let settings = reloadSettings() {
                perform(machine.reload(desired: settings.workers, now: now))
                logger.notice("reloaded", metadata: ["generation": "\(machine.generation)", "workers": "\(settings.workers)"])
            } else {
                logger.error("reload failed: invalid config, old workers keep serving")
            }
            notifier.notify("READY=1\nSTATUS=serving with \(machine.desired) workers")
        case SIGTERM, SIGINT, SIGQUIT:
            logger.notice("graceful stop requested", metadata: ["signal": "\(sig)"])
            notifier.notify("STOPPING=1")
            lastResignal = now
            perform(machine.stop(now: now))
        case SIGTTIN:
            perform(machine.increase(now: now))
            logger.notice("worker count raised", metadata: ["workers": "\(machine.desired)"])
        case SIGTTOU:
            perform(machine.decrease())
            logger.notice("worker count lowered", metadata: ["workers": "\(machine.desired)"])
        default:
            break  // SIGCHLD: reaped below.
        }
    }

    /// Collects exited workers; true when the pool is done.
    private func reap(now: Double) -> Bool {
        var done = false
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { break }
            let exit: ExitStatus = (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
            let (actions, uptime, isCrash) = machine.workerExited(pid: pid, status: exit, now: now)
            var meta: Logger.Metadata = ["pid": "\(pid)", "uptime_s": "\(String(format: "%.1f", uptime))"]
            switch exit {
            case .exited(let code): meta["exit_code"] = "\(code)"
            case .signaled(let sig): meta["signal"] = "\(sig)"
            }
            if isCrash {
                logger.error("worker died", metadata: meta)
                if machine.backoffUntil > now {
                    logger.warning("crash burst: backing off", metadata: ["seconds": "\(String(format: "%.1f", machine.backoffUntil - now))"])
                }
            } else {
                logger.info("worker exited", metadata: meta)
            }
            if perform(actions) { done = true }
        }
        return done
    }

    /// Carries out actions; true when told to exit.
    @discardableResult
    private func perform(_ actions: [PoolAction]) -> Bool {
        for action in actions {
            switch action {
            case .spawn(let count):
                for _ in 0..<count { spawn() }
            case .stopGracefully(let pids):
                for pid in pids { kill(pid, SIGTERM) }
            case .kill(let pids):
                for pid in pids {
                    logger.warning("worker missed the stop deadline: killing", metadata: ["pid": "\(pid)"])
                    kill(pid, SIGKILL)
                }
            case .exit:
                logger.notice("master stopped")
                return true
            }
        }
        return false
    }

    private func spawn() {
        let master = getpid()
        let generation = machine.generation
        let pid = fork()
        if pid == 0 {
            shortlink_reset_signals()
            _ = shortlink_set_parent_death_signal(SIGTERM)
            if getppid() != master { exit(0) }  // the master died between fork and prctl
            runWorker(generation)
        }
        if pid < 0 {
            logger.error("fork failed", metadata: ["errno": "\(errno)"])
            return
        }
        machine.spawned(pid: pid, now: Self.now())
        logger.info("worker started", metadata: ["pid": "\(pid)", "generation": "\(generation)"])
    }
}
