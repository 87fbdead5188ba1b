/// The keys of the flat JSON form of the state enumerations: `{"state": "live", ...}`.
private enum StateKeys: String, CodingKey {
    case state, info, uuid, message, live, reason, entries, fstype, source, pid
}

extension MetadataState: Codable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: StateKeys.self)
        switch self {
        case .missing: try container.encode("missing", forKey: .state)
        case .unformatted: try container.encode("unformatted", forKey: .state)
        case .formatted(let info):
            try container.encode("formatted", forKey: .state)
            try container.encode(info, forKey: .info)
        case .unreadable(let message):
            try container.encode("unreadable", forKey: .state)
            try container.encode(message, forKey: .message)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: StateKeys.self)
        switch try container.decode(String.self, forKey: .state) {
        case "missing": self = .missing
        case "unformatted": self = .unformatted
        case "formatted": self = .formatted(try container.decode(FormatInfo.self, forKey: .info))
        default: self = .unreadable(try container.decodeIfPresent(String.self, forKey: .message) ?? "")
        }
    }
}

extension StorageState: Codable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: StateKeys.self)
        switch self {
        case .empty: try container.encode("empty", forKey: .state)
        case .holdsVolume(let uuid):
            try container.encode("holdsVolume", forKey: .state)
            try container.encode(uuid, forKey: .uuid)
        case .unknown(let message):
            try container.encode("unknown", forKey: .state)
            try container.encode(message, forKey: .message)
        case .remote(let endpoint):
            try container.encode("remote", forKey: .state)
            try container.encode(endpoint, forKey: .message)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: StateKeys.self)
        switch try container.decode(String.self, forKey: .state) {
        case "empty": self = .empty
        case "holdsVolume": self = .holdsVolume(uuid: try container.decode(String.self, forKey: .uuid))
        case "remote": self = .remote(endpoint: try container.decode(String.self, forKey: .message))
        default: self = .unknown(try container.decodeIfPresent(String.self, forKey: .message) ?? "")
        }
    }
}

extension MountState: Codable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: StateKeys.self)
        switch self {
        case .absent: try container.encode("absent", forKey: .state)
        case .live(let mount):
            try container.encode("live", forKey: .state)
            try container.encode(mount, forKey: .live)
        case .stale(let reason, let entries):
            try container.encode("stale", forKey: .state)
            try container.encode(reason, forKey: .reason)
            try container.encode(entries, forKey: .entries)
        case .unresponsive(let reason, let pid):
            try container.encode("unresponsive", forKey: .state)
            try container.encode(reason, forKey: .reason)
            try container.encode(pid, forKey: .pid)
        case .foreign(let fstype, let source):
            try container.encode("foreign", forKey: .state)
            try container.encode(fstype, forKey: .fstype)
            try container.encode(source, forKey: .source)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: StateKeys.self)
        switch try container.decode(String.self, forKey: .state) {
        case "live": self = .live(try container.decode(LiveMount.self, forKey: .live))
        case "stale":
            self = .stale(
                reason: try container.decode(String.self, forKey: .reason), entries: try container.decode(Int.self, forKey: .entries))
        case "unresponsive":
            self = .unresponsive(
                reason: try container.decode(String.self, forKey: .reason), pid: try container.decode(Int32.self, forKey: .pid))
        case "foreign":
            self = .foreign(
                fstype: try container.decode(String.self, forKey: .fstype), source: try container.decode(String.self, forKey: .source))
        default: self = .absent
        }
    }
}
