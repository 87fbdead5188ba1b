public import Foundation

/// One line of a volume's event log (`<baseDir>/.juicectl/events.jsonl`): an action with its result and duration,
/// the end of a run that changed something, a condition that changed, a spec that was rejected, or the reconciler
/// starting and stopping.
public struct VolumeEvent: Sendable, Hashable, Codable {
    /// What the event records.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// One action: `action`, `target`, `result`, `durationMs`.
        case action
        /// A run that ran actions, or a pass that failed: `result` (converged, failed, blocked, ...), `durationMs`.
        case reconcile
        /// A condition changed: `condition`, `status`, `reason`.
        case condition
        /// A spec was rejected (the last good one stays in force) or accepted again.
        case spec
        /// `juicectl run` started, reloaded or stopped.
        case daemon
    }

    /// When, in UTC.
    public var time: Date
    /// The volume.
    public var volume: String
    /// The spec revision in force.
    public var revision: String?
    /// Which program wrote it: `cli`, `run` or `library`.
    public var actor: String
    /// The operation: `apply`, `down`, `checkpoint create`, `restore`, `run`, ...
    public var operation: String
    /// What it records.
    public var kind: Kind
    /// For actions: the action kind (`mount`, `set-quota`, ...).
    public var action: String?
    /// For actions: the target.
    public var target: String?
    /// For conditions: the condition type.
    public var condition: String?
    /// For conditions: the new status.
    public var status: Bool?
    /// CamelCase reason, where one applies.
    public var reason: String?
    /// `done`, `skipped`, `failed`, `not-run`; for runs `converged`, `changed`, `failed`, `blocked`, `interrupted`.
    public var result: String?
    /// What happened, for people.
    public var message: String
    /// How long it took.
    public var durationMs: Int64?
    /// For a quiesced checkpoint: how long the sandbox's cgroups were frozen.
    public var frozenMs: Int64?

    /// Creates an event.
    public init(
        time: Date, volume: String, revision: String?, actor: String, operation: String, kind: Kind,
        action: String? = nil, target: String? = nil, condition: String? = nil, status: Bool? = nil,
        reason: String? = nil, result: String? = nil, message: String, durationMs: Int64? = nil, frozenMs: Int64? = nil
    ) {
        self.frozenMs = frozenMs
        self.time = time
        self.volume = volume
        self.revision = revision
        self.actor = actor
        self.operation = operation
        self.kind = kind
        self.action = action
        self.target = target
        self.condition = condition
        self.status = status
        self.reason = reason
        self.result = result
        self.message = message
        self.durationMs = durationMs
    }

    /// The event as one JSON line (keys sorted, UTC times with milliseconds), without the newline.
    public func jsonLine() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Self.timestamp(date))
        }
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads one JSON line; `nil` when it is not an event (a torn last line after a crash).
    public static func parse(_ line: Substring) -> VolumeEvent? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = parseTimestamp(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a timestamp: \(text)"))
            }
            return date
        }
        return try? decoder.decode(VolumeEvent.self, from: Data(line.utf8))
    }

    /// `2026-11-26T00:00:00.123Z`.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
