import CSystemShim

/// A 64-bit counter in memory shared by the master and every worker it forks (created before the fork).
/// Reading it costs an atomic load, no syscall: the redirect path can afford it on every request.
public final class SharedMemoryCounter: @unchecked Sendable {
    private let pointer: UnsafeMutablePointer<UInt64>

    /// Maps the counter; call in the master before forking. Nil when mmap fails.
    public init?() {
        guard let raw = shortlink_shared_counter_create() else { return nil }
        pointer = UnsafeMutableRawPointer(raw).assumingMemoryBound(to: UInt64.self)
    }

    /// The current value.
    public func load() -> UInt64 {
        UInt64(shortlink_counter_load(UnsafeRawPointer(pointer).assumingMemoryBound(to: CUnsignedLongLong.self)))
    }

    /// Adds one.
    public func increment() {
        _ = shortlink_counter_increment(UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: CUnsignedLongLong.self))
    }
}
