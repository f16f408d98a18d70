import CFastCGI

import Foundation

/// A libfcgi responder on an already-listening socket: accept a request, read its params and body,
/// write the answer. One request at a time; the `FCGX_Request` lives at one address for the whole life
/// of the object, as libfcgi keeps pointers into it.
public final class FastCGIConnection {
    private let request: UnsafeMutablePointer<FCGX_Request>
    private let listenFD: Int32
    private let epollFD: Int32
    private var waitMask = sigset_t()

    /// Prepares a responder on `listenFD`.
    ///
    /// Stop signals must be blocked by the caller: they are let in only while `accept()` waits for a
    /// connection (epoll_pwait swaps the mask atomically), so a signal can never interrupt the reads and
    /// writes of a request in flight. The listening socket is made non-blocking (every worker shares it):
    /// a worker that loses the race for a connection goes back to waiting instead of blocking in accept(2).
    public init(listenFD: Int32, stopSignals: [Int32]) {
        FCGX_Init()
        self.listenFD = listenFD
        request = .allocate(capacity: 1)
        request.initialize(to: FCGX_Request())
        FCGX_InitRequest(request, listenFD, 0)
        _ = fcntl(listenFD, F_SETFL, fcntl(listenFD, F_GETFL) | O_NONBLOCK)
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        var event = epoll_event()
        event.events = UInt32(EPOLLIN.rawValue) | (1 << 28)  // EPOLLEXCLUSIVE: wake one waiter, not the herd
        event.data.fd = listenFD
        _ = epoll_ctl(epollFD, EPOLL_CTL_ADD, listenFD, &event)
        pthread_sigmask(SIG_SETMASK, nil, &waitMask)
        for sig in stopSignals { sigdelset(&waitMask, sig) }
    }

    deinit {
        FCGX_Free(request, 1)
        request.deallocate()
        close(epollFD)
    }

    /// Finishes the previous request and waits for the next; false when a stop signal arrived meanwhile.
    public func accept(isStopRequested: () -> Bool) -> Bool {
        FCGX_Finish_r(request)
        while true {
            if isStopRequested() { return false }
            var event = epoll_event()
            let n = epoll_pwait(epollFD, &event, 1, -1, &waitMask)
            if n < 0 {
                if errno == EINTR { continue }  // a signal: the loop checks whether it asked us to stop
                return false
            }
            if isStopRequested() { return false }
            if FCGX_Accept_r(request) >= 0 { return true }
            // Another worker took the connection (EAGAIN), or it was aborted: wait again.
        }
    }

    /// Ends the current request: flushes the answer and closes or keeps the connection as nginx asked.
    ///
    /// With `linger` (the libfcgi default) the close is a half-close followed by a wait for nginx to close
    /// its end, which protects a request whose body was not read. A request that sent no body (GET, HEAD)
    /// has nothing unread, and can skip that wait: one wake-up and three syscalls fewer.
    public func finish(linger: Bool = true) {
        if !linger { FCGX_Detach(request) }
        FCGX_Finish_r(request)
    }

    /// The FastCGI param `name` (e.g. `REQUEST_METHOD`, `HTTP_ACCEPT`), or nil.
    @inline(__always)
    public func param(_ name: StaticString) -> String? {
        guard let envp = request.pointee.envp else { return nil }
        let raw = name.withUTF8Buffer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { FCGX_GetParam($0, envp) }
        }
        return raw.map { String(cString: $0) }
    }

    /// The FastCGI param `name` for a name built at run time.
    public func param(named name: String) -> String? {
        guard let envp = request.pointee.envp, let raw = FCGX_GetParam(name, envp) else { return nil }
        return String(cString: raw)
    }

    /// Reads up to `limit` bytes of request body; nil when the body is longer than `limit`.
    public func readBody(limit: Int) -> [UInt8]? {
        var out: [UInt8] = []
        var chunk = [CChar](repeating: 0, count: 8192)
        while true {
            let n = FCGX_GetStr(&chunk, Int32(chunk.count), request.pointee.in)
            if n <= 0 { break }
            if out.count + Int(n) > limit { return nil }
            chunk.withUnsafeBytes { out.append(contentsOf: $0.prefix(Int(n))) }
        }
        return out
    }

    /// Writes raw CGI response bytes (`Status:` line, headers, blank line, body).
    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                    _ = FCGX_PutStr($0, Int32(buf.count), request.pointee.out)
                }
            }
        }
    }
}
