import Telemetry

/// Something that happened during an incident, in the order it happened: deploys, alerts
/// starting and resolving, targets going down, operator notes. The timeline the incident
/// commander reads and the post-incident review starts from.
public struct TimelineEvent: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case deploy, alertPending, alertFiring, alertResolved, targetDown, targetUp, note
        /// An operator acknowledged an alert, or took an acknowledgement back.
        case acknowledged
        /// A silence was made, ended early, or expired.
        case silenced
        /// A runbook was opened, or one of its steps ticked off.
        case runbook
        /// A command was confirmed, dry-run, or ended.
        case command
    }
    public var time: Timestamp
    public var kind: Kind
    /// The model the event concerns, if any.
    public var model: String?
    public var summary: String

    public init(time: Timestamp, kind: Kind, model: String? = nil, summary: String) {
        self.time = time; self.kind = kind; self.model = model; self.summary = summary
    }
}

/// An append-only, bounded list of timeline events.
public struct Timeline: Hashable, Sendable {
    public private(set) var events: [TimelineEvent] = []
    public private(set) var droppedCount = 0
    public let capacity: Int

    public init(capacity: Int = 10_000) { self.capacity = capacity }

    public mutating func append(_ event: TimelineEvent) {
        events.append(event)
        if events.count > capacity {
            events.removeFirst(events.count - capacity)
            droppedCount += 1
        }
    }

    public func events(for model: String) -> [TimelineEvent] { events.filter { $0.model == model } }
}
