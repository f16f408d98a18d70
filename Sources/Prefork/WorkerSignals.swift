import CSystemShim
import Foundation

/// The signal side of a worker process: stop requests are only recorded (async-signal-safe) and are
/// blocked except while the worker waits for a connection, so the request in flight always finishes.
public enum WorkerSignals {
    /// The signals that ask a worker to stop.
    public static let stopSignals: [Int32] = [SIGTERM, SIGINT, SIGQUIT]

    /// Records TERM, INT and QUIT as stop requests and blocks them (the connection wait lets them in);
    /// ignores HUP, PIPE, TTIN, TTOU, USR1 and USR2.
    public static func install() {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in stopSignals {
            _ = shortlink_install_flag_handler(sig)
            sigaddset(&set, sig)
        }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        for sig in [SIGHUP, SIGPIPE, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2] { signal(sig, SIG_IGN) }
    }

    /// For a job process (the ingester): TERM, INT and QUIT are recorded as stop requests and left unblocked,
    /// so they cut a sleep short; the job checks `isStopRequested` between batches. HUP and PIPE are ignored.
    public static func installForJob() {
        for sig in stopSignals { _ = shortlink_install_flag_handler(sig) }
        for sig in [SIGHUP, SIGPIPE] { signal(sig, SIG_IGN) }
    }

    /// True once a stop was requested.
    public static var isStopRequested: Bool { shortlink_stop_requested() != 0 }
}
