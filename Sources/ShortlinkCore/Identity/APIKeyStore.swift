import Foundation
import LinkDomain

/// Looks up API keys by the SHA-256 of the presented secret.
public protocol APIKeyStore: AnyObject {
    /// The principal for a key hash, or nil when no active key matches.
    func principal(forKeyHash hash: [UInt8]) throws(StoreError) -> Principal?
}
