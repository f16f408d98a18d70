import Foundation

/// The FastCGI listening socket: inherited from systemd (LISTEN_FDS) or created at `path`.
public struct ListenSocket {
    /// The listening descriptor.
    public let fd: Int32
    /// The path we created (and remove at exit), nil when inherited.
    public let createdPath: String?

    /// Takes fd 3 from systemd socket activation when LISTEN_PID is us, otherwise binds `path` with `mode`.
    public static func open(path: String, mode: UInt32, backlog: Int32 = 1024) throws -> ListenSocket {
        let env = ProcessInfo.processInfo.environment
        if let fds = env["LISTEN_FDS"], Int(fds) ?? 0 >= 1, env["LISTEN_PID"].flatMap({ Int32($0) }) == getpid() {
            unsetenv("LISTEN_FDS")
            unsetenv("LISTEN_PID")
            unsetenv("LISTEN_FDNAMES")
            return ListenSocket(fd: 3, createdPath: nil)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket", errno) }
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFSOCK else {
                close(fd)
                throw SocketError("refusing to replace non-socket \(path)", EEXIST)
            }
            unlink(path)
        }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            close(fd)
            throw SocketError("socket path too long", ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let rc = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw SocketError("bind \(path)", e)
        }
        chmod(path, mode_t(mode))
        guard listen(fd, backlog) == 0 else {
            let e = errno
            close(fd)
            throw SocketError("listen", e)
        }
        return ListenSocket(fd: fd, createdPath: path)
    }
}

/// A socket call failed.
public struct SocketError: Error, CustomStringConvertible {
    /// The call and errno.
    public let description: String
    init(_ call: String, _ code: Int32) { description = "\(call): \(String(cString: strerror(code)))" }
}
