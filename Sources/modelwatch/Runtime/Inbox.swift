import Dashboard
import Synchronization

/// Messages produced off the main loop (finished scrapes), waiting to be folded in.
final class Inbox: Sendable {
    private let pending = Mutex<[Msg]>([])

    func post(_ msg: Msg) { pending.withLock { $0.append(msg) } }

    func drain() -> [Msg] { pending.withLock { msgs in defer { msgs.removeAll() }; return msgs } }
}
