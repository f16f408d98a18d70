import CSystemShim
import Foundation

/// The signal side of a worker process: stop requests are only recorded (async-signal-safe), so that the
/// request in flight finishes; a stop arriving while the worker waits in accept() interrupts it.
public enum WorkerSignals {
    /// Records TERM, INT and QUIT as stop requests; ignores HUP, PIPE, TTIN, TTOU, USR1 and USR2.
    public static func install() {
        for sig in [SIGTERM, SIGINT, SIGQUIT] { _ = shortlink_install_flag_handler(sig) }
        for sig in [SIGHUP, SIGPIPE, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2] { signal(sig, SIG_IGN) }
    }

    /// True once a stop was requested.
    public static var isStopRequested: Bool { shortlink_stop_requested() != 0 }
}
