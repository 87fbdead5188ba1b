internal import Yams

/// A YAML value with its position, typed by the YAML 1.2 core schema.
///
/// The spec layer converts Yams' `Node` (not `Sendable`, resolved with YAML 1.1 rules) into this tree at once, so
/// that `yes`, `on` and `0755` stay strings exactly as JSON Schema validators that read YAML 1.2 see them.
public struct SpecNode: Sendable {
    /// The value of a node.
    public indirect enum Value: Sendable {
        /// `~`, `null` or an empty value.
        case null
        /// `true` or `false`.
        case bool(Bool)
        /// An integer; `value` is `nil` when it does not fit 64 bits.
        case integer(text: String, value: Int64?)
        /// A floating-point number.
        case float(text: String)
        /// A string (every quoted scalar is one).
        case string(String)
        /// A mapping, keys in document order.
        case mapping([Entry])
        /// A sequence.
        case sequence([SpecNode])
    }

    /// One key of a mapping, with the position of the key itself.
    public struct Entry: Sendable {
        /// The key text.
        public var key: String
        /// Where the key is written.
        public var keyLocation: SourceLocation
        /// The value under the key.
        public var value: SpecNode
    }

    /// The value.
    public var value: Value
    /// Where the value starts.
    public var location: SourceLocation

    /// The type name used in messages: "a string", "a mapping", ...
    public var typeDescription: String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .integer: "an integer"
        case .float: "a number"
        case .string: "a string"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    /// The entries, when this is a mapping.
    public var entries: [Entry]? {
        if case .mapping(let entries) = value { return entries }
        return nil
    }

    /// The value under `key`, when this is a mapping that has it.
    public subscript(key: String) -> SpecNode? {
        entries?.first { $0.key == key }?.value
    }

    /// The string, when this is a string.
    public var string: String? {
        if case .string(let text) = value { return text }
        return nil
    }
}

/// Limits that keep hostile input from exhausting memory or time while converting YAML.
struct SpecNodeLimits {
    /// Most nodes visited in one document, alias expansions included (stops "billion laughs").
    var maxNodes = 20_000
    /// Deepest nesting accepted.
    var maxDepth = 64
    /// Most bytes of scalar text in one document, alias expansions included (stops a long value repeated by
    /// aliases). Four times ``SpecLoader/maxFileSize``, so only aliases can reach it from a file.
    var maxTextBytes = 4 * SpecLoader.maxFileSize
}

/// Converts Yams nodes into ``SpecNode`` trees, counting nodes against ``SpecNodeLimits``.
struct SpecNodeConverter {
    let file: String
    let limits: SpecNodeLimits
    private(set) var visited = 0

    init(file: String, limits: SpecNodeLimits = SpecNodeLimits()) {
        self.file = file
        self.limits = limits
    }

    enum Failure: Error {
        case tooManyNodes(SourceLocation)
        case tooDeep(SourceLocation)
        case tooMuchText(SourceLocation)
        case nonScalarKey(SourceLocation)
    }

    mutating func convert(_ node: Node, depth: Int = 0) throws(Failure) -> SpecNode {
        visited += 1
        let location = self.location(of: node.mark)
        guard visited <= limits.maxNodes else { throw .tooManyNodes(location) }
        guard depth <= limits.maxDepth else { throw .tooDeep(location) }
        switch node {
        case .scalar(let scalar):
            return SpecNode(value: Self.resolve(scalar), location: location)
        case .sequence(let sequence):
            var items: [SpecNode] = []
            items.reserveCapacity(sequence.count)
            for item in sequence {
                items.append(try convert(item, depth: depth + 1))
            }
            return SpecNode(value: .sequence(items), location: location)
        case .mapping(let mapping):
            var entries: [SpecNode.Entry] = []
            for (key, value) in mapping {
                visited += 1
                guard case .scalar(let keyScalar) = key else { throw .nonScalarKey(self.location(of: key.mark)) }
                let converted = try convert(value, depth: depth + 1)
                entries.append(SpecNode.Entry(key: keyScalar.string, keyLocation: self.location(of: key.mark), value: converted))
            }
            return SpecNode(value: .mapping(entries), location: location)
        case .alias:
            // Yams resolves aliases while composing; an unresolved alias cannot reach here.
            return SpecNode(value: .null, location: location)
        }
    }

    func location(of mark: Mark?) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// Types a scalar by the YAML 1.2 core schema; quoted scalars and explicit `!!str` are strings.
    static func resolve(_ scalar: Node.Scalar) -> SpecNode.Value {
        let text = scalar.string
        let explicitTag = scalar.tag.description
        if explicitTag == "tag:yaml.org,2002:str" { return .string(text) }
        guard scalar.style == .plain || scalar.style == .any else { return .string(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "-.inf", "+.inf", "-.Inf", "+.Inf", ".nan", ".NaN", ".NAN": return .float(text: text)
        default: break
        }
        if isInteger(text) { return .integer(text: text, value: integerValue(text)) }
        if isFloat(text) { return .float(text: text) }
        return .string(text)
    }

    static func isInteger(_ text: String) -> Bool {
        var body = Substring(text)
        if body.hasPrefix("0o") { return body.count > 2 && body.dropFirst(2).allSatisfy { ("0"..."7").contains($0) } }
        if body.hasPrefix("0x") { return body.count > 2 && body.dropFirst(2).allSatisfy { $0.isHexDigit } }
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        return !body.isEmpty && body.allSatisfy { $0.isASCII && $0.isNumber }
    }

    static func integerValue(_ text: String) -> Int64? {
        if text.hasPrefix("0o") { return Int64(text.dropFirst(2), radix: 8) }
        if text.hasPrefix("0x") { return Int64(text.dropFirst(2), radix: 16) }
        return Int64(text.hasPrefix("+") ? String(text.dropFirst()) : text)
    }

    static func isFloat(_ text: String) -> Bool {
        var body = Substring(text)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        var mantissa = body
        var exponent: Substring?
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            exponent = body[body.index(after: e)...]
        }
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard !mantissa.isEmpty, parts.count <= 2, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            parts.contains(where: { !$0.isEmpty })
        else { return false }
        if let exponent {
            var digits = exponent
            if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
            return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
        }
        return parts.count == 2
    }
}
